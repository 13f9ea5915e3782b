// tools/ort_check.js - ONNX Runtime's accuracy on the bench's reference case (make bench):
//   node tools/ort_check.js DIR MODEL   (MODEL a file in DIR, e.g. model.int8.onnx; ORT_PATH = onnxruntime-node)
// runs DIR/case_s128.input_ids.bin (int32) and compares last_hidden_state with DIR/case_s128.last_hidden_state.bin
// (HF float32): prints `ort_check max_abs=.. min_token_cosine=..`.
const ort = require(process.env.ORT_PATH || 'onnxruntime-node');
const fs = require('fs');
(async () => {
  const dir = process.argv[2], model = process.argv[3] || 'model.onnx';
  const idsBuf = fs.readFileSync(dir + '/case_s128.input_ids.bin');
  const want = new Float32Array(new Uint8Array(fs.readFileSync(dir + '/case_s128.last_hidden_state.bin')).buffer);
  const n = idsBuf.length / 4, ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(idsBuf.readInt32LE(4 * i));
  const s = await ort.InferenceSession.create(dir + '/' + model, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const feeds = { input_ids: new ort.Tensor('int64', ids, [1, n]),
                  attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
                  token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [1, n]) };
  const got = (await s.run(feeds)).last_hidden_state.data, H = want.length / n;
  let maxAbs = 0, minCos = 1;
  for (let t = 0; t < n; t++) {
    let dot = 0, na = 0, nb = 0;
    for (let h = 0; h < H; h++) {
      const a = got[t * H + h], b = want[t * H + h];
      maxAbs = Math.max(maxAbs, Math.abs(a - b));
      dot += a * b; na += a * a; nb += b * b;
    }
    minCos = Math.min(minCos, dot / Math.sqrt(na * nb));
  }
  console.log(`ort_check max_abs=${maxAbs.toPrecision(3)} min_token_cosine=${minCos.toFixed(6)}`);
})();

// Median latency of ONNX Runtime's WebAssembly build (npm onnxruntime-web, the engine transformers.js runs on)
// under node, on an ONNX model: node tools/peer_ort_web.js MODEL.onnx SEQ [THREADS] [BATCH]
// ORT_WEB_PATH: the onnxruntime-web package folder (default: require('onnxruntime-web')).
// PEER_SECONDS: timed seconds (default 6, at least 5 runs). Float32, wasm execution provider, SIMD build,
// graph optimizations on; the same ids as albert-bench (5 + (i * 7919) % 29000, no padding).
// Prints one line: ort-web seq=.. batch=.. threads=.. median_ms=.. runs=..
'use strict';
const ort = require(process.env.ORT_WEB_PATH || 'onnxruntime-web');
(async () => {
  const [model, seq, thr, b] = [process.argv[2], +process.argv[3], +(process.argv[4] || 1), +(process.argv[5] || 1)];
  const secs = +(process.env.PEER_SECONDS || 6);
  ort.env.wasm.numThreads = thr;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
  const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all',
                                                      intraOpNumThreads: thr, interOpNumThreads: 1 });
  const n = b * seq, ids = new BigInt64Array(n), one = new BigInt64Array(n).fill(1n), zero = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(5 + (i * 7919) % 29000);
  const feeds = { input_ids: new ort.Tensor('int64', ids, [b, seq]), attention_mask: new ort.Tensor('int64', one, [b, seq]),
                  token_type_ids: new ort.Tensor('int64', zero, [b, seq]) };
  for (let i = 0; i < 2; i++) await s.run(feeds);
  const ts = [], end = Date.now() + secs * 1000;
  while (Date.now() < end || ts.length < 5) {
    const t = process.hrtime.bigint();
    await s.run(feeds);
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ts.sort((a, c) => a - c);
  console.log(`ort-web seq=${seq} batch=${b} threads=${thr} median_ms=${ts[ts.length >> 1].toFixed(1)} runs=${ts.length}`);
  process.exit(0);
})().catch((e) => { console.error('peer_ort_web: ' + (e && e.stack || e)); process.exit(1); });

# Makes a fine-tuned-style AlbertForSequenceClassification checkpoint from the golden "tiny" model (HF weights)
# plus a random classifier, and the expected logits = classifier(pooler_output) computed here with torch from
# HF's own golden pooler_output (AlbertForSequenceClassification: logits = classifier(dropout(pooled))).
# Run with Debian's python3 (python3-torch): /usr/bin/python3 make.py ../../../../../shared/golden/models/tiny
import json, struct, sys, torch
src = sys.argv[1]
torch.manual_seed(7)
raw = open(src + "/model.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]; hdr = json.loads(raw[8:8 + n]); base = 8 + n
tensors = {}
for k, e in hdr.items():
    if k == "__metadata__" or k.startswith("predictions."): continue
    a, b = e["data_offsets"]
    tensors[k] = (e["shape"], raw[base + a:base + b])
cfg = json.load(open(src + "/config.json"))
H, labels = cfg["hidden_size"], ["negative", "neutral", "positive"]
W = torch.randn(len(labels), H) * 0.3; bias = torch.randn(len(labels)) * 0.1
tensors["classifier.weight"] = (list(W.shape), W.numpy().astype("<f4").tobytes() if hasattr(W, "numpy") else None)
tensors["classifier.bias"] = (list(bias.shape), bias.numpy().astype("<f4").tobytes())
out_hdr, off, blobs = {}, 0, []
for k in sorted(tensors):
    shape, data = tensors[k]
    out_hdr[k] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}; off += len(data); blobs.append(data)
h = json.dumps(out_hdr, separators=(",", ":")).encode(); h += b" " * ((-len(h)) % 8)
open("model.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
cfg["architectures"] = ["AlbertForSequenceClassification"]
cfg["id2label"] = {str(i): l for i, l in enumerate(labels)}; cfg["label2id"] = {l: i for i, l in enumerate(labels)}
json.dump(cfg, open("config.json", "w"), indent=2)
lines = []
for case in ["b1_s7", "b3_pad", "b2_leftpad"]:
    pooled = torch.frombuffer(bytearray(open(f"{src}/cases/{case}.pooler_output.bin", "rb").read()), dtype=torch.float32).view(-1, H)
    logits = pooled.double() @ W.double().T + bias.double()
    open(f"{case}.class_logits.bin", "wb").write(logits.float().numpy().astype("<f4").tobytes())
    lines.append(f"{case} {logits.shape[0]} {len(labels)}")
open("cases.txt", "w").write("# case batch num_labels; inputs in ../tiny/cases/, expected classifier logits in <case>.class_logits.bin\n" + "\n".join(lines) + "\n")

#!/usr/bin/python3
"""Wrapped checkpoints for test_wrapped.c, made with torch from the golden tiny model's weights
(../models/tiny/pytorch_model.bin = HF's AlbertForMaskedLM state dict of ../../shared/golden/models/tiny).
Run with Debian's python3-torch (1.13): /usr/bin/python3 make.py. The expected outputs stay HF's golden
cases of ../models/tiny (the weights are the same tensors, only wrapped differently):
  state_dict.pth  {"state_dict": sd, "epoch": 7, "optimizer": {"state": {0: {...}}, "param_groups": [...]}}
  model.pth       {"model": sd}
  module.pth      DataParallel: {"module." + key: value}
  kokoro.pth      Kokoro layout: {"net": {"bert": {"module.<AlbertModel key>"}, "predictor": {...}}}, with
                  kokoro_config.json {"n_token": 100, "plbert": {...sizes, no vocab_size...}, ...}
  two.pth         {"teacher": sd, "student": sd}: two encoders (needs --submodel)
  none.pth        {"predictor": {...}}: no ALBERT encoder at all
"""
import collections, json, os, torch

here = os.path.dirname(os.path.abspath(__file__))
sd = torch.load(os.path.join(here, "..", "models", "tiny", "pytorch_model.bin"), map_location="cpu")
sd = collections.OrderedDict((k, v.clone()) for k, v in sd.items())
predictor = collections.OrderedDict([("lstm.weight_ih_l0", torch.arange(12, dtype=torch.float32).reshape(3, 4)),
                                     ("lstm.bias_ih_l0", torch.ones(3))])

def save(obj, name):
    torch.save(obj, os.path.join(here, name))

first = next(iter(sd.values()))
save({"state_dict": sd, "epoch": 7,
      "optimizer": {"state": {0: {"step": 3, "exp_avg": torch.zeros_like(first)}},
                    "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0]}]}}, "state_dict.pth")
save({"model": sd}, "model.pth")
save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()), "module.pth")
bert = collections.OrderedDict(("module." + k[len("albert."):], v) for k, v in sd.items() if k.startswith("albert."))
save({"net": {"bert": bert, "predictor": predictor}}, "kokoro.pth")
save({"teacher": sd, "student": sd}, "two.pth")
save({"predictor": predictor}, "none.pth")

config = json.load(open(os.path.join(here, "..", "models", "tiny", "config.json")))
plbert = {k: v for k, v in config.items() if k not in ("vocab_size", "architectures", "model_type", "transformers_version",
                                                         "torch_dtype", "bos_token_id", "eos_token_id", "pad_token_id")}
with open(os.path.join(here, "kokoro_config.json"), "w") as f:
    json.dump({"n_token": config["vocab_size"], "hidden_dim": 512, "plbert": plbert,
               "istftnet": {"upsample_rates": [10, 6]}}, f, indent=2)
with open(os.path.join(here, "config.json"), "w") as f:
    json.dump(config, f, indent=2)

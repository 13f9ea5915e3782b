# Generates the torch.save test files of tests/test_ckpt.c (run once at development time with Debian's
# python3-torch 1.13.1; the tests do not need Python). Every value is defined by arange(), so the test
# computes the expected numbers from the same definitions.
import collections
import torch

base = torch.arange(24, dtype=torch.float32)                     # one storage, many views
views = collections.OrderedDict()
views["offset"] = base[4:10]                                     # storage offset 4, [6]
views["transposed"] = base.view(4, 6).t()                        # [6,4], strides (1,6)
views["strided"] = base.view(4, 6)[1:3, ::2]                     # offset 6, [2,3], strides (6,2)
views["alias"] = base                                            # the whole storage again
views["expanded"] = torch.arange(3, dtype=torch.float32).view(3, 1).expand(3, 4)  # stride 0
views["half"] = torch.arange(6, dtype=torch.float16).view(2, 3) * 0.5
views["bf16"] = torch.arange(4, dtype=torch.bfloat16) - 1.5
views["double"] = torch.arange(5, dtype=torch.float64) / 4
views["long"] = torch.arange(3, dtype=torch.int64) - 1
views["scalar"] = torch.tensor(7.25)
views["empty"] = torch.zeros(0, 3)
torch.save(views, "views_zip.pt")
torch.save(views, "views_legacy.pt", _use_new_zipfile_serialization=False)
torch.save(views, "views_zip_proto4.pt", pickle_protocol=4)

model = torch.nn.Sequential(torch.nn.Linear(3, 2))              # module state dict: OrderedDict + _metadata
with torch.no_grad():
    model[0].weight.copy_(torch.arange(6, dtype=torch.float32).view(2, 3))
    model[0].bias.copy_(torch.tensor([-1.0, 1.0]))
torch.save(model.state_dict(), "module_zip.pt")
torch.save(model.state_dict(), "module_legacy.pt", _use_new_zipfile_serialization=False)

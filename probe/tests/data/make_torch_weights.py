"""Writes the safetensors test data that probe reads (probe/src/weights/state_dict_tests.rs, probe/tests/export_init.rs).

A PyTorch `nn.Linear(3, 2)` encoder as `safetensors.torch.save_file` stores its state_dict
under the prefix "encoder.": `encoder.weight` of shape (2, 3) = (out_features, in_features),
row-major, float32, and `encoder.bias` of shape (2,), with metadata {"format": "pt"}. The
values are exact binary fractions so the test can compare them exactly. A second file holds
only a float16 `weight` (a bare nn.Linear state_dict in half precision, no bias).

This uses `safetensors.numpy` (same file format; torch is not needed to write it):

    pip install safetensors numpy
    python3 probe/tests/data/make_torch_weights.py

With PyTorch installed the same files come from
    lin = torch.nn.Linear(3, 2); lin.weight.data = torch.tensor(W); lin.bias.data = torch.tensor(B)
    safetensors.torch.save_file({"encoder." + k: v for k, v in lin.state_dict().items()}, path)
"""
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

here = Path(__file__).resolve().parent
W = np.array([[0.5, -1.25, 2.0], [0.125, 3.0, -0.75]], dtype=np.float32)
B = np.array([0.0625, -4.0], dtype=np.float32)
save_file({"encoder.weight": W, "encoder.bias": B}, str(here / "torch_linear_3to2.safetensors"), metadata={"format": "pt"})
save_file({"weight": W.astype(np.float16)}, str(here / "torch_linear_f16_weight_only.safetensors"), metadata={"format": "pt"})
print("wrote", here / "torch_linear_3to2.safetensors", "and", here / "torch_linear_f16_weight_only.safetensors")

"""Loads an encoder written by `probe --export DIR` in Python, as PyTorch users would.

    python3 probe/tests/data/check_export.py DIR

Uses safetensors.torch.load_file when PyTorch is installed (then also builds the
torch.nn.Linear), else safetensors.numpy.load_file (the same file, numpy arrays). Prints each
tensor's name, dtype and shape and the selfsup metadata; exits 1 if encoder.weight is missing
or not 2-D.
"""
import json
import sys
from pathlib import Path

from safetensors import safe_open

path = Path(sys.argv[1]) / "encoder.safetensors"
try:
    import torch
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    framework = "torch"
except ImportError:
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    framework = "numpy"
with safe_open(str(path), framework="numpy") as f:
    meta = f.metadata()
for name, t in sorted(tensors.items()):
    print(f"{name}: {t.dtype} {tuple(t.shape)}")
print("metadata:", json.dumps(meta, indent=1))
w = tensors.get("encoder.weight")
if w is None or len(w.shape) != 2:
    sys.exit("encoder.weight missing or not (K, D)")
k, d = w.shape
if framework == "torch":
    lin = torch.nn.Linear(d, k, bias="encoder.bias" in tensors)
    lin.load_state_dict({n.removeprefix("encoder."): v for n, v in tensors.items() if n.startswith("encoder.")})
    print("torch.nn.Linear loaded:", lin)
print(f"ok ({framework}): W is ({k}, {d}), row 0 = {list(map(float, w[0]))}")

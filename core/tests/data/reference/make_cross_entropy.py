"""Writes cross_entropy_B6_C4.json: softmax cross-entropy and its gradient from PyTorch.

Run with a Python that has torch (CPU is enough):
    python core/tests/data/reference/make_cross_entropy.py
Same format as the other cases here (float64, shortest round-trip repr; logits rows are
samples, shape B x C, as torch takes them).
"""
import json
import pathlib

import torch
import torch.nn.functional as F

B, C, SEED = 6, 4, 20261130
g = torch.Generator().manual_seed(SEED)
logits = (3.0 * torch.randn(B, C, generator=g, dtype=torch.float64)).requires_grad_(True)
labels = torch.tensor([0, 3, 1, 1, 2, 3])
loss = F.cross_entropy(logits, labels)
loss.backward()
case = {
    "case": "cross_entropy_B6_C4",
    "kind": "cross_entropy",
    "library": f"torch {torch.__version__.split('+')[0]}",
    "dtype": "float64",
    "params": {"implementation": "F.cross_entropy(logits, labels) (reduction='mean')"},
    "seed": SEED,
    "input_generation": "torch.Generator().manual_seed(seed); logits = 3 * randn(B, C)",
    "shape": {"B": B, "C": C},
    "logits": logits.detach().tolist(),
    "labels": labels.tolist(),
    "loss": loss.item(),
    "grad_logits": logits.grad.tolist(),
}
out = pathlib.Path(__file__).with_name("cross_entropy_B6_C4.json")
out.write_text(json.dumps(case, indent=1) + "\n")
print(out, case["loss"])

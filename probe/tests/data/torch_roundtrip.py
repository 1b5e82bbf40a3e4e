"""The PyTorch round trip of probe's weights, with PyTorch itself.

    /work/venv/bin/python probe/tests/data/torch_roundtrip.py [path/to/probe] [--write-test-data]

For a linear and an MLP encoder trained by probe on data/iris.csv:
1. `probe --export DIR` writes encoder.safetensors;
2. PyTorch loads it into nn.Linear(D, K, bias=False) / nn.Sequential(nn.Linear(D, H), nn.ReLU(),
   nn.Linear(H, K)) with load_state_dict(strict=True), standardizes the CSV's raw rows with
   input.mean / input.scale and embeds them; the embeddings must equal probe's embeddings.csv
   to 1e-6 (max abs difference printed);
3. PyTorch saves the module's state_dict (prefix "encoder.") with safetensors.torch.save_file;
   `probe --init` reads it back with the same seed, and its `init` row must equal the first
   run's `pretrained` row (the torch file has no head: probe says the head is initialized as
   usual).

With --write-test-data it also writes the files probe's Rust tests read (no Python in CI):
torch_linear_4to2.safetensors, torch_mlp_4_8_2.safetensors (torch.manual_seed(0) modules, saved
by safetensors.torch.save_file) and torch_expected.json (their parameters and the embeddings
PyTorch computes in float64 for three fixed inputs).
Exits 1 on any mismatch.
"""
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

here = Path(__file__).resolve().parent
root = here.parents[2]
args = [a for a in sys.argv[1:] if not a.startswith("--")]
probe = args[0] if args else str(root / "target" / "debug" / "probe")
csv_path = root / "data" / "iris.csv"
failed = False


def run(*argv):
    r = subprocess.run([probe, *map(str, argv)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"probe {' '.join(map(str, argv))} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def module_for(tensors):
    """The torch module a probe export describes, with the export's parameters loaded."""
    enc = {k.removeprefix("encoder."): v for k, v in tensors.items() if k.startswith("encoder.")}
    if "weight" in enc:
        k, d = enc["weight"].shape
        m = torch.nn.Linear(d, k, bias="bias" in enc)
    else:
        h, d = enc["0.weight"].shape
        k = enc["2.weight"].shape[0]
        m = torch.nn.Sequential(torch.nn.Linear(d, h), torch.nn.ReLU(), torch.nn.Linear(h, k))
    m = m.to(enc[next(iter(enc))].dtype)
    m.load_state_dict(enc, strict=True)
    return m


def raw_rows():
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    feats = [c for c in rows[0] if c not in ("label", "split")]
    return torch.tensor([[float(r[c]) for c in feats] for r in rows], dtype=torch.float64)


def init_row(report):
    rows = json.loads(Path(report, "report.json").read_text())["evaluation"]
    return {r["name"]: r["mean"] for r in rows}


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    x = raw_rows()
    for enc in ("linear", "mlp"):
        out, exp = tmp / f"{enc}-report", tmp / f"{enc}-export"
        opts = ["--encoder", enc, "--hidden", "8", "--seed", "3"]
        run(csv_path, *opts, "--epochs", "20", "-q", "--out", out, "--export", exp)
        path = exp / "encoder.safetensors"
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata()
        print(f"{enc}: {path.name}: " + ", ".join(f"{n} {tuple(t.shape)} {t.dtype}" for n, t in sorted(tensors.items())))
        print(f"{enc}: metadata selfsup.encoder={meta['selfsup.encoder']} head={meta['selfsup.head']} d={meta['selfsup.d']} k={meta['selfsup.k']}")
        model = module_for(tensors)
        print(f"{enc}: loaded into {model}".replace("\n", " "))
        with torch.no_grad():
            xs = (x - tensors["input.mean"]) / tensors["input.scale"]
            z = model.double()(xs)
        with open(out / "embeddings.csv") as f:
            rows = list(csv.DictReader(f))
        zcols = [c for c in rows[0] if c.startswith("z")]
        want = torch.tensor([[float(r[c]) for c in zcols] for r in rows], dtype=torch.float64)
        diff = (z - want).abs().max().item()
        ok = diff <= 1e-6
        failed |= not ok
        print(f"{enc}: PyTorch embeddings of {len(rows)} CSV rows vs probe's embeddings.csv: max |diff| = {diff:.3e} ({'ok' if ok else 'FAIL'}, tolerance 1e-6)")

        # PyTorch saves its state_dict; probe --init reads it back.
        saved = tmp / f"{enc}-torch.safetensors"
        model = model.float()
        save_file({"encoder." + k: v.contiguous() for k, v in model.state_dict().items()}, str(saved), metadata={"format": "pt"})
        back = tmp / f"{enc}-init"
        msg = run(csv_path, *opts, "--epochs", "1", "--out", back, "--init", saved)
        line = next(l for l in msg.splitlines() if l.startswith("init:"))
        same = init_row(back)["init"] == init_row(out)["pretrained"]
        failed |= not same
        print(f"{enc}: probe --init {saved.name} (written by torch.save_file): {line}")
        print(f"{enc}: init row == first run's pretrained row: {same}")

if "--write-test-data" in sys.argv:
    torch.manual_seed(0)
    lin = torch.nn.Linear(4, 2, bias=False)
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    inputs = torch.tensor([[0.5, -1.0, 2.0, 0.25], [-0.75, 0.125, 0.0, 1.5], [3.0, 2.0, -2.5, -0.5]], dtype=torch.float64)
    expected = {}
    for name, m in (("torch_linear_4to2", lin), ("torch_mlp_4_8_2", mlp)):
        state = {"encoder." + k: v.contiguous() for k, v in m.state_dict().items()}
        save_file(state, str(here / f"{name}.safetensors"), metadata={"format": "pt"})
        with torch.no_grad():
            z = m.double()(inputs)
        expected[name] = {
            "tensors": {k: {"shape": list(v.shape), "values": [float(t) for t in v.flatten()]} for k, v in state.items()},
            "inputs": inputs.tolist(),
            "embeddings": z.tolist(),
        }
    (here / "torch_expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print("wrote", ", ".join(f"{n}.safetensors" for n in expected), "and torch_expected.json", "with torch", torch.__version__)

if failed:
    sys.exit("round trip FAILED")
print("round trip ok")

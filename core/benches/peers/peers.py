#!/usr/bin/env python3
"""Times selfsup's three training steps against its peers, in one run, and prints the ratios.

    /work/venv/bin/python core/benches/peers/peers.py [--rounds 7] [--seed-doc PATH] 2> rounds.log
    /work/venv/bin/python core/benches/peers/peers.py --replay rounds.log

Peers, each doing the same full step (two augmented views, encoder, loss, backward, SGD update
with lr 5e-2 and weight decay 1e-4):

- (a) ring: linear 2->2 (no bias), B = 64, one-directional InfoNCE tau = 0.2, augmentation
  rotation U(-0.25, 0.25) rad + N(0, 0.05^2) noise: selfsup (f32, Const), PyTorch (f32), and
  the reference C++ ring program of the seed document (double, g++ -O2; its 200 epochs x 16
  batches are timed as a whole by the CPU time of the process, per step; this includes its
  start-up and data generation, under 1 % of it). The program is extracted at run time from the seed
  document (which carries no licence for redistribution, so no copy is committed).
- (b) linear 64->16 (no bias), B = 256, NT-Xent tau = 0.5 (lightly's NTXentLoss), noise 0.1:
  selfsup (f32, Dyn) and PyTorch (f32).
- (c) MLP 64->128->16 (ReLU, biases), B = 256, NT-Xent tau = 0.5, noise 0.1: likewise.

PyTorch runs in a subprocess per thread count (1 and 2), lightly's loss if `import lightly`
works (else the same formula written out). The machine is shared: selfsup, PyTorch on one
thread and the C++ program are timed by CPU time (of the timing thread, resp. of the C++
process), which other processes do not inflate; PyTorch on two threads by wall time. Each peer
is timed in `--rounds` interleaved rounds (a round times every peer once, one after the other),
each round giving a median per step. The load of a shared machine changes from minute to
minute, so ratios are taken within a round (peer's median / selfsup's median) and the table
shows their median over the rounds with the smallest and largest (the spread); the µs columns
are the medians over the rounds.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SEED_DOC = "/work/shared/seed/000_f2528e62d06bf256.txt"


def extract_ring_program(doc):
    """The seed document's second C++ program (InfoNCE on the ring), its numbered lines split."""
    t = open(doc, encoding="utf-8").read()
    starts = [m.start() for m in re.finditer(r"1 #include", t)]
    end = t.index("This program trains a shared linear encoder")
    seg = " " + t[starts[1]:end]
    lines, pos, n = [], 0, 1
    while True:
        i = seg.find(f" {n} ", pos)
        if i < 0:
            break
        body = i + len(f" {n} ")
        j = seg.find(f" {n + 1} ", body - 1)
        if j < 0:
            lines.append(re.sub(rf"\s{n + 1}\s*$", "", seg[body:].rstrip()))
            break
        lines.append(seg[body:j])
        pos, n = j, n + 1
    return "\n".join(lines) + "\n"


def time_cpp(doc, reps):
    src = extract_ring_program(doc)
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "ring.cpp"), "w") as f:
        f.write(src)
    subprocess.run(["g++", "-O2", "-o", os.path.join(d, "ring"), os.path.join(d, "ring.cpp")], check=True)
    steps = 200 * 16
    ts = []
    for _ in range(reps):
        # CPU time of the child (user + system), not wall time: on a shared machine a
        # whole-program run is preempted many times, where the in-process timers of the
        # other peers take the best of many short repetitions.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([os.path.join(d, "ring")], check=True, stdout=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        ts.append(cpu / steps * 1e6)
    return min(ts), statistics.median(ts)


def build_ours():
    """Builds the `step_min` bench (release profile) and returns its executable."""
    err = subprocess.run(
        ["cargo", "bench", "-p", "selfsup-core", "--features", "alloc", "--bench", "step_min", "--no-run"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stderr
    exe = re.search(r"Executable .*\((.*step_min-[0-9a-f]+)\)", err).group(1)
    return os.path.join(ROOT, exe)


def time_ours(exe):
    out = subprocess.run([exe, "peers"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        if line.startswith("PEER "):
            _, name, b, m = line.split()
            res[name] = (float(b), float(m))
    return res


TORCH_WORKER = r'''
import sys, time, statistics, torch, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)
try:
    from lightly.loss import NTXentLoss
    ntxent = NTXentLoss(temperature=0.5, memory_bank_size=0)
    lightly = True
except Exception:
    lightly = False
    def ntxent(a, b, tau=0.5):
        n = a.shape[0]
        z = F.normalize(torch.cat([a, b]), dim=1)
        s = z @ z.T / tau
        s.fill_diagonal_(float("-inf"))
        labels = (torch.arange(2 * n) + n) % (2 * n)
        return F.cross_entropy(s, labels)

# One thread: the thread's CPU time (other processes on a shared machine do not count), as the
# Rust side measures; two threads: wall time (CPU time would add the threads up).
clock = time.thread_time if int(sys.argv[1]) == 1 else time.perf_counter

def timed(step, reps, inner):
    for _ in range(3):
        step()
    ts = []
    for _ in range(reps):
        t = clock()
        for _ in range(inner):
            step()
        ts.append((clock() - t) / inner * 1e6)
    return min(ts), statistics.median(ts)

# (a) ring
a = torch.rand(64) * 6.283185307179586
r = 1 + 0.05 * torch.randn(64)
x = torch.stack([r * torch.cos(a), r * torch.sin(a)], 1)
enc = torch.nn.Linear(2, 2, bias=False)
torch.nn.init.normal_(enc.weight, 0, 0.1)
opt = torch.optim.SGD(enc.parameters(), lr=5e-2, weight_decay=1e-4)
labels = torch.arange(64)
def view():
    th = (torch.rand(64) - 0.5) * 0.5
    c, s = torch.cos(th), torch.sin(th)
    v = torch.stack([c * x[:, 0] - s * x[:, 1], s * x[:, 0] + c * x[:, 1]], 1)
    return v + 0.05 * torch.randn(64, 2)
def ring():
    za = F.normalize(enc(view()), dim=1)
    zb = F.normalize(enc(view()), dim=1)
    loss = F.cross_entropy(za @ zb.T / 0.2, labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
print("PEER ring %.3f %.3f" % timed(ring, 100, 20))

def wide(net, reps):
    x = torch.randn(256, 64)
    opt = torch.optim.SGD(net.parameters(), lr=5e-2, weight_decay=1e-4)
    def step():
        za = net(x + 0.1 * torch.randn_like(x))
        zb = net(x + 0.1 * torch.randn_like(x))
        loss = ntxent(za, zb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return timed(step, reps, 1)
print("PEER linear %.3f %.3f" % wide(torch.nn.Linear(64, 16, bias=False), 60))
print("PEER mlp %.3f %.3f" % wide(torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 16)), 60))
print("LIGHTLY", lightly)
'''


def time_torch(threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", TORCH_WORKER, str(threads)], check=True,
                         capture_output=True, text=True, env=env).stdout
    res, lightly = {}, False
    for line in out.splitlines():
        if line.startswith("PEER "):
            _, name, b, m = line.split()
            res[name] = (float(b), float(m))
        elif line.startswith("LIGHTLY"):
            lightly = line.split()[1] == "True"
    return res, lightly


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seed-doc", default=os.environ.get("SELFSUP_SEED_DOC", SEED_DOC))
    ap.add_argument("--replay", metavar="LOG",
                    help="print the table from the 'round' lines (stderr) of an earlier run, e.g. one "
                         "stopped before its last round, instead of timing")
    args = ap.parse_args()
    rounds = {k: [] for k in ["ours", "cpp", "torch1", "torch2"]}
    lightly = False
    if args.replay:
        for line in open(args.replay, encoding="utf-8"):
            if line.startswith("round "):
                r = json.loads(line.split(": ", 1)[1])
                lightly = r.pop("lightly")
                for p in rounds:
                    rounds[p].append(r[p])
    else:
        # Build first, so compilation does not share a round with the timings.
        exe = build_ours()
        for r in range(args.rounds):
            rounds["ours"].append(time_ours(exe))
            rounds["cpp"].append({"ring": time_cpp(args.seed_doc, 3)})
            t1, lightly = time_torch(1)
            rounds["torch1"].append(t1)
            rounds["torch2"].append(time_torch(2)[0])
            line = json.dumps({**{p: rounds[p][-1] for p in rounds}, "lightly": lightly})
            print(f"round {r + 1}: {line}", file=sys.stderr, flush=True)
    n_rounds = len(rounds["ours"])

    def per_round(peer, step):
        """The peer's per-round medians (µs) of one step, or None."""
        vals = [x[step][1] for x in rounds[peer] if step in x]
        return vals or None

    def ratios(peer, step):
        """Per round: the peer's median over ours, from the same round (same machine state)."""
        return [p[step][1] / o[step][1] for p, o in zip(rounds[peer], rounds["ours"]) if step in p]

    names = {"ring": "(a) ring 2→2, B=64, InfoNCE, f32 Const", "linear": "(b) 64→16, B=256, NT-Xent, f32",
             "mlp": "(c) MLP 64→128→16, B=256, NT-Xent, f32"}
    version = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    print(f"PyTorch {version}, lightly {'used' if lightly else 'not installed (same formula written out)'}; "
          f"{n_rounds} interleaved rounds" + ("" if args.replay else f"; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}") + "\n")
    print("µs per step: median over the rounds of each round's median. Ratios: peer / selfsup within "
          "each round, median over the rounds (min–max).\n")
    print("| step | selfsup | reference C++ | PyTorch 1 thread | PyTorch 2 threads | C++ / selfsup | PyTorch 1t / selfsup | PyTorch 2t / selfsup |")
    print("|---|---|---|---|---|---|---|---|")
    for step, label in names.items():
        row = [label]
        for peer in ["ours", "cpp", "torch1", "torch2"]:
            v = per_round(peer, step)
            row.append("–" if v is None else f"{statistics.median(v):.1f}")
        for peer in ["cpp", "torch1", "torch2"]:
            r = ratios(peer, step)
            row.append("–" if not r else f"{statistics.median(r):.2f}× ({min(r):.2f}–{max(r):.2f})")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

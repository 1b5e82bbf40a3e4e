#!/usr/bin/env python3
"""Writes the scale benchmark's data: N rows of 10 Gaussian classes in 32 features.

Class c has mean mu_c ~ N(0, 0.3^2 I) (drawn once from the seed) and unit noise, so the
classes overlap (the linear probe scores about 58 %, kNN k=20 about 50 %: no metric is stuck
at 100 %); labels are 0..9 in turn. Standard library only, so the script runs anywhere.

usage: scale_data.py ROWS OUT.csv [SEED]
"""
import random
import sys

rows, out = int(sys.argv[1]), sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
classes, dim = 10, 32
rng = random.Random(seed)
means = [[rng.gauss(0.0, 0.3) for _ in range(dim)] for _ in range(classes)]
with open(out, "w") as f:
    f.write(",".join(f"x{j}" for j in range(dim)) + ",label\n")
    for i in range(rows):
        c = i % classes
        mu = means[c]
        f.write(",".join(f"{mu[j] + rng.gauss(0.0, 1.0):.4f}" for j in range(dim)) + f",{c}\n")

#!/usr/bin/env python3
"""Paired differences between the curves of a `probe labels` report.json (same seed, draw and
subset in both curves): mean ± sample std over runs, and in how many runs the first is better.

Usage: python3 scripts/labels_paired.py reports/digits/labels/report.json
"""
import json, sys, statistics as st
r = json.load(open(sys.argv[1]))
cur = {(c["representation"], c["evaluation"]): c for c in r["curves"]}
def diff(a, b):
    out = []
    for pa, pb in zip(cur[a]["points"], cur[b]["points"]):
        d = [x - y for x, y in zip(pa["accuracy"], pb["accuracy"])]
        wins = sum(1 for x in d if x > 0); ties = sum(1 for x in d if x == 0)
        sd = st.stdev(d) if len(d) > 1 else 0.0
        out.append(f"{st.mean(d):+.1f} ± {sd:.1f} ({wins}/{len(d)}{', %d ties' % ties if ties else ''})")
    return out
rows = [
 ("pretrained − random, linear probe", ("pretrained","linear"), ("random","linear")),
 ("pretrained − raw, linear probe", ("pretrained","linear"), ("raw","linear")),
 ("pretrained − random, kNN", ("pretrained","knn"), ("random","knn")),
 ("pretrained − raw, kNN", ("pretrained","knn"), ("raw","knn")),
 ("fine-tune: from pretrained − from random", ("pretrained","finetune"), ("random","finetune")),
 ("fine-tune from pretrained − pretrained linear probe", ("pretrained","finetune"), ("pretrained","linear")),
]
print("| paired difference (points) |" + "".join(f" {f:g} % |" for f in r["fractions"]))
print("|---|" + "---|" * len(r["fractions"]))
for name, a, b in rows:
    print(f"| {name} |" + "".join(f" {x} |" for x in diff(a, b)))

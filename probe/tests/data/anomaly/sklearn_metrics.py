"""Writes sklearn_metrics.json: fixed anomaly scores with ties and scikit-learn's
roc_auc_score / average_precision_score of them, for probe/tests/anomaly_metrics.rs.

Usage: python sklearn_metrics.py > sklearn_metrics.json   (needs numpy and scikit-learn)
"""
import json
import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score

rng = np.random.default_rng(12)
cases = [
    # sklearn's documentation example
    ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]),
    # every score tied
    ([0.5] * 6, [0, 1, 0, 1, 1, 0]),
    # perfect and inverted rankings with a tie across the classes
    ([1, 2, 3, 3, 4, 5], [0, 0, 0, 1, 1, 1]),
    ([5, 4, 3, 3, 2, 1], [0, 0, 0, 1, 1, 1]),
    # one anomaly
    ([0.3, 0.1, 0.9, 0.2, 0.9], [0, 0, 0, 0, 1]),
]
for n, levels in [(50, 5), (200, 20), (333, 7), (1000, 1000)]:
    y = (rng.random(n) < 0.3).astype(int)
    y[0], y[1] = 0, 1
    # coarse grid: many ties; the anomalies shifted up a little
    s = np.floor(rng.random(n) * levels + 0.4 * y * levels * rng.random(n)) / levels
    cases.append((s.tolist(), y.tolist()))
out = {"sklearn": sklearn.__version__, "cases": []}
for s, y in cases:
    out["cases"].append({
        "scores": [float(v) for v in s],
        "anomaly": [int(v) for v in y],
        "roc_auc": float(roc_auc_score(y, s)),
        "average_precision": float(average_precision_score(y, s)),
    })
print(json.dumps(out))

"""Reference for token-set enrichment (docs/dashboards.md, "Feature analysis"), in numpy and Python's math only.

Run:  /usr/bin/python3 tests/reference/make_tsea_golden.py

For a score vector l over a vocabulary of N tokens and a member set S (n1 = |S|, n0 = N - n1), the one-sided
Mann-Whitney U test of "members score higher", written from its textbook definition:
  ranks  r = average 1-based ranks of l (ties share the mean of their ranks)
  U      = sum_{i in S} r_i - n1 (n1 + 1) / 2            AUC = U / (n1 n0)
  sigma  = sqrt(n1 n0 / 12 * ((N + 1) - sum_ties (t^3 - t) / (N (N - 1))))
  z      = (U - n1 n0 / 2 - 1/2) / sigma                 (continuity correction, as scipy's default)
  p      = erfc(z / sqrt 2) / 2                          neg_log10_p = -log10 p
The ranks here come from a brute-force count (r_i = #{l_j < l_i} + (#{l_j == l_i} + 1) / 2), not from a sort,
so nothing is shared with the C# side's sort-based ranking.

Outputs (golden/tsea_golden.json), deterministic (seed 0):
  normal_tail: [z, -log10 Q(z)] pairs from math.erfc, z in [-3, 35]
  cases: score vectors (float32, some rounded to make ties; one heavy-tailed) with sets (sorted member ids)
         and per set members, auc, z, neg_log10_p
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")


def ranks_brute(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    less = (x[None, :] < x[:, None]).sum(axis=1)
    equal = (x[None, :] == x[:, None]).sum(axis=1)
    return less + (equal + 1) / 2.0


def neg_log10_upper(z: float) -> float:
    return -math.log10(0.5 * math.erfc(z / math.sqrt(2.0)))


def test(scores: np.ndarray, members: np.ndarray) -> dict:
    n = len(scores)
    r = ranks_brute(scores)
    _, counts = np.unique(scores.astype(np.float64), return_counts=True)
    ties = float(((counts.astype(np.float64) ** 3) - counts).sum())
    n1 = float(len(members))
    n0 = n - n1
    u = r[members].sum() - n1 * (n1 + 1) / 2
    sigma = math.sqrt(n1 * n0 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n0 / 2 - 0.5) / sigma
    return {"members": int(n1), "auc": u / (n1 * n0), "z": z, "neg_log10_p": neg_log10_upper(z)}


def main() -> None:
    rng = np.random.default_rng(0)
    cases = []
    for name, n in (("gaussian", 3000), ("ties", 2500), ("heavy", 3000)):
        if name == "gaussian":
            scores = rng.normal(size=n).astype(np.float32)
        elif name == "ties":
            scores = (np.round(rng.normal(size=n) * 4) / 4).astype(np.float32)
        else:
            scores = rng.standard_t(df=2, size=n).astype(np.float32)
        sets = {}
        sets["random"] = np.sort(rng.choice(n, size=200, replace=False))
        top = np.argsort(-scores.astype(np.float64), kind="stable")
        sets["shifted"] = np.sort(np.concatenate([top[:60], rng.choice(top[60:], size=140, replace=False)]))
        sets["strong"] = np.sort(top[: 400 : 2])
        sets["low"] = np.sort(top[-150:])
        sets["small"] = np.sort(rng.choice(n, size=7, replace=False))
        cases.append({
            "name": name,
            "scores": [float(v) for v in scores],
            "sets": {k: {"tokens": [int(t) for t in v], **test(scores, v)} for k, v in sets.items()},
        })
    tail = [[z, neg_log10_upper(z)] for z in [-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 1.96, 2.5, 2.999, 3.0, 3.001, 4.0, 6.0, 8.5, 12.0, 20.0, 30.0, 35.0]]
    os.makedirs(GOLDEN, exist_ok=True)
    with open(os.path.join(GOLDEN, "tsea_golden.json"), "w") as f:
        json.dump({"normal_tail": tail, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()

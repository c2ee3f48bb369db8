"""umap-learn on the same matrix as `atlas bench umap`, the yardstick for the C# UMAP.

Needs Debian's umap-learn (`apt-get install -y umap-learn`: umap-learn 0.5.3, pynndescent, sklearn;
bookworm has no python3-umap-learn package).

Run:
  /usr/bin/python3 tests/reference/umap_reference.py --input X.npy --output EMB.npy
      [--seed S] [--trust-sample 6000] [--compare OURS.npy]

--input is a float32 [n, d] .npy (the CLI writes the synthetic matrix there). The embedding
uses umap-learn's defaults with metric="cosine" (n_neighbors 15, min_dist 0.1, spectral init).
Without --seed, umap-learn runs its parallel (non-deterministic) code paths, its fastest setting;
with --seed it is deterministic and single-threaded in the layout.

One untimed warm-up fit on 600 random rows comes first, so numba's JIT compilation is not
counted: time_s is the steady-state fit_transform time, as the C# figure is.

sklearn.manifold.trustworthiness (k = 15, metric cosine) needs n x n float64 matrices, so it
is computed on a seeded random subsample of --trust-sample rows (all rows when n is smaller),
for this embedding and, with --compare, for the C# one on the same rows. Prints one JSON line:
  n, d, time_s, trust_sklearn_sample, compare_trust_sklearn_sample (or null), sample,
  umap_version, sklearn_version, threads, seed
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--trust-sample", type=int, default=6000)
    parser.add_argument("--compare", default=None)
    args = parser.parse_args()

    import sklearn
    import umap
    from sklearn.manifold import trustworthiness

    x = np.load(args.input).astype(np.float32)
    n, d = x.shape

    warm = np.random.default_rng(0).standard_normal((600, d)).astype(np.float32)
    umap.UMAP(metric="cosine", random_state=args.seed).fit_transform(warm)

    start = time.perf_counter()
    embedding = umap.UMAP(metric="cosine", random_state=args.seed).fit_transform(x)
    seconds = time.perf_counter() - start
    np.save(args.output, embedding.astype(np.float32))

    rows = np.arange(n) if n <= args.trust_sample else np.sort(np.random.default_rng(1).choice(n, args.trust_sample, replace=False))
    trust = trustworthiness(x[rows], embedding[rows], n_neighbors=15, metric="cosine")
    compare = None
    if args.compare:
        ours = np.load(args.compare)
        compare = trustworthiness(x[rows], ours[rows], n_neighbors=15, metric="cosine")

    print(json.dumps({
        "n": int(n), "d": int(d), "time_s": seconds,
        "trust_sklearn_sample": float(trust),
        "compare_trust_sklearn_sample": None if compare is None else float(compare),
        "sample": int(len(rows)),
        "umap_version": umap.__version__, "sklearn_version": sklearn.__version__,
        "threads": os.cpu_count(), "seed": args.seed,
    }))


if __name__ == "__main__":
    main()

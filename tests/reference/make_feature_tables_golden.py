"""Brute-force reference for SAEDashboard's feature tables (docs/dashboards.md, "Feature tables").

Run:  /usr/bin/python3 tests/reference/make_feature_tables_golden.py

The C# engine keeps running sums in the dashboard pass (CorrelationAccumulator). This script holds
every activation in memory and computes each table from its textbook definition with centred
float64 matrices in PyTorch, sharing nothing with the C# side.

Inputs: the 24 windows of golden/dashboard_windows.json, the tiny GPT-2 and SAEs of
golden/tiny_spec.json, and the SAEs' folded float32 activations A of golden/dashboard_acts.safetensors
(BOS rows zero; make_dashboard_golden.py wrote them). The hook input X each SAE reads is computed here
in float64 (gpt2_tl.py, as SAELens loads the model) and saved as float32, so the C# accumulator can
be fed the exact floats this script uses.

Definitions (k = 3 rows, SAEDashboard's default; P = the non-BOS positions, n = |P|):
 1. Neuron alignment of feature f: u = W_dec[f] / |W_dec[f]|_2 (float64 from the float32 weights);
    the k entries with the largest value, ordered by (-u_d, d); l1 = |u_d| / sum_d |u_d|.
 2. Correlated neurons: pearson(f, d) = sum_P (a - mean a)(x_d - mean x_d) / (|a - mean a| |x_d - mean x_d|),
    cosine(f, d) = sum_P a x_d / (|a| |x_d|) over P; the k dims by (-pearson, d), with their cosines.
 3. Correlated features: the same with another feature g != f in place of x_d.
 A feature that is zero on all of P, or an input dimension constant on P, has no correlation and is
 left out of every table (a dead feature's correlation tables are empty).

Outputs (golden/), deterministic:
  feature_tables_inputs.safetensors  x/<sae>: X as float32 [24*16, d_in] (row w*16 + t)
  feature_tables_golden.json         per SAE: n and, per feature, the three tables; "margin" is the
                                     smallest gap between consecutive values among the k + 1 largest
                                     (a C# run whose own rounding differs may reorder rows closer than that)
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_tl  # noqa: E402
import sae_ref  # noqa: E402
import st  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
BOS = 50256
LENGTH = 16
K = 3
SAES = ["standard-resid-pre-1", "topk-mlp-out-0"]


def short(x: float) -> float:
    return float(f"{x:.9g}")


def top_table(values: np.ndarray, allowed: np.ndarray) -> tuple[list[int], float]:
    """Indices of the K largest allowed values by (-value, index), and the smallest gap among the K + 1 largest."""
    idx = np.nonzero(allowed)[0]
    order = idx[np.lexsort((idx, -values[idx]))]
    best = order[: K + 1]
    gaps = [values[best[i]] - values[best[i + 1]] for i in range(len(best) - 1)]
    return order[:K].tolist(), (min(gaps) if gaps else float("inf"))


def main() -> None:
    spec = synthetic.load_spec(os.path.join(GOLDEN, "tiny_spec.json"))
    windows = json.load(open(os.path.join(GOLDEN, "dashboard_windows.json")))["windows"]
    acts = st.load(os.path.join(GOLDEN, "dashboard_acts.safetensors"))
    model32 = {k: torch.from_numpy(v) for k, v in synthetic.model_tensors(spec).items()}
    by_name = {s["name"]: s for s in spec["saes"]}
    tokens = torch.tensor(windows, dtype=torch.int64)
    keep = (tokens != BOS).reshape(-1).numpy()

    inputs, out = {}, {}
    for name in SAES:
        cfg = by_name[name]["cfg"]
        w = {k: torch.from_numpy(v) for k, v in synthetic.sae_tensors(by_name[name]).items()}
        sae = sae_ref.ReferenceSae(cfg, w)
        kwargs = cfg["metadata"].get("model_from_pretrained_kwargs") or {}
        model = gpt2_tl.TlGpt2.from_hf(spec["model"]["config"], {k: v.double() for k, v in model32.items()}, **kwargs)
        cache: dict = {}
        model.forward(tokens, cache)
        x32 = cache[sae.hook_name].reshape(len(windows) * LENGTH, -1).to(torch.float32).numpy().copy()
        inputs[f"x/{name}"] = x32

        A = torch.from_numpy(acts[f"acts/{name}"][keep].astype(np.float64))      # [n, S]
        X = torch.from_numpy(x32[keep].astype(np.float64))                        # [n, D]
        n, S = A.shape
        Ac, Xc = A - A.mean(0), X - X.mean(0)
        a_spread, x_spread = Ac.norm(dim=0), Xc.norm(dim=0)
        live, varying = (a_spread > 0).numpy(), (x_spread > 0).numpy()
        pearson_n = ((Ac.t() @ Xc) / (a_spread[:, None] * x_spread[None, :])).numpy()
        cosine_n = ((A.t() @ X) / (A.norm(dim=0)[:, None] * X.norm(dim=0)[None, :])).numpy()
        pearson_f = ((Ac.t() @ Ac) / (a_spread[:, None] * a_spread[None, :])).numpy()
        cosine_f = ((A.t() @ A) / (A.norm(dim=0)[:, None] * A.norm(dim=0)[None, :])).numpy()
        W = sae.w["W_dec"].double()
        U = (W / W.norm(dim=1, keepdim=True)).numpy()

        features = []
        for f in range(S):
            u = U[f]
            align, align_margin = top_table(u, np.ones_like(u, dtype=bool))
            row = {"f": f,
                   "align": {"i": align, "v": [short(u[d]) for d in align],
                             "l1": [short(abs(u[d]) / np.abs(u).sum()) for d in align], "margin": short(align_margin)}}
            if live[f]:
                ni, nm = top_table(pearson_n[f], varying)
                others = live.copy()
                others[f] = False
                fi, fm = top_table(pearson_f[f], others)
                row["neurons"] = {"i": ni, "pearson": [short(pearson_n[f, d]) for d in ni],
                                  "cosine": [short(cosine_n[f, d]) for d in ni], "margin": short(nm)}
                row["features"] = {"i": fi, "pearson": [short(pearson_f[f, g]) for g in fi],
                                   "cosine": [short(cosine_f[f, g]) for g in fi], "margin": short(fm)}
            else:
                row["neurons"] = row["features"] = {"i": [], "pearson": [], "cosine": [], "margin": None}
            features.append(row)
        out[name] = {"n": int(n), "d_in": int(X.shape[1]), "d_sae": int(S), "dead": int((~live).sum()), "features": features}
        print(f"{name}: n {n}, {S} features, {int((~live).sum())} dead")

    st.save(os.path.join(GOLDEN, "feature_tables_inputs.safetensors"), inputs)
    with open(os.path.join(GOLDEN, "feature_tables_golden.json"), "w") as fh:
        json.dump({"format": "see make_feature_tables_golden.py", "rows": K, "saes": out}, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()

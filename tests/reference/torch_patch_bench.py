"""Seconds of a plain PyTorch activation-patching grid, the yardstick for `atlas-bench patch`.

Run:
  OPENBLAS_CORETYPE=SapphireRapids /usr/bin/python3 tests/reference/torch_patch_bench.py --model DIR
      --clean 1,2,3 --corrupted 1,5,3 --target 262 --distractor 13 [--threads 2]

The same work as `atlas patch` (exact): the clean run caching hook_resid_pre, hook_attn_out, hook_mlp_out and
attn.hook_z of every block, the corrupted run, then one patched corrupted run per cell (resid_pre, attn_out and
mlp_out per layer x position, each head's hook_z per layer x head at every position), the metric
logit(target) - logit(distractor) at the last position (ln_final and W_U on that position only), normalised so clean
= 1 and corrupted = 0. Done the way TransformerLens's generic_activation_patch does it: each patched run is a full
forward of batch 1 through gpt2_hf.HfGpt2 (float32, no autograd).
Prints one JSON line: seconds (the grid, both reference runs included), cells, values (every cell, in the order
resid_pre, attn_out, mlp_out, heads, row-major, for the C# side to compare), the OpenBLAS core that ran, torch_version,
threads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
from torch_generate_bench import openblas_core  # noqa: E402


def patch_grid(model: gpt2_hf.HfGpt2, clean: torch.Tensor, corrupted: torch.Tensor, target: int, distractor: int) -> list[float]:
    w = model.w
    L, H, Dh, T = model.n_layer, model.n_head, model.d_head, clean.shape[0]
    last = f"blocks.{L - 1}.hook_resid_post"

    def metric(edits=None, hooks=None, capture=None):
        out = {} if hooks is None else hooks
        model.forward(corrupted[None] if edits is not None or hooks is None else clean[None], out,
                      capture=(capture or set()) | {last}, logits=False, edits=edits)
        x = F.layer_norm(out[last][0, -1], (model.d_model,), w["ln_f.weight"], w["ln_f.bias"], model.eps)
        logits = w["wte.weight"][[target, distractor]] @ x
        return float(logits[0] - logits[1])

    names = {f"blocks.{l}.{k}" for l in range(L) for k in ("hook_resid_pre", "hook_attn_out", "hook_mlp_out", "attn.hook_z")}
    cache: dict = {}
    clean_metric = metric(hooks=cache, capture=names)
    corrupted_metric = metric()
    span = clean_metric - corrupted_metric
    values = []
    for kind in ("hook_resid_pre", "hook_attn_out", "hook_mlp_out"):
        for layer in range(L):
            name = f"blocks.{layer}.{kind}"
            for t in range(T):
                def fn(v, t=t, name=name):
                    v = v.clone()
                    v[:, t] = cache[name][:, t]
                    return v
                values.append((metric(edits={name: fn}) - corrupted_metric) / span)
    for layer in range(L):
        name = f"blocks.{layer}.attn.hook_z"
        for h in range(H):
            def fn(v, h=h, name=name):
                v = v.clone()
                v[:, :, h] = cache[name][:, :, h]
                return v
            values.append((metric(edits={name: fn}) - corrupted_metric) / span)
    return values


def main() -> None:
    ap = argparse.ArgumentParser(description="PyTorch activation patching, TransformerLens style")
    ap.add_argument("--model", required=True)
    ap.add_argument("--clean", required=True)
    ap.add_argument("--corrupted", required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--distractor", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = gpt2_hf.HfGpt2.load(args.model)
    clean = torch.tensor([int(x) for x in args.clean.split(",")])
    corrupted = torch.tensor([int(x) for x in args.corrupted.split(",")])
    with torch.inference_mode():
        model.forward(corrupted[None], logits=False)   # warm-up
        t0 = time.perf_counter()
        values = patch_grid(model, clean, corrupted, args.target, args.distractor)
        seconds = time.perf_counter() - t0
    print(json.dumps({
        "seconds": round(seconds, 3),
        "cells": len(values),
        "values": values,
        "openblas_core": openblas_core(),
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()

"""Seconds of the logit lens and of "why this token" attribution in plain PyTorch, the yardstick for `atlas-bench lens`.

Run:
  OPENBLAS_CORETYPE=SapphireRapids /usr/bin/python3 tests/reference/torch_lens_bench.py --model DIR
      --tokens 1,2,3 --target 262 --distractor 13 [--top 5 --exact-top 20 --reps 5 --threads 2]

The same work as FeatureAtlas, done as a PyTorch user with TransformerLens would (float32, 2 threads):
  lens       one forward caching every hook_resid_post, then ln_final and W_U on all layers x positions in one
             batched matmul (accumulated_resid + apply_ln + unembed), softmax, top N.
  tuned      the same with an affine translator per layer first (zero translators: the cost is what counts).
  attribute  one forward with autograd keeping every hook, the metric logit(target) - logit(distractor) at the last
             position, backward, and the direct effect and act x grad of embed, pos_embed, each head (with its
             split by source position), each MLP and the output biases (get_full_resid_decomposition + logit_attrs).
  exact      the exact total effect of the `exact-top` nodes of largest |act x grad|: each zero-ablated in one
             batched forward without autograd.
Prints one JSON line: p50 and best seconds of each (after a warm-up run), the OpenBLAS core, torch_version, threads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
from torch_generate_bench import openblas_core  # noqa: E402


def lens(model: gpt2_hf.HfGpt2, tokens: torch.Tensor, top: int, translators=None):
    w = model.w
    L = model.n_layer
    hooks: dict = {}
    names = {f"blocks.{l}.hook_resid_post" for l in range(L)}
    model.forward(tokens[None], hooks, capture=names, logits=False)
    stack = torch.stack([hooks[f"blocks.{l}.hook_resid_post"][0] for l in range(L)])      # [L, T, D]
    if translators is not None:
        weight, bias = translators
        centred = stack[:-1] - stack[:-1].mean(-1, keepdim=True)
        stack = torch.cat([stack[:-1] + torch.baddbmm(bias[:, None, :], centred, weight.transpose(1, 2)), stack[-1:]])
    x = F.layer_norm(stack, (model.d_model,), w["ln_f.weight"], w["ln_f.bias"], model.eps)
    probs = torch.softmax(x.reshape(-1, model.d_model) @ w["wte.weight"].T, dim=-1)
    return torch.topk(probs, top, dim=-1)


def attribute(model: gpt2_hf.HfGpt2, tokens: torch.Tensor, target: int, distractor: int):
    w = model.w
    L, H, Dh, D = model.n_layer, model.n_head, model.d_head, model.d_model
    hooks: dict = {}
    names = ["hook_embed", "hook_pos_embed"] + [f"blocks.{l}.{k}" for l in range(L) for k in ("hook_attn_out", "hook_mlp_out")]
    w["wte.weight"].requires_grad_(True)
    w["wpe.weight"].requires_grad_(True)
    try:
        with torch.enable_grad():
            logits = model.forward(tokens[None], hooks)[0]
            p = len(tokens) - 1
            metric = logits[p, target] - logits[p, distractor]
            grads = torch.autograd.grad(metric, [hooks[n] for n in names])
    finally:
        w["wte.weight"].requires_grad_(False)
        w["wpe.weight"].requires_grad_(False)
    act = {k: v[0].detach() for k, v in hooks.items()}
    grad = {n: g[0] for n, g in zip(names, grads)}
    final = act[f"blocks.{L - 1}.hook_resid_post"][p]
    sigma = ((final - final.mean()).pow(2).mean() + model.eps).sqrt()
    u = w["wte.weight"][target] - w["wte.weight"][distractor]
    gu = w["ln_f.weight"] * u
    r = (gu - gu.mean()) / sigma
    comps = {"embed": (act["hook_embed"][p] @ r, (act["hook_embed"] * grad["hook_embed"]).sum()),
             "pos_embed": (act["hook_pos_embed"][p] @ r, (act["hook_pos_embed"] * grad["hook_pos_embed"]).sum())}
    for l in range(L):
        b = f"blocks.{l}."
        W_O = w[f"h.{l}.attn.c_proj.weight"].reshape(H, Dh, D)
        result = torch.einsum("thd,hde->the", act[b + "attn.hook_z"], W_O)               # [T, H, D]
        direct = result[p] @ r
        total = torch.einsum("the,te->h", result, grad[b + "hook_attn_out"])
        by_source = act[b + "attn.hook_pattern"][:, p, :, None] * torch.einsum("thd,hde->hte", act[b + "attn.hook_v"], W_O)
        comps[f"L{l}"] = (direct, total, by_source @ r)
        comps[f"{l}_mlp_out"] = (act[b + "hook_mlp_out"][p] @ r, (act[b + "hook_mlp_out"] * grad[b + "hook_mlp_out"]).sum())
    return comps, grad, act


def exact(model: gpt2_hf.HfGpt2, tokens: torch.Tensor, target: int, distractor: int, count: int, comps):
    L, H = model.n_layer, model.n_head
    scores = []
    for l in range(L):
        for h in range(H):
            scores.append((abs(float(comps[f"L{l}"][1][h])), ("head", l, h)))
        scores.append((abs(float(comps[f"{l}_mlp_out"][1])), ("mlp", l, 0)))
    nodes = [n for _, n in sorted(scores, reverse=True)[:count]]
    batch = len(nodes)
    edits: dict = {}
    for i, (kind, l, h) in enumerate(nodes):
        name = f"blocks.{l}.attn.hook_z" if kind == "head" else f"blocks.{l}.hook_mlp_out"
        edits.setdefault(name, []).append((i, h, kind))

    def make(items):
        def fn(v):
            v = v.clone()
            for i, h, kind in items:
                if kind == "head":
                    v[i, :, h] = 0
                else:
                    v[i] = 0
            return v
        return fn

    with torch.no_grad():
        out = model.forward(tokens[None].expand(batch, -1), edits={k: make(v) for k, v in edits.items()})
    return out[:, -1, target] - out[:, -1, distractor]


def timed(reps: int, fn):
    fn()
    seconds = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return {"p50_seconds": statistics.median(seconds), "best_seconds": min(seconds)}


def main() -> None:
    ap = argparse.ArgumentParser(description="PyTorch logit lens and attribution, TransformerLens style")
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--distractor", type=int, required=True)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--exact-top", type=int, default=20)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = gpt2_hf.HfGpt2.load(args.model)
    tokens = torch.tensor([int(x) for x in args.tokens.split(",")])
    L, D = model.n_layer, model.d_model
    translators = (torch.zeros(L - 1, D, D), torch.zeros(L - 1, D))
    state: dict = {}

    def attribution():
        state["comps"] = attribute(model, tokens, args.target, args.distractor)[0]

    with torch.inference_mode():
        report = {"lens": timed(args.reps, lambda: lens(model, tokens, args.top)),
                  "tuned_lens": timed(args.reps, lambda: lens(model, tokens, args.top, translators))}
    report["attribute"] = timed(args.reps, attribution)
    with torch.inference_mode():
        report["exact"] = timed(args.reps, lambda: exact(model, tokens, args.target, args.distractor, args.exact_top, state["comps"]))
    report.update({"openblas_core": openblas_core(), "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
                   "torch_version": torch.__version__, "threads": torch.get_num_threads()})
    print(json.dumps(report))


if __name__ == "__main__":
    main()

"""Goldens for feature ablation and clamping on a prompt (issue 17 section 4).

Run:  /usr/bin/python3 tests/reference/make_ablation_golden.py

The tiny synthetic GPT-2 and SAEs of golden/tiny_spec.json (rebuilt from synthetic.py), raw processing, run in
float64 through gpt2_hf.HfGpt2 (Hugging Face's forward) and sae_ref.ReferenceSae.

An edit sets feature i of an SAE to a value v (in folded units: raw activation x |W_dec[i]|, or the raw activation
for a TopK SAE with rescale_acts_by_decoder_norm) at chosen positions, keeping the SAE error term: at the SAE's hook
h -> h - decode(f) + decode(f'), where f = encode(h) on the h that arrives there (earlier edits included) and f' is f
with f'_i = the raw activation of v. Zero ablation is v = 0.
For each case, at one position: the softmax before and after, the top 5 tokens of each (ties: lower id first) with
both probabilities, KL(before || after) in nats, logit[target] - logit[distractor] before and after, and each edit
as found (the folded activation it replaced).

Writes golden/ablation_golden.json.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
import sae_ref  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "tiny_spec.json")
OUT_PATH = os.path.join(HERE, "golden", "ablation_golden.json")

TOP = 5
TARGET, DISTRACTOR = 262, 13          # " the", "."

# Each edit: (sae, feature index or "top" = the most active feature at the last position, value or None, positions or None).
CASES = [
    {"name": "zero-top-feature-last", "edits": [("standard-resid-pre-1", "top", None, [-1])]},
    {"name": "clamp-two-saes", "position": 9,
     "edits": [("jumprelu-resid-post-2", "top", 4.0, None), ("hookz-1", "top", 0.0, [3, 7, 9])]},
    {"name": "clamp-normalised-and-rescaled", "distractor": None,
     "edits": [("layernorm-resid-pre-2", "top", 2.5, None), ("topk-rescaled-attn-out-1", 17, 3.0, [0, 5, 11]),
               ("constnorm-attn-out-0", "top", 0.0, None), ("mlp-post-0", "top", 6.0, [11])]},
    {"name": "same-hook-two-saes", "edits": [("standard-resid-pre-1", "top", 1.5, None), ("gated-resid-mid-1", "top", 0.0, None),
                                             ("standard-centered-resid-pre-2", 3, 2.0, [2, 11]),
                                             ("layernorm-resid-pre-2", "top", 0.0, [2, 6, 11])]},
]


def load():
    spec = synthetic.load_spec(SPEC_PATH)
    config = spec["model"]["config"]
    weights = {k: torch.from_numpy(v).double() for k, v in synthetic.model_tensors(spec).items()}
    model = gpt2_hf.HfGpt2(config, weights)
    saes = {s["name"]: sae_ref.ReferenceSae(s["cfg"], {k: torch.from_numpy(v) for k, v in synthetic.sae_tensors(s).items()}).to(torch.float64)
            for s in spec["saes"]}
    return spec, model, saes


def folded_per_raw(sae, i):
    if sae.arch == "topk" and sae.cfg.get("rescale_acts_by_decoder_norm", False):
        return 1.0
    return float(sae.w["W_dec"][i].norm())


def top_feature(model, sae, tokens):
    hooks = {}
    with torch.no_grad():
        model.forward(tokens[None], hooks)
    x = hooks[sae.hook_name][0, -1]
    f, _ = sae.encode(x)
    folded = torch.tensor([float(f[i]) * folded_per_raw(sae, i) for i in range(f.shape[-1])])
    return int(torch.argmax(folded))


def run_case(model, saes, tokens, case):
    T = len(tokens)
    p = case.get("position", T - 1)
    distractor = case.get("distractor", DISTRACTOR)
    edits = []
    for name, index, value, positions in case["edits"]:
        sae = saes[name]
        if index == "top":
            index = top_feature(model, sae, tokens)
        positions = None if positions is None else [q % T for q in positions]
        edits.append({"sae": name, "index": index, "value": value, "positions": positions})

    found = []
    by_hook: dict[str, list] = {}
    for e in edits:
        by_hook.setdefault(saes[e["sae"]].hook_name, []).append(e)

    def make(hook, group):
        def fn(v):
            shape = v.shape
            flat = v.reshape(shape[0], shape[1], -1).clone()    # hook_z [B, T, H, Dh] -> [B, T, H*Dh]
            original = flat.clone()
            for name in dict.fromkeys(e["sae"] for e in group):
                sae = saes[name]
                mine = [e for e in group if e["sae"] == name]
                for q in range(T):
                    here = [e for e in mine if e["positions"] is None or q in e["positions"]]
                    if not here:
                        continue
                    x = original[0, q]
                    f, state = sae.encode(x)
                    g = f.clone()
                    for e in here:
                        i = e["index"]
                        per = folded_per_raw(sae, i)
                        found.append({"sae": name, "index": i, "position": q, "found": float(f[i]) * per,
                                      "set": 0.0 if e["value"] is None else e["value"]})
                        g[i] = (0.0 if e["value"] is None else e["value"]) / per
                    flat[0, q] = flat[0, q] + sae.decode(g, state) - sae.decode(f, state)
            return flat.reshape(shape)
        return fn

    with torch.no_grad():
        before = model.forward(tokens[None])[0, p]
        after = model.forward(tokens[None], edits={h: make(h, g) for h, g in by_hook.items()})[0, p]
    pb, pa = torch.softmax(before, -1), torch.softmax(after, -1)

    def top(probs, other):
        order = np.argsort(-probs.numpy(), kind="stable")[:TOP]
        return [(int(i), float(probs[i]), float(other[i])) for i in order]

    def metric(row):
        if distractor is None:
            return float(row[TARGET])
        return float(row[TARGET] - row[distractor])

    return {"name": case["name"], "position": p, "target": TARGET, "distractor": distractor,
            "edits": edits,
            "top_before": [{"token_id": i, "before": b, "after": a} for i, b, a in top(pb, pa)],
            "top_after": [{"token_id": i, "before": b, "after": a} for i, a, b in top(pa, pb)],
            "target_before": float(pb[TARGET]), "target_after": float(pa[TARGET]),
            "metric_before": metric(before), "metric_after": metric(after),
            "kl": float((pb * (pb.log() - pa.log())).sum()),
            "found": found}


def main() -> None:
    spec, model, saes = load()
    tokens = torch.tensor(spec["token_ids"])
    cases = [run_case(model, saes, tokens, c) for c in CASES]
    out = {"token_ids": spec["token_ids"], "top": TOP, "cases": cases}
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=None)
    for c in cases:
        print(f"{c['name']}: metric {c['metric_before']:.4f} -> {c['metric_after']:.4f}, KL {c['kl']:.5f}, {len(c['found'])} edits")
    print(f"wrote {OUT_PATH} ({os.path.getsize(OUT_PATH)} bytes)")


if __name__ == "__main__":
    main()

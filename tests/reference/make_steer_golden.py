"""Goldens for generation and steering (issue 15 §2, §3), by full recompute in float64.

An independent implementation: every step re-runs the whole sequence through gpt2_hf.HfGpt2 (no key/value
cache), with steering as a forward edit at the hook over all positions of the sequence so far. The tiny
synthetic GPT-2 and SAEs of golden/tiny_spec.json (rebuilt from synthetic.py) are the model.

Steering, for v the unit decoder row W_dec[i]/|W_dec[i]| (or a custom unit vector) and c = strength x multiplier:
  additive    h + c v
  orthogonal  h - (h.v) v + c (h.v) v
  cap         h - max(0, h.v - c) v
  clamp       h + (c - a) v,  a = f_i(h) |W_dec[i]|  (the activation in folded units, SAE without normalisation)
Several vectors apply in the order given; positions: all | prompt (p < prompt length) | generated; skip_bos
leaves position 0 alone. Greedy decoding picks the lowest id among equal maxima; logprobs are log_softmax of
the raw logits. The script prints the smallest top-1/top-2 logit gap per case, so a golden that a float32
engine could tie on is noticed.

Writes golden/steer_golden.json. Run: /usr/bin/python3 tests/reference/make_steer_golden.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
import make_golden  # noqa: E402
import sae_ref  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROMPT = [50256, 383, 2068, 7586, 21831, 18045]
N_TOKENS = 32
TOP_N = 5


def unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm()


def steer_edit(vectors: list[dict], method: str, positions: str, skip_bos: bool, prompt_len: int, hook: str):
    """An edit fn for gpt2_hf.forward: value [1, T, D] -> steered value."""
    mine = [v for v in vectors if v["hook"] == hook]

    def fn(value: torch.Tensor) -> torch.Tensor:
        value = value.clone()
        T = value.shape[1]
        for p in range(T):
            if skip_bos and p == 0:
                continue
            if positions == "prompt" and p >= prompt_len:
                continue
            if positions == "generated" and p < prompt_len:
                continue
            h = value[0, p]
            for vec in mine:
                v, c = vec["v"], vec["c"]
                if method == "additive":
                    h = h + c * v
                elif method == "orthogonal":
                    proj = torch.dot(h, v)
                    h = h - proj * v + c * proj * v
                elif method == "cap":
                    h = h - torch.clamp(torch.dot(h, v) - c, min=0.0) * v
                elif method == "clamp":
                    sae, i = vec["sae"], vec["index"]
                    f, _ = sae.encode(h.unsqueeze(0))
                    a = f[0, i] * sae.w["W_dec"][i].norm()
                    h = h + (c - a) * v
                else:
                    raise ValueError(method)
            value[0, p] = h
        return value

    return fn


def generate(model: gpt2_hf.HfGpt2, vectors: list[dict], method: str, positions: str, skip_bos: bool):
    tokens = list(PROMPT)
    out, logprobs, tops, gaps, all_logits = [], [], [], [], []
    hooks = sorted({v["hook"] for v in vectors})
    for _ in range(N_TOKENS):
        edits = {h: steer_edit(vectors, method, positions, skip_bos, len(PROMPT), h) for h in hooks}
        logits = model.forward(torch.tensor([tokens]), edits=edits)[0, -1]
        lp = torch.log_softmax(logits, dim=-1)
        best = torch.topk(logits, 2)
        gaps.append(float(best.values[0] - best.values[1]))
        token = int(torch.argmax(logits))
        top = torch.topk(lp, TOP_N)
        out.append(token)
        logprobs.append(float(lp[token]))
        tops.append([[int(i), float(x)] for i, x in zip(top.indices, top.values)])
        all_logits.append(logits)
        tokens.append(token)
    return out, logprobs, tops, min(gaps)


def main() -> None:
    spec = synthetic.load_spec(os.path.join(HERE, "golden", "tiny_spec.json"))
    with tempfile.TemporaryDirectory() as root:
        model_dir = os.path.join(root, spec["model"]["name"])
        make_golden.write_checkpoint(model_dir, spec, synthetic.model_tensors(spec))
        saes = {}
        for s in spec["saes"]:
            folder = os.path.join(root, "saes", s["name"])
            make_golden.write_sae(folder, s, synthetic.sae_tensors(s))
            saes[s["name"]] = sae_ref.ReferenceSae.load(folder).to(torch.float64)
        model = gpt2_hf.HfGpt2.load(model_dir).to(torch.float64)

    # Features that fire on the prompt, so clamping them both lowers and raises real activations.
    resid = {}
    model.forward(torch.tensor([PROMPT]), hooks=resid, logits=False)

    def busiest(name: str) -> int:
        sae = saes[name]
        f, _ = sae.encode(resid[sae.hook_name][0])
        return int(torch.argmax((f > 0).sum(0) * 1000 + f.sum(0)))

    pre, post = "standard-resid-pre-1", "jumprelu-resid-post-2"
    f_pre, f_post = busiest(pre), busiest(post)
    custom = unit(torch.from_numpy(synthetic.generate("steer/custom-vector", [96], 1.0, 0.0).astype(np.float64)))

    def feature(name: str, index: int, strength: float) -> dict:
        sae = saes[name]
        return {"sae": sae, "name": name, "index": index, "hook": sae.hook_name, "strength": strength,
                "v": unit(sae.w["W_dec"][index])}

    multiplier = 2.0
    cases = [
        ("default", "additive", "all", False, []),
        ("additive", "additive", "all", False, [feature(pre, f_pre, 3.0), feature(post, f_post, -2.5)]),
        ("orthogonal", "orthogonal", "all", False, [feature(pre, f_pre, 0.0), feature(post, f_post, 3.0)]),
        ("cap", "cap", "all", False, [feature(pre, f_pre, -0.5), feature(post, f_post, -1.0)]),
        ("clamp", "clamp", "all", False, [feature(pre, f_pre, 4.0), feature(post, f_post, 0.0)]),
        ("vector_generated", "additive", "generated", False, [{"hook": "blocks.0.hook_mlp_out", "strength": 4.0, "v": custom}]),
        ("additive_prompt_skip_bos", "additive", "prompt", True, [feature(pre, f_pre, 5.0)]),
    ]
    out = {"prompt": PROMPT, "n_tokens": N_TOKENS, "top_n": TOP_N, "multiplier": multiplier,
           "custom_vector": [float(x) for x in custom], "cases": []}
    default_tokens = None
    for name, method, positions, skip_bos, vectors in cases:
        for v in vectors:
            v["c"] = v["strength"] * multiplier
        tokens, logprobs, tops, gap = generate(model, vectors, method, positions, skip_bos)
        if default_tokens is None:
            default_tokens = tokens
        changed = sum(a != b for a, b in zip(tokens, default_tokens))
        print(f"{name:26s} min top-2 gap {gap:.2e}  tokens differing from default: {changed}/{N_TOKENS}")
        out["cases"].append({
            "name": name, "method": method, "positions": positions, "skip_bos": skip_bos,
            "vectors": [{"sae": v.get("name"), "feature": v.get("index", -1), "hook": v["hook"], "strength": v["strength"]} for v in vectors],
            "tokens": tokens, "logprobs": logprobs, "top": tops, "min_gap": gap,
        })
    path = os.path.join(HERE, "golden", "steer_golden.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()

"""Goldens for generation and steering (issue 15 §2, §3), by full recompute in float64.

An independent implementation: every step re-runs the whole sequence through gpt2_hf.HfGpt2 (no key/value
cache), with steering as a forward edit at the hook over all positions of the sequence so far. The tiny
synthetic GPT-2 and SAEs of golden/tiny_spec.json (rebuilt from synthetic.py) are the model.

Steering, for v the unit decoder row W_dec[i]/|W_dec[i]| (or a custom unit vector) and c = strength x multiplier:
  additive    h + c v
  orthogonal  h - (h.v) v + c (h.v) v
  cap         h - max(0, h.v - c) v
  clamp       h + decode(f') - decode(f), f' = f with feature i set to c in folded units (c/|W_dec[i]|, or c
              for TopK with rescale_acts_by_decoder_norm); the C# engine's closed form is h + (c - a) v times the
              SAE's output scale, and an extra TopK SAE with constant_norm_rescale (EXTRA_SAE) checks that form
Several vectors apply in the order given; positions: all | prompt (p < prompt length) | generated; skip_bos
leaves position 0 alone. Greedy decoding picks the lowest id among equal maxima; logprobs are log_softmax of
the raw logits. The sampled_* cases draw with the engine's counter-based uniforms (restated in draw()) through
frequency penalty, temperature, top-k and top-p (choose()). The script prints the smallest top-1/top-2 logit gap per case, so a golden that a float32
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
                    # Independent of the formula: set the feature so its folded value is c and add the change
                    # in the SAE's own decode (which undoes input normalisation), keeping the error term.
                    sae, i = vec["sae"], vec["index"]
                    f, state = sae.encode(h.unsqueeze(0))
                    rescaled = sae.arch == "topk" and sae.cfg.get("rescale_acts_by_decoder_norm", False)
                    clamped = f.clone()
                    clamped[0, i] = c if rescaled else c / sae.w["W_dec"][i].norm()
                    h = h + (sae.decode(clamped, state) - sae.decode(f, state))[0]
                else:
                    raise ValueError(method)
            value[0, p] = h
        return value

    return fn


MASK64 = (1 << 64) - 1


def mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def draw(seed: int, step: int) -> float:
    """The engine's uniform draw for a step (CounterRandom: splitmix64 of the "generate" stream), in (0, 1]."""
    h = 0xCBF29CE484222325
    for ch in "generate":
        h = ((h ^ ord(ch)) * 0x100000001B3) & MASK64
    stream = mix64(h ^ mix64(seed))
    return ((mix64((stream + (step + 1) * 0x9E3779B97F4A7C15) & MASK64) >> 11) + 1) / float(1 << 53)


def choose(logits: torch.Tensor, history: list[int], step: int, sampling: dict | None) -> int:
    """Greedy, or OpenAI-style sampling: logits - penalty * count, / temperature, top-k, top-p, one draw u * mass
    walked in order of probability (vocabulary order when neither top-k nor top-p is on)."""
    adjusted = logits.clone()
    if sampling and sampling["freq_penalty"]:
        for t in history:
            adjusted[t] -= sampling["freq_penalty"]
    if not sampling or sampling["temperature"] == 0:
        return int(torch.argmax(adjusted))
    z = adjusted / sampling["temperature"]
    p = torch.exp(z - z.max())
    u = draw(sampling["seed"], step)
    if sampling["top_k"] == 0 and sampling["top_p"] >= 1:
        return int(torch.searchsorted(torch.cumsum(p, 0), u * p.sum()))
    order = torch.argsort(-p, stable=True)
    sorted_p = p[order]
    kept = sampling["top_k"] or len(p)
    mass = sorted_p[:kept].cumsum(0)
    if sampling["top_p"] < 1:
        kept = int(torch.searchsorted(mass, sampling["top_p"] * mass[-1])) + 1
    return int(order[int(torch.searchsorted(mass[:kept], u * mass[kept - 1]))])


def generate(model: gpt2_hf.HfGpt2, vectors: list[dict], method: str, positions: str, skip_bos: bool, sampling: dict | None = None):
    tokens = list(PROMPT)
    out, logprobs, tops, gaps, all_logits = [], [], [], [], []
    hooks = sorted({v["hook"] for v in vectors})
    for _ in range(N_TOKENS):
        edits = {h: steer_edit(vectors, method, positions, skip_bos, len(PROMPT), h) for h in hooks}
        logits = model.forward(torch.tensor([tokens]), edits=edits)[0, -1]
        lp = torch.log_softmax(logits, dim=-1)
        best = torch.topk(logits, 2)
        gaps.append(float(best.values[0] - best.values[1]))
        token = choose(logits, tokens[len(PROMPT):], len(out), sampling)
        top = torch.topk(lp, TOP_N)
        out.append(token)
        logprobs.append(float(lp[token]))
        tops.append([[int(i), float(x)] for i, x in zip(top.indices, top.values)])
        all_logits.append(logits)
        tokens.append(token)
    return out, logprobs, tops, min(gaps)


# A TopK SAE that rescales by decoder norm and normalises its input (constant_norm_rescale), with decoder rows far
# from unit norm: the case where "folded units" and the output scale matter. Written into the golden file so the
# C# test rebuilds it with the same generator (splitmix64-v1).
EXTRA_SAE = {
    "name": "topk-cnr-resid-pre-1",
    "cfg": {"d_in": 96, "d_sae": 64, "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": True,
            "normalize_activations": "constant_norm_rescale", "reshape_activations": "none", "architecture": "topk",
            "k": 8, "rescale_acts_by_decoder_norm": True,
            "metadata": {"sae_lens_version": "6.18.0", "model_name": "tiny-gpt2", "hook_name": "blocks.1.hook_resid_pre",
                         "hook_head_index": None, "context_size": 64, "prepend_bos": True,
                         "model_from_pretrained_kwargs": {}, "dataset_path": "synthetic"}},
    "tensors": [
        {"name": "W_enc", "shape": [96, 64], "key": "steer/topk-cnr/W_enc", "scale": 0.3, "offset": 0.0},
        {"name": "b_enc", "shape": [64], "key": "steer/topk-cnr/b_enc", "scale": 0.2, "offset": 0.0},
        {"name": "W_dec", "shape": [64, 96], "key": "steer/topk-cnr/W_dec", "scale": 0.4, "offset": 0.0},
        {"name": "b_dec", "shape": [96], "key": "steer/topk-cnr/b_dec", "scale": 0.05, "offset": 0.0},
    ],
}


def main() -> None:
    spec = synthetic.load_spec(os.path.join(HERE, "golden", "tiny_spec.json"))
    spec = dict(spec, saes=spec["saes"] + [EXTRA_SAE])
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
    topk = EXTRA_SAE["name"]
    f_pre, f_post, f_topk = busiest(pre), busiest(post), busiest(topk)
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
        ("clamp_topk_normalised", "clamp", "all", False, [feature(topk, f_topk, 6.0)]),
    ]
    out = {"prompt": PROMPT, "n_tokens": N_TOKENS, "top_n": TOP_N, "multiplier": multiplier,
           "custom_vector": [float(x) for x in custom], "extra_sae": EXTRA_SAE, "cases": []}
    default_tokens = None
    sampling = {"temperature": 0.8, "top_k": 40, "top_p": 0.9, "freq_penalty": 0.6, "seed": 16}
    cases += [
        ("sampled_default", "additive", "all", False, []),
        ("sampled_additive", "additive", "all", False, [feature(pre, f_pre, 3.0), feature(post, f_post, -2.5)]),
    ]
    out["sampling"] = sampling
    for name, method, positions, skip_bos, vectors in cases:
        for v in vectors:
            v["c"] = v["strength"] * multiplier
        tokens, logprobs, tops, gap = generate(model, vectors, method, positions, skip_bos, sampling if name.startswith("sampled") else None)
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

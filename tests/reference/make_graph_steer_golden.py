"""Goldens for graph steering (issue 20: Neuronpedia's graph /steer), by a PyTorch forward written here.

Run:  /usr/bin/python3 tests/reference/make_graph_steer_golden.py

The model and transcoders of make_graph_golden.py (golden/graph_spec.json: a 4-block synthetic GPT-2, vocab 37, one
transcoder per block: standard, skip, JumpReLU, TopK), raw weights, its 7-token prompt. What Neuronpedia's graph
server does for /steer (apps/graph/neuronpedia_graph/server.py with circuit-tracer's feature_intervention_generate),
in float64:
  * each steered feature gets a target value: 0 when ablated, else its activation on the clean prompt at
    token_active_position plus delta;
  * the steered forward adds (target - current activation) x W_dec[index] to hook_mlp_out of the feature's block at
    steer_position, or at every generated position when steer_generated_tokens (the current activation is the
    transcoder's encoding of this forward's ln2.hook_normalized at that position);
  * with freeze_attention, every block's attention pattern rows for prompt queries are the clean prompt's; rows of
    generated queries are computed as usual;
  * the default continuation is the plain model; both decode greedily (temperature 0), n_tokens tokens, and report
    the top_k next-token probabilities at the last prompt position and after each generated token (n_tokens + 1 rows).

Output golden/graph_steer_golden.json: the prompt, settings, the features (chosen here from the clean activations) and,
per case (frozen, unfrozen), default and steered generated tokens and top probabilities.
"""

from __future__ import annotations

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_tl  # noqa: E402
import make_graph_golden as g  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_PATH = os.path.join(HERE, "golden", "graph_steer_golden.json")
N_TOKENS, TOP_K = 5, 5


def forward(sd, tcs, tokens, prompt_len, clean_patterns, interventions):
    """GPT-2 over `tokens` with interventions [(layer, positions, index, value)]; returns logits [t, V], patterns, xhats."""
    t = len(tokens)
    eps = g.CONFIG["layer_norm_epsilon"]
    resid = sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][:t]
    allowed = torch.tril(torch.ones(t, t, dtype=torch.bool))
    patterns, xhats = [], []

    def scale(x):
        c = x - x.mean(-1, keepdim=True)
        return (c.pow(2).mean(-1, keepdim=True) + eps).sqrt()

    for L in range(g.N_LAYER):
        b = f"blocks.{L}."
        x = g.layer_norm(resid, scale(resid), sd, b + "ln1")
        q = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
        k = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
        scores = torch.einsum("qhk,shk->hqs", q, k) / q.shape[-1] ** 0.5
        pattern = torch.softmax(torch.where(allowed, scores, torch.tensor(float("-inf"), dtype=scores.dtype)), dim=-1)
        if clean_patterns is not None:
            pattern = pattern.clone()
            pattern[:, :prompt_len, :] = 0
            pattern[:, :prompt_len, :prompt_len] = clean_patterns[L]
        patterns.append(pattern)
        resid = resid + g.attention(x, sd, b, pattern)
        s2 = scale(resid)
        xhat = (resid - resid.mean(-1, keepdim=True)) / s2
        xhats.append(xhat)
        x = g.layer_norm(resid, s2, sd, b + "ln2")
        mlp_out = gpt2_tl.gelu_new(x @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]) @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
        mlp_out = mlp_out.clone()
        for layer, positions, index, value in interventions:
            if layer != L:
                continue
            for p in positions:
                _, f = g.encode(tcs[L], g.ARCHS[L], xhat[p])
                mlp_out[p] += (value - f[index]) * tcs[L]["W_dec"][index]
        resid = resid + mlp_out
    final = g.layer_norm(resid, scale(resid), sd, "ln_final")
    return final @ sd["unembed.W_U"] + sd["unembed.b_U"], patterns, xhats


def generate(sd, tcs, prompt, clean_patterns, features):
    tokens = list(prompt)
    top = []
    for step in range(N_TOKENS + 1):
        interventions = []
        for layer, index, positions, value in features:
            interventions.append((layer, range(len(prompt), len(tokens)) if positions is None else [positions], index, value))
        logits, _, _ = forward(sd, tcs, torch.tensor(tokens), len(prompt), clean_patterns, interventions)
        probs = torch.softmax(logits[-1], -1)
        values, indices = torch.topk(probs, TOP_K)
        top.append([[int(i), float(v)] for i, v in zip(indices, values)])
        if step < N_TOKENS:
            tokens.append(int(torch.argmax(logits[-1])))
    return tokens[len(prompt):], top


def main() -> None:
    with open(g.SPEC_PATH, encoding="utf-8") as f:
        s = json.load(f)
    hf = {e["name"]: torch.from_numpy(synthetic.generate_entry(e)).double() for e in s["model"]["tensors"]}
    tcs = [{e["name"]: torch.from_numpy(synthetic.generate_entry(e)).double() for e in t["tensors"]} for t in s["transcoders"]]
    sd = gpt2_tl.process(gpt2_tl.convert_hf(g.CONFIG, hf), g.N_LAYER, **gpt2_tl.NO_PROCESSING)
    prompt = s["token_ids"]
    T = len(prompt)
    _, clean_patterns, clean_xhat = forward(sd, tcs, torch.tensor(prompt), T, None, [])
    acts = [g.encode(tcs[L], g.ARCHS[L], clean_xhat[L])[1] for L in range(g.N_LAYER)]

    def strongest(layer, position):
        return int(torch.argmax(acts[layer][position]))

    # Ablate block 1's strongest feature at the last position; raise block 2's strongest at position 4 by 3; and
    # steer block 0's strongest feature at the last prompt position on every generated token (its activation + 2.5).
    wire = [
        {"layer": 1, "index": strongest(1, T - 1), "token_active_position": T - 1, "steer_position": T - 1,
         "steer_generated_tokens": False, "delta": None, "ablate": True},
        {"layer": 2, "index": strongest(2, 4), "token_active_position": 4, "steer_position": 4,
         "steer_generated_tokens": False, "delta": 3.0, "ablate": False},
        {"layer": 0, "index": strongest(0, T - 1), "token_active_position": T - 1, "steer_position": None,
         "steer_generated_tokens": True, "delta": 2.5, "ablate": False},
    ]
    features = []
    for w in wire:
        value = 0.0 if w["ablate"] else float(acts[w["layer"]][w["token_active_position"], w["index"]]) + w["delta"]
        features.append((w["layer"], w["index"], None if w["steer_generated_tokens"] else w["steer_position"], value))
    default_tokens, default_top = generate(sd, tcs, prompt, None, [])
    cases = {}
    for name, frozen in (("frozen", clean_patterns), ("unfrozen", None)):
        steered_tokens, steered_top = generate(sd, tcs, prompt, frozen, features)
        cases[name] = {"freeze_attention": frozen is not None, "default_tokens": default_tokens, "default_top": default_top,
                       "steered_tokens": steered_tokens, "steered_top": steered_top}
        print(f"{name}: default {default_tokens}, steered {steered_tokens}")
    out = {"processing": "raw", "prompt": prompt, "n_tokens": N_TOKENS, "top_k": TOP_K, "features": wire, "cases": cases}
    with open(GOLDEN_PATH, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {GOLDEN_PATH}")


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()

"""Goldens for the GPT-2 backward pass (issue 17 foundation) and the hooks it added, by PyTorch autograd.

Run:  /usr/bin/python3 tests/reference/make_backward_golden.py

A deliberately odd-shaped synthetic GPT-2 (d_model 24, 3 heads of 8, d_mlp 40, 3 layers, vocab 37, T 7),
rebuilt bit for bit in C# from golden/backward_spec.json (splitmix64-v1, see synthetic.py). Its weights go
through gpt2_tl.convert_hf (+ gpt2_tl.process for "tl"), then through the TransformerLens-style forward below,
written here in float64 with every hook tensor kept for autograd.

Metrics:
  dense      sum over positions t and tokens v of G[t, v] * logits[t, v], G from the generator (key
             "backward/metric"), so every position and every logit carries gradient;
  logitdiff  logits[T-1, TARGET] - logits[T-1, DISTRACTOR].

Freezing ("frozen"): the attention pattern and every LayerNorm scale are replaced by detached copies with
requires_grad, so their gradients are reported but nothing flows through them (the linear direct-effect
system). attn_scores then receive no gradient (zero).

Hook conventions (as the C# engine): hook_normalized is the centred, scaled value before gain and bias;
hook_scale is sqrt(var + eps) with shape [T, 1]; attn.hook_attn_scores is q.k / sqrt(Dh) with -inf above the
diagonal [H, T, T]; attn.hook_result is each head's z_h W_O[h] without b_O [T, H, D].

Output golden/backward_golden.safetensors (F32, batch dim dropped):
  {proc}/fwd/{hook}                          proc in raw, tl: values of the hooks added in issue 17
  {proc}/{metric}/{freeze}/grad/{hook}       gradient of the metric w.r.t. every hook (free, frozen)
  {proc}/{metric}/{freeze}/value             the metric, [1]
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_tl  # noqa: E402
import st  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "backward_spec.json")
GOLDEN_PATH = os.path.join(HERE, "golden", "backward_golden.safetensors")

N_LAYER, D, H, F, V, CTX = 3, 24, 3, 40, 37, 16
TOKENS = [0, 5, 36, 12, 7, 5, 21]
TARGET, DISTRACTOR = 3, 11

CONFIG = {
    "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": N_LAYER, "n_embd": D, "n_head": H,
    "n_positions": CTX, "n_ctx": CTX, "vocab_size": V, "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new", "n_inner": F,
}

# (HF name suffix, shape, scale, offset): larger weights than tiny_spec so patterns are sharp and LayerNorm
# scales vary, which is what makes the frozen and free gradients differ.
BLOCK = [
    ("ln_1.weight", [D], 0.3, 1.0), ("ln_1.bias", [D], 0.2, 0.0),
    ("attn.c_attn.weight", [D, 3 * D], 0.5, 0.0), ("attn.c_attn.bias", [3 * D], 0.2, 0.0),
    ("attn.c_proj.weight", [D, D], 0.3, 0.0), ("attn.c_proj.bias", [D], 0.1, 0.05),
    ("ln_2.weight", [D], 0.3, 1.0), ("ln_2.bias", [D], 0.2, 0.0),
    ("mlp.c_fc.weight", [D, F], 0.4, 0.0), ("mlp.c_fc.bias", [F], 0.3, 0.0),
    ("mlp.c_proj.weight", [F, D], 0.3, 0.0), ("mlp.c_proj.bias", [D], 0.1, -0.03),
]


def spec() -> dict:
    def entry(name, shape, scale, offset):
        return {"name": name, "shape": shape, "key": f"backward/{name}", "scale": scale, "offset": offset}
    tensors = [entry("wte.weight", [V, D], 0.5, 0.02), entry("wpe.weight", [CTX, D], 0.3, 0.0)]
    for L in range(N_LAYER):
        tensors += [entry(f"h.{L}.{s}", shape, sc, off) for s, shape, sc, off in BLOCK]
    tensors += [entry("ln_f.weight", [D], 0.3, 1.0), entry("ln_f.bias", [D], 0.2, 0.0)]
    return {"generator": synthetic.GENERATOR, "model": {"name": "backward-gpt2", "config": CONFIG, "tensors": tensors},
            "token_ids": TOKENS, "target": TARGET, "distractor": DISTRACTOR,
            "metric": {"key": "backward/metric", "shape": [len(TOKENS), V], "scale": 1.0, "offset": 0.0}}


def norm(x, prefix, sd, eps, frozen, hooks):
    x = x - x.mean(-1, keepdim=True)
    scale = (x.pow(2).mean(-1, keepdim=True) + eps).sqrt()
    if frozen:
        scale = scale.detach().requires_grad_()
    hooks[prefix + ".hook_scale"] = scale
    normalized = x / scale
    hooks[prefix + ".hook_normalized"] = normalized
    if prefix + ".w" in sd:
        return normalized * sd[prefix + ".w"] + sd[prefix + ".b"]
    return normalized


def forward(sd, tokens, frozen, hooks):
    """TransformerLens's GPT-2 forward (as gpt2_tl.TlGpt2.forward) with the extra hooks; batch 1, [T] tokens."""
    T = len(tokens)
    eps = CONFIG["layer_norm_epsilon"]
    # Leaves, so the gradient reaches the embeddings (the weights themselves need none).
    embed = sd["embed.W_E"][tokens].clone().requires_grad_()
    pos = sd["pos_embed.W_pos"][:T].clone().requires_grad_()
    hooks["hook_embed"], hooks["hook_pos_embed"] = embed, pos
    resid = embed + pos
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for L in range(N_LAYER):
        b = f"blocks.{L}."
        hooks[b + "hook_resid_pre"] = resid
        x = norm(resid, b + "ln1", sd, eps, frozen, hooks)
        q = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
        k = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
        v = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_V"]) + sd[b + "attn.b_V"]
        hooks[b + "attn.hook_q"], hooks[b + "attn.hook_k"], hooks[b + "attn.hook_v"] = q, k, v
        scores = torch.einsum("qhk,shk->hqs", q, k) / math.sqrt(q.shape[-1])
        scores = torch.where(allowed, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
        hooks[b + "attn.hook_attn_scores"] = scores
        pattern = torch.softmax(scores, dim=-1)
        if frozen:
            pattern = pattern.detach().requires_grad_()
        hooks[b + "attn.hook_pattern"] = pattern
        z = torch.einsum("hqs,shk->qhk", pattern, v)
        hooks[b + "attn.hook_z"] = z
        result = torch.einsum("qhk,hkd->qhd", z, sd[b + "attn.W_O"])
        hooks[b + "attn.hook_result"] = result
        attn_out = result.sum(1) + sd[b + "attn.b_O"]
        hooks[b + "hook_attn_out"] = attn_out
        resid = resid + attn_out
        hooks[b + "hook_resid_mid"] = resid
        x = norm(resid, b + "ln2", sd, eps, frozen, hooks)
        pre = x @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]
        hooks[b + "mlp.hook_pre"] = pre
        post = gpt2_tl.gelu_new(pre)
        hooks[b + "mlp.hook_post"] = post
        mlp_out = post @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
        hooks[b + "hook_mlp_out"] = mlp_out
        resid = resid + mlp_out
        hooks[b + "hook_resid_post"] = resid
    x = norm(resid, "ln_final", sd, eps, frozen, hooks)
    return x @ sd["unembed.W_U"] + sd["unembed.b_U"]


NEW_HOOKS = ("ln1.hook_scale", "ln1.hook_normalized", "attn.hook_attn_scores", "attn.hook_result",
             "ln2.hook_scale", "ln2.hook_normalized")


def main() -> None:
    s = spec()
    with open(SPEC_PATH, "w", encoding="utf-8") as f:
        json.dump(s, f, indent=1)
    hf = {e["name"]: torch.from_numpy(synthetic.generate_entry(e)).double() for e in s["model"]["tensors"]}
    G = torch.from_numpy(synthetic.generate(**{k: s["metric"][k] for k in ("key", "shape", "scale", "offset")})).double()
    tokens = torch.tensor(TOKENS)
    out: dict[str, np.ndarray] = {}
    for proc, flags in (("raw", gpt2_tl.NO_PROCESSING), ("tl", gpt2_tl.DEFAULT_PROCESSING)):
        sd = gpt2_tl.process(gpt2_tl.convert_hf(CONFIG, hf), N_LAYER, **flags)
        for metric in ("dense", "logitdiff"):
            for freeze in ("free", "frozen"):
                hooks: dict[str, torch.Tensor] = {}
                logits = forward(sd, tokens, freeze == "frozen", hooks)
                for t in hooks.values():
                    if t.requires_grad:
                        t.retain_grad()
                value = (G * logits).sum() if metric == "dense" else logits[-1, TARGET] - logits[-1, DISTRACTOR]
                value.backward()
                prefix = f"{proc}/{metric}/{freeze}"
                out[prefix + "/value"] = np.array([float(value)], dtype=np.float32)
                for name, t in hooks.items():
                    grad = t.grad if t.grad is not None else torch.zeros_like(t)
                    out[f"{prefix}/grad/{name}"] = grad.detach().numpy().astype(np.float32)
                if metric == "dense" and freeze == "free":
                    out[f"{proc}/fwd/logits"] = logits.detach().numpy().astype(np.float32)
                    for name, t in hooks.items():
                        if name.endswith(NEW_HOOKS) or name.startswith("ln_final"):
                            out[f"{proc}/fwd/{name}"] = t.detach().numpy().astype(np.float32)
                    # Self-check: the hooked forward reproduces gpt2_tl's forward.
                    ref = gpt2_tl.TlGpt2(CONFIG, sd).forward(tokens[None])[0]
                    assert float((ref - logits).abs().max()) < 1e-10
        # Freezing changes the answer (else the frozen test could not fail).
        a, b = out[f"{proc}/dense/free/grad/hook_embed"], out[f"{proc}/dense/frozen/grad/hook_embed"]
        print(f"{proc}: |free - frozen| / |free| at hook_embed = {np.abs(a - b).max() / np.abs(a).max():.3f}")
    st.save(GOLDEN_PATH, out)
    print(f"wrote {GOLDEN_PATH}: {len(out)} tensors, {os.path.getsize(GOLDEN_PATH)} bytes")


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    main()

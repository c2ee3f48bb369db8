"""Goldens for attribution graphs (issue 20), by PyTorch autograd on the local replacement model.

Run:  /usr/bin/python3 tests/reference/make_graph_golden.py

A small synthetic GPT-2 (d_model 24, 3 heads of 8, d_mlp 40, 4 layers, vocab 37, T 7) and one synthetic transcoder
per block (d_sae 20; block 0 "transcoder", 1 "skip_transcoder" with W_skip, 2 "jumprelu_transcoder", 3
"topk_transcoder" k 4), all rebuilt bit for bit in C# from golden/graph_spec.json (splitmix64-v1, see synthetic.py).

The replacement model, written here independently of the C# engine (float64):
  * a real forward records every layer norm's scale sqrt(var + eps), every attention pattern, ln2.hook_normalized
    (x_hat, before gain and bias) and hook_mlp_out;
  * each transcoder encodes x_hat (SAELens Transcoder: no b_dec subtracted) into activations f;
    error = mlp_out - (f W_dec + b_dec + x_hat W_skip^T);
  * the replacement forward starts from leaf tensors (token embeddings W_E[tok] + W_pos[t], every feature
    activation, every error) with the scales and patterns as constants, so it is linear in the leaves; it
    reproduces the real pre-activations and logits (checked).
Targets: each active feature's pre-activation x_hat W_enc[:, i] + b_enc[i], and each logit node's demeaned logit
(logit - mean logit at the last position; top logits until cumulative probability >= 0.95, at most 10).
Edge weight source -> target = d target / d leaf . leaf (activation x gradient for features; dot products for error
and token vectors). Bias terms = the replacement forward with every leaf zero.

Pruning: circuit-tracer's prune_graph, from its definition, in float64.
Visiting fewer features than are active: circuit-tracer's influence-ordered loop (compute_partial_influences),
batch 8, re-ranked every 2 batches, 40 features.

Output golden/graph_golden.safetensors (F32 unless said):
  {proc}/features         [n, 5]  layer, position, index, activation, pre-activation (sorted by layer, pos, index)
  {proc}/logits           [k, 3]  token, probability, demeaned logit
  {proc}/adjacency        [N, N]  all features visited; rows target, columns source, circuit-tracer order
  {proc}/inputs, /bias    [N]
  raw/prune/{a}_{b}/nodes, /edges, /scores    masks as 0/1, cumulative influence (raw weights only)
  {proc}/partial/selected [40]    visited feature indices (ascending), and /partial/adjacency
  raw/eval                [14]    the replacement-model eval over EVAL_WINDOWS: CE clean, replaced (every MLP by its
                                  transcoder, reading the replaced stream), MLPs zeroed, CE recovered, KL(clean||replaced),
                                  KL(clean||ablated) per next-token position, then L0 and normalised MSE per block
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
SPEC_PATH = os.path.join(HERE, "golden", "graph_spec.json")
GOLDEN_PATH = os.path.join(HERE, "golden", "graph_golden.safetensors")

N_LAYER, D, H, F, V, CTX, S = 4, 24, 3, 40, 37, 16, 20
TOKENS = [0, 5, 36, 12, 7, 5, 21]
ARCHS = ["transcoder", "skip_transcoder", "jumprelu_transcoder", "topk_transcoder"]
TOPK = 4
PRUNINGS = [(0.8, 0.98), (0.6, 0.9)]
EVAL_WINDOWS = [TOKENS, [3, 8, 1, 30, 22, 9, 14]]
PARTIAL = dict(max_features=40, batch=8, interval=2)
MAX_LOGITS, DESIRED = 10, 0.95

CONFIG = {
    "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": N_LAYER, "n_embd": D, "n_head": H,
    "n_positions": CTX, "n_ctx": CTX, "vocab_size": V, "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new", "n_inner": F,
}

BLOCK = [
    ("ln_1.weight", [D], 0.3, 1.0), ("ln_1.bias", [D], 0.2, 0.0),
    ("attn.c_attn.weight", [D, 3 * D], 0.5, 0.0), ("attn.c_attn.bias", [3 * D], 0.2, 0.0),
    ("attn.c_proj.weight", [D, D], 0.3, 0.0), ("attn.c_proj.bias", [D], 0.1, 0.05),
    ("ln_2.weight", [D], 0.3, 1.0), ("ln_2.bias", [D], 0.2, 0.0),
    ("mlp.c_fc.weight", [D, F], 0.4, 0.0), ("mlp.c_fc.bias", [F], 0.3, 0.0),
    ("mlp.c_proj.weight", [F, D], 0.3, 0.0), ("mlp.c_proj.bias", [D], 0.1, -0.03),
]


def entry(key, name, shape, scale, offset):
    return {"name": name, "shape": shape, "key": f"{key}/{name}", "scale": scale, "offset": offset}


def spec() -> dict:
    tensors = [entry("graph", "wte.weight", [V, D], 0.5, 0.02), entry("graph", "wpe.weight", [CTX, D], 0.3, 0.0)]
    for L in range(N_LAYER):
        tensors += [entry("graph", f"h.{L}.{s}", shape, sc, off) for s, shape, sc, off in BLOCK]
    tensors += [entry("graph", "ln_f.weight", [D], 0.3, 1.0), entry("graph", "ln_f.bias", [D], 0.2, 0.0)]
    transcoders = []
    for L, arch in enumerate(ARCHS):
        key = f"graph/tc{L}"
        cfg = {"architecture": arch, "d_in": D, "d_sae": S, "d_out": D, "dtype": "float32", "device": "cpu",
               "apply_b_dec_to_input": False, "normalize_activations": "none", "hook_name_out": f"blocks.{L}.hook_mlp_out",
               "hook_layer_out": L,
               "metadata": {"model_name": "graph-gpt2", "hook_name": f"blocks.{L}.ln2.hook_normalized", "prepend_bos": False}}
        if arch == "topk_transcoder":
            cfg["k"] = TOPK
        ts = [entry(key, "W_enc", [D, S], 0.5, 0.0), entry(key, "b_enc", [S], 0.3, -0.2),
              entry(key, "W_dec", [S, D], 0.3, 0.0), entry(key, "b_dec", [D], 0.1, 0.02)]
        if arch == "skip_transcoder":
            ts.append(entry(key, "W_skip", [D, D], 0.1, 0.0))
        if arch == "jumprelu_transcoder":
            ts.append(entry(key, "threshold", [S], 0.2, 0.5))
        transcoders.append({"name": f"tc{L}", "cfg": cfg, "tensors": ts})
    return {"generator": synthetic.GENERATOR, "model": {"name": "graph-gpt2", "config": CONFIG, "tensors": tensors},
            "transcoders": transcoders, "token_ids": TOKENS,
            "prunings": [list(p) for p in PRUNINGS], "partial": PARTIAL, "max_logits": MAX_LOGITS, "desired_logit_prob": DESIRED}


def layer_norm(x, sigma, sd, prefix):
    y = (x - x.mean(-1, keepdim=True)) / sigma
    if prefix + ".w" in sd:
        y = y * sd[prefix + ".w"] + sd[prefix + ".b"]
    return y


def attention(x, sd, b, pattern):
    v = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_V"]) + sd[b + "attn.b_V"]
    z = torch.einsum("hqs,shk->qhk", pattern, v)
    return torch.einsum("qhk,hkd->qd", z, sd[b + "attn.W_O"]) + sd[b + "attn.b_O"]


def real_forward(sd, tokens):
    """GPT-2 (TransformerLens forward) recording what freezes the replacement model."""
    T = len(tokens)
    eps = CONFIG["layer_norm_epsilon"]
    rec = {"sigma1": [], "sigma2": [], "pattern": [], "xhat": [], "mlp_out": []}
    resid = sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][:T]
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def scale(x):
        c = x - x.mean(-1, keepdim=True)
        return (c.pow(2).mean(-1, keepdim=True) + eps).sqrt()

    for L in range(N_LAYER):
        b = f"blocks.{L}."
        s1 = scale(resid)
        x = layer_norm(resid, s1, sd, b + "ln1")
        q = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
        k = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
        scores = torch.einsum("qhk,shk->hqs", q, k) / math.sqrt(q.shape[-1])
        scores = torch.where(allowed, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
        pattern = torch.softmax(scores, dim=-1)
        resid = resid + attention(x, sd, b, pattern)
        s2 = scale(resid)
        xhat = (resid - resid.mean(-1, keepdim=True)) / s2
        x = layer_norm(resid, s2, sd, b + "ln2")
        mlp_out = gpt2_tl.gelu_new(x @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]) @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
        resid = resid + mlp_out
        for name, value in (("sigma1", s1), ("sigma2", s2), ("pattern", pattern), ("xhat", xhat), ("mlp_out", mlp_out)):
            rec[name].append(value)
    sf = scale(resid)
    logits = layer_norm(resid, sf, sd, "ln_final") @ sd["unembed.W_U"] + sd["unembed.b_U"]
    rec["sigmaf"] = sf
    return logits, rec


def encode(tc, arch, xhat):
    h = xhat @ tc["W_enc"] + tc["b_enc"]
    if arch == "jumprelu_transcoder":
        f = torch.relu(h) * (h > tc["threshold"]).double()
    elif arch == "topk_transcoder":
        top = torch.topk(h, TOPK, dim=-1)
        f = torch.zeros_like(h).scatter(-1, top.indices, torch.relu(top.values))
    else:
        f = torch.relu(h)
    return h, f


def replacement_forward(sd, tcs, rec, tok, acts, errs):
    """Linear in (tok, acts, errs): scales and patterns are constants; returns pre-activations [L][T, S] and logits [V]."""
    resid = tok
    pres = []
    for L in range(N_LAYER):
        b = f"blocks.{L}."
        x = layer_norm(resid, rec["sigma1"][L], sd, b + "ln1")
        resid = resid + attention(x, sd, b, rec["pattern"][L])
        xhat = (resid - resid.mean(-1, keepdim=True)) / rec["sigma2"][L]
        tc = tcs[L]
        pres.append(xhat @ tc["W_enc"] + tc["b_enc"])
        out = acts[L] @ tc["W_dec"] + tc["b_dec"] + errs[L]
        if "W_skip" in tc:
            out = out + xhat @ tc["W_skip"].T
        resid = resid + out
    logits = layer_norm(resid, rec["sigmaf"], sd, "ln_final") @ sd["unembed.W_U"] + sd["unembed.b_U"]
    return pres, logits[-1] - logits[-1].mean()


def choose_logits(last):
    probs = torch.softmax(last, -1)
    top_p, top_i = torch.topk(probs, MAX_LOGITS)
    cutoff = int(torch.searchsorted(torch.cumsum(top_p, 0), DESIRED)) + 1
    return top_i[:cutoff].tolist(), top_p[:cutoff]


def build(sd, tcs):
    tokens = torch.tensor(TOKENS)
    T = len(TOKENS)
    logits, rec = real_forward(sd, tokens)
    acts, errs, pre_real = [], [], []
    for L, arch in enumerate(ARCHS):
        tc = tcs[L]
        h, f = encode(tc, arch, rec["xhat"][L])
        out = f @ tc["W_dec"] + tc["b_dec"]
        if "W_skip" in tc:
            out = out + rec["xhat"][L] @ tc["W_skip"].T
        acts.append(f)
        errs.append(rec["mlp_out"][L] - out)
        pre_real.append(h)
    active = [(L, p, i) for L in range(N_LAYER) for p in range(T) for i in range(S) if acts[L][p, i] != 0]
    logit_tokens, logit_probs = choose_logits(logits[-1])

    tok_leaf = (sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][:T]).clone().requires_grad_()
    act_leaf = [a.clone().requires_grad_() for a in acts]
    err_leaf = [e.clone().requires_grad_() for e in errs]
    pres, demeaned = replacement_forward(sd, tcs, rec, tok_leaf, act_leaf, err_leaf)
    for L in range(N_LAYER):
        assert float((pres[L] - pre_real[L]).abs().max()) < 1e-9
    assert float((demeaned - (logits[-1] - logits[-1].mean())).abs().max()) < 1e-9
    zero = [torch.zeros_like(a) for a in acts]
    bias_pres, bias_logits = replacement_forward(sd, tcs, rec, torch.zeros_like(tok_leaf), zero, [torch.zeros_like(e) for e in errs])

    n_act = len(active)
    n_src = n_act + N_LAYER * T + T

    def row(target):
        grads = torch.autograd.grad(target, [tok_leaf] + act_leaf + err_leaf, retain_graph=True, allow_unused=True)
        g_tok, g_act, g_err = grads[0], grads[1:1 + N_LAYER], grads[1 + N_LAYER:]
        r = torch.zeros(n_src, dtype=torch.float64)
        for j, (L, p, i) in enumerate(active):
            if g_act[L] is not None:
                r[j] = g_act[L][p, i] * acts[L][p, i]
        for L in range(N_LAYER):
            if g_err[L] is not None:
                r[n_act + L * T: n_act + (L + 1) * T] = (g_err[L] * errs[L]).sum(-1)
        r[n_act + N_LAYER * T:] = (g_tok * tok_leaf.detach()).sum(-1)
        return r

    feature_rows = [row(pres[L][p, i]) for (L, p, i) in active]
    logit_rows = [row(demeaned[v]) for v in logit_tokens]
    k = len(logit_tokens)
    N = n_src + k
    adjacency = torch.zeros(N, N, dtype=torch.float64)
    for j in range(n_act):
        adjacency[j, :n_src] = feature_rows[j]
    for j in range(k):
        adjacency[n_src + j, :n_src] = logit_rows[j]
    inputs = torch.tensor([float(pre_real[L][p, i]) for (L, p, i) in active] + [0.0] * (N_LAYER * T + T)
                          + [float(demeaned[v]) for v in logit_tokens], dtype=torch.float64)
    bias = torch.tensor([float(bias_pres[L][p, i]) for (L, p, i) in active] + [0.0] * (N_LAYER * T + T)
                        + [float(bias_logits[v]) for v in logit_tokens], dtype=torch.float64)
    # Completeness in the reference itself: input = sum of incoming edges + bias.
    targets = list(range(n_act)) + list(range(n_src, N))
    assert float((adjacency[targets].sum(1) + bias[targets] - inputs[targets]).abs().max()) < 1e-9

    features = torch.tensor([[L, p, i, float(acts[L][p, i]), float(pre_real[L][p, i])] for (L, p, i) in active], dtype=torch.float64)
    logit_table = torch.tensor([[v, float(pr), float(demeaned[v])] for v, pr in zip(logit_tokens, logit_probs)], dtype=torch.float64)
    partial = visit_partial(feature_rows, logit_rows, logit_probs.double(), n_act, n_src)
    return features, logit_table, adjacency, inputs, bias, partial, n_act, k


def full_forward(sd, tcs, tokens, mode):
    """The real model (attention and layer norms live) with every MLP kept ("clean"), replaced by its transcoder
    reading the replaced stream ("replace"), or zeroed ("ablate"); returns logits [T, V] and per-block (L0, SSE, y)."""
    T = len(tokens)
    eps = CONFIG["layer_norm_epsilon"]
    resid = sd["embed.W_E"][tokens] + sd["pos_embed.W_pos"][:T]
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    stats = []

    def scale(x):
        c = x - x.mean(-1, keepdim=True)
        return (c.pow(2).mean(-1, keepdim=True) + eps).sqrt()

    for L in range(N_LAYER):
        b = f"blocks.{L}."
        x = layer_norm(resid, scale(resid), sd, b + "ln1")
        q = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
        k = torch.einsum("pd,hdk->phk", x, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
        scores = torch.einsum("qhk,shk->hqs", q, k) / math.sqrt(q.shape[-1])
        scores = torch.where(allowed, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
        resid = resid + attention(x, sd, b, torch.softmax(scores, dim=-1))
        s2 = scale(resid)
        xhat = (resid - resid.mean(-1, keepdim=True)) / s2
        x = layer_norm(resid, s2, sd, b + "ln2")
        y = gpt2_tl.gelu_new(x @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]) @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
        if mode == "replace":
            _, f = encode(tcs[L], ARCHS[L], xhat)
            y_hat = f @ tcs[L]["W_dec"] + tcs[L]["b_dec"]
            if "W_skip" in tcs[L]:
                y_hat = y_hat + xhat @ tcs[L]["W_skip"].T
            stats.append((float((f != 0).sum()), float(((y_hat - y) ** 2).sum()), y))
            y = y_hat
        elif mode == "ablate":
            y = torch.zeros_like(y)
        resid = resid + y
    return layer_norm(resid, scale(resid), sd, "ln_final") @ sd["unembed.W_U"] + sd["unembed.b_U"], stats


def replacement_eval(sd, tcs):
    ce = {"clean": 0.0, "replace": 0.0, "ablate": 0.0}
    kl = {"replace": 0.0, "ablate": 0.0}
    l0, sse, ys = [0.0] * N_LAYER, [0.0] * N_LAYER, [[] for _ in range(N_LAYER)]
    n = 0
    for window in EVAL_WINDOWS:
        tokens = torch.tensor(window)
        logp = {}
        for mode in ce:
            logits, stats = full_forward(sd, tcs, tokens, mode)
            logp[mode] = torch.log_softmax(logits[:-1], -1)
            ce[mode] += float(-logp[mode][torch.arange(len(window) - 1), tokens[1:]].sum())
            for L, (a, e, y) in enumerate(stats):
                l0[L] += a
                sse[L] += e
                ys[L].append(y)
        for mode in kl:
            kl[mode] += float((logp["clean"].exp() * (logp["clean"] - logp[mode])).sum())
        n += len(window) - 1
    tokens_total = sum(len(w) for w in EVAL_WINDOWS)
    nmse = []
    for L in range(N_LAYER):
        y = torch.cat(ys[L])
        nmse.append(sse[L] / float(((y - y.mean(0)) ** 2).sum()))
    c, r, a = ce["clean"] / n, ce["replace"] / n, ce["ablate"] / n
    return np.array([c, r, a, (a - r) / (a - c), kl["replace"] / n, kl["ablate"] / n] + [x / tokens_total for x in l0] + nmse, dtype=np.float32)


# ---- circuit-tracer's definitions, restated ----

def normalize(m):
    a = m.abs()
    return a / a.sum(1, keepdim=True).clamp(min=1e-10)


def influence(a, w):
    current = w @ a
    total = current.clone()
    while current.any():
        current = current @ a
        total += current
    return total


def find_threshold(scores, fraction):
    s = torch.sort(scores, descending=True).values
    cum = torch.cumsum(s, 0) / s.sum()
    idx = min(int(torch.searchsorted(cum, torch.tensor(fraction, dtype=cum.dtype))), len(cum) - 1)
    return s[idx]


def prune(adjacency, n_features, n_tokens, logit_probs, node_threshold, edge_threshold):
    N = adjacency.shape[0]
    k = len(logit_probs)
    w = torch.zeros(N, dtype=torch.float64)
    w[-k:] = logit_probs
    node_inf = influence(normalize(adjacency), w)
    nodes = node_inf >= find_threshold(node_inf, node_threshold)
    nodes[-k - n_tokens:] = True
    pruned = adjacency.clone()
    pruned[~nodes] = 0
    pruned[:, ~nodes] = 0
    a = normalize(pruned)
    scores = a * (influence(a, w) + w)[:, None]
    edges = scores >= find_threshold(scores.flatten(), edge_threshold)
    old = nodes.clone()
    nodes[:-k - n_tokens] &= edges[:, :-k - n_tokens].any(0)
    nodes[:n_features] &= edges[:n_features].any(1)
    while not torch.all(nodes == old):
        old[:] = nodes
        edges[~nodes] = False
        edges[:, ~nodes] = False
        nodes[:-k - n_tokens] &= edges[:, :-k - n_tokens].any(0)
        nodes[:n_features] &= edges[:n_features].any(1)
    order = torch.argsort(node_inf, descending=True)
    cum = torch.cumsum(node_inf[order], 0) / node_inf.sum()
    scores_out = torch.zeros_like(node_inf)
    scores_out[order] = cum
    return nodes, edges, scores_out


def visit_partial(feature_rows, logit_rows, logit_probs, n_act, n_src):
    """circuit-tracer's phase 4 with max_feature_nodes < active features: re-rank by partial influence."""
    k = len(logit_rows)
    max_f, batch, interval = PARTIAL["max_features"], PARTIAL["batch"], PARTIAL["interval"]
    rows = [r for r in logit_rows]
    row_node = [n_src + j for j in range(k)]
    visited = [False] * n_act
    while len(rows) - k < max_f:
        em = torch.stack(rows)
        em = torch.cat([em, torch.zeros(em.shape[0], k, dtype=torch.float64)], 1)
        norm = em.abs()
        norm = norm / norm.sum(1, keepdim=True).clamp(min=1e-8)
        prod = torch.zeros(n_src + k, dtype=torch.float64)
        prod[-k:] = logit_probs
        inf = torch.zeros(n_src + k, dtype=torch.float64)
        for _ in range(128):
            prod = prod[torch.tensor(row_node)] @ norm
            if not prod.any():
                break
            inf += prod
        rank = sorted(range(n_act), key=lambda i: (-float(inf[i]), i))
        queue = min(interval * batch, max_f - (len(rows) - k))
        pending = [i for i in rank if not visited[i]][:queue]
        for i in pending:
            rows.append(feature_rows[i])
            row_node.append(i)
            visited[i] = True
    return [i for i in range(n_act) if visited[i]]


def main() -> None:
    s = spec()
    with open(SPEC_PATH, "w", encoding="utf-8") as f:
        json.dump(s, f, indent=1)
    hf = {e["name"]: torch.from_numpy(synthetic.generate_entry(e)).double() for e in s["model"]["tensors"]}
    tcs = [{e["name"]: torch.from_numpy(synthetic.generate_entry(e)).double() for e in t["tensors"]} for t in s["transcoders"]]
    out: dict[str, np.ndarray] = {}
    for proc, flags in (("raw", gpt2_tl.NO_PROCESSING), ("tl", gpt2_tl.DEFAULT_PROCESSING)):
        sd = gpt2_tl.process(gpt2_tl.convert_hf(CONFIG, hf), N_LAYER, **flags)
        features, logit_table, adjacency, inputs, bias, partial, n_act, k = build(sd, tcs)
        f32 = lambda t: t.detach().numpy().astype(np.float32)  # noqa: E731
        out[f"{proc}/features"] = f32(features)
        out[f"{proc}/logits"] = f32(logit_table)
        out[f"{proc}/adjacency"] = f32(adjacency)
        out[f"{proc}/inputs"] = f32(inputs)
        out[f"{proc}/bias"] = f32(bias)
        T = len(TOKENS)
        for a, b in PRUNINGS if proc == "raw" else []:
            nodes, edges, scores = prune(adjacency, n_act, T, logit_table[:, 1], a, b)
            key = f"{proc}/prune/{a}_{b}"
            out[key + "/nodes"] = nodes.numpy().astype(np.float32)
            out[key + "/edges"] = edges.numpy().astype(np.float32)
            out[key + "/scores"] = scores.numpy().astype(np.float32)
            print(f"{proc} prune {a}/{b}: {int(nodes.sum())} of {len(nodes)} nodes, {int(edges.sum())} edges")
        if proc == "raw":
            out["raw/eval"] = replacement_eval(sd, tcs)
            print("raw eval (ce clean, replaced, ablated, recovered, kl, kl ablated, L0 x4, nmse x4):", out["raw/eval"])
        sel = torch.tensor(partial, dtype=torch.long)
        keep = torch.cat([sel, torch.arange(n_act, adjacency.shape[0])])
        part = adjacency[keep][:, keep]
        # Rows of unvisited features are not part of the partial graph; the selected rows keep their columns.
        out[f"{proc}/partial/selected"] = sel.numpy().astype(np.float32)
        out[f"{proc}/partial/adjacency"] = f32(part)
        print(f"{proc}: {n_act} active features, {k} logits, N = {adjacency.shape[0]}; partial selected {len(partial)}")
    st.save(GOLDEN_PATH, out)
    print(f"wrote {GOLDEN_PATH}: {len(out)} tensors, {os.path.getsize(GOLDEN_PATH)} bytes")


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    main()

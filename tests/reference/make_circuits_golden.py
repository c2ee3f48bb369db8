"""Goldens for the circuit tools (issue 17): logit lens, "why this token" attribution, activation patching.

Run:  /usr/bin/python3 tests/reference/make_circuits_golden.py

The tiny synthetic GPT-2 and SAEs of golden/tiny_spec.json (rebuilt from synthetic.py), raw processing, run in
float64 through gpt2_hf.HfGpt2 (Hugging Face's forward) and sae_ref.ReferenceSae; gradients by autograd.

lens       per layer l and position t: softmax(ln_f(resid_post_l[t]) W_U) -> the top N tokens (ties: lower id first)
           and their probabilities; the last layer is checked against the model's own softmax.
attribute  at the last position, metric = logit[target] - logit[distractor], u = W_U[:, target] - W_U[:, distractor],
           sigma = ln_f's scale there: readout(c) = ((c - mean c) / sigma) . (gamma * u).
           components: embed, pos_embed, L{l}H{h} (z_h W_O[h]), {l}_mlp_out, bias (sum of b_O), ln_final_bias
           (beta . u); "direct" = readout at the last position (heads also "by_source": pattern[p, s] * readout(v_s W_O[h])), "act_times_grad" = sum over positions of
           activation . d metric / d activation (full autograd).
           features: for every SAE and every feature active at the last position, its write in hook space
           w_i = decode(f_i e_i) - decode(0), mapped to the residual (identity; hook_z: @ W_O; mlp.hook_post: @ W_out),
           direct = readout, act_times_grad = grad_hook . w_i, activation in folded units (f_i |W_dec[i]|, topk with
           rescale_acts_by_decoder_norm: f_i). errors: the same for e = x - decode(f).
           exact_total (every head, MLP and feature): metric - metric with the node zero-ablated (a head's hook_z
           at all positions, hook_mlp_out at all positions, a feature's write at the last position; an
           mlp.hook_post write is removed as its image under W_out from hook_mlp_out, which is the same edit).
patch      clean and corrupted prompts of equal length; metric as above, normalised (m - corrupted) / (clean -
           corrupted); clean activations patched one at a time into the corrupted run: resid_pre [L][T],
           attn_out [L][T], mlp_out [L][T], each head's hook_z at all positions [L][H].
           attribution: the same grids to first order, (clean - corrupted activation) . d metric / d activation
           on the corrupted run (autograd), normalised alike; correlation: Pearson r of each grid with exact.
           features: for every SAE of PATCH_SAES, every feature active (f > 0) at any position of either run;
           its write at position p is w_p = decode(f_i e_i) - decode(0) (each run's own normalisation state);
           attribution = sum_p (w_clean,p - w_corrupted,p) . d metric / d hook_p on the corrupted run, normalised;
           the top 50 by |attribution| (ties: SAE order, then index) are patched exactly: the corrupted run with
           w_clean,p - w_corrupted,p added at the hook at every position (an mlp.hook_post write as its W_out image
           at hook_mlp_out, the same edit), normalised.

attention  every layer's hook_pattern [L][H][T][T] for the tiny prompt; dfa for DFA_FEATURES of the hook_z SAE: the
           destination = argmax of the feature's activation over positions (first of ties), and for each source s
           sum_h pattern[h, dest, s] * (v[s, h] . W_enc[h*Dh:(h+1)*Dh, feature]) (SAEDashboard's DFA).

Writes golden/circuits_golden.json.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
import sae_ref  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "tiny_spec.json")
OUT_PATH = os.path.join(HERE, "golden", "circuits_golden.json")

TOP = 5
TARGET, DISTRACTOR = 262, 13          # " the", "."
ATTRIBUTE_SAES = ["standard-resid-pre-1", "topk-mlp-out-0", "jumprelu-resid-post-2", "layernorm-resid-pre-2",
                  "hookz-1", "mlp-post-0"]
PATCH_SAES = ["standard-resid-pre-1", "topk-rescaled-attn-out-1", "hookz-1", "layernorm-resid-pre-2", "mlp-post-0"]
MAX_FEATURES = 50
DFA_SAE = "hookz-1"
CORRUPTED_CHANGES = {3: 1110, 5: 3797}  # positions of the tiny prompt replaced in the corrupted prompt


def load():
    spec = synthetic.load_spec(SPEC_PATH)
    config = spec["model"]["config"]
    weights = {k: torch.from_numpy(v).double() for k, v in synthetic.model_tensors(spec).items()}
    model = gpt2_hf.HfGpt2(config, weights)
    saes = {s["name"]: sae_ref.ReferenceSae(s["cfg"], {k: torch.from_numpy(v) for k, v in synthetic.sae_tensors(s).items()}).to(torch.float64)
            for s in spec["saes"]}
    return spec, model, saes


def lens(model, tokens):
    hooks = {}
    logits = model.forward(tokens[None], hooks)[0]
    w = model.w
    layers = []
    for L in range(model.n_layer):
        x = F.layer_norm(hooks[f"blocks.{L}.hook_resid_post"][0], (model.d_model,), w["ln_f.weight"], w["ln_f.bias"], model.eps)
        probs = torch.softmax(x @ w["wte.weight"].t(), dim=-1).numpy()
        top = []
        for t in range(len(tokens)):
            order = np.argsort(-probs[t], kind="stable")[:TOP]
            top.append([{"token_id": int(i), "prob": float(probs[t, i])} for i in order])
        layers.append({"layer": L, "top": top})
        if L == model.n_layer - 1:
            assert np.abs(probs - torch.softmax(logits, -1).numpy()).max() < 1e-12
    return layers


def attribute(model, saes, tokens):
    w = model.w
    w["wte.weight"].requires_grad_(True)
    w["wpe.weight"].requires_grad_(True)
    hooks = {}
    logits = model.forward(tokens[None], hooks)[0]
    for t in hooks.values():
        t.retain_grad()
    p = len(tokens) - 1
    metric = logits[p, TARGET] - logits[p, DISTRACTOR]
    metric.backward()
    grad = {k: v.grad[0].detach() for k, v in hooks.items()}
    act = {k: v[0].detach() for k, v in hooks.items()}
    w["wte.weight"].requires_grad_(False)
    w["wpe.weight"].requires_grad_(False)

    H, Dh, D = model.n_head, model.d_head, model.d_model
    final = act[f"blocks.{model.n_layer - 1}.hook_resid_post"][p]
    sigma = ((final - final.mean()).pow(2).mean() + model.eps).sqrt()
    u = w["wte.weight"][TARGET] - w["wte.weight"][DISTRACTOR]
    gu = w["ln_f.weight"] * u

    def readout(c):
        return float(((c - c.mean()) / sigma) @ gu)

    def dot(a, b):
        return float((a * b).sum())

    comps = [("embed", readout(act["hook_embed"][p]), dot(act["hook_embed"], grad["hook_embed"])),
             ("pos_embed", readout(act["hook_pos_embed"][p]), dot(act["hook_pos_embed"], grad["hook_pos_embed"]))]
    by_source = {}
    bias_vec = torch.zeros(D, dtype=torch.float64)
    bias_total = 0.0
    for L in range(model.n_layer):
        b = f"blocks.{L}."
        W_O = w[f"h.{L}.attn.c_proj.weight"]
        z = act[b + "attn.hook_z"]                        # [T, H, Dh]
        g_attn = grad[b + "hook_attn_out"]                 # [T, D]
        for h in range(H):
            result = z[:, h] @ W_O[h * Dh:(h + 1) * Dh]    # [T, D]
            comps.append((f"L{L}H{h}", readout(result[p]), dot(result, g_attn)))
            pattern, v = act[b + "attn.hook_pattern"][h, p], act[b + "attn.hook_v"][:, h]   # [T], [T, Dh]
            by_source[f"L{L}H{h}"] = [float(pattern[s]) * readout(v[s] @ W_O[h * Dh:(h + 1) * Dh]) for s in range(len(tokens))]
        comps.append((f"{L}_mlp_out", readout(act[b + "hook_mlp_out"][p]), dot(act[b + "hook_mlp_out"], grad[b + "hook_mlp_out"])))
        b_O = w[f"h.{L}.attn.c_proj.bias"]
        bias_vec = bias_vec + b_O
        bias_total += float((g_attn @ b_O).sum())
    comps.append(("bias", readout(bias_vec), bias_total))
    beta_u = float(w["ln_f.bias"] @ u)
    comps.append(("ln_final_bias", beta_u, beta_u))
    total = sum(c[1] for c in comps)
    assert abs(total - float(metric)) < 1e-9, (total, float(metric))

    features, errors = [], []
    for name in ATTRIBUTE_SAES:
        sae = saes[name]
        hook = sae.hook_name
        x, g = act[hook][p], grad[hook][p]
        if sae.hook_z:
            g = g.reshape(-1)
        layer = int(hook.split(".")[1])
        if hook.endswith("attn.hook_z"):
            to_resid = lambda v, L=layer: v @ w[f"h.{L}.attn.c_proj.weight"]  # noqa: E731
        elif hook.endswith("mlp.hook_post"):
            to_resid = lambda v, L=layer: v @ w[f"h.{L}.mlp.c_proj.weight"]  # noqa: E731
        else:
            to_resid = lambda v: v  # noqa: E731
        f, state = sae.encode(x)
        zero = sae.decode(torch.zeros_like(f), state)
        norms = sae.w["W_dec"].norm(dim=-1)
        rescaled = sae.arch == "topk" and sae.cfg.get("rescale_acts_by_decoder_norm", False)
        for i in torch.nonzero(f > 0).flatten().tolist():
            only = torch.zeros_like(f)
            only[i] = f[i]
            write = sae.decode(only, state) - zero
            features.append({"sae": name, "index": i, "activation": float(f[i] if rescaled else f[i] * norms[i]),
                             "direct": readout(to_resid(write)), "act_times_grad": float(g @ write)})
            features[-1]["_edit"] = feature_edit(model, hook, layer, p, write)
        error = x.reshape(-1) - sae.decode(f, state)
        errors.append({"sae": name, "direct": readout(to_resid(error)), "act_times_grad": float(g @ error)})

    def ablated(edits):
        with torch.no_grad():
            out = model.forward(tokens[None], edits=edits)[0]
        return float(metric) - float(out[p, TARGET] - out[p, DISTRACTOR])

    exact = {}
    for L in range(model.n_layer):
        for h in range(H):
            def zero_head(v, h=h):
                v = v.clone()
                v[:, :, h] = 0
                return v
            exact[f"L{L}H{h}"] = ablated({f"blocks.{L}.attn.hook_z": zero_head})
        exact[f"{L}_mlp_out"] = ablated({f"blocks.{L}.hook_mlp_out": lambda v: torch.zeros_like(v)})
    for f in features:
        f["exact_total"] = ablated(f.pop("_edit"))
    return {"target": TARGET, "distractor": DISTRACTOR, "logit_diff": float(metric),
            "components": [{"name": n, "value": v, "act_times_grad": a, **({"exact_total": exact[n]} if n in exact else {}),
                            **({"by_source": by_source[n]} if n in by_source else {})} for n, v, a in comps],
            "features": features, "sae_errors": errors}


def feature_edit(model, hook, layer, p, write):
    """Removes a feature's write at position p; an mlp.hook_post write is removed as its W_out image from hook_mlp_out."""
    if hook.endswith("mlp.hook_post"):
        hook, write = f"blocks.{layer}.hook_mlp_out", write @ model.w[f"h.{layer}.mlp.c_proj.weight"]

    def fn(v):
        v = v.clone()
        v[0, p] = v[0, p] - write.reshape(v[0, p].shape)
        return v
    return {hook: fn}


def patch(model, clean, corrupted):
    def metric(logits):
        return float(logits[0, -1, TARGET] - logits[0, -1, DISTRACTOR])

    hooks = {}
    clean_metric = metric(model.forward(clean[None], hooks))
    corrupted_metric = metric(model.forward(corrupted[None]))
    span = clean_metric - corrupted_metric

    def patched(name, fn):
        return (metric(model.forward(corrupted[None], edits={name: fn})) - corrupted_metric) / span

    T, L, H, Dh = len(clean), model.n_layer, model.n_head, model.d_head
    out = {"clean_metric": clean_metric, "corrupted_metric": corrupted_metric}
    for kind in ("hook_resid_pre", "hook_attn_out", "hook_mlp_out"):
        grid = []
        for layer in range(L):
            name = f"blocks.{layer}.{kind}"
            row = []
            for t in range(T):
                def fn(v, t=t, name=name):
                    v = v.clone()
                    v[:, t] = hooks[name][:, t]
                    return v
                row.append(patched(name, fn))
            grid.append(row)
        out[{"hook_resid_pre": "resid_pre", "hook_attn_out": "attn_out", "hook_mlp_out": "mlp_out"}[kind]] = grid
    heads = []
    for layer in range(L):
        name = f"blocks.{layer}.attn.hook_z"
        row = []
        for h in range(H):
            def fn(v, h=h, name=name):
                v = v.clone()
                v[:, :, h] = hooks[name][:, :, h]
                return v
            row.append(patched(name, fn))
        heads.append(row)
    out["heads"] = heads
    return out


def attribution_patch(model, clean, corrupted, exact):
    w = model.w
    with torch.no_grad():
        clean_hooks = {}
        model.forward(clean[None], clean_hooks)
    w["wte.weight"].requires_grad_(True)
    w["wpe.weight"].requires_grad_(True)
    hooks = {}
    logits = model.forward(corrupted[None], hooks)
    for t in hooks.values():
        t.retain_grad()
    metric = logits[0, -1, TARGET] - logits[0, -1, DISTRACTOR]
    metric.backward()
    w["wte.weight"].requires_grad_(False)
    w["wpe.weight"].requires_grad_(False)
    span = exact["clean_metric"] - exact["corrupted_metric"]
    assert abs(float(metric) - exact["corrupted_metric"]) < 1e-9

    def cell(name, index):
        delta = clean_hooks[name][index] - hooks[name].detach()[index]
        return float((delta * hooks[name].grad[index]).sum()) / span

    T, L, H = len(clean), model.n_layer, model.n_head
    out = {}
    for kind, key in (("hook_resid_pre", "resid_pre"), ("hook_attn_out", "attn_out"), ("hook_mlp_out", "mlp_out")):
        out[key] = [[cell(f"blocks.{layer}.{kind}", (0, t)) for t in range(T)] for layer in range(L)]
    out["heads"] = [[cell(f"blocks.{layer}.attn.hook_z", (0, slice(None), h)) for h in range(H)] for layer in range(L)]
    correlation = {k: float(np.corrcoef(np.ravel(exact[k]), np.ravel(out[k]))[0, 1]) for k in out}
    return out, correlation


def feature_patch(model, saes, clean, corrupted, exact):
    names = PATCH_SAES
    with torch.no_grad():
        clean_hooks = {}
        model.forward(clean[None], clean_hooks)
    w = model.w
    w["wte.weight"].requires_grad_(True)
    w["wpe.weight"].requires_grad_(True)
    hooks = {}
    logits = model.forward(corrupted[None], hooks)
    for t in hooks.values():
        t.retain_grad()
    metric = logits[0, -1, TARGET] - logits[0, -1, DISTRACTOR]
    metric.backward()
    w["wte.weight"].requires_grad_(False)
    w["wpe.weight"].requires_grad_(False)
    span = exact["clean_metric"] - exact["corrupted_metric"]
    T = len(clean)
    ranked = []
    for order, name in enumerate(names):
        sae = saes[name]
        hook = sae.hook_name
        xc = clean_hooks[hook][0].detach()
        xk = hooks[hook][0].detach()
        g = hooks[hook].grad[0].reshape(T, -1)
        fc, sc = sae.encode(xc)
        fk, sk = sae.encode(xk)
        zc = sae.decode(torch.zeros_like(fc), sc)
        zk = sae.decode(torch.zeros_like(fk), sk)
        active = torch.nonzero(((fc > 0) | (fk > 0)).any(dim=0)).flatten().tolist()
        for i in active:
            oc = torch.zeros_like(fc)
            oc[:, i] = fc[:, i]
            ok = torch.zeros_like(fk)
            ok[:, i] = fk[:, i]
            delta = (sae.decode(oc, sc) - zc) - (sae.decode(ok, sk) - zk)     # [T, I]
            ranked.append((order, i, float((delta * g).sum()) / span, delta))
    ranked.sort(key=lambda r: (-abs(r[2]), r[0], r[1]))
    out = []
    for order, i, score, delta in ranked[:MAX_FEATURES]:
        hook = saes[names[order]].hook_name
        layer = int(hook.split(".")[1])
        if hook.endswith("mlp.hook_post"):
            hook, delta = f"blocks.{layer}.hook_mlp_out", delta @ model.w[f"h.{layer}.mlp.c_proj.weight"]

        def fn(v, delta=delta):
            return v + delta.reshape(v[0].shape)[None]
        with torch.no_grad():
            patched = model.forward(corrupted[None], edits={hook: fn})
        value = (float(patched[0, -1, TARGET] - patched[0, -1, DISTRACTOR]) - exact["corrupted_metric"]) / span
        out.append({"sae": names[order], "index": i, "attribution": score, "patched": value})
    return out, len(ranked)


def attention(model, saes, tokens):
    hooks = {}
    model.forward(tokens[None], hooks)
    L = model.n_layer
    patterns = [hooks[f"blocks.{l}.attn.hook_pattern"][0].tolist() for l in range(L)]
    sae = saes[DFA_SAE]
    layer = int(sae.hook_name.split(".")[1])
    z = hooks[sae.hook_name][0]                        # [T, H, Dh]
    f, _ = sae.encode(z)                               # [T, S]
    v = hooks[f"blocks.{layer}.attn.hook_v"][0]        # [T, H, Dh]
    pattern = hooks[f"blocks.{layer}.attn.hook_pattern"][0]   # [H, T, T]
    H, Dh = model.n_head, model.d_head
    active = torch.nonzero((f > 0).any(dim=0)).flatten().tolist()
    dfa = []
    for i in active[:8]:
        dest = int(np.argmax(f[:, i].numpy()))
        w_enc = sae.w["W_enc"][:, i].reshape(H, Dh)
        per_head = (v * w_enc[None]).sum(-1)           # [T, H]
        values = (pattern[:, dest, :].t() * per_head).sum(-1)   # [T]
        dfa.append({"feature": i, "target_index": dest, "activation": float(f[dest, i]), "values": values.tolist()})
    return {"patterns": patterns, "dfa_sae": DFA_SAE, "dfa": dfa}


def main() -> None:
    spec, model, saes = load()
    tokens = torch.tensor(spec["token_ids"])
    corrupted = tokens.clone()
    for t, v in CORRUPTED_CHANGES.items():
        corrupted[t] = v
    with torch.no_grad():
        lens_layers = lens(model, tokens)
    attribution = attribute(model, saes, tokens)
    with torch.no_grad():
        patching = patch(model, tokens, corrupted)
    estimate, correlation = attribution_patch(model, tokens, corrupted, patching)
    print("attribution patching vs exact, Pearson r:", {k: round(v, 3) for k, v in correlation.items()})
    patching["attribution"], patching["correlation"] = estimate, correlation
    features, candidates = feature_patch(model, saes, tokens, corrupted, patching)
    print(f"feature patching: {candidates} candidate features, top {len(features)} patched")
    patching["saes"], patching["features"] = PATCH_SAES, features
    with torch.no_grad():
        attention_golden = attention(model, saes, tokens)
    out = {"token_ids": spec["token_ids"], "lens": {"top": TOP, "layers": lens_layers}, "attribute": attribution, "attention": attention_golden,
           "patch": {"clean_ids": tokens.tolist(), "corrupted_ids": corrupted.tolist(), "target": TARGET, "distractor": DISTRACTOR, **patching}}
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=None)
    print(f"logit diff {attribution['logit_diff']:.4f}; {len(attribution['features'])} active features; "
          f"patch clean {patching['clean_metric']:.4f} corrupted {patching['corrupted_metric']:.4f}")
    print(f"wrote {OUT_PATH} ({os.path.getsize(OUT_PATH)} bytes)")


if __name__ == "__main__":
    main()

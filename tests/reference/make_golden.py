"""Golden activations for the C# engine, from an independent PyTorch reference.

Run:  /usr/bin/python3 tests/reference/make_golden.py [--out DIR]

Reads golden/tiny_spec.json (written by make_spec.py), regenerates the synthetic
weights (synthetic.py), writes them as a Hugging Face GPT-2 folder and SAELens SAE
folders (to a temp dir, or DIR with --out), loads those files back and runs:

  raw  gpt2_hf.py: the Hugging Face forward (= TL from_pretrained_no_processing)
  tl   gpt2_tl.py: TL from_pretrained defaults (fold_ln, center_writing_weights,
       center_unembed, fold_value_biases) applied to the weights, then TL's forward
  sae  for each SAE: the model as SAELens loads it (no processing + the cfg's
       model_from_pretrained_kwargs), its hook, then encode/decode (sae_ref.py)

on token_ids (batch 1, no BOS added). Everything is computed in float64 from the
float32 weights and stored as float32, so the goldens carry no float32 accumulation
error; the float32 deviation of the same code is printed as a tolerance hint.

Output golden/tiny_golden.safetensors (F32), batch dim dropped:
  raw/<hook>, tl/<hook>      TL hook names; [T,D], [T,H,Dh], pattern [H,T,T], mlp [T,F]
  raw/logits_last, tl/logits_last   [V] logits at the last position
  sae/<name>/acts [T,d_sae], sae/<name>/recon [T,d_in] (hook_z: flattened [T,H*Dh])
  check/<spec key>           [1] float64 sum of the generated tensor, as float32

How tl/ differs from raw/ (asserted below, sae-formats.md §3.2): embed, pos_embed,
resid_*, attn_out, mlp_out lose their per-token mean over D; hook_v and hook_z lose
the folded value bias b_V + beta_ln1·W_V (fold_ln runs first); logits lose their per-position mean over V; q, k, pattern, mlp pre/post are equal.
ln_final.hook_normalized is LayerNorm's value before gain and bias in both (TL >= 3.0
hook placement; TL 2.x hooked the unprocessed LayerNorm after gain and bias).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
import gpt2_tl  # noqa: E402
import sae_ref  # noqa: E402
import st  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "tiny_spec.json")
GOLDEN_PATH = os.path.join(HERE, "golden", "tiny_golden.safetensors")

# Hooks whose values TL's center_writing_weights turns into x - mean_d(x).
WRITING_HOOKS = ("hook_embed", "hook_pos_embed", "hook_resid_pre", "hook_resid_mid",
                 "hook_resid_post", "hook_attn_out", "hook_mlp_out")


def hook_names(n_layer: int) -> list[str]:
    """Every recorded hook, in forward order."""
    names = ["hook_embed", "hook_pos_embed"]
    for L in range(n_layer):
        b = f"blocks.{L}."
        names += [b + "hook_resid_pre", b + "attn.hook_q", b + "attn.hook_k", b + "attn.hook_v",
                  b + "attn.hook_pattern", b + "attn.hook_z", b + "hook_attn_out",
                  b + "hook_resid_mid", b + "mlp.hook_pre", b + "mlp.hook_post",
                  b + "hook_mlp_out", b + "hook_resid_post"]
    return names + ["ln_final.hook_normalized"]


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| / max |b|: one scale-free number per tensor."""
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


def check(what: str, a: torch.Tensor, b: torch.Tensor, tol: float) -> float:
    err = rel_err(a, b)
    if not err <= tol:
        raise AssertionError(f"self-check failed: {what}: rel err {err:.3g} > {tol:g}")
    return err


# ---------------------------------------------------------------- files on disk

def write_checkpoint(folder: str, spec: dict, tensors: dict[str, np.ndarray]) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(spec["model"]["config"], f, indent=2)
    st.save(os.path.join(folder, "model.safetensors"), tensors, meta={"format": "pt"})


def write_sae(folder: str, sae: dict, tensors: dict[str, np.ndarray]) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "cfg.json"), "w", encoding="utf-8") as f:
        json.dump(sae["cfg"], f, indent=2)
    st.save(os.path.join(folder, "sae_weights.safetensors"), tensors)


# ---------------------------------------------------------------- self-checks

def check_tl_against_raw(config: dict, hf_w: dict, raw: dict, tl: dict, tl_noproc: dict,
                         raw_logits: torch.Tensor, tl_logits: torch.Tensor) -> None:
    """The §3.2 table, verified from two independent forwards."""
    n_layer, H = config["n_layer"], config["n_head"]
    # 1. Both implementations agree when TL does no processing.
    worst = max(check(f"no-processing {n}", tl_noproc[n], raw[n], 1e-12) for n in raw)
    print(f"  TL forward without processing == HF forward: max rel err {worst:.1e}")

    # 2. Writing hooks: centred per token, and equal to raw minus its mean.
    worst_sum, worst_diff = 0.0, 0.0
    for n in raw:
        if n.endswith(WRITING_HOOKS):
            sums = tl[n].sum(-1).abs().max() / tl[n].abs().max()
            worst_sum = max(worst_sum, float(sums))
            worst_diff = max(worst_diff, check(n, tl[n], raw[n] - raw[n].mean(-1, keepdim=True), 1e-12))
    assert worst_sum < 1e-12, worst_sum
    print(f"  center_writing_weights: resid/embed/attn_out/mlp_out sum over d ~ 0 "
          f"(max |sum|/max|x| {worst_sum:.1e}); == raw - mean (rel err {worst_diff:.1e})")
    mean_shift = max(float(raw[n].mean(-1).abs().max()) for n in raw if n.endswith("hook_resid_post"))
    print(f"    (largest per-token residual mean removed: {mean_shift:.3f})")

    # 3. Readers see the same normalised input; v and z lose b_V.
    worst = 0.0
    for L in range(n_layer):
        b = f"blocks.{L}."
        for n in ("attn.hook_q", "attn.hook_k", "attn.hook_pattern", "mlp.hook_pre", "mlp.hook_post"):
            worst = max(worst, check(b + n, tl[b + n], raw[b + n], 1e-11))
        # The value bias TL folds away is b_V after fold_ln, i.e. it includes ln_1's beta:
        # b_V + beta_1 W_V, computed here from the raw HF tensors (v is the last third).
        D = hf_w["wte.weight"].shape[1]
        c_attn_w, c_attn_b = hf_w[f"h.{L}.attn.c_attn.weight"], hf_w[f"h.{L}.attn.c_attn.bias"]
        b_V = (c_attn_b[2 * D:] + hf_w[f"h.{L}.ln_1.bias"] @ c_attn_w[:, 2 * D:]).reshape(H, -1)
        for n in ("attn.hook_v", "attn.hook_z"):
            worst = max(worst, check(b + n, tl[b + n], raw[b + n] - b_V, 1e-11))
    print(f"  fold_ln: q, k, pattern, mlp pre/post unchanged; fold_value_biases: v, z = raw - "
          f"(b_V + beta_ln1 W_V) (rel err {worst:.1e})")

    # 4. ln_final: LNPre's output equals the unprocessed LayerNorm's pre-affine value
    #    (TL >= 3.0 hook placement), so the folded gain and bias must not show up here.
    e = check("ln_final", tl["ln_final.hook_normalized"], raw["ln_final.hook_normalized"], 1e-12)
    print(f"  ln_final.hook_normalized: tl == raw (pre-affine in both; rel err {e:.1e})")

    # 5. Logits: center_unembed shifts each position by a constant; log-probs agree.
    e1 = check("log_softmax", torch.log_softmax(tl_logits, -1), torch.log_softmax(raw_logits, -1), 1e-12)
    e2 = check("logits", tl_logits, raw_logits - raw_logits.mean(-1, keepdim=True), 1e-12)
    print(f"  log_softmax(raw) == log_softmax(tl) (rel err {e1:.1e}); tl logits == raw - mean (rel err {e2:.1e})")


def decision_margin(sae: sae_ref.ReferenceSae, x: torch.Tensor) -> tuple[str, float]:
    """How far the nearest discontinuous decision is from flipping. ReLU is continuous,
    but jumprelu's threshold, topk's k-th/k+1-th boundary and gated's gate all jump:
    a reference with a margin below the C# engine's float32 error would be flaky."""
    xin, _ = sae.process_in(x)
    pre = sae.pre_activations(xin)
    if sae.arch == "jumprelu":
        return "min |h - threshold|", float((pre["h"] - sae.w["threshold"]).abs().min())
    if sae.arch == "topk":
        k = int(sae.cfg["k"])
        top = torch.topk(pre["h"], k=k + 1, dim=-1).values
        # Only a boundary above zero matters: below it both sides become 0 after ReLU.
        gap = torch.where(top[:, k - 1] > 0, top[:, k - 1] - top[:, k], torch.full_like(top[:, 0], float("inf")))
        return f"min h[{k}th] - h[{k + 1}th]", float(gap.min())
    if sae.arch == "gated":
        return "min |gate pre-act|", float(pre["gate"].abs().min())
    return "", float("nan")


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default=SPEC_PATH)
    ap.add_argument("--golden", default=GOLDEN_PATH)
    ap.add_argument("--out", help="keep the HF checkpoint and SAE folders here (not committed)")
    args = ap.parse_args()
    torch.set_grad_enabled(False)

    spec = synthetic.load_spec(args.spec)
    config = spec["model"]["config"]
    n_layer = config["n_layer"]
    tokens = torch.tensor([spec["token_ids"]], dtype=torch.int64)
    print(f"spec {args.spec}: {len(spec['model']['tensors'])} model tensors, {len(spec['saes'])} SAEs, "
          f"{tokens.shape[1]} tokens; torch {torch.__version__}")

    golden: dict[str, np.ndarray] = {}
    checks: dict[str, np.ndarray] = {}

    def add_check(entry: dict, arr: np.ndarray) -> None:
        checks["check/" + entry["key"]] = np.array([arr.astype(np.float64).sum()], dtype=np.float32)

    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or tmp
        model_dir = os.path.join(root, spec["model"]["name"])
        model_np = synthetic.model_tensors(spec)
        for e in spec["model"]["tensors"]:
            add_check(e, model_np[e["name"]])
        write_checkpoint(model_dir, spec, model_np)
        del model_np
        sae_dirs = {}
        for s in spec["saes"]:
            tensors = synthetic.sae_tensors(s)
            for e in s["tensors"]:
                add_check(e, tensors[e["name"]])
            sae_dirs[s["name"]] = os.path.join(root, "saes", s["name"])
            write_sae(sae_dirs[s["name"]], s, tensors)
        print(f"wrote checkpoint and SAE folders under {root}")

        # Load back from disk, so the files are exercised exactly as C# will read them.
        hf32 = gpt2_hf.HfGpt2.load(model_dir)
        saes32 = {name: sae_ref.ReferenceSae.load(d) for name, d in sae_dirs.items()}

    hf = hf32.to(torch.float64)
    names = hook_names(n_layer)

    def run_raw(model):
        hooks: dict = {}
        logits = model.forward(tokens, hooks)
        return {n: hooks[n][0] for n in names}, logits[0]

    def run_tl(weights, **processing):
        model = gpt2_tl.TlGpt2.from_hf(config, weights, **processing)
        hooks: dict = {}
        logits = model.forward(tokens, hooks)
        return {n: hooks[n][0] for n in names}, logits[0]

    raw, raw_logits = run_raw(hf)
    tl, tl_logits = run_tl(hf.w, **gpt2_tl.DEFAULT_PROCESSING)
    tl_noproc, _ = run_tl(hf.w, **gpt2_tl.NO_PROCESSING)

    print("self-checks:")
    check_tl_against_raw(config, hf.w, raw, tl, tl_noproc, raw_logits, tl_logits)
    sae_ref.toy_self_check()

    # float32 run of the same code: how far plain float32 lands from the float64 goldens.
    raw32, raw32_logits = run_raw(hf32)
    tl32, tl32_logits = run_tl(hf32.w, **gpt2_tl.DEFAULT_PROCESSING)
    dev = max(max(rel_err(raw32[n].double(), raw[n]), rel_err(tl32[n].double(), tl[n])) for n in names)
    dev_l = max(rel_err(raw32_logits[-1].double(), raw_logits[-1]), rel_err(tl32_logits[-1].double(), tl_logits[-1]))
    print(f"float32 vs float64 reference: hooks max rel err {dev:.1e}, logits_last {dev_l:.1e}")

    for prefix, hooks, logits in (("raw", raw, raw_logits), ("tl", tl, tl_logits)):
        for n in names:
            golden[f"{prefix}/{n}"] = hooks[n].numpy().astype(np.float32)
        golden[f"{prefix}/logits_last"] = logits[-1].numpy().astype(np.float32)
    p = torch.softmax(raw_logits[-1], -1)
    print(f"last-position next-token distribution: max p {float(p.max()):.2e} (uniform {1 / p.numel():.2e}), "
          f"logit std {float(raw_logits[-1].std()):.3f}")

    # SAEs: the model SAELens would load for each (cached per kwargs set).
    print("SAEs (float64):")
    models: dict[str, tuple[dict, dict]] = {}
    for s in spec["saes"]:
        cfg = s["cfg"]
        kwargs = cfg["metadata"].get("model_from_pretrained_kwargs") or {}
        key = json.dumps(kwargs, sort_keys=True)
        if key not in models:
            models[key] = (run_tl(hf.w, **kwargs)[0], run_tl(hf32.w, **kwargs)[0])
        x = models[key][0][cfg["metadata"]["hook_name"]]
        x32 = models[key][1][cfg["metadata"]["hook_name"]]
        sae = saes32[s["name"]].to(torch.float64)
        acts, recon = sae(x)
        if kwargs.get("center_writing_weights"):
            hook = cfg["metadata"]["hook_name"]
            check(f"{s['name']} input", x, raw[hook] - raw[hook].mean(-1, keepdim=True), 1e-12)
        acts32, recon32 = saes32[s["name"]](x32)      # end-to-end float32, model included
        margin_what, margin = decision_margin(sae, x)
        golden[f"sae/{s['name']}/acts"] = acts.numpy().astype(np.float32)
        golden[f"sae/{s['name']}/recon"] = recon.numpy().astype(np.float32)
        active = (acts > 0).double()
        l0 = active.sum(-1)
        print(f"  {s['name']:30s} {cfg['architecture']:8s} active {float(active.mean()):6.1%}  "
              f"L0 {int(l0.min())}-{int(l0.max())}  max act {float(acts.max()):.2f}  "
              f"|W_dec rows| {float(sae.w['W_dec'].norm(dim=-1).min()):.2f}-{float(sae.w['W_dec'].norm(dim=-1).max()):.2f}  "
              f"f32 dev acts {rel_err(acts32.double(), acts):.0e} recon {rel_err(recon32.double(), recon):.0e}"
              + (f"  {margin_what} {margin:.1e}" if margin_what else ""))
        if margin_what:
            assert margin > 1e-4, f"{s['name']}: decision margin {margin:.2e} too small for float32 comparisons"

    golden.update(checks)
    os.makedirs(os.path.dirname(args.golden), exist_ok=True)
    st.save(args.golden, golden, meta={
        "generator": spec["generator"],
        "spec": os.path.basename(args.spec),
        "torch_version": torch.__version__,
        "compute_dtype": "float64",
        "token_ids": json.dumps(spec["token_ids"]),
    })
    n_floats = sum(v.size for v in golden.values())
    print(f"wrote {args.golden}: {len(golden)} tensors, {n_floats} floats, "
          f"{os.path.getsize(args.golden) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

"""Writes golden/tiny_spec.json: the synthetic GPT-2 and SAEs both languages rebuild.

Run:  /usr/bin/python3 tests/reference/make_spec.py

The spec is the contract with C#: it names every tensor, its shape, the generator key
and the (scale, offset) applied to the uniform [-1, 1) stream (see synthetic.py).
Scales were chosen by looking at the activations they produce:

  * model: LayerNorm gains 1 +- 0.2, non-zero biases everywhere (they are what TL's
    weight processing moves around), weights 0.1-0.2 so attention patterns are far
    from uniform and the residual grows over layers without blowing up. A few writing
    tensors get a non-zero offset so the per-token residual mean is large enough that
    center_writing_weights visibly changes the resid hooks.
  * SAEs: W_enc scaled to the hook's typical norm so pre-activations have std ~1, and
    b_enc offset negative, giving ~26-30% active features per token (topk: at most k);
    W_dec rows have norms well away from 1 so fold_W_dec_norm is observable.
"""

from __future__ import annotations

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "tiny_spec.json")

N_LAYER, D, H, V, CTX = 3, 96, 6, 50257, 64
F = 4 * D

CONFIG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "n_layer": N_LAYER,
    "n_embd": D,
    "n_head": H,
    "n_positions": CTX,
    "n_ctx": CTX,
    "vocab_size": V,
    "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new",
    "n_inner": None,
    "bos_token_id": 50256,
    "eos_token_id": 50256,
    "resid_pdrop": 0.0,
    "embd_pdrop": 0.0,
    "attn_pdrop": 0.0,
    "scale_attn_weights": True,
    "scale_attn_by_inverse_layer_idx": False,
    "reorder_and_upcast_attn": False,
}

# (HF name suffix, shape, scale, offset) for one block.
BLOCK = [
    ("ln_1.weight", [D], 0.2, 1.0),
    ("ln_1.bias", [D], 0.1, 0.0),
    ("attn.c_attn.weight", [D, 3 * D], 0.2, 0.0),
    ("attn.c_attn.bias", [3 * D], 0.1, 0.0),
    ("attn.c_proj.weight", [D, D], 0.15, 0.0),
    ("attn.c_proj.bias", [D], 0.05, 0.03),
    ("ln_2.weight", [D], 0.2, 1.0),
    ("ln_2.bias", [D], 0.1, 0.0),
    ("mlp.c_fc.weight", [D, F], 0.15, 0.0),
    ("mlp.c_fc.bias", [F], 0.1, 0.0),
    ("mlp.c_proj.weight", [F, D], 0.1, 0.0),
    ("mlp.c_proj.bias", [D], 0.05, -0.02),
]


def _entry(name: str, shape, key: str, scale: float, offset: float) -> dict:
    return {"name": name, "shape": list(shape), "key": key, "scale": scale, "offset": offset}


def model_tensors() -> list[dict]:
    out = [
        _entry("wte.weight", [V, D], "model/wte.weight", 0.1, 0.02),
        _entry("wpe.weight", [CTX, D], "model/wpe.weight", 0.05, 0.0),
    ]
    for L in range(N_LAYER):
        for suffix, shape, scale, offset in BLOCK:
            name = f"h.{L}.{suffix}"
            out.append(_entry(name, shape, f"model/{name}", scale, offset))
    out.append(_entry("ln_f.weight", [D], "model/ln_f.weight", 0.2, 1.0))
    out.append(_entry("ln_f.bias", [D], "model/ln_f.bias", 0.05, 0.0))
    return out


def sae(name: str, architecture: str, hook: str, d_in: int, enc: tuple, b_enc: tuple,
        dec: tuple = (0.15, 0.0), b_dec: tuple = (0.05, 0.0), d_sae: int = 200,
        extra_tensors: dict | None = None, extra_cfg: dict | None = None,
        model_kwargs: dict | None = None) -> dict:
    """One SAE: cfg.json content in the SAELens 6.x layout plus its tensor entries.
    enc, b_enc, dec, b_dec are (scale, offset) pairs."""
    cfg = {
        "d_in": d_in,
        "d_sae": d_sae,
        "dtype": "float32",
        "device": "cpu",
        "apply_b_dec_to_input": True,
        "normalize_activations": "none",
        "reshape_activations": "none",
        "architecture": architecture,
    }
    cfg.update(extra_cfg or {})
    cfg["metadata"] = {
        "sae_lens_version": "6.18.0",
        "sae_lens_training_version": "6.18.0",
        "model_name": "tiny-gpt2",
        "hook_name": hook,
        "hook_head_index": None,
        "context_size": CTX,
        "prepend_bos": True,
        "model_class_name": "HookedTransformer",
        "model_from_pretrained_kwargs": model_kwargs or {},
        "dataset_path": "synthetic",
        "exclude_special_tokens": False,
        "seqpos_slice": [None],
        "neuronpedia_id": None,
    }
    shapes = {"W_enc": [d_in, d_sae], "b_enc": [d_sae], "W_dec": [d_sae, d_in], "b_dec": [d_in]}
    params = {"W_enc": enc, "b_enc": b_enc, "W_dec": dec, "b_dec": b_dec}
    if architecture == "gated":
        # Gated SAEs have no b_enc: the gate uses b_gate, the magnitude path b_mag.
        del shapes["b_enc"], params["b_enc"]
    for k, v in (extra_tensors or {}).items():
        shapes[k], params[k] = [d_sae], v
    tensors = [_entry(k, shapes[k], f"sae/{name}/{k}", *params[k]) for k in shapes]
    return {"name": name, "cfg": cfg, "tensors": tensors}


def saes() -> list[dict]:
    # Encoder scales: std(h) ~ ||x'|| * s / sqrt(3); s chosen from each hook's typical
    # norm (printed by make_golden.py) so std(h) is ~1 (jumprelu: ~0.3, so a fair share
    # of pre-activations land in (0, threshold)).
    return [
        sae("standard-resid-pre-1", "standard", "blocks.1.hook_resid_pre", D,
            enc=(0.2, 0.0), b_enc=(0.3, -0.6)),
        sae("standard-centered-resid-pre-2", "standard", "blocks.2.hook_resid_pre", D,
            enc=(0.15, 0.0), b_enc=(0.3, -0.6), model_kwargs={"center_writing_weights": True}),
        sae("jumprelu-resid-post-2", "jumprelu", "blocks.2.hook_resid_post", D,
            enc=(0.03, 0.0), b_enc=(0.1, -0.05),
            extra_tensors={"threshold": (0.05, 0.1)}),
        sae("topk-mlp-out-0", "topk", "blocks.0.hook_mlp_out", D,
            enc=(0.5, 0.0), b_enc=(0.3, 0.0), extra_cfg={"k": 8, "rescale_acts_by_decoder_norm": False}),
        # b_enc far below zero: some tokens have fewer than k positive pre-activations,
        # which exercises the ReLU applied inside TopK (L0 drops below k there).
        sae("topk-rescaled-attn-out-1", "topk", "blocks.1.hook_attn_out", D,
            enc=(0.5, 0.0), b_enc=(0.3, -4.0), dec=(0.3, 0.0),
            extra_cfg={"k": 5, "rescale_acts_by_decoder_norm": True}),
        sae("gated-resid-mid-1", "gated", "blocks.1.hook_resid_mid", D,
            enc=(0.15, 0.0), b_enc=(0.0, 0.0),
            extra_tensors={"b_gate": (0.3, -0.6), "r_mag": (0.3, 0.0), "b_mag": (0.2, 0.1)}),
        sae("layernorm-resid-pre-2", "standard", "blocks.2.hook_resid_pre", D,
            enc=(0.18, 0.0), b_enc=(0.3, -0.7), extra_cfg={"normalize_activations": "layer_norm"}),
        sae("constnorm-attn-out-0", "standard", "blocks.0.hook_attn_out", D,
            enc=(0.2, 0.0), b_enc=(0.3, -0.6),
            extra_cfg={"normalize_activations": "constant_norm_rescale", "apply_b_dec_to_input": False}),
        sae("hookz-1", "standard", "blocks.1.attn.hook_z", D,
            enc=(0.2, 0.0), b_enc=(0.3, -0.6), extra_cfg={"reshape_activations": "hook_z"}),
        sae("mlp-post-0", "standard", "blocks.0.mlp.hook_post", F,
            enc=(0.15, 0.0), b_enc=(0.3, -0.6)),
    ]


# The ids the golden forward runs on (batch 1, no BOS added by the runner): BOS,
# " The quick brown fox jumps over the", then edge ids 0 ("!") and 50255, then " lazy" ".".
TOKEN_IDS = [50256, 383, 2068, 7586, 21831, 18045, 625, 262, 0, 50255, 16931, 13]


def build_spec() -> dict:
    return {
        "generator": "splitmix64-v1",
        "model": {"name": "tiny-gpt2", "config": CONFIG, "tensors": model_tensors()},
        "saes": saes(),
        "token_ids": TOKEN_IDS,
    }


def to_json(spec: dict) -> str:
    """Indented JSON with each tensor entry on one line, so the file reads as a table."""
    entries: list[str] = []

    def compact(tensors: list[dict]) -> list[str]:
        out = []
        for e in tensors:
            out.append(f"@@{len(entries)}@@")
            entries.append(json.dumps(e, separators=(", ", ": ")))
        return out

    spec = json.loads(json.dumps(spec))  # deep copy
    spec["model"]["tensors"] = compact(spec["model"]["tensors"])
    for s in spec["saes"]:
        s["tensors"] = compact(s["tensors"])
    text = json.dumps(spec, indent=1)
    for i, e in enumerate(entries):
        text = text.replace(f'"@@{i}@@"', e, 1)
    return text + "\n"


def main() -> None:
    os.makedirs(os.path.dirname(SPEC_PATH), exist_ok=True)
    text = to_json(build_spec())
    assert json.loads(text) == json.loads(json.dumps(build_spec()))
    with open(SPEC_PATH, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {SPEC_PATH}")


if __name__ == "__main__":
    main()

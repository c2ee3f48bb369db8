"""SAELens 6.x inference semantics for standard, jumprelu, topk and gated SAEs.

Restated from sae-formats.md §4.4 and SAELens `saes/{sae,standard_sae,jumprelu_sae,
topk_sae,gated_sae}.py` @ 91ca16c:

  process_sae_in: cast -> flatten hook_z [.., H, Dh] -> [.., H*Dh] -> input normalisation
                  -> x - b_dec * apply_b_dec_to_input
  encode:  standard  f = relu(x W_enc + b_enc)
           jumprelu  h = x W_enc + b_enc;  f = relu(h) * (h > threshold)   (strict)
           topk      h = x W_enc + b_enc  (* ||W_dec_i|| if rescale_acts_by_decoder_norm);
                     keep the k largest h, relu them, zero the rest
           gated     f = (x W_enc + b_gate > 0) * relu(x (W_enc * exp(r_mag)) + b_mag)
  decode:  (topk with rescale: f / ||W_dec_i|| first)  f W_dec + b_dec -> output
           normalisation -> reshape back for hook_z

Normalisation modes, per token over the last axis:
  constant_norm_rescale  c = sqrt(d_in) / ||x||;  in: x * c;  out: x_hat / c
  layer_norm             mu = mean(x), s = std(x - mu) (unbiased, n-1);
                         in: (x - mu) / (s + 1e-5);  out: x_hat * s + mu
"""

from __future__ import annotations

import json
import os

import numpy as np
import torch

import st

ARCHITECTURES = ("standard", "jumprelu", "topk", "gated")


class ReferenceSae:
    def __init__(self, cfg: dict, weights: dict[str, torch.Tensor]):
        arch = cfg.get("architecture", "standard")
        if arch not in ARCHITECTURES:
            raise ValueError(f"architecture {arch!r} not supported")
        norm = cfg.get("normalize_activations", "none")
        if norm not in ("none", "constant_norm_rescale", "layer_norm"):
            # expected_average_only_in needs the hub's scaling factor folded in first.
            raise ValueError(f"normalize_activations {norm!r} not supported")
        self.cfg, self.arch, self.norm = cfg, arch, norm
        self.w = weights
        self.apply_b_dec = bool(cfg.get("apply_b_dec_to_input", True))
        self.hook_z = cfg.get("reshape_activations", "none") == "hook_z"

    @staticmethod
    def load(folder: str) -> "ReferenceSae":
        with open(os.path.join(folder, "cfg.json"), "r", encoding="utf-8") as f:
            cfg = json.load(f)
        raw = st.load(os.path.join(folder, "sae_weights.safetensors"))
        return ReferenceSae(cfg, {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in raw.items()})

    def to(self, dtype: torch.dtype) -> "ReferenceSae":
        return ReferenceSae(self.cfg, {k: v.to(dtype) for k, v in self.w.items()})

    @property
    def hook_name(self) -> str:
        return self.cfg["metadata"]["hook_name"]

    def process_in(self, x: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """SAELens `process_sae_in`: x [..., d_in] (or [..., H, Dh] for hook_z) -> (x', state
        that decode needs to undo the normalisation)."""
        x = x.to(self.w["W_enc"].dtype)            # SAELens casts the input to the SAE dtype
        if self.hook_z:
            x = x.reshape(*x.shape[:-2], -1)        # head-major: index h*Dh + d
        state: dict = {}
        if self.norm == "constant_norm_rescale":
            c = (self.cfg["d_in"] ** 0.5) / x.norm(dim=-1, keepdim=True)
            state["c"] = c
            x = x * c
        elif self.norm == "layer_norm":
            mu = x.mean(dim=-1, keepdim=True)
            x = x - mu
            s = x.std(dim=-1, keepdim=True)         # unbiased, unlike torch LayerNorm
            x = x / (s + 1e-5)
            state["mu"], state["s"] = mu, s
        if self.apply_b_dec:
            x = x - self.w["b_dec"]
        return x, state

    def pre_activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The quantities the activation thresholds: {"h"} (topk: after decoder-norm
        rescaling), or {"gate", "mag"} for gated SAEs. x is process_in's output."""
        w = self.w
        if self.arch == "gated":
            return {"gate": x @ w["W_enc"] + w["b_gate"],
                    "mag": x @ (w["W_enc"] * w["r_mag"].exp()) + w["b_mag"]}
        h = x @ w["W_enc"] + w["b_enc"]
        if self.arch == "topk" and self.cfg.get("rescale_acts_by_decoder_norm", False):
            h = h * w["W_dec"].norm(dim=-1)
        return {"h": h}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """x -> (feature activations f [..., d_sae], state for decode)."""
        x, state = self.process_in(x)
        pre = self.pre_activations(x)
        if self.arch == "gated":
            return (pre["gate"] > 0).to(x.dtype) * torch.relu(pre["mag"]), state
        h = pre["h"]
        if self.arch == "standard":
            return torch.relu(h), state
        if self.arch == "jumprelu":
            return torch.relu(h) * (h > self.w["threshold"]).to(h.dtype), state
        top = torch.topk(h, k=int(self.cfg["k"]), dim=-1)
        f = torch.zeros_like(h)
        f.scatter_(-1, top.indices, torch.relu(top.values))
        return f, state

    def decode(self, f: torch.Tensor, state: dict) -> torch.Tensor:
        """f [..., d_sae] -> x_hat [..., d_in] (flattened for hook_z SAEs)."""
        w = self.w
        if self.arch == "topk" and self.cfg.get("rescale_acts_by_decoder_norm", False):
            f = f / w["W_dec"].norm(dim=-1)
        out = f @ w["W_dec"] + w["b_dec"]
        if self.norm == "constant_norm_rescale":
            out = out / state["c"]
        elif self.norm == "layer_norm":
            out = out * state["s"] + state["mu"]
        return out

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f, state = self.encode(x)
        return f, self.decode(f, state)


def toy_self_check() -> None:
    """The hand-computed toy SAE of sae-formats.md §7, all four architectures."""
    W_enc = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    b_enc = torch.tensor([0.0, -0.5, -1.0])
    W_dec = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    b_dec = torch.tensor([0.1, -0.1])
    x = torch.tensor([[1.1, 0.9]])
    base = dict(d_in=2, d_sae=3, apply_b_dec_to_input=True, normalize_activations="none")
    cases = [
        ("standard", {}, {}, [1, 0.5, 1], [1.6, 0.9]),
        ("jumprelu", {}, {"threshold": torch.tensor([0.9, 0.6, 0.9])}, [1, 0, 1], [1.6, 0.4]),
        ("topk", {"k": 2}, {}, [1, 0, 1], [1.6, 0.4]),
        ("gated", {}, {"b_gate": b_enc, "r_mag": torch.zeros(3), "b_mag": torch.zeros(3)},
         [1, 1, 2], [2.1, 1.9]),
    ]
    for arch, extra_cfg, extra_w, f_want, x_want in cases:
        w = {"W_enc": W_enc, "W_dec": W_dec, "b_dec": b_dec, **extra_w}
        if arch != "gated":
            w["b_enc"] = b_enc
        f, x_hat = ReferenceSae({**base, "architecture": arch, **extra_cfg}, w)(x)
        assert torch.allclose(f, torch.tensor([f_want], dtype=torch.float32), atol=1e-6), (arch, f)
        assert torch.allclose(x_hat, torch.tensor([x_want]), atol=1e-6), (arch, x_hat)
        print(f"  toy {arch:8s} f={f[0].tolist()} x_hat={[round(v, 6) for v in x_hat[0].tolist()]}  ok")

"""Plain PyTorch GPT-2 forward on Hugging Face weights, with TransformerLens hook names.

This is the "raw" reference: the numbers Hugging Face `GPT2LMHeadModel` produces
(sae-formats.md §2.3), i.e. what TransformerLens `from_pretrained_no_processing` gives.
It works directly on the HF tensors (Conv1D weights stored [in, out], fused c_attn)
and uses torch's built-in layer_norm and tanh-GELU, so it shares no code with the
TL-style forward in gpt2_tl.py; make_golden.py checks the two against each other.

Shapes: B batch, T tokens, D d_model, H heads, Dh head dim, F d_mlp, V vocab.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

import st


class HfGpt2:
    """Weights as torch tensors keyed by HF names without the `transformer.` prefix."""

    def __init__(self, config: dict, weights: dict[str, torch.Tensor]):
        self.n_layer = config["n_layer"]
        self.d_model = config["n_embd"]
        self.n_head = config["n_head"]
        self.d_head = self.d_model // self.n_head
        inner = config.get("n_inner")
        self.d_mlp = inner if inner is not None else 4 * self.d_model
        self.eps = config.get("layer_norm_epsilon", 1e-5)
        if config.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh"):
            raise ValueError(f"activation {config['activation_function']} not supported")
        self.config = config
        self.w = weights

    @staticmethod
    def load(folder: str) -> "HfGpt2":
        """Loads config.json + model.safetensors; accepts `transformer.`-prefixed names
        (checkpoints saved from GPT2LMHeadModel) and skips the attn.bias / masked_bias
        mask buffers and any lm_head.weight (it is tied to wte)."""
        with open(os.path.join(folder, "config.json"), "r", encoding="utf-8") as f:
            config = json.load(f)
        raw = st.load(os.path.join(folder, "model.safetensors"))
        weights = {}
        for name, arr in raw.items():
            if name.startswith("transformer."):
                name = name[len("transformer."):]
            if name.endswith((".attn.bias", ".attn.masked_bias")) or name == "lm_head.weight":
                continue
            weights[name] = torch.from_numpy(np.array(arr, dtype=np.float32))
        return HfGpt2(config, weights)

    def to(self, dtype: torch.dtype) -> "HfGpt2":
        """A copy with weights cast (the goldens are computed in float64 from float32 weights)."""
        return HfGpt2(self.config, {k: v.to(dtype) for k, v in self.w.items()})

    def forward(self, tokens: torch.Tensor, hooks: dict | None = None,
                capture: set[str] | None = None, logits: bool = True,
                edits: dict | None = None) -> torch.Tensor | None:
        """tokens [B, T] int64 -> logits [B, T, V] (or None with logits=False).

        hooks: if given, filled with TL-named activations [B, ...]; capture limits
        which names are kept (None keeps all), so the benchmark pays only for the
        one hook its SAE reads. edits maps a hook name to fn(value) -> new value, which the
        rest of the forward then sees (SAE splicing, ablation; resid, attn_out, mlp_out, z).
        """
        w = self.w
        B, T = tokens.shape
        H, Dh = self.n_head, self.d_head

        def rec(name: str, value: torch.Tensor) -> torch.Tensor:
            if hooks is not None and (capture is None or name in capture):
                hooks[name] = value
            if edits is not None and name in edits:
                value = edits[name](value)
            return value

        embed = w["wte.weight"][tokens]                       # [B, T, D]
        pos = w["wpe.weight"][:T].unsqueeze(0).expand(B, T, -1)  # [B, T, D]
        rec("hook_embed", embed)
        rec("hook_pos_embed", pos)
        h = embed + pos
        # A True entry marks a key position the query may not see (k > q).
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        for L in range(self.n_layer):
            p = f"h.{L}."
            h = rec(f"blocks.{L}.hook_resid_pre", h)
            x = F.layer_norm(h, (self.d_model,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], self.eps)
            qkv = torch.addmm(w[p + "attn.c_attn.bias"], x.reshape(B * T, -1),
                              w[p + "attn.c_attn.weight"]).reshape(B, T, 3, H, Dh)
            q, k, v = qkv.unbind(dim=2)                       # each [B, T, H, Dh]
            rec(f"blocks.{L}.attn.hook_q", q)
            rec(f"blocks.{L}.attn.hook_k", k)
            rec(f"blocks.{L}.attn.hook_v", v)
            scores = torch.matmul(q.transpose(1, 2), k.permute(0, 2, 3, 1)) / math.sqrt(Dh)  # [B, H, T, T]
            scores = scores.masked_fill(future, float("-inf"))
            pattern = torch.softmax(scores, dim=-1)
            rec(f"blocks.{L}.attn.hook_pattern", pattern)
            z = torch.matmul(pattern, v.transpose(1, 2)).transpose(1, 2)  # [B, T, H, Dh]
            z = rec(f"blocks.{L}.attn.hook_z", z)
            attn_out = torch.addmm(w[p + "attn.c_proj.bias"], z.reshape(B * T, H * Dh),
                                   w[p + "attn.c_proj.weight"]).reshape(B, T, -1)
            attn_out = rec(f"blocks.{L}.hook_attn_out", attn_out)
            h = h + attn_out
            h = rec(f"blocks.{L}.hook_resid_mid", h)
            x = F.layer_norm(h, (self.d_model,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], self.eps)
            pre = torch.addmm(w[p + "mlp.c_fc.bias"], x.reshape(B * T, -1),
                              w[p + "mlp.c_fc.weight"]).reshape(B, T, -1)
            rec(f"blocks.{L}.mlp.hook_pre", pre)
            post = F.gelu(pre, approximate="tanh")
            post = rec(f"blocks.{L}.mlp.hook_post", post)
            mlp_out = torch.addmm(w[p + "mlp.c_proj.bias"], post.reshape(B * T, -1),
                                  w[p + "mlp.c_proj.weight"]).reshape(B, T, -1)
            mlp_out = rec(f"blocks.{L}.hook_mlp_out", mlp_out)
            h = h + mlp_out
            h = rec(f"blocks.{L}.hook_resid_post", h)
        if not logits:
            return None
        # TransformerLens >= 3.0 hooks LayerNorm's normalised value before gain and bias
        # (sae-formats.md §3.1); TL 2.x, which SAELens 6 pins, hooked it after them.
        x = F.layer_norm(h, (self.d_model,), eps=self.eps)
        rec("ln_final.hook_normalized", x)
        x = x * w["ln_f.weight"] + w["ln_f.bias"]
        return torch.matmul(x, w["wte.weight"].t())           # tied unembedding, no bias

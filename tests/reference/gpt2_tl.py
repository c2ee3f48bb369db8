"""TransformerLens-style GPT-2: weight conversion, weight processing and forward.

An independent re-statement of what `HookedTransformer.from_pretrained` does to GPT-2
(sae-formats.md §3.2; TransformerLens `weight_processing.py` / `HookedTransformer.py`):

  * convert HF tensors to TL layout (W_Q/W_K/W_V [H, D, Dh], W_O [H, Dh, D], W_U = wte^T,
    b_U = 0);
  * optionally apply, in TL's order, fold_ln -> center_writing_weights -> center_unembed
    -> fold_value_biases, transforming the *weights*;
  * run TL's forward (its own LayerNorm / LNPre, einsum attention, written-out gelu_new).

The processed activations are never derived from raw activations here; the point is
that make_golden.py can compare them against gpt2_hf.py and the §3.2 table as a check.

Shapes: T tokens, D d_model, H heads, Dh head dim, F d_mlp, V vocab (batch B leading).
"""

from __future__ import annotations

import math

import torch

# TL's default `from_pretrained` processing; `from_pretrained_no_processing` is all False.
DEFAULT_PROCESSING = dict(fold_ln=True, center_writing_weights=True,
                          center_unembed=True, fold_value_biases=True)
NO_PROCESSING = dict(fold_ln=False, center_writing_weights=False,
                     center_unembed=False, fold_value_biases=False)


def convert_hf(config: dict, hf: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """HF GPT-2 tensors -> TL state dict (TL `convert_gpt2_weights`)."""
    D, H = config["n_embd"], config["n_head"]
    Dh = D // H
    sd = {"embed.W_E": hf["wte.weight"].clone(), "pos_embed.W_pos": hf["wpe.weight"].clone()}
    for L in range(config["n_layer"]):
        p, b = f"h.{L}.", f"blocks.{L}."
        sd[b + "ln1.w"] = hf[p + "ln_1.weight"].clone()
        sd[b + "ln1.b"] = hf[p + "ln_1.bias"].clone()
        # c_attn columns are [q | k | v], each head-major (h*Dh + d).
        W = hf[p + "attn.c_attn.weight"].reshape(D, 3, H, Dh)
        sd[b + "attn.W_Q"] = W[:, 0].permute(1, 0, 2).contiguous()   # [H, D, Dh]
        sd[b + "attn.W_K"] = W[:, 1].permute(1, 0, 2).contiguous()
        sd[b + "attn.W_V"] = W[:, 2].permute(1, 0, 2).contiguous()
        bias = hf[p + "attn.c_attn.bias"].reshape(3, H, Dh)
        sd[b + "attn.b_Q"], sd[b + "attn.b_K"], sd[b + "attn.b_V"] = (bias[i].clone() for i in range(3))
        sd[b + "attn.W_O"] = hf[p + "attn.c_proj.weight"].reshape(H, Dh, D).clone()  # rows head-major
        sd[b + "attn.b_O"] = hf[p + "attn.c_proj.bias"].clone()
        sd[b + "ln2.w"] = hf[p + "ln_2.weight"].clone()
        sd[b + "ln2.b"] = hf[p + "ln_2.bias"].clone()
        sd[b + "mlp.W_in"] = hf[p + "mlp.c_fc.weight"].clone()       # [D, F]
        sd[b + "mlp.b_in"] = hf[p + "mlp.c_fc.bias"].clone()
        sd[b + "mlp.W_out"] = hf[p + "mlp.c_proj.weight"].clone()    # [F, D]
        sd[b + "mlp.b_out"] = hf[p + "mlp.c_proj.bias"].clone()
    sd["ln_final.w"] = hf["ln_f.weight"].clone()
    sd["ln_final.b"] = hf["ln_f.bias"].clone()
    sd["unembed.W_U"] = hf["wte.weight"].t().contiguous()            # [D, V]
    sd["unembed.b_U"] = torch.zeros(hf["wte.weight"].shape[0], dtype=hf["wte.weight"].dtype)
    return sd


def process(sd: dict[str, torch.Tensor], n_layer: int, fold_ln: bool, center_writing_weights: bool,
            center_unembed: bool, fold_value_biases: bool) -> dict[str, torch.Tensor]:
    """TL's weight processing, in TL's order. Returns a new dict; LayerNorm entries are
    removed when folded (the forward then uses LNPre: centre and scale only)."""
    sd = dict(sd)
    if fold_ln:
        for L in range(n_layer):
            b = f"blocks.{L}."
            g, beta = sd.pop(b + "ln1.w"), sd.pop(b + "ln1.b")
            for n in "QKV":
                W = sd[b + f"attn.W_{n}"]
                # Bias first, with the unscaled W: LN(x) W = x_hat (g W) + beta W.
                sd[b + f"attn.b_{n}"] = sd[b + f"attn.b_{n}"] + (W * beta[None, :, None]).sum(-2)
                W = W * g[None, :, None]
                # LNPre output sums to zero over D, so a per-column constant in W is dead;
                # TL removes it ("center_weights").
                sd[b + f"attn.W_{n}"] = W - W.mean(dim=1, keepdim=True)
            g, beta = sd.pop(b + "ln2.w"), sd.pop(b + "ln2.b")
            W = sd[b + "mlp.W_in"]
            sd[b + "mlp.b_in"] = sd[b + "mlp.b_in"] + (W * beta[:, None]).sum(-2)
            W = W * g[:, None]
            sd[b + "mlp.W_in"] = W - W.mean(dim=0, keepdim=True)
        g, beta = sd.pop("ln_final.w"), sd.pop("ln_final.b")
        W = sd["unembed.W_U"]
        sd["unembed.b_U"] = sd["unembed.b_U"] + (W * beta[:, None]).sum(-2)
        W = g[:, None] * W
        sd["unembed.W_U"] = W - W.mean(dim=0, keepdim=True)
    if center_writing_weights:
        # Every writer to the residual loses its mean over D, so the stream itself is
        # mean-free per token; every reader starts with a LayerNorm that removes it anyway.
        sd["embed.W_E"] = sd["embed.W_E"] - sd["embed.W_E"].mean(-1, keepdim=True)
        sd["pos_embed.W_pos"] = sd["pos_embed.W_pos"] - sd["pos_embed.W_pos"].mean(-1, keepdim=True)
        for L in range(n_layer):
            b = f"blocks.{L}."
            sd[b + "attn.W_O"] = sd[b + "attn.W_O"] - sd[b + "attn.W_O"].mean(-1, keepdim=True)
            sd[b + "attn.b_O"] = sd[b + "attn.b_O"] - sd[b + "attn.b_O"].mean()
            sd[b + "mlp.W_out"] = sd[b + "mlp.W_out"] - sd[b + "mlp.W_out"].mean(-1, keepdim=True)
            sd[b + "mlp.b_out"] = sd[b + "mlp.b_out"] - sd[b + "mlp.b_out"].mean()
    if center_unembed:
        # Shifts every logit of a position by the same amount: log-probs unchanged.
        sd["unembed.W_U"] = sd["unembed.W_U"] - sd["unembed.W_U"].mean(-1, keepdim=True)
        sd["unembed.b_U"] = sd["unembed.b_U"] - sd["unembed.b_U"].mean()
    if fold_value_biases:
        # Pattern rows sum to 1, so b_V contributes the constant sum_h b_V[h] W_O[h] to
        # the attention output; move it into b_O.
        for L in range(n_layer):
            b = f"blocks.{L}."
            b_V, W_O = sd[b + "attn.b_V"], sd[b + "attn.W_O"]
            sd[b + "attn.b_O"] = sd[b + "attn.b_O"] + (b_V[:, :, None] * W_O).sum([0, 1])
            sd[b + "attn.b_V"] = torch.zeros_like(b_V)
            if center_writing_weights:
                # The TL dev tree re-centres b_O here; with W_O centred it is a no-op
                # up to rounding, kept for fidelity.
                sd[b + "attn.b_O"] = sd[b + "attn.b_O"] - sd[b + "attn.b_O"].mean()
    return sd


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    """TL / HF `gelu_new`, written out (the HF-side reference uses torch's built-in)."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class TlGpt2:
    def __init__(self, config: dict, sd: dict[str, torch.Tensor]):
        self.cfg = config
        self.n_layer = config["n_layer"]
        self.eps = config.get("layer_norm_epsilon", 1e-5)
        self.sd = sd

    @staticmethod
    def from_hf(config: dict, hf: dict[str, torch.Tensor], **processing) -> "TlGpt2":
        flags = dict(NO_PROCESSING)
        unknown = set(processing) - set(flags)
        if unknown:
            raise ValueError(f"unsupported TL from_pretrained kwargs: {sorted(unknown)}")
        flags.update(processing)
        return TlGpt2(config, process(convert_hf(config, hf), config["n_layer"], **flags))

    def _norm(self, x: torch.Tensor, prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
        """TL LayerNorm (gain and bias present) or LNPre (folded away).
        Returns (hook_normalized, output): TL >= 3.0 hooks the centred, scaled value
        before gain and bias, so both kinds hook the same quantity."""
        x = x - x.mean(-1, keepdim=True)
        scale = (x.pow(2).mean(-1, keepdim=True) + self.eps).sqrt()
        normalized = x / scale
        if prefix + ".w" in self.sd:
            return normalized, normalized * self.sd[prefix + ".w"] + self.sd[prefix + ".b"]
        return normalized, normalized

    def forward(self, tokens: torch.Tensor, hooks: dict | None = None) -> torch.Tensor:
        """tokens [B, T] -> logits [B, T, V]; hooks gets every TL hook [B, ...]."""
        sd = self.sd
        hooks = {} if hooks is None else hooks
        B, T = tokens.shape
        hooks["hook_embed"] = embed = sd["embed.W_E"][tokens]
        hooks["hook_pos_embed"] = pos = sd["pos_embed.W_pos"][:T].unsqueeze(0).expand(B, T, -1)
        resid = embed + pos
        allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
        for L in range(self.n_layer):
            b = f"blocks.{L}."
            hooks[b + "hook_resid_pre"] = resid
            _, x = self._norm(resid, b + "ln1")
            q = torch.einsum("bpd,hdk->bphk", x, sd[b + "attn.W_Q"]) + sd[b + "attn.b_Q"]
            k = torch.einsum("bpd,hdk->bphk", x, sd[b + "attn.W_K"]) + sd[b + "attn.b_K"]
            v = torch.einsum("bpd,hdk->bphk", x, sd[b + "attn.W_V"]) + sd[b + "attn.b_V"]
            hooks[b + "attn.hook_q"], hooks[b + "attn.hook_k"], hooks[b + "attn.hook_v"] = q, k, v
            scores = torch.einsum("bqhk,bshk->bhqs", q, k) / math.sqrt(q.shape[-1])
            scores = torch.where(allowed, scores, torch.tensor(float("-inf")))
            pattern = torch.softmax(scores, dim=-1)
            pattern = torch.where(torch.isnan(pattern), torch.zeros_like(pattern), pattern)
            hooks[b + "attn.hook_pattern"] = pattern
            z = torch.einsum("bhqs,bshk->bqhk", pattern, v)
            hooks[b + "attn.hook_z"] = z
            attn_out = torch.einsum("bqhk,hkd->bqd", z, sd[b + "attn.W_O"]) + sd[b + "attn.b_O"]
            hooks[b + "hook_attn_out"] = attn_out
            resid = resid + attn_out
            hooks[b + "hook_resid_mid"] = resid
            _, x = self._norm(resid, b + "ln2")
            pre = x @ sd[b + "mlp.W_in"] + sd[b + "mlp.b_in"]
            hooks[b + "mlp.hook_pre"] = pre
            post = gelu_new(pre)
            hooks[b + "mlp.hook_post"] = post
            mlp_out = post @ sd[b + "mlp.W_out"] + sd[b + "mlp.b_out"]
            hooks[b + "hook_mlp_out"] = mlp_out
            resid = resid + mlp_out
            hooks[b + "hook_resid_post"] = resid
        hooks["ln_final.hook_normalized"], x = self._norm(resid, "ln_final")
        return x @ sd["unembed.W_U"] + sd["unembed.b_U"]

"""Goldens for the tuned lens (issue 17) by PyTorch autograd and torch.optim.AdamW.

Run:  /usr/bin/python3 tests/reference/make_tuned_lens_golden.py

The tiny synthetic GPT-2 of golden/tiny_spec.json (3 layers, d_model 96, vocab 50257), raw, in float64 through
gpt2_hf.HfGpt2. The tuned lens (Belrose et al. 2023) as FeatureAtlas defines it (docs/circuits.md): for each layer
l < L - 1, a translator on hook_resid_post l,

    y = h + (h - mean_d h) @ A_l.T + b_l          (A_l [D, D] as torch Linear's [out, in])
    q_l = softmax(ln_f(y) @ W_U)                  (ln_f with its gamma and beta; W_U = wte.T, no b_U in GPT-2)

and the last layer is the model's own output. Its loss on a batch: KL_l = mean over the N positions of
sum_v p_v (log p_v - log q_l,v), p = softmax of the model's logits; the reported loss is the mean of KL_l over l.

Output golden/tuned_lens_golden.safetensors (F32):
  prompt                         [T] the tiny prompt (token ids)
  lens/layer_translators.{l}.*   a seeded random lens (weight [D, D], bias [D]) for l = 0, 1
  lens/top_ids, lens/top_probs   [L, T, TOP] its readout per layer and position, most likely first (ties: lower id)
  batch                          [B, T] tokens for the objective
  kl                             [L - 1] KL_l of the random lens on the batch
  grad/layer_translators.{l}.*   dKL_l / dA_l and dKL_l / db_l (autograd)
  train/tokens                   [STEPS, B, T] the training batches
  train/losses                   [STEPS] mean KL before each step, from the identity lens (A = 0, b = 0)
  train/layer_kl                 [STEPS, L - 1]
  train/after/layer_translators.{l}.*   the lens after the last step
Training: torch.optim.AdamW(betas BETAS, eps EPS), weight decay WD on the weights only; each step minimises
sum_l KL_l (each translator only moves its own KL_l); learning rate at step s (0-based): LR * (s + 1) / WARMUP
during warm-up, then LR * max(0, 1 - (s - WARMUP) / (STEPS - WARMUP)).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
import st  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "tiny_spec.json")
OUT_PATH = os.path.join(HERE, "golden", "tuned_lens_golden.safetensors")

TOP = 5
B, T = 2, 13
STEPS, LR, WARMUP, WD, BETAS, EPS = 12, 3e-3, 3, 0.01, (0.9, 0.999), 1e-8


def lr_at(step: int) -> float:
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    return LR * max(0.0, 1.0 - (step - WARMUP) / max(1, STEPS - WARMUP))


def lens_logits(model, h, weight, bias):
    """h [N, D] -> [N, V] logits of the tuned lens for one layer."""
    w = model.w
    centred = h - h.mean(-1, keepdim=True)
    y = h + centred @ weight.T + bias
    x = F.layer_norm(y, (model.d_model,), w["ln_f.weight"], w["ln_f.bias"], model.eps)
    return x @ w["wte.weight"].T


def residuals(model, tokens):
    """hook_resid_post of every layer [L][N, D] and the model's logits [N, V] for tokens [B, T]."""
    hooks = {}
    with torch.no_grad():
        logits = model.forward(tokens, hooks)
    L, D = model.n_layer, model.d_model
    return [hooks[f"blocks.{l}.hook_resid_post"].reshape(-1, D) for l in range(L)], logits.reshape(-1, logits.shape[-1])


def layer_kl(model, resid, final_logits, weights, biases):
    log_p = torch.log_softmax(final_logits, -1)
    p = log_p.exp()
    out = []
    for l in range(model.n_layer - 1):
        log_q = torch.log_softmax(lens_logits(model, resid[l], weights[l], biases[l]), -1)
        out.append((p * (log_p - log_q)).sum(-1).mean())
    return out


def main() -> None:
    spec = synthetic.load_spec(SPEC_PATH)
    config = spec["model"]["config"]
    weights = {k: torch.from_numpy(v).double() for k, v in synthetic.model_tensors(spec).items()}
    model = gpt2_hf.HfGpt2(config, weights)
    L, D, V = model.n_layer, model.d_model, config["vocab_size"]
    out: dict[str, np.ndarray] = {}

    # A seeded random lens, large enough to move the readout well away from the logit lens.
    gen = torch.Generator().manual_seed(1717)
    lens_w = [(torch.randn(D, D, generator=gen) * 0.3 / D ** 0.5).float().double() for _ in range(L - 1)]
    lens_b = [(torch.randn(D, generator=gen) * 0.5).float().double() for _ in range(L - 1)]
    for l in range(L - 1):
        out[f"lens/layer_translators.{l}.weight"] = lens_w[l].numpy().astype(np.float32)
        out[f"lens/layer_translators.{l}.bias"] = lens_b[l].numpy().astype(np.float32)

    prompt = torch.tensor(spec["token_ids"])
    out["prompt"] = prompt.numpy().astype(np.float32)
    resid, final_logits = residuals(model, prompt[None])
    top_ids = np.zeros((L, len(prompt), TOP), dtype=np.float32)
    top_probs = np.zeros((L, len(prompt), TOP), dtype=np.float32)
    for l in range(L):
        logits = final_logits if l == L - 1 else lens_logits(model, resid[l], lens_w[l], lens_b[l])
        probs = torch.softmax(logits, -1).numpy()
        for t in range(len(prompt)):
            order = np.argsort(-probs[t], kind="stable")[:TOP]
            top_ids[l, t] = order
            top_probs[l, t] = probs[t, order]
    out["lens/top_ids"] = top_ids
    out["lens/top_probs"] = top_probs

    rng = np.random.RandomState(17)
    batch = torch.from_numpy(rng.randint(0, V, size=(B, T))).long()
    out["batch"] = batch.numpy().astype(np.float32)
    resid, final_logits = residuals(model, batch)
    params_w = [w.clone().requires_grad_() for w in lens_w]
    params_b = [b.clone().requires_grad_() for b in lens_b]
    kls = layer_kl(model, resid, final_logits, params_w, params_b)
    sum(kls).backward()
    out["kl"] = np.array([float(k) for k in kls], dtype=np.float32)
    for l in range(L - 1):
        out[f"grad/layer_translators.{l}.weight"] = params_w[l].grad.numpy().astype(np.float32)
        out[f"grad/layer_translators.{l}.bias"] = params_b[l].grad.numpy().astype(np.float32)

    tokens = torch.from_numpy(rng.randint(0, V, size=(STEPS, B, T))).long()
    out["train/tokens"] = tokens.numpy().astype(np.float32)
    train_w = [torch.zeros(D, D, dtype=torch.float64, requires_grad=True) for _ in range(L - 1)]
    train_b = [torch.zeros(D, dtype=torch.float64, requires_grad=True) for _ in range(L - 1)]
    optimizer = torch.optim.AdamW([{"params": train_w, "weight_decay": WD}, {"params": train_b, "weight_decay": 0.0}],
                                  lr=LR, betas=BETAS, eps=EPS)
    losses, per_layer = [], []
    for step in range(STEPS):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        resid, final_logits = residuals(model, tokens[step])
        kls = layer_kl(model, resid, final_logits, train_w, train_b)
        optimizer.zero_grad()
        sum(kls).backward()
        optimizer.step()
        losses.append(float(sum(kls)) / len(kls))
        per_layer.append([float(k) for k in kls])
    out["train/losses"] = np.array(losses, dtype=np.float32)
    out["train/layer_kl"] = np.array(per_layer, dtype=np.float32)
    for l in range(L - 1):
        out[f"train/after/layer_translators.{l}.weight"] = train_w[l].detach().numpy().astype(np.float32)
        out[f"train/after/layer_translators.{l}.bias"] = train_b[l].detach().numpy().astype(np.float32)
    print("kl:", out["kl"], "losses:", " ".join(f"{x:.5f}" for x in losses))
    st.save(OUT_PATH, out)
    print(f"wrote {OUT_PATH}: {len(out)} tensors, {os.path.getsize(OUT_PATH)} bytes")


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    main()

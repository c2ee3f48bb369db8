"""Goldens for language-model training (issue 18) by PyTorch autograd and torch.optim.AdamW.

Run:  /usr/bin/python3 tests/reference/make_trainlm_golden.py

The start is the odd-shaped GPT-2 of golden/backward_spec.json (d_model 24, 3 heads of 8, d_mlp 40, 3 layers,
vocab 37, n_positions 16), rebuilt from the splitmix64 generator (synthetic.py). The forward is gpt2_hf.HfGpt2
(Hugging Face's layout, tied unembedding), run in float64 with every parameter a leaf, so wte's gradient is the
sum of its embedding and unembedding parts.

Training, as nanoGPT's train.py:
  loss      mean cross-entropy of next-token prediction over the B x T targets (batches of T + 1 tokens);
  clipping  torch.nn.utils.clip_grad_norm_(params, CLIP) over every parameter (the tied wte counted once);
  AdamW     torch.optim.AdamW(betas BETAS, eps EPS), two groups: weight decay WD for every parameter with
            2 or more dimensions (wte, wpe, c_attn, c_proj, c_fc weights), none for biases and layer norms;
  schedule  step s (0-based): lr * (s + 1) / WARMUP during warm-up, then cosine from lr to lr / 10 over the
            remaining steps: lr/10 + 0.5 * (1 + cos(pi * (s - WARMUP) / (STEPS - WARMUP))) * (lr - lr/10).

Output golden/trainlm_golden.safetensors (F32):
  tokens                    [STEPS, B, T + 1] the batches (small integers, exact in float32)
  step1/loss                [1] the first batch's loss at the start
  step1/grad/{hf name}      every parameter's gradient (before clipping)
  step1/grad_norm           [1] the global gradient norm before clipping
  step1/after/{hf name}     every parameter after the first AdamW step
  losses                    [STEPS] the loss of each step, before its update
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402
import st  # noqa: E402
import synthetic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_PATH = os.path.join(HERE, "golden", "backward_spec.json")
GOLDEN_PATH = os.path.join(HERE, "golden", "trainlm_golden.safetensors")

STEPS, B, T = 20, 3, 7
LR, WARMUP, WD, CLIP, BETAS, EPS = 1e-2, 3, 0.1, 1.0, (0.9, 0.95), 1e-8


def lr_at(step: int) -> float:
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    progress = (step - WARMUP) / max(1, STEPS - WARMUP)
    low = LR / 10
    return low + 0.5 * (1 + math.cos(math.pi * progress)) * (LR - low)


def main() -> None:
    spec = synthetic.load_spec(SPEC_PATH)
    config = spec["model"]["config"]
    V = config["vocab_size"]
    weights = {e["name"]: torch.from_numpy(synthetic.generate_entry(e)).double().requires_grad_()
               for e in spec["model"]["tensors"]}
    model = gpt2_hf.HfGpt2(config, weights)
    rng = np.random.RandomState(18)
    tokens = torch.from_numpy(rng.randint(0, V, size=(STEPS, B, T + 1))).long()

    decay = [p for p in weights.values() if p.dim() >= 2]
    no_decay = [p for p in weights.values() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=LR, betas=BETAS, eps=EPS)
    out: dict[str, np.ndarray] = {"tokens": tokens.numpy().astype(np.float32)}
    losses = []
    for step in range(STEPS):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        batch = tokens[step]
        logits = model.forward(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            out["step1/loss"] = np.array([float(loss)], dtype=np.float32)
            for name, p in weights.items():
                out[f"step1/grad/{name}"] = p.grad.detach().numpy().astype(np.float32)
        norm = torch.nn.utils.clip_grad_norm_(list(weights.values()), CLIP)
        if step == 0:
            out["step1/grad_norm"] = np.array([float(norm)], dtype=np.float32)
        optimizer.step()
        if step == 0:
            for name, p in weights.items():
                out[f"step1/after/{name}"] = p.detach().numpy().astype(np.float32)
        losses.append(float(loss))
    out["losses"] = np.array(losses, dtype=np.float32)
    print("losses:", " ".join(f"{x:.4f}" for x in losses))
    st.save(GOLDEN_PATH, out)
    print(f"wrote {GOLDEN_PATH}: {len(out)} tensors, {os.path.getsize(GOLDEN_PATH)} bytes")


if __name__ == "__main__":
    torch.set_grad_enabled(True)
    main()

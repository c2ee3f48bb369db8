"""CPU training throughput of GPT-2 language-model steps in plain PyTorch, the yardstick for `atlas-bench train-lm`.

Run:  OPENBLAS_CORETYPE=SapphireRapids /usr/bin/python3 tests/reference/torch_trainlm_bench.py
          [--layers 4] [--d-model 128] [--heads 4] [--ctx 127] [--batch 8] [--threads 2] [--reps 3]

The step `atlas train-lm` takes, in float32: the Hugging Face GPT-2 forward (gpt2_hf.HfGpt2, tied unembedding,
vocabulary 50,257) on random token ids (labelled synthetic: the cost does not depend on them), mean cross-entropy,
autograd backward, clip_grad_norm_(1.0), torch.optim.AdamW (two groups: decay 0.1 on matrices, none on vectors).
Weights are GPT-2's initialisation. Prints one JSON line: tokens_per_second (batch x ctx / best step time),
seconds_per_step, openblas_core (the kernel OpenBLAS chose), torch_version, threads, and the shapes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_hf  # noqa: E402
from torch_generate_bench import openblas_core  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=127)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    L, D, V, P = args.layers, args.d_model, 50257, args.ctx + 1
    config = {"n_layer": L, "n_embd": D, "n_head": args.heads, "n_positions": P, "vocab_size": V, "n_inner": 4 * D,
              "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}
    proj = 0.02 / (2 * L) ** 0.5
    w = {"wte.weight": torch.randn(V, D) * 0.02, "wpe.weight": torch.randn(P, D) * 0.02,
         "ln_f.weight": torch.ones(D), "ln_f.bias": torch.zeros(D)}
    for l in range(L):
        h = f"h.{l}."
        w.update({h + "ln_1.weight": torch.ones(D), h + "ln_1.bias": torch.zeros(D),
                  h + "attn.c_attn.weight": torch.randn(D, 3 * D) * 0.02, h + "attn.c_attn.bias": torch.zeros(3 * D),
                  h + "attn.c_proj.weight": torch.randn(D, D) * proj, h + "attn.c_proj.bias": torch.zeros(D),
                  h + "ln_2.weight": torch.ones(D), h + "ln_2.bias": torch.zeros(D),
                  h + "mlp.c_fc.weight": torch.randn(D, 4 * D) * 0.02, h + "mlp.c_fc.bias": torch.zeros(4 * D),
                  h + "mlp.c_proj.weight": torch.randn(4 * D, D) * proj, h + "mlp.c_proj.bias": torch.zeros(D)})
    for p in w.values():
        p.requires_grad_(True)
    model = gpt2_hf.HfGpt2(config, w)
    params = list(w.values())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
                             {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=3e-3, betas=(0.9, 0.95))
    tokens = torch.randint(0, V, (args.batch, args.ctx + 1), generator=torch.Generator().manual_seed(0))

    def step():
        logits = model.forward(tokens[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), tokens[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    step()  # warm-up
    best = float("inf")
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        "synthetic": True, "layers": L, "d_model": D, "heads": args.heads, "ctx": args.ctx, "batch": args.batch,
        "threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "openblas_core": openblas_core(), "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "seconds_per_step": best, "tokens_per_second": args.batch * args.ctx / best,
    }))


if __name__ == "__main__":
    main()

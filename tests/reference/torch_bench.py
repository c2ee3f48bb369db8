"""CPU throughput of a plain PyTorch GPT-2 forward, the yardstick for the C# engine.

Run:
  /usr/bin/python3 tests/reference/torch_bench.py --model DIR [--sae DIR]
      [--batch 8] [--seq 128] [--threads 2] [--reps 5]

--model is a Hugging Face GPT-2 folder (config.json + model.safetensors, F32; names
with or without `transformer.`; mask buffers ignored). --sae is a SAELens folder
(standard / topk / jumprelu / gated). Prints one JSON line:

  tokens_per_second           full forward, logits at every position, batch*seq / best time
  with_sae_tokens_per_second  the same forward, also keeping the SAE's hook activation and
                              encoding it (SAELens semantics); null without --sae
  gemm_gflops                 (1024x768)·(768x3072) float32 matmul, the kernel-level ceiling
  torch_version, threads, batch, seq, reps

Every figure is the best of --reps timed runs after one untimed warm-up, so it reflects
the steady state (allocator and thread pool warm) that a C# benchmark also measures.
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
import sae_ref  # noqa: E402

# Hooks whose value SAELens' `center_writing_weights=True` model turns into x - mean_d(x)
# (sae-formats.md §3.2); enough to honour gpt2-small-res-jb style SAEs.
WRITING_SUFFIXES = ("hook_embed", "hook_pos_embed", "hook_resid_pre", "hook_resid_mid",
                    "hook_resid_post", "hook_attn_out", "hook_mlp_out")


def best_time(fn, reps: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description="plain PyTorch GPT-2 CPU throughput")
    ap.add_argument("--model", required=True, help="Hugging Face GPT-2 folder")
    ap.add_argument("--sae", help="SAELens SAE folder (cfg.json + sae_weights.safetensors)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.batch < 1 or args.seq < 1 or args.threads < 1 or args.reps < 1:
        ap.error("--batch, --seq, --threads and --reps must be positive")

    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)

    model = gpt2_hf.HfGpt2.load(args.model)
    n_ctx = model.config.get("n_positions", model.w["wpe.weight"].shape[0])
    if args.seq > n_ctx:
        ap.error(f"--seq {args.seq} exceeds the model's n_positions {n_ctx}")
    vocab = model.w["wte.weight"].shape[0]
    gen = torch.Generator().manual_seed(args.seed)
    tokens = torch.randint(0, vocab, (args.batch, args.seq), generator=gen)
    n_tokens = args.batch * args.seq

    t_model = best_time(lambda: model.forward(tokens), args.reps)

    with_sae = None
    if args.sae:
        sae = sae_ref.ReferenceSae.load(args.sae)
        hook = sae.hook_name
        kwargs = sae.cfg["metadata"].get("model_from_pretrained_kwargs") or {}
        center = bool(kwargs.get("center_writing_weights", False)) and hook.endswith(WRITING_SUFFIXES)
        ignored = {k: v for k, v in kwargs.items() if k != "center_writing_weights" and v}
        if ignored:
            print(f"note: model_from_pretrained_kwargs {ignored} not applied (timing only)", file=sys.stderr)

        def forward_with_sae() -> None:
            hooks: dict = {}
            model.forward(tokens, hooks, capture={hook})
            if hook not in hooks:
                raise SystemExit(f"hook {hook!r} is not produced by this model")
            x = hooks[hook]
            if center:
                x = x - x.mean(-1, keepdim=True)
            sae.encode(x)

        with_sae = n_tokens / best_time(forward_with_sae, args.reps)

    a = torch.randn(1024, 768, generator=gen)
    b = torch.randn(768, 3072, generator=gen)
    t_gemm = best_time(lambda: torch.mm(a, b), args.reps)

    print(json.dumps({
        "tokens_per_second": round(n_tokens / t_model, 1),
        "with_sae_tokens_per_second": None if with_sae is None else round(with_sae, 1),
        "gemm_gflops": round(2 * 1024 * 768 * 3072 / t_gemm / 1e9, 2),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "seq": args.seq,
        "reps": args.reps,
    }))


if __name__ == "__main__":
    main()

"""Tokens/s of a plain PyTorch GPT-2 key/value-cache decode, the yardstick for `atlas bench generate`.

Run:
  OPENBLAS_CORETYPE=SapphireRapids /usr/bin/python3 tests/reference/torch_generate_bench.py --model DIR
      [--prompt 32] [--new 128] [--batch 1] [--threads 2] [--reps 3]

The same work per step as the C# engine: prefill of the prompt, then one position per sequence per step with
keys and values kept in preallocated [B, H, T, Dh] buffers, the full logits, their log-softmax, the top-5
alternatives and a greedy pick. With --batch 2 the second sequence is steered (h + c v at
blocks.{L/2}.hook_resid_pre, every position), as `atlas steer` decodes default and steered together.
Prints one JSON line: tokens_per_second (batch * new / best time), seconds, peak_rss_mb, the OpenBLAS core
that ran (openblas_get_corename; Debian's OpenBLAS 0.3.21 does not recognise newer Xeons and falls back to
Prescott unless OPENBLAS_CORETYPE names the matching kernel), torch_version, threads.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpt2_hf  # noqa: E402


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that high-water mark across fork and
    execve, so a child of the C# benchmark would report the parent's peak."""
    for line in open("/proc/self/status", encoding="utf-8"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def openblas_core() -> str | None:
    """The kernel family OpenBLAS chose in this process (the library torch loaded), or None."""
    for line in open("/proc/self/maps", encoding="utf-8"):
        path = line.split()[-1]
        if "openblas" in path and ".so" in path:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                continue
    return None


class Decoder:
    def __init__(self, model: gpt2_hf.HfGpt2, batch: int, capacity: int):
        self.m, self.w = model, model.w
        H, Dh = model.n_head, model.d_head
        self.k = [torch.zeros(batch, H, capacity, Dh) for _ in range(model.n_layer)]
        self.v = [torch.zeros(batch, H, capacity, Dh) for _ in range(model.n_layer)]
        self.length = 0
        self.steer_layer = model.n_layer // 2
        gen = torch.Generator().manual_seed(3)
        v = torch.randn(model.d_model, generator=gen)
        self.steer = 8.0 * v / v.norm() if batch == 2 else None

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [B, n] at positions length..length+n-1 -> last-position logits [B, V]."""
        m, w = self.m, self.w
        B, n = tokens.shape
        H, Dh, D = m.n_head, m.d_head, m.d_model
        t0, t1 = self.length, self.length + n
        h = w["wte.weight"][tokens] + w["wpe.weight"][t0:t1]
        mask = None
        if n > 1:
            mask = torch.ones(n, t1, dtype=torch.bool).tril(diagonal=t0).logical_not()
        for L in range(m.n_layer):
            p = f"h.{L}."
            if self.steer is not None and L == self.steer_layer:
                h[1] += self.steer
            x = F.layer_norm(h, (D,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], m.eps)
            qkv = torch.addmm(w[p + "attn.c_attn.bias"], x.reshape(B * n, D), w[p + "attn.c_attn.weight"])
            q, k, v = qkv.reshape(B, n, 3, H, Dh).permute(2, 0, 3, 1, 4)   # each [B, H, n, Dh]
            self.k[L][:, :, t0:t1] = k
            self.v[L][:, :, t0:t1] = v
            scores = torch.matmul(q, self.k[L][:, :, :t1].transpose(-1, -2)) / math.sqrt(Dh)   # [B, H, n, t1]
            if mask is not None:
                scores = scores.masked_fill(mask, float("-inf"))
            z = torch.matmul(torch.softmax(scores, dim=-1), self.v[L][:, :, :t1])             # [B, H, n, Dh]
            z = z.transpose(1, 2).reshape(B * n, D)
            h = h + torch.addmm(w[p + "attn.c_proj.bias"], z, w[p + "attn.c_proj.weight"]).reshape(B, n, D)
            x = F.layer_norm(h, (D,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], m.eps)
            pre = torch.addmm(w[p + "mlp.c_fc.bias"], x.reshape(B * n, D), w[p + "mlp.c_fc.weight"])
            post = F.gelu(pre, approximate="tanh")
            h = h + torch.addmm(w[p + "mlp.c_proj.bias"], post, w[p + "mlp.c_proj.weight"]).reshape(B, n, D)
        self.length = t1
        x = F.layer_norm(h[:, -1], (D,), w["ln_f.weight"], w["ln_f.bias"], m.eps)
        return torch.matmul(x, w["wte.weight"].t())


def generate(model: gpt2_hf.HfGpt2, prompt: torch.Tensor, new: int) -> list[list[int]]:
    batch = prompt.shape[0]
    decoder = Decoder(model, batch, prompt.shape[1] + new)
    logits = decoder.forward(prompt)
    out = [[] for _ in range(batch)]
    for step in range(new):
        logprobs = torch.log_softmax(logits, dim=-1)
        torch.topk(logprobs, 5, dim=-1)
        token = torch.argmax(logits, dim=-1)
        for b in range(batch):
            out[b].append(int(token[b]))
        if step == new - 1:
            break
        logits = decoder.forward(token.unsqueeze(1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="PyTorch KV-cache decode throughput")
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--new", type=int, default=128)
    ap.add_argument("--batch", type=int, default=1, choices=(1, 2))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model = gpt2_hf.HfGpt2.load(args.model)
    vocab = model.w["wte.weight"].shape[0]
    prompt = torch.randint(0, vocab, (1, args.prompt), generator=torch.Generator().manual_seed(0)).repeat(args.batch, 1)

    with torch.inference_mode():
        generate(model, prompt, args.new)   # warm-up
        best = float("inf")
        for _ in range(args.reps):
            t0 = time.perf_counter()
            generate(model, prompt, args.new)
            best = min(best, time.perf_counter() - t0)

    print(json.dumps({
        "tokens_per_second": round(args.batch * args.new / best, 2),
        "seconds": round(best, 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "openblas_core": openblas_core(),
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch, "prompt": args.prompt, "new": args.new, "reps": args.reps,
    }))


if __name__ == "__main__":
    main()

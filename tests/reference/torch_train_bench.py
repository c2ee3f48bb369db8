"""CPU training throughput of one SAE step in plain PyTorch, the yardstick for `atlas bench train-sae`.

Run:  OPENBLAS_CORETYPE=SapphireRapids /usr/bin/python3 tests/reference/torch_train_bench.py --arch standard|topk|jumprelu
          [--d-in 768] [--d-sae 24576] [--batch 4096] [--k 100] [--threads 2] [--reps 3]

Random activations (labelled as such), float32, the step SAELens's trainer takes: forward, loss
(MSE + decoder-norm-weighted L1 / nothing / L0 via the Step function), autograd backward,
torch.optim.Adam; for topk and jumprelu the decoder gradient loses its parallel component and rows
are renormalised after the step. Prints one JSON line: tokens_per_second (batch / best step time),
seconds_per_step, torch_version, threads, openblas_core (the kernel OpenBLAS chose), and the shapes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_train_golden import JumpReLU, Step  # noqa: E402
from torch_generate_bench import openblas_core  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="standard", choices=["standard", "topk", "jumprelu"])
    ap.add_argument("--d-in", type=int, default=768)
    ap.add_argument("--d-sae", type=int, default=24576)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    d_in, d_sae = args.d_in, args.d_sae
    w_dec = torch.randn(d_sae, d_in)
    w_dec /= w_dec.norm(dim=1, keepdim=True)
    if args.arch == "standard":
        w_dec *= 0.1
    p = {
        "W_enc": w_dec.T.clone().requires_grad_(True),
        "W_dec": w_dec.requires_grad_(True),
        "b_enc": torch.zeros(d_sae, requires_grad=True),
        "b_dec": torch.zeros(d_in, requires_grad=True),
    }
    if args.arch == "jumprelu":
        p["log_threshold"] = torch.full((d_sae,), float(torch.log(torch.tensor(1e-3))), requires_grad=True)
    opt = torch.optim.Adam(list(p.values()), lr=3e-4)
    x = torch.randn(args.batch, d_in)

    def step():
        opt.zero_grad()
        h = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]
        if args.arch == "standard":
            f = torch.relu(h)
            sparsity = 5.0 * (f * p["W_dec"].norm(dim=1)).sum(-1).mean()
        elif args.arch == "jumprelu":
            theta = torch.exp(p["log_threshold"])
            f = JumpReLU.apply(h, theta, 1e-3)
            sparsity = Step.apply(h, theta, 1e-3).sum(-1).mean()
        else:
            top = torch.topk(h, args.k, dim=-1)
            f = torch.zeros_like(h).scatter(-1, top.indices, torch.relu(top.values))
            sparsity = 0.0
        x_hat = f @ p["W_dec"] + p["b_dec"]
        loss = ((x_hat - x) ** 2).sum(-1).mean() + sparsity
        loss.backward()
        if args.arch != "standard":
            with torch.no_grad():
                w, g = p["W_dec"], p["W_dec"].grad
                g -= (g * w).sum(dim=1, keepdim=True) * w
        opt.step()
        if args.arch != "standard":
            with torch.no_grad():
                p["W_dec"] /= p["W_dec"].norm(dim=1, keepdim=True)

    step()  # warm-up
    best = float("inf")
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        "synthetic": True, "arch": args.arch, "d_in": d_in, "d_sae": d_sae, "batch": args.batch, "k": args.k,
        "threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "openblas_core": openblas_core(), "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "seconds_per_step": best, "tokens_per_second": args.batch / best,
    }))


if __name__ == "__main__":
    main()

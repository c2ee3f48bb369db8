"""One transcoder training gradient in PyTorch (float64 autograd), the golden for the C# trainer's transcoder mode.

Run:  /usr/bin/python3 tests/reference/make_transcoder_train_golden.py

As make_train_golden.py (same tiny shapes, sparsity terms, JumpReLU straight-through functions, TopK), but for a
transcoder (SAELens Transcoder): the encoder reads x as it is (no b_dec subtracted) and the decoder predicts a
separate target y:  loss = mean_b sum_d (f(x) W_dec + b_dec - y)^2 + sparsity.

Writes golden/transcoder_train_golden.safetensors: <arch>/init/<param>, <arch>/x, <arch>/y [32, 16],
<arch>/grad/<param> (log_threshold for jumprelu), <arch>/loss [1].
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_train_golden as mt  # noqa: E402
import st  # noqa: E402

OUT = os.path.join(mt.HERE, "golden", "transcoder_train_golden.safetensors")


def loss_fn(arch, p, x, y, coef):
    h = x @ p["W_enc"] + p["b_enc"]
    if arch == "standard":
        f = torch.relu(h)
        sparsity = coef * (f * p["W_dec"].norm(dim=1)).sum(-1).mean()
    elif arch == "jumprelu":
        theta = torch.exp(p["log_threshold"])
        f = mt.JumpReLU.apply(h, theta, mt.BANDWIDTH)
        sparsity = coef * mt.Step.apply(h, theta, mt.BANDWIDTH).sum(-1).mean()
    else:
        top = torch.topk(h, mt.K, dim=-1)
        f = torch.zeros_like(h).scatter(-1, top.indices, torch.relu(top.values))
        sparsity = torch.zeros((), dtype=h.dtype)
    y_hat = f @ p["W_dec"] + p["b_dec"]
    return ((y_hat - y) ** 2).sum(-1).mean() + sparsity


def main() -> None:
    out: dict[str, np.ndarray] = {}
    for seed, arch in enumerate(("standard", "topk", "jumprelu")):
        rng = np.random.default_rng(100 + seed)
        init = mt.init(arch, rng)
        x = rng.normal(size=(mt.BATCH, mt.D_IN)).astype(np.float32)
        y = (0.5 * x[:, ::-1] + 0.3 * rng.normal(size=(mt.BATCH, mt.D_IN))).astype(np.float32)
        p = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in init.items() if n != "threshold"}
        if arch == "jumprelu":
            p["log_threshold"] = torch.tensor(np.log(init["threshold"].astype(np.float64)), requires_grad=True)
        loss = loss_fn(arch, p, torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64), mt.COEF[arch])
        loss.backward()
        for name, value in init.items():
            out[f"{arch}/init/{name}"] = value
        out[f"{arch}/x"] = x
        out[f"{arch}/y"] = y
        out[f"{arch}/loss"] = np.array([float(loss)], dtype=np.float32)
        for name, value in p.items():
            out[f"{arch}/grad/{name}"] = value.grad.numpy().astype(np.float32)
    st.save(OUT, out)
    print(f"wrote {OUT}: {len(out)} tensors, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()

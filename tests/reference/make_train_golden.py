"""One to three SAE training steps in PyTorch (float64 autograd), the golden for the C# trainer.

Run:  /usr/bin/python3 tests/reference/make_train_golden.py

For each architecture (standard, topk, jumprelu) on a tiny SAE (d_in 16, d_sae 48, batch 32), from
a seeded float32 init, computes with torch autograd in float64:

  loss        mse = mean_b sum_d (x_hat - x)^2, plus
              standard: c * mean_b sum_i f_i * ||W_dec,i||   (decoder-norm weighted L1, SAELens)
              jumprelu: c * mean_b sum_i Step(h_i, theta_i)  (L0; SAELens Step/JumpReLU autograd
                        functions: straight-through threshold gradients, rectangle kernel)
              topk:     mse only (keep the k largest of h, ReLU them)
  gradients   of every parameter at step 0 (log_threshold for jumprelu), before any projection
  steps       torch.optim.Adam; for topk and jumprelu the decoder gradient loses its component along
              each (unit-norm) decoder row before the step and rows are renormalised after it
  schedules   lr warm-up 2 steps then linear decay over the last step to lr_end; the sparsity
              coefficient warms up over 2 steps: step t uses c*(t+1)/2 then c

Writes golden/train_golden.safetensors: <arch>/init/<param>, <arch>/x{0,1,2} [32,16],
<arch>/grad/<param>, <arch>/loss [3], <arch>/after1/<param>, <arch>/after3/<param>.

TopK with the AuxK loss (Gao et al. 2024; SAELens TopKTrainingSAE.calculate_topk_aux_loss, except
that e_hat has no b_dec, as in the paper), two cases over 5 steps with a dead-feature window of 1
step, so a feature is dead at step t when it fired in neither of the 2 steps before; the first 12
features start with b_enc = -6, never reach the top k, and so are dead from step 2 on:

  aux         n = dead features at the start of the step (none: no aux term); k_aux = aux_k, or
              d_in // 2 by default; scale = min(n / k_aux, 1); k = min(k_aux, n);
              z = the k largest pre-activations h among dead features (raw, no ReLU), zero elsewhere;
              e = (x - x_hat).detach(); aux = coef * scale * mean_b sum_d (z @ W_dec - e)^2
  topk_auxk       aux_k default (8) < n: a selection among the dead features, scale 1, coef 0.5
  topk_auxk_wide  aux_k 40 > n: every dead feature, loss scaled by n / 40, coef 1

They write <case>/init/<param>, <case>/x{0..4}, <case>/grad/<param> at step 2 (the first with dead
features), <case>/loss [5] (total), <case>/aux_loss [5], <case>/dead [5] (n per step),
<case>/after3/<param> and <case>/after5/<param>.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "golden", "train_golden.safetensors")

D_IN, D_SAE, BATCH, K, STEPS = 16, 48, 32, 6, 3
LR, LR_END, LR_WARMUP, LR_DECAY = 1e-3, 1e-4, 2, 1
COEF_WARMUP = 2
BANDWIDTH = 0.1
COEF = {"standard": 0.7, "jumprelu": 0.3, "topk": 0.0}

AUX_STEPS, AUX_GRAD_STEP, AUX_WINDOW, AUX_DEAD_INIT = 5, 2, 1, 12
AUX_CASES = {"topk_auxk": (None, 0.5), "topk_auxk_wide": (40, 1.0)}  # name: (aux_k, coefficient)


def rectangle(x):
    return ((x > -0.5) & (x < 0.5)).to(x)


class Step(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, threshold, bandwidth):
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x > threshold).to(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, threshold = ctx.saved_tensors
        bw = ctx.bandwidth
        threshold_grad = torch.sum(-(1.0 / bw) * rectangle((x - threshold) / bw) * grad_output, dim=0)
        return torch.zeros_like(x), threshold_grad, None


class JumpReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, threshold, bandwidth):
        ctx.save_for_backward(x, threshold)
        ctx.bandwidth = bandwidth
        return (x * (x > threshold)).to(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, threshold = ctx.saved_tensors
        bw = ctx.bandwidth
        x_grad = (x > threshold) * grad_output
        threshold_grad = torch.sum(-(threshold / bw) * rectangle((x - threshold) / bw) * grad_output, dim=0)
        return x_grad, threshold_grad, None


def lr_at(step, steps=STEPS):
    if step < LR_WARMUP:
        return LR * (step + 1) / LR_WARMUP
    decay_start = steps - LR_DECAY
    if step >= decay_start:
        return LR + (LR_END - LR) * min(1.0, (step - decay_start + 1) / LR_DECAY)
    return LR


def coef_at(arch, step):
    c = COEF[arch]
    return c * (step + 1) / COEF_WARMUP if step < COEF_WARMUP else c


def aux_loss_fn(p, x, h, x_hat, dead, aux_k, coef):
    """AuxK: the k_aux largest dead pre-activations reconstruct the detached residual, without b_dec."""
    n = int(dead.sum())
    if n == 0:
        return torch.zeros((), dtype=h.dtype)
    k_aux = aux_k if aux_k is not None else D_IN // 2
    scale = min(n / k_aux, 1.0)
    k = min(k_aux, n)
    residual = (x - x_hat).detach()
    top = torch.where(dead[None], h, -torch.inf).topk(k, dim=-1)
    z = torch.zeros_like(h).scatter(-1, top.indices, top.values)
    e_hat = z @ p["W_dec"]
    return coef * scale * ((e_hat - residual) ** 2).sum(-1).mean()


def loss_fn(arch, p, x, coef, dead=None, aux=None):
    """Total loss; with dead and aux = (aux_k, coefficient) for TopK, (total, aux part, feature activations)."""
    sae_in = x - p["b_dec"]
    h = sae_in @ p["W_enc"] + p["b_enc"]
    if arch == "standard":
        f = torch.relu(h)
        sparsity = coef * (f * p["W_dec"].norm(dim=1)).sum(-1).mean()
    elif arch == "jumprelu":
        theta = torch.exp(p["log_threshold"])
        f = JumpReLU.apply(h, theta, BANDWIDTH)
        sparsity = coef * Step.apply(h, theta, BANDWIDTH).sum(-1).mean()
    else:
        top = torch.topk(h, K, dim=-1)
        f = torch.zeros_like(h).scatter(-1, top.indices, torch.relu(top.values))
        sparsity = torch.zeros((), dtype=h.dtype)
    x_hat = f @ p["W_dec"] + p["b_dec"]
    mse = ((x_hat - x) ** 2).sum(-1).mean()
    if aux is None:
        return mse + sparsity
    aux_loss = aux_loss_fn(p, x, h, x_hat, dead, *aux)
    return mse + sparsity + aux_loss, aux_loss, f


def init(arch, rng):
    w_dec = rng.standard_normal((D_SAE, D_IN)).astype(np.float32)
    w_dec /= np.linalg.norm(w_dec, axis=1, keepdims=True)
    if arch == "standard":  # non-unit norms, so the decoder-norm terms matter
        w_dec *= rng.uniform(0.5, 1.5, (D_SAE, 1)).astype(np.float32)
    params = {
        "W_enc": (rng.standard_normal((D_IN, D_SAE)) * 0.4).astype(np.float32),
        "W_dec": w_dec.astype(np.float32),
        "b_enc": (rng.standard_normal(D_SAE) * 0.1).astype(np.float32),
        "b_dec": (rng.standard_normal(D_IN) * 0.1).astype(np.float32),
    }
    if arch == "jumprelu":
        params["threshold"] = rng.uniform(0.05, 0.4, D_SAE).astype(np.float32)
    return params


def run(arch, seed, out):
    rng = np.random.default_rng(seed)
    init_np = init(arch, rng)
    xs = [rng.standard_normal((BATCH, D_IN)).astype(np.float32) for _ in range(STEPS)]
    for name, value in init_np.items():
        out[f"{arch}/init/{name}"] = value
    for i, x in enumerate(xs):
        out[f"{arch}/x{i}"] = x

    p = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in init_np.items() if n != "threshold"}
    if arch == "jumprelu":
        p["log_threshold"] = torch.tensor(np.log(init_np["threshold"].astype(np.float64)), requires_grad=True)
    opt = torch.optim.Adam(list(p.values()), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    unit_norm = arch != "standard"
    losses = []
    for step in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        opt.zero_grad()
        loss = loss_fn(arch, p, torch.tensor(xs[step], dtype=torch.float64), coef_at(arch, step))
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            for name, value in p.items():
                key = "threshold" if name == "log_threshold" else name
                out[f"{arch}/grad/{key}"] = value.grad.detach().numpy().astype(np.float32)
            hits = 0
            if arch == "jumprelu":
                hits = int((p["log_threshold"].grad != 0).sum())
            print(f"{arch}: loss {loss.item():.6f}, threshold features with kernel hits {hits}")
        if unit_norm:
            with torch.no_grad():
                w = p["W_dec"]
                g = p["W_dec"].grad
                g -= (g * w).sum(dim=1, keepdim=True) * w
        opt.step()
        if unit_norm:
            with torch.no_grad():
                p["W_dec"] /= p["W_dec"].norm(dim=1, keepdim=True)
        if step == 0 or step == STEPS - 1:
            tag = "after1" if step == 0 else f"after{STEPS}"
            for name, value in p.items():
                v = value.detach()
                key = name
                if name == "log_threshold":
                    key, v = "threshold", torch.exp(v)
                out[f"{arch}/{tag}/{key}"] = v.numpy().astype(np.float32)
    out[f"{arch}/loss"] = np.array(losses, dtype=np.float32)


def run_aux(name, seed, aux, out):
    """TopK + AuxK over AUX_STEPS steps, tracking steps since each feature fired as SAELens's trainer does."""
    rng = np.random.default_rng(seed)
    init_np = init("topk", rng)
    init_np["b_enc"][:AUX_DEAD_INIT] = -6.0
    xs = [rng.standard_normal((BATCH, D_IN)).astype(np.float32) for _ in range(AUX_STEPS)]
    for key, value in init_np.items():
        out[f"{name}/init/{key}"] = value
    for i, x in enumerate(xs):
        out[f"{name}/x{i}"] = x

    p = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in init_np.items()}
    opt = torch.optim.Adam(list(p.values()), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    since_fired = torch.zeros(D_SAE, dtype=torch.long)
    losses, aux_losses, dead_counts = [], [], []
    for step in range(AUX_STEPS):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, AUX_STEPS)
        opt.zero_grad()
        dead = since_fired > AUX_WINDOW
        loss, aux_loss, f = loss_fn("topk", p, torch.tensor(xs[step], dtype=torch.float64), 0.0, dead, aux)
        loss.backward()
        losses.append(loss.item())
        aux_losses.append(aux_loss.item())
        dead_counts.append(int(dead.sum()))
        fired = (f > 0).any(dim=0)
        since_fired += 1
        since_fired[fired] = 0
        if step == AUX_GRAD_STEP:
            assert dead_counts[-1] >= AUX_DEAD_INIT, f"{name}: only {dead_counts[-1]} dead features at step {step}"
            for key, value in p.items():
                out[f"{name}/grad/{key}"] = value.grad.detach().numpy().astype(np.float32)
        with torch.no_grad():
            w, g = p["W_dec"], p["W_dec"].grad
            g -= (g * w).sum(dim=1, keepdim=True) * w
        opt.step()
        with torch.no_grad():
            p["W_dec"] /= p["W_dec"].norm(dim=1, keepdim=True)
        if step + 1 in (AUX_GRAD_STEP + 1, AUX_STEPS):
            for key, value in p.items():
                out[f"{name}/after{step + 1}/{key}"] = value.detach().numpy().astype(np.float32)
    print(f"{name}: dead per step {dead_counts}, aux loss {[round(a, 6) for a in aux_losses]}")
    out[f"{name}/loss"] = np.array(losses, dtype=np.float32)
    out[f"{name}/aux_loss"] = np.array(aux_losses, dtype=np.float32)
    out[f"{name}/dead"] = np.array(dead_counts, dtype=np.float32)


def main():
    out: dict[str, np.ndarray] = {}
    for seed, arch in enumerate(["standard", "topk", "jumprelu"]):
        run(arch, 100 + seed, out)
    for seed, (name, aux) in enumerate(AUX_CASES.items()):
        run_aux(name, 200 + seed, aux, out)
    st.save(OUT, out)
    print(f"wrote {OUT}: {len(out)} tensors")


if __name__ == "__main__":
    main()

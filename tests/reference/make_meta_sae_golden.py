"""Golden for SAEBench's meta-structure metric (decoder_fraction_variance_explained), written independently of
FeatureAtlas with PyTorch autograd and torch.optim.Adam in float64.

A BatchTopK meta-SAE (width ceil(S * 0.25), K active latents per row on average) is trained on the rows of a
synthetic SAE decoder whose rows are built from shared parts (each row: two of 12 base directions with random
weights, plus noise, unit norm), so the meta-SAE has structure to find. The procedure is the one docs/evals.md
defines, deterministic without a random generator:
  - meta-decoder row j = the input row floor(j*S/M), unit-normalised; encoder = its transpose; b_enc = 0;
    b_dec = the mean input row;
  - step t takes rows ((t*B + i) mod S) * P mod S, P the first prime >= 7919 not dividing S;
  - pre = (w - b_dec) W_enc + b_enc; f = relu(pre) with only the B*K largest values of the batch kept;
    w_hat = f W_dec + b_dec; loss = sum ||w_hat - w||^2 / B; Adam (0.9, 0.999, 1e-8); meta-decoder rows renormalised;
  - the score encodes all S rows as one batch: 1 - SSE / sum ||w - mean||^2.
Writes tests/reference/golden/meta_sae_golden.json: the decoder, the options, and the score before training and
after, with the last step's loss.

Run: /usr/bin/python3 tests/reference/make_meta_sae_golden.py
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

S, D, RATIO, K, B, STEPS, LR = 96, 24, 0.25, 4, 32, 60, 0.01


def decoder():
    rng = np.random.default_rng(20261202)
    base = rng.standard_normal((12, D))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    rows = []
    for _ in range(S):
        a, b = rng.choice(12, size=2, replace=False)
        row = rng.uniform(0.5, 1.5) * base[a] + rng.uniform(0.2, 1.0) * base[b] + 0.05 * rng.standard_normal(D)
        rows.append(row / np.linalg.norm(row))
    return np.array(rows, dtype=np.float32)


def stride(s):
    p = 7919
    while True:
        if all(p % q for q in range(2, int(math.isqrt(p)) + 1)) and s % p != 0:
            return p
        p += 1


def forward(x, w_enc, b_enc, w_dec, b_dec, keep):
    pre = (x - b_dec) @ w_enc + b_enc
    acts = torch.relu(pre)
    flat = acts.flatten()
    idx = torch.topk(flat, keep).indices
    mask = torch.zeros_like(flat)
    mask[idx] = 1.0
    f = (flat * mask).view_as(acts)
    return f @ w_dec + b_dec


def score(w, params):
    with torch.no_grad():
        w_hat = forward(w, *params, keep=min(S * K, S * M))
        sse = ((w_hat - w) ** 2).sum()
        total = ((w - w.mean(dim=0)) ** 2).sum()
        return float(1 - sse / total)


w32 = decoder()
w = torch.tensor(w32.astype(np.float64))
M = math.ceil(S * RATIO)
init_rows = [int(j * S // M) for j in range(M)]
w_dec = w[init_rows].clone()
w_dec = w_dec / w_dec.norm(dim=1, keepdim=True)
w_enc = w_dec.T.clone()
b_enc = torch.zeros(M)
b_dec = w.mean(dim=0).clone()
params = [p.requires_grad_(True) for p in (w_enc, b_enc, w_dec, b_dec)]
before = score(w, params)

opt = torch.optim.Adam(params, lr=LR, betas=(0.9, 0.999), eps=1e-8)
P = stride(S)
last = float("nan")
for t in range(STEPS):
    rows = [((t * B + i) % S) * P % S for i in range(B)]
    x = w[rows]
    w_hat = forward(x, *params, keep=min(B * K, B * M))
    loss = ((w_hat - x) ** 2).sum() / B
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        params[2] /= params[2].norm(dim=1, keepdim=True)
    last = float(loss)
after = score(w, params)

out = {
    "rows": S, "d_in": D, "width_ratio": RATIO, "k": K, "batch_size": B, "steps": STEPS, "learning_rate": LR,
    "decoder": [float(v) for v in w32.flatten()],
    "fve_untrained": before, "fve": after, "last_loss": last,
}
path = os.path.join(os.path.dirname(__file__), "golden", "meta_sae_golden.json")
with open(path, "w") as f:
    json.dump(out, f)
print(json.dumps({k: v for k, v in out.items() if k != "decoder"}))

"""PyTorch peer of `atlas-bench graph`: the same backward passes of the frozen local replacement model, by autograd.

Run:  OPENBLAS_CORETYPE=SapphireRapids /usr/bin/python3 tests/reference/torch_graph_bench.py --layers 12 --d-model 768 \
          --heads 12 --tokens 32 --d-sae 24576 --k 32 --targets 522 --batch 64 --threads 2

A GPT-2-small-shape frozen system with random weights (timing does not depend on the values): per block frozen
attention patterns and layer-norm scales, W_V, W_O, and a TopK transcoder (W_enc, W_dec; k active features per
token, found by encoding random ln2 inputs, as the C# side does). Timed, as circuit-tracer does it: one forward pass
of the frozen linear system for a batch of B copies, building the autograd graph; transcoder encoding of every
block; then for each batch of B targets one torch.autograd.grad with the targets' input vectors injected as
grad_outputs at their block's ln2 output (W_enc[:, i] at the position) or after ln_final (a demeaned unembedding
column), retaining the graph; each source's direct effect read off as activation x (W_dec row . gradient) for the
features, and as dot products for error and token vectors. Prints one JSON line: seconds, targets, active_features,
threads, torch_version, openblas_core (the kernel OpenBLAS chose) and openblas_coretype_env.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from torch_generate_bench import openblas_core  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    for name, default in (("layers", 12), ("d-model", 768), ("heads", 12), ("tokens", 32), ("d-sae", 24576), ("k", 32),
                          ("targets", 522), ("batch", 64), ("threads", 2), ("vocab", 50257)):
        ap.add_argument(f"--{name}", type=int, default=default)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    L, D, H, T, S, B = a.layers, a.d_model, a.heads, a.tokens, a.d_sae, a.batch
    Dh = D // H
    W_V = [torch.randn(D, D) / D ** 0.5 for _ in range(L)]
    W_O = [torch.randn(D, D) / D ** 0.5 for _ in range(L)]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    P = [torch.softmax(torch.where(mask, torch.randn(H, T, T), torch.tensor(float("-inf"))), -1) for _ in range(L)]
    s1 = [torch.rand(T, 1) + 0.5 for _ in range(L)]
    s2 = [torch.rand(T, 1) + 0.5 for _ in range(L)]
    sf = torch.rand(T, 1) + 0.5
    W_enc = [torch.randn(D, S) / D ** 0.5 for _ in range(L)]
    W_dec = [torch.randn(S, D) / D ** 0.5 for _ in range(L)]
    W_U = torch.randn(D, a.vocab) / D ** 0.5
    tok = torch.randn(T, D)
    err = [torch.randn(T, D) for _ in range(L)]

    start = time.perf_counter()
    # Encode every block (TopK) to find the active features, as the engine does on the real run.
    active = []
    for l in range(L):
        h = torch.randn(T, D) @ W_enc[l]
        top = torch.topk(h, a.k, dim=-1)
        acts = torch.relu(top.values)
        pos = torch.arange(T)[:, None].expand(T, a.k).reshape(-1)
        active.append((pos, top.indices.reshape(-1), acts.reshape(-1)))
    n_active = sum(len(x[0]) for x in active)
    scaled_dec = [W_dec[l][active[l][1]] * active[l][2][:, None] for l in range(L)]   # [n_l, D]

    def center(x):
        return x - x.mean(-1, keepdim=True)

    # The frozen linear system for B copies; gradients flow through W_V, W_O and the frozen norms only.
    r0 = torch.zeros(B, T, D, requires_grad=True)
    r = r0
    posts, inputs = [], []
    for l in range(L):
        x = center(r) / s1[l]
        v = (x @ W_V[l]).view(B, T, H, Dh)
        z = torch.einsum("hqs,bshk->bqhk", P[l], v).reshape(B, T, D)
        r = r + z @ W_O[l]
        inputs.append(center(r) / s2[l])
        r = r + err[l]
        posts.append(r)
    final = center(r) / sf
    demeaned = W_U - W_U.mean(1, keepdim=True)

    setup = time.perf_counter() - start
    rows = []
    n_targets = a.targets
    for first in range(0, n_targets, B):
        nb = min(B, n_targets - first)
        seeds_in = [torch.zeros(B, T, D) for _ in range(L)]
        seed_final = torch.zeros(B, T, D)
        for j in range(nb):
            t = first + j
            if t < 10:
                seed_final[j, T - 1] = demeaned[:, t]
            else:
                l = t % L
                p, i = active[l][0][t % len(active[l][0])], active[l][1][t % len(active[l][1])]
                seeds_in[l][j, p] = W_enc[l][:, i]
        grads = torch.autograd.grad(inputs + [final], posts + [r0], grad_outputs=seeds_in + [seed_final], retain_graph=True, allow_unused=True)
        row = []
        for l in range(L):
            g = grads[l] if grads[l] is not None else torch.zeros(B, T, D)
            pos = active[l][0]
            row.append((g[:, pos, :] * scaled_dec[l][None]).sum(-1))
            row.append((g * err[l]).sum(-1))
        row.append((grads[L] * tok).sum(-1))
        rows.append(torch.cat(row, 1)[:nb])
    edges = torch.cat(rows, 0)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "backward_seconds": seconds - setup, "targets": n_targets, "active_features": n_active, "edges_shape": list(edges.shape),
                      "threads": a.threads, "torch_version": torch.__version__, "openblas_core": openblas_core(),
                      "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE")}))


if __name__ == "__main__":
    main()

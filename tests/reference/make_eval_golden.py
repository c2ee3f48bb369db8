"""SAE evaluation metrics (SAELens evals.py meanings) on the tiny model, the golden for `atlas eval`.

Run:  /usr/bin/python3 tests/reference/make_eval_golden.py

Rebuilds the tiny GPT-2 and SAEs of golden/tiny_spec.json (synthetic.py, as make_golden.py does),
draws 6 windows of 16 tokens (BOS first, seeded), and for three SAEs runs, in float64:
clean forward (hook read), the forward with decode(encode(x)) spliced in at non-BOS positions,
and the forward with the hook zeroed. Metrics over non-BOS tokens t (BOS = 50256 masked):

  l0                 mean_t #{i: f_i > 0}
  mse                mean_t sum_d (x - x_hat)^2 / d_in
  explained_variance 1 - sum_t SSE_t / sum_t ||x_t - mean_t x||^2
  cossim             mean_t cos(x_t, x_hat_t)
  ce_*               mean over positions t < T-1 with a non-BOS token of -log p(token_{t+1})
  ce_loss_recovered  (ce_ablation - ce_sae) / (ce_ablation - ce_clean)
  dead / dense       features with density 0 / > 0.1; histogram of log10(density + 1e-10),
                     50 equal bins on [-10, 0], values clamped into the end bins
SAEBench core metrics (sae_bench/evals/core), over the same non-BOS tokens t:
  kl_div_with_sae / _with_ablation   mean over non-BOS positions (every t, the last too) of
                     KL(p_clean || p_run) = sum_v p_clean (log p_clean - log p_run)
  kl_div_score       (kl_ablation - kl_sae) / kl_ablation
  l1                 mean_t sum_i f_i
  l2_norm_in / _out  mean_t ||x||, mean_t ||x_hat||
  l2_ratio           mean_t ||x_hat|| / ||x|| (denominator 1 where ||x|| < 1e-4, as SAELens)
  relative_reconstruction_bias   mean_t ||x_hat||^2 / mean_t x . x_hat
  frac_alive, freq_over_1_percent, freq_over_10_percent   share of features with density > 0, > 0.01, > 0.1

Writes golden/eval_golden.json: {"windows": [[...]], "saes": {name: {metric: value, ...}}}.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_hf  # noqa: E402
import sae_ref  # noqa: E402
import synthetic  # noqa: E402
from make_golden import SPEC_PATH, write_checkpoint, write_sae  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "golden", "eval_golden.json")
SAES = ["standard-resid-pre-1", "topk-mlp-out-0", "jumprelu-resid-post-2"]
BOS = 50256


def main() -> None:
    torch.set_grad_enabled(False)
    spec = synthetic.load_spec(SPEC_PATH)
    rng = np.random.default_rng(11)
    windows = [[BOS] + rng.integers(0, 50000, 15).tolist() for _ in range(6)]
    windows[2][7] = BOS  # a BOS mid-window: masked like the first
    tokens = torch.tensor(windows, dtype=torch.int64)
    mask = tokens != BOS

    with tempfile.TemporaryDirectory() as root:
        model_dir = os.path.join(root, "model")
        write_checkpoint(model_dir, spec, synthetic.model_tensors(spec))
        model = gpt2_hf.HfGpt2.load(model_dir).to(torch.float64)
        saes = {}
        for s in spec["saes"]:
            if s["name"] in SAES:
                d = os.path.join(root, s["name"])
                write_sae(d, s, synthetic.sae_tensors(s))
                saes[s["name"]] = sae_ref.ReferenceSae.load(d).to(torch.float64)

    def ce(logits):
        logp = F.log_softmax(logits, dim=-1)[:, :-1]
        nll = -logp.gather(-1, tokens[:, 1:, None])[..., 0]
        return float(nll[mask[:, :-1]].mean())

    result = {"windows": windows, "saes": {}}
    for name, sae in saes.items():
        assert not sae.cfg["metadata"].get("model_from_pretrained_kwargs"), "raw model expected"
        hook = sae.hook_name
        hooks: dict = {}
        clean = model.forward(tokens, hooks, capture={hook})
        x = hooks[hook]
        f_all, recon_all = sae(x)

        def splice(v):
            return torch.where(mask[..., None], recon_all.reshape(v.shape), v)

        with_sae = model.forward(tokens, edits={hook: splice})
        ablated = model.forward(tokens, edits={hook: torch.zeros_like})
        xm, ym, fm = x[mask], recon_all[mask], f_all[mask]
        sse = ((xm - ym) ** 2).sum(-1)
        density = (fm > 0).double().mean(0)
        logd = torch.log10(density + 1e-10)
        bins = torch.clamp(torch.floor((logd + 10) / 10 * 50).long(), 0, 49)
        ce_clean, ce_sae, ce_abl = ce(clean), ce(with_sae), ce(ablated)

        def kl(logits):
            p = F.log_softmax(clean, dim=-1)
            q = F.log_softmax(logits, dim=-1)
            return float((p.exp() * (p - q)).sum(-1)[mask].mean())

        kl_sae, kl_abl = kl(with_sae), kl(ablated)
        norm_in, norm_out = xm.norm(dim=-1), ym.norm(dim=-1)
        result["saes"][name] = {
            "tokens": int(mask.sum()),
            "l0": float((fm > 0).double().sum(-1).mean()),
            "mse": float(sse.mean() / xm.shape[-1]),
            "explained_variance": float(1 - sse.sum() / ((xm - xm.mean(0)) ** 2).sum()),
            "cossim": float(F.cosine_similarity(xm, ym, dim=-1).mean()),
            "ce_clean": ce_clean,
            "ce_sae": ce_sae,
            "ce_ablation": ce_abl,
            "ce_loss_recovered": (ce_abl - ce_sae) / (ce_abl - ce_clean),
            "dead": int((density == 0).sum()),
            "dense": int((density > 0.1).sum()),
            "histogram": torch.bincount(bins, minlength=50).tolist(),
            "kl_div_with_sae": kl_sae,
            "kl_div_with_ablation": kl_abl,
            "kl_div_score": (kl_abl - kl_sae) / kl_abl,
            "l1": float(fm.sum(-1).mean()),
            "l2_norm_in": float(norm_in.mean()),
            "l2_norm_out": float(norm_out.mean()),
            "l2_ratio": float((norm_out / torch.where(norm_in < 1e-4, torch.ones_like(norm_in), norm_in)).mean()),
            "relative_reconstruction_bias": float((norm_out ** 2).mean() / (xm * ym).sum(-1).mean()),
            "frac_alive": float((density > 0).double().mean()),
            "freq_over_1_percent": float((density > 0.01).double().mean()),
            "freq_over_10_percent": float((density > 0.1).double().mean()),
        }
        print(name, {k: v for k, v in result["saes"][name].items() if k != "histogram"})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

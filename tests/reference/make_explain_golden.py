#!/usr/bin/env python3
"""Golden numbers for the offline explainer and scorer (tests/FeatureAtlas.Core.Tests/Explain).

Plain Python (no numpy), written from the definitions in docs/explain.md and autointerp-evals.md §1.3, §7a, not
from the C# code. A small corpus and a feature with a known rule (token 7 fires after token 3, seldom and weakly elsewhere; token
11 fires weakly) are generated with an LCG; the explanation, the baseline and both predictors' scores go to
golden/explain_golden.json. Activations are multiples of 1/4, so float32 and float64 agree exactly.

    /usr/bin/python3 tests/reference/make_explain_golden.py
"""
import json, math, os, struct

V, BOS, CONTEXT = 60, 59, 16
state = 12345


def rand(n):
    global state
    state = (1103515245 * state + 12345) % 2**31
    return (state >> 8) % n


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def window():
    w = [BOS]
    while len(w) < CONTEXT:
        r = rand(100)
        if r < 3 and len(w) < CONTEXT - 1:
            w += [3, 7]
        elif r < 10:
            w.append(7)
        elif r < 13:
            w.append(11)
        else:
            w.append(rand(40))
    return w[:CONTEXT]


def activations(w):
    acts = [0.0] * len(w)
    for t in range(1, len(w)):
        if w[t] == 7:
            acts[t] = 3.0 if w[t - 1] == 3 else (0.25 if rand(8) == 0 else 0.0)
        elif w[t] == 11:
            acts[t] = 0.5 if rand(2) == 0 else 0.0
    return acts


corpus = [window() for _ in range(120)]
records = [(i, w, activations(w)) for i, w in enumerate(corpus)]
active = [r for r in records if max(r[2]) > 0]
inactive = [r for r in records if max(r[2]) == 0]
# A deliberately noisy train/test: activating windows alternate, plus windows with no activation on each side.
train = [("Top", *r) for r in active[0:24:2]] + [("Random", *r) for r in inactive[0:12:2]]
test = [("Top", *r) for r in active[1:24:2]] + [("Random", *r) for r in inactive[1:12:2]]
# A random window that does activate (the pool is measured, so it is labelled activating).
test.append(("Random", *active[30]))

# ---- corpus base rates (BOS excluded) ----
count = [0] * V
follows = [0] * V
pairs = {}
for w in corpus:
    for t, tok in enumerate(w):
        if tok == BOS:
            continue
        count[tok] += 1
        if t > 0:
            follows[tok] += 1
            pairs[(w[t - 1], tok)] = pairs.get((w[t - 1], tok), 0) + 1
total = sum(count)

# ---- explainer (defaults of ExplainOptions) ----
ALPHA, BETA, MIN_E, MIN_COUNT, MAX_TOKENS, COVERAGE = 1.0, 10.0, 1.0, 2, 4, 0.7
CTX_SHARE, CTX_LIFT, START, START_SHARE = 0.5, 2.0, 3, 0.5

occ, occ_mass, act_count, act_mass, prec = {}, {}, {}, {}, {}
n_act, mass_total, start_mass, start_sum, start_n = 0, 0.0, 0.0, 0.0, 0
for _, _, w, a in train:
    for t, tok in enumerate(w):
        occ[tok] = occ.get(tok, 0) + 1
        occ_mass[tok] = occ_mass.get(tok, 0.0) + a[t]
        if 1 <= t <= START:
            start_sum += a[t]
            start_n += 1
        if a[t] <= 0:
            continue
        act_count[tok] = act_count.get(tok, 0) + 1
        act_mass[tok] = act_mass.get(tok, 0.0) + a[t]
        n_act += 1
        mass_total += a[t]
        if 1 <= t <= START:
            start_mass += a[t]
        if t > 0:
            prec.setdefault(tok, {})
            prec[tok][w[t - 1]] = prec[tok].get(w[t - 1], 0) + 1


def logit(p):
    return math.log(p) - math.log(1 - p)


enrich = {}
for tok in act_count:
    pb = (count[tok] + ALPHA) / (total + ALPHA * V)
    pa = (act_count[tok] + BETA * pb) / (n_act + BETA)
    enrich[tok] = logit(pa) - logit(pb)
order = sorted(act_count, key=lambda k: (-act_mass[k], k))
chosen, covered = [], 0.0
for tok in order:
    if act_count[tok] < MIN_COUNT or enrich[tok] < MIN_E:
        continue
    chosen.append(tok)
    covered += act_mass[tok]
    if len(chosen) == MAX_TOKENS or covered >= COVERAGE * mass_total:
        break
if not chosen:
    chosen = [order[0]]


def name(tok):
    return f"t{tok}"


named = []
for tok in chosen:
    best, k = min(prec.get(tok, {}).items(), key=lambda kv: (-kv[1], kv[0]), default=(-1, 0))
    share = k / act_count[tok]
    base_share = pairs.get((best, tok), 0) / follows[tok] if follows[tok] else 0.0
    if best >= 0 and k >= MIN_COUNT and share >= CTX_SHARE and share >= CTX_LIFT * base_share:
        ins, outs = [], []
        for _, _, w, a in train:
            for t, x in enumerate(w):
                if x == tok:
                    (ins if t > 0 and w[t - 1] == best else outs).append(a[t])
        named.append(dict(token=tok, enrichment=enrich[tok], active_count=act_count[tok],
                          weight=sum(outs) / len(outs) if outs else 0.0, context=best, context_weight=sum(ins) / len(ins)))
    else:
        named.append(dict(token=tok, enrichment=enrich[tok], active_count=act_count[tok],
                          weight=occ_mass[tok] / occ[tok], context=None, context_weight=0.0))
start_weight = start_sum / start_n if mass_total > 0 and start_mass / mass_total >= START_SHARE else None

shared = all(n["context"] is not None for n in named) and len({n["context"] for n in named}) == 1
parts = [f"'{name(n['token'])}'" if shared or n["context"] is None else f"'{name(n['token'])}' (after '{name(n['context'])}')" for n in named]
text = ("the token " if len(named) == 1 else "the tokens ") + " / ".join(parts)
if shared:
    text += f", mostly after '{name(named[0]['context'])}'"
if start_weight is not None:
    text += ", near the start of the context"


def predict_offline(w):
    out = []
    by = {n["token"]: n for n in named}
    for t, tok in enumerate(w):
        v = 0.0
        if tok in by:
            n = by[tok]
            v = n["context_weight"] if n["context"] is not None and t > 0 and w[t - 1] == n["context"] else n["weight"]
        if start_weight is not None and 1 <= t <= START:
            v = max(v, start_weight)
        out.append(f32(v))
    return out


# ---- baseline: most frequent token at the max activation of train's activating windows ----
votes = {}
for _, _, w, a in train:
    m = max(a)
    if m <= 0:
        continue
    tok = w[a.index(m)]
    c, s = votes.get(tok, (0, 0.0))
    votes[tok] = (c + 1, s + m)
base_tok = sorted(votes, key=lambda k: (-votes[k][0], -votes[k][1], k))[0]


def predict_baseline(w):
    return [1.0 if tok == base_tok else 0.0 for tok in w]


# ---- scorer ----
def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def balanced(scores, labels, th):
    p = sum(labels)
    n = len(labels) - p
    tp = sum(1 for s, l in zip(scores, labels) if l and s >= th)
    tn = sum(1 for s, l in zip(scores, labels) if not l and s < th)
    return (tp / p + tn / n) / 2


def auroc(scores, labels):
    pos = [s for s, l in zip(scores, labels) if l]
    neg = [s for s, l in zip(scores, labels) if not l]
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg) / (len(pos) * len(neg))


def score(predict):
    tr_s = [max(predict(w)) for _, _, w, _ in train]
    tr_l = [max(a) > 0 for _, _, _, a in train]
    best, th = -1.0, None
    for c in sorted(set(tr_s)):
        ba = balanced(tr_s, tr_l, c)
        if ba > best:
            best, th = ba, c
    xs, ys, te_s, te_l = [], [], [], []
    for _, _, w, a in test:
        p = predict(w)
        xs += p
        ys += a
        te_s.append(max(p))
        te_l.append(max(a) > 0)
    acc = sum(1 for s, l in zip(te_s, te_l) if (s >= th) == l) / len(te_s)
    return dict(correlation=pearson(xs, ys), tokens=len(xs), detection_accuracy=acc,
                detection_balanced_accuracy=balanced(te_s, te_l, th), detection_auroc=auroc(te_s, te_l),
                threshold=th, test_activating=sum(te_l), test_non_activating=len(te_l) - sum(te_l))


golden = dict(
    vocab=V, bos=BOS,
    corpus=corpus,
    train=[dict(window=i, kind=k, tokens=w, activations=a) for k, i, w, a in train],
    test=[dict(window=i, kind=k, tokens=w, activations=a) for k, i, w, a in test],
    offline=dict(text=text, tokens=named, start_weight=start_weight, scores=score(predict_offline)),
    baseline=dict(token=base_tok, text=f"the token '{name(base_tok)}'", scores=score(predict_baseline)),
)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "explain_golden.json")
with open(out, "w") as f:
    json.dump(golden, f, indent=1)
print(text, "|", golden["offline"]["scores"], "|", golden["baseline"]["text"], golden["baseline"]["scores"])

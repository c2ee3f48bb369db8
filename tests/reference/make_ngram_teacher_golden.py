"""Golden probabilities of the interpolated Kneser-Ney n-gram teacher (Core/Training/NgramTeacher).

Written from Chen & Goodman (1998), section 3.5, independently of the C# code: counts are kept as nested dictionaries
of history tuples, the recursion goes from the unigram up, and every probability is computed in float64.
- The highest order counts n-grams; each lower order counts continuations (distinct tokens seen before h w).
- Each order has its own discount D = n1 / (n1 + 2 n2) from its own counts (0.75 when there are none).
- Missing history at a sequence's start is a start symbol, counted like a token; only pairs inside a sequence count.

Run: /usr/bin/python3 tests/reference/make_ngram_teacher_golden.py  (plain Python, no packages)
Writes tests/reference/golden/ngram_teacher_golden.json: for each order 2-4, P(w | history) for every w and a set of
histories (seen, partly seen and unseen), on a small corpus with repeats.
"""
import json
import os
import random
from collections import defaultdict

START = "<s>"


def fit(sequences, order):
    # raw[h][w] for the highest order, h a tuple of order - 1 tokens
    raw = defaultdict(lambda: defaultdict(int))
    for s in sequences:
        padded = [START] * (order - 1) + list(s)
        for i in range(order, len(padded)):
            h = tuple(padded[i - order + 1:i])
            raw[h][padded[i]] += 1
    tables = {order: raw}
    for n in range(order - 1, 0, -1):
        cont = defaultdict(lambda: defaultdict(int))
        for h, nexts in tables[n + 1].items():
            for w in nexts:
                cont[h[1:]][w] += 1   # one more distinct token before (h[1:], w)
        tables[n] = cont
    discounts = {}
    for n, table in tables.items():
        n1 = sum(1 for nexts in table.values() for c in nexts.values() if c == 1)
        n2 = sum(1 for nexts in table.values() for c in nexts.values() if c == 2)
        discounts[n] = 0.75 if n1 + n2 == 0 else n1 / (n1 + 2 * n2)
    return tables, discounts


def probability(tables, discounts, order, vocab, history, w):
    padded = [START] * (order - 1) + list(history)
    p = 1.0 / vocab
    for n in range(1, order + 1):
        h = tuple(padded[len(padded) - (n - 1):]) if n > 1 else ()
        nexts = tables[n].get(h)
        if not nexts:
            continue   # an unseen history: this order is the one below it
        total = sum(nexts.values())
        d = discounts[n]
        p = max(nexts.get(w, 0) - d, 0) / total + d * len(nexts) / total * p
    return p


def main():
    rng = random.Random(7)
    vocab = 9   # token 8 never occurs, so it only gets the uniform share
    # A corpus with repeats: phrases drawn from a few patterns, plus noise, in sequences of uneven length.
    patterns = [[0, 1, 2], [0, 1, 3], [4, 1, 2], [5, 6], [2, 0, 1]]
    sequences = []
    for _ in range(12):
        s = []
        while len(s) < rng.randint(4, 11):
            s += rng.choice(patterns) if rng.random() < 0.8 else [rng.randrange(8)]
        sequences.append(s)
    histories = [[0], [1], [8], [0, 1], [4, 1], [7, 1], [8, 8], [2, 0, 1], [6, 0, 1], [8, 0, 1], [5, 6, 2, 0]]
    out = {"vocab": vocab, "sequences": sequences, "orders": []}
    for order in (2, 3, 4):
        tables, discounts = fit(sequences, order)
        rows = [{"history": h, "p": [probability(tables, discounts, order, vocab, h, w) for w in range(vocab)]} for h in histories]
        for r in rows:
            assert abs(sum(r["p"]) - 1) < 1e-12, r
        out["orders"].append({"order": order, "discounts": [discounts[n] for n in range(1, order + 1)], "rows": rows})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "ngram_teacher_golden.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()

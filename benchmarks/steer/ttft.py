#!/usr/bin/env python3
# Usage: python3 benchmarks/steer/ttft.py HOST PORT MODEL SAE RUNS   (against `atlas serve`; each run a new seed, so none is cached)
# Time to first streamed token of POST /api/steer (SSE): from sending the request to the first "data:" frame.
import http.client, json, sys, time, statistics
host, port, model, sae, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
def one(seed):
    body = json.dumps({"prompt": "The most iconic structure on Earth is", "modelId": model,
        "features": [{"modelId": model, "layer": sae, "index": 3, "strength": 40}], "temperature": 0.5,
        "n_tokens": 4, "freq_penalty": 0, "seed": seed, "strength_multiplier": 1, "stream": True})
    c = http.client.HTTPConnection(host, port, timeout=300)
    t0 = time.perf_counter()
    c.request("POST", "/api/steer", body, {"Content-Type": "application/json", "Connection": "close"})
    r = c.getresponse()
    assert r.status == 200, (r.status, r.read()[:300])
    first = None
    buf = b""
    while True:
        chunk = r.readline()
        if not chunk: break
        if chunk.startswith(b"data: ") and first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    c.close()
    return first, total
one(1)  # loads the model
ttft, totals = [], []
for i in range(n):
    f, t = one(1000 + i)
    ttft.append(f * 1000); totals.append(t * 1000)
ttft.sort(); totals.sort()
p = lambda xs, q: xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]
print(json.dumps({"runs": n, "ttft_ms_p50": round(p(ttft, 0.5), 1), "ttft_ms_p99": round(p(ttft, 0.99), 1), "ttft_ms_min": round(ttft[0], 1),
    "total_ms_p50_4_tokens": round(p(totals, 0.5), 1)}))

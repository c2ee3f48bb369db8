"""Deterministic synthetic weights, bit-exact in Python and C# ("splitmix64-v1").

The golden tests need a GPT-2 checkpoint and SAEs that both languages can rebuild
without shipping megabytes of weights. tests/reference/golden/tiny_spec.json lists
every tensor as {"name", "shape", "key", "scale", "offset"}; this module turns one
entry into float32 values. The C# port must follow these steps exactly:

  1. k = FNV-1a 64 of the UTF-8 bytes of "key":
         h = 0xcbf29ce484222325; for each byte b: h ^= b; h = h * 0x100000001b3 (mod 2^64)
  2. For element i = 0 .. n-1, in row-major order (splitmix64 finaliser on a counter):
         z = k + (i + 1) * 0x9E3779B97F4A7C15          (mod 2^64)
         z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9      (mod 2^64)
         z = (z ^ (z >> 27)) * 0x94D049BB133111EB      (mod 2^64)
         z =  z ^ (z >> 31)
  3. u = float32((z >> 40) / 2^23 - 1)
         z >> 40 has 24 bits, so u is exactly representable in float32 and lies in
         [-1, 1); compute it in double (or as int) and convert, no rounding happens.
  4. value = float32(offset) + float32(float32(scale) * u)
         Two float32 operations, each rounded to float32: multiply, then add.
         Do not fuse them (no FMA), do not compute in double.

Test vectors (key "model/wte.weight", shape [50257, 96], scale 0.1, offset 0.02, as in
tiny_spec.json; `python3 synthetic.py` reprints them):
  k          = 0xcf3ad0da34471c93
  z[0..3]    = 0xf7812265d8e92f21 0xf684172d62903369 0x27c229254c532fb3 0x5872d2952cbe6984
  u[0..3]    = 0.9336283206939697 0.9259060621261597 -0.6893872022628784 -0.30899596214294434
  value[0..3]= 0.11336283385753632 0.11259061098098755 -0.048938725143671036 -0.010899597778916359
               (float32 values printed as doubles)
  sum of all values in float64 = 96651.78537695482

Every element depends only on (key, i), so tensors can be generated in any order and
a C# generator can be parallelised by element range.
"""

from __future__ import annotations

import json

import numpy as np

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
MASK64 = (1 << 64) - 1

GENERATOR = "splitmix64-v1"


def fnv1a64(key: str) -> int:
    h = FNV_OFFSET
    for b in key.encode("utf-8"):
        h ^= b
        h = (h * FNV_PRIME) & MASK64
    return h


def splitmix_bits(key: str, n: int) -> np.ndarray:
    """The n raw 64-bit outputs z_i (step 2) as uint64; numpy uint64 arrays wrap mod 2^64."""
    k = np.uint64(fnv1a64(key))
    # Array (not scalar) arithmetic, so numpy wraps silently instead of warning.
    z = np.arange(1, n + 1, dtype=np.uint64) * GOLDEN_GAMMA + k
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


def uniform(key: str, n: int) -> np.ndarray:
    """u_i in [-1, 1) as float32 (step 3); the float64 intermediate is exact."""
    top24 = (splitmix_bits(key, n) >> np.uint64(40)).astype(np.float64)
    return (top24 / float(1 << 23) - 1.0).astype(np.float32)


def generate(key: str, shape, scale: float, offset: float) -> np.ndarray:
    """One spec entry's tensor (step 4), float32, C-order."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(key, n)
    # float32 * float32 -> float32 and float32 + float32 -> float32 in numpy; keeping
    # both operands float32 scalars makes the rounding points explicit.
    scaled = np.float32(scale) * u
    value = np.float32(offset) + scaled
    assert value.dtype == np.float32
    return value.reshape(shape)


def generate_entry(entry: dict) -> np.ndarray:
    return generate(entry["key"], entry["shape"], entry["scale"], entry["offset"])


def load_spec(path: str) -> dict:
    with open(path, "r", encoding="utf-8") as f:
        spec = json.load(f)
    if spec.get("generator") != GENERATOR:
        raise ValueError(f"{path}: generator {spec.get('generator')!r}, expected {GENERATOR!r}")
    return spec


def model_tensors(spec: dict) -> dict[str, np.ndarray]:
    """HF-named GPT-2 tensors (no `transformer.` prefix), in spec order."""
    return {e["name"]: generate_entry(e) for e in spec["model"]["tensors"]}


def sae_tensors(sae: dict) -> dict[str, np.ndarray]:
    """SAELens-named SAE tensors (W_enc, b_enc, ...), in spec order."""
    return {e["name"]: generate_entry(e) for e in sae["tensors"]}


if __name__ == "__main__":
    key = "model/wte.weight"
    print(f"key {key!r}: k = 0x{fnv1a64(key):016x}")
    z = splitmix_bits(key, 4)
    print("z[0..3] =", ", ".join(f"0x{int(v):016x}" for v in z))
    print("u[0..3] =", uniform(key, 4).tolist())
    vals = generate(key, [50257, 96], 0.1, 0.02)
    print("value[0..3] (scale 0.1, offset 0.02) =", [float(v) for v in vals.reshape(-1)[:4]])
    print("float64 sum =", float(vals.astype(np.float64).sum()))

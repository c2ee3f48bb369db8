"""Minimal safetensors reader and writer on numpy.

Debian's python3 has torch and numpy but no `safetensors` package, and the reference
scripts must not depend on pip installs, so this file implements the format directly
(see /work/shared/research/sae-formats.md §1):

    [u64 LE header length N][N bytes of JSON, space-padded][data section]

The JSON maps tensor names to {"dtype", "shape", "data_offsets": [begin, end)}, with
offsets relative to the start of the data section; "__metadata__" (str -> str) is
optional. The writer emits tensors in the order given, tiled with no gaps, and pads
the header to a multiple of 8 bytes so the data section starts 8-byte aligned, the
same layout the reference Rust writer produces.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Mapping

import numpy as np

# Dtypes the reference scripts meet in practice. BF16 has no numpy type; it is widened
# to float32 on read (a BF16 value is the top 16 bits of the F32 with the same value).
_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}

# The Rust reference refuses headers above 100 MB; mirror it so a corrupt length
# field fails fast instead of allocating gigabytes.
_MAX_HEADER = 100_000_000


def read_header(path: str) -> tuple[dict, int]:
    """Returns (header dict, byte offset of the data section)."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f"{path}: shorter than the 8-byte header length")
        (n,) = struct.unpack("<Q", raw)
        if n > _MAX_HEADER:
            raise ValueError(f"{path}: header length {n} exceeds {_MAX_HEADER}")
        header = json.loads(f.read(n).decode("utf-8"))
    return header, 8 + n


def load(path: str, names=None, widen_bf16: bool = True) -> dict[str, np.ndarray]:
    """Reads tensors (all, or those in `names`) into numpy arrays.

    Uses a read-only memmap so a 500 MB GPT-2 checkpoint costs no copy until a tensor
    is touched; callers that need to write should `.copy()`.
    """
    header, start = read_header(path)
    size = os.path.getsize(path)
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__" or (names is not None and name not in names):
            continue
        dtype, shape = info["dtype"], tuple(info["shape"])
        begin, end = info["data_offsets"]
        if start + end > size:
            raise ValueError(f"{path}: tensor {name} ends at {start + end}, file has {size} bytes")
        buf = mm[start + begin:start + end]
        if dtype == "BF16":
            if not widen_bf16:
                raise ValueError(f"{path}: tensor {name} is BF16")
            arr = (buf.view("<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype in _DTYPES:
            arr = buf.view(_DTYPES[dtype])
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError(f"{path}: tensor {name} has {arr.size} elements, shape {shape} needs {count}")
        out[name] = arr.reshape(shape)
    return out


def metadata(path: str) -> dict[str, str]:
    header, _ = read_header(path)
    return header.get("__metadata__", {})


def save(path: str, tensors: Mapping[str, np.ndarray], meta: Mapping[str, str] | None = None) -> None:
    """Writes `tensors` in insertion order, via a temp file so a crash leaves no half file."""
    header: dict = {}
    if meta:
        header["__metadata__"] = {str(k): str(v) for k, v in meta.items()}
    blobs = []
    offset = 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        if dt not in _NAMES:
            raise ValueError(f"tensor {name}: unsupported numpy dtype {arr.dtype}")
        blob = arr.astype(dt, copy=False).tobytes()
        header[name] = {"dtype": _NAMES[dt], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)

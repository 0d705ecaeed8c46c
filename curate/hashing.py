"""Hashing primitives shared by dedup's MinHash signatures and decontam's n-gram index.

Both stages hash words and n-grams with vectorized numpy arithmetic modulo 2**64: polynomial hashes over code points
(powers of an odd base and of its inverse, cached here), finished by splitmix64's finalizer, over words found with a
per-code-point lookup table. Keeping them in one place keeps the two stages' hashing from drifting apart.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

_MODULUS = 1 << 64
_powers: dict[int, np.ndarray] = {}


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer on each element: a bijection that spreads every input bit over all 64 output bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def inverse(base: int) -> int:
    """The inverse of an odd ``base`` modulo 2**64 (so prefix sums of a polynomial hash can be shifted back)."""
    return pow(int(base), -1, _MODULUS)


def powers(base: int, n: int) -> np.ndarray:
    """``base**i`` modulo 2**64 for ``i < n`` (at least; cached per base and grown by doubling)."""
    table = _powers.get(int(base))
    if table is None or len(table) < n:
        size = max(1 << 16, 1 << max(n - 1, 1).bit_length())
        table = np.full(size, np.uint64(base), dtype=np.uint64)
        table[0] = 1
        table = np.cumprod(table, dtype=np.uint64)
        _powers[int(base)] = table
    return table


@lru_cache(maxsize=None)
def codepoint_table(kind: str, size: int) -> np.ndarray:
    """``table[cp]`` for every code point below ``size``: ``str.isalnum()`` (kind ``alnum``), ``str.isdigit()``
    (``digit``) or the word characters of Python's ``re`` (``word``: alphanumerics and ``_``). Read-only."""
    test = {"alnum": str.isalnum, "digit": str.isdigit, "word": lambda c: c.isalnum() or c == "_"}[kind]
    table = np.fromiter((test(chr(c)) for c in range(size)), dtype=bool, count=size)
    table.flags.writeable = False
    return table

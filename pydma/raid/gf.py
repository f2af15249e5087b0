"""GF(2^8) with the RAID-6 polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and generator 2: the
tables of the kernel's `lib/raid6/mktables.c`, with the same names and meaning.

- raid6_gfmul[a][b] = a * b
- raid6_gfexp[i]    = 2 ** i (the coefficient of data disk i in Q)
- raid6_gflog[a]    = log2(a) (raid6_gflog[0] = 0xff, as in mktables.c)
- raid6_gfinv[a]    = 1 / a (raid6_gfinv[0] = 0)
- raid6_gfexi[i]    = 1 / (2 ** i + 1), used by the two-data recovery
"""

from __future__ import annotations

POLY = 0x11D


def _mul(a: int, b: int) -> int:
    v = 0
    while b:
        if b & 1:
            v ^= a
        a <<= 1
        if a & 0x100:
            a ^= POLY
        b >>= 1
    return v


raid6_gfmul: tuple[bytes, ...] = tuple(bytes(_mul(a, b) for b in range(256)) for a in range(256))


def _exp() -> bytes:
    out, v = bytearray(256), 1
    for i in range(256):
        out[i] = v
        v = _mul(v, 2)
        if v == 1:
            v = 0  # mktables.c: "For entry 255, not a real entry"
    return bytes(out)


raid6_gfexp: bytes = _exp()
raid6_gflog: bytes = bytes([0xFF] + [raid6_gfexp[:255].index(a) for a in range(1, 256)])
raid6_gfinv: bytes = bytes([0] + [raid6_gfexp[(255 - raid6_gflog[a]) % 255] for a in range(1, 256)])
raid6_gfexi: bytes = bytes(raid6_gfinv[raid6_gfexp[i] ^ 1] for i in range(256))


def gf_scale(block: bytes, coef: int) -> bytes:
    """coef * every byte of block (a table lookup in C: bytes.translate)."""
    if coef == 1:
        return bytes(block)
    return bytes(block).translate(raid6_gfmul[coef])

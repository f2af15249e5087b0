"""P and Q syndromes and XOR of whole blocks (the kernel's `raid6_call.gen_syndrome`,
`xor_syndrome` and `xor_blocks`), on bytes objects: XOR through Python's big integers and
GF multiplication through bytes.translate, so a 4 KiB block costs microseconds."""

from __future__ import annotations

from collections.abc import Sequence

from pydma.raid.gf import gf_scale, raid6_gfexp


def _xor_int(blocks: Sequence[bytes]) -> int:
    acc = 0
    for b in blocks:
        acc ^= int.from_bytes(b, "little")
    return acc


def xor_blocks(blocks: Sequence[bytes]) -> bytes:
    """The XOR of equally long blocks."""
    if not blocks:
        raise ValueError("xor_blocks needs at least one block")
    n = len(blocks[0])
    if any(len(b) != n for b in blocks):
        raise ValueError("blocks of different lengths")
    return _xor_int(blocks).to_bytes(n, "little")


def pq_blocks(blocks: Sequence[bytes], coefs: Sequence[int]) -> tuple[bytes, bytes]:
    """P = XOR of the blocks, Q = XOR of coefs[i] * blocks[i]: what a PQ descriptor writes."""
    if len(coefs) != len(blocks):
        raise ValueError(f"{len(blocks)} blocks but {len(coefs)} coefficients")
    p = xor_blocks(blocks)
    q = xor_blocks([gf_scale(b, c) for b, c in zip(blocks, coefs, strict=True)])
    return p, q


def gen_syndrome(data: Sequence[bytes]) -> tuple[bytes, bytes]:
    """RAID-6 P and Q of data disks 0..n-1 (Q's coefficient of disk i is raid6_gfexp[i])."""
    return pq_blocks(data, [raid6_gfexp[i] for i in range(len(data))])


def xor_syndrome(data: Sequence[bytes], start: int, stop: int, p: bytes, q: bytes) -> tuple[bytes, bytes]:
    """P and Q updated by the disks start..stop (inclusive) of data, as the kernel's
    xor_syndrome (a partial stripe write: the old P and Q XORed with the changed disks')."""
    part = data[start : stop + 1]
    coefs = [raid6_gfexp[i] for i in range(start, stop + 1)]
    dp, dq = pq_blocks(part, coefs)
    return xor_blocks([p, dp]), xor_blocks([q, dq])

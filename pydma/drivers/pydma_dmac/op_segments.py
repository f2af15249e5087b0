"""Segment builders of the operations beyond copies (XOR, PQ and their checks, memset,
interrupt): the kernel's prep arguments in, segments out, limits checked (PrepRefused with
the reason), pure functions as in `segments`. A multi-source segment carries its operands
(sources, Q destination, coefficients); the descriptor encoder writes them into an operand
table that the descriptor's SRC points to (docs/register-map.md)."""

from __future__ import annotations

from collections.abc import Sequence

from pydma.drivers.pydma_dmac.segments import (
    HW_SEG_MAX,
    Operands,
    PrepRefused,
    Seg,
    check_bus,
    check_count,
    check_length,
    seg_count,
    sg_entries,
)
from pydma.enums import DmaCtrlFlags
from pydma.hw import layout

Op = layout.DescOp


def _ctrl(op: Op, nsrc: int = 0, flags: int = 0) -> int:
    return layout.desc_ctrl(op, nsrc, flags)


def _check_sources(call: str, src: Sequence[int] | None, src_cnt: int, least: int, most: int) -> list[int]:
    if src is None or src_cnt > len(src):
        raise PrepRefused(f"{call}: {src_cnt} sources asked for, {0 if src is None else len(src)} given")
    if not least <= src_cnt <= most:
        raise PrepRefused(f"{call} with {src_cnt} sources: this device takes {least} to {most}")
    return [int(a) for a in src[:src_cnt]]


def _check_ranges(
    call: str, dsts: Sequence[int], srcs: Sequence[int], length: int, addr_width: int, max_segs: int | None
) -> None:
    """Every range on the bus; a destination may be a source exactly (an operation in
    place, as async_tx chains do), but not overlap one or another destination partly. Then
    the descriptors `length` needs, against `max_segs`."""
    check_length(call, length)
    for a in srcs:
        check_bus("source", a, length, addr_width)
    for a in dsts:
        check_bus("destination", a, length, addr_width)
    for i, a in enumerate(dsts):
        for b in list(srcs) + list(dsts[i + 1 :]):
            if a != b and a < b + length and b < a + length:
                raise PrepRefused(
                    f"{call}: destination [0x{a:x}, +0x{length:x}) partly overlaps [0x{b:x}, +0x{length:x})"
                )
    check_count(call, seg_count(length), max_segs)


def _pieces(length: int) -> list[tuple[int, int]]:
    """(offset, length) of the descriptors one operation of `length` bytes needs."""
    return [(off, min(HW_SEG_MAX, length - off)) for off in range(0, length, HW_SEG_MAX)]


def xor(
    dest: int, src: Sequence[int], src_cnt: int, length: int, max_xor: int, addr_width: int, max_segs: int | None = None
) -> list[Seg]:
    srcs = _check_sources("prep_dma_xor", src, src_cnt, 2, max_xor)
    _check_ranges("prep_dma_xor", [dest], srcs, length, addr_width, max_segs)
    ctrl = _ctrl(Op.XOR, src_cnt)
    return [Seg(0, dest + off, n, ctrl, Operands(tuple(s + off for s in srcs))) for off, n in _pieces(length)]


def xor_val(
    src: Sequence[int], src_cnt: int, length: int, max_xor: int, addr_width: int, max_segs: int | None = None
) -> list[Seg]:
    srcs = _check_sources("prep_dma_xor_val", src, src_cnt, 2, max_xor)
    _check_ranges("prep_dma_xor_val", [], srcs, length, addr_width, max_segs)
    ctrl = _ctrl(Op.XOR_VAL, src_cnt)
    return [Seg(0, 0, n, ctrl, Operands(tuple(s + off for s in srcs))) for off, n in _pieces(length)]


def _pq_flags(call: str, flags: int) -> tuple[bool, bool, int]:
    no_p = bool(flags & DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P)
    no_q = bool(flags & DmaCtrlFlags.DMA_PREP_PQ_DISABLE_Q)
    if no_p and no_q:
        raise PrepRefused(f"{call} with both P and Q disabled: nothing to do")
    hw = (layout.DescCtrl.PQ_DISABLE_P if no_p else 0) | (layout.DescCtrl.PQ_DISABLE_Q if no_q else 0)
    return no_p, no_q, hw


def _coefs(call: str, scf: Sequence[int] | bytes | None, n: int) -> list[int]:
    if scf is None or len(scf) < n:
        raise PrepRefused(f"{call}: {n} coefficients needed, {0 if scf is None else len(scf)} given")
    coefs = [int(c) for c in scf[:n]]
    if any(not 0 <= c <= 255 for c in coefs):
        raise PrepRefused(f"{call}: coefficients are bytes, got {coefs}")
    return coefs


def pq(
    dst: Sequence[int],
    src: Sequence[int],
    src_cnt: int,
    scf: Sequence[int] | bytes,
    length: int,
    flags: int,
    max_pq: int,
    addr_width: int,
    max_segs: int | None = None,
) -> list[Seg]:
    """P to dst[0], Q to dst[1]. DMA_PREP_CONTINUE (the hardware has no native continuation,
    so dma_maxpq gives 3 fewer sources, 1 with P disabled): the previous P and Q become
    sources as ioatdma does it: P with coefficient 0 (P only), Q with 1 (P and Q) and Q
    again with 0 (taking Q back out of P)."""
    call = "prep_dma_pq"
    no_p, no_q, hw = _pq_flags(call, flags)
    if dst is None or len(dst) < 2:
        raise PrepRefused(f"{call}: dst must hold P and Q addresses")
    srcs = _check_sources(call, src, src_cnt, 1, max_pq)
    coefs = _coefs(call, scf, src_cnt)
    p_dst, q_dst = (0 if no_p else int(dst[0])), (0 if no_q else int(dst[1]))
    if not no_p and not no_q and p_dst == q_dst:
        raise PrepRefused(f"{call}: P and Q both at 0x{p_dst:x}")
    if flags & DmaCtrlFlags.DMA_PREP_CONTINUE:
        # with Q disabled the carried Q is P again (ioat_prep_pq: dst[1] = dst[0])
        q_src = p_dst if no_q else q_dst
        extra = [(q_src, 1)] if no_p else [(p_dst, 0), (q_src, 1), (q_src, 0)]
        if src_cnt + len(extra) > max_pq:
            raise PrepRefused(f"{call}: {src_cnt} sources and a continuation exceed {max_pq} (see dma_maxpq)")
        srcs += [a for a, _ in extra]
        coefs += [c for _, c in extra]
    dsts = [a for a, off in ((p_dst, no_p), (q_dst, no_q)) if not off]
    _check_ranges(call, dsts, srcs, length, addr_width, max_segs)
    ctrl = _ctrl(Op.PQ, len(srcs), hw)
    return [
        Seg(
            0,
            p_dst + off if not no_p else 0,
            n,
            ctrl,
            Operands(tuple(s + off for s in srcs), q_dst + off if not no_q else 0, tuple(coefs)),
        )
        for off, n in _pieces(length)
    ]


def pq_val(
    pqa: Sequence[int],
    src: Sequence[int],
    src_cnt: int,
    scf: Sequence[int] | bytes,
    length: int,
    flags: int,
    max_pq: int,
    addr_width: int,
    max_segs: int | None = None,
) -> list[Seg]:
    call = "prep_dma_pq_val"
    no_p, no_q, hw = _pq_flags(call, flags)
    if pqa is None or len(pqa) < 2:
        raise PrepRefused(f"{call}: pq must hold the P and Q addresses")
    srcs = _check_sources(call, src, src_cnt, 1, max_pq)
    coefs = _coefs(call, scf, src_cnt)
    p, q = (0 if no_p else int(pqa[0])), (0 if no_q else int(pqa[1]))
    _check_ranges(call, [], srcs + [a for a, off in ((p, no_p), (q, no_q)) if not off], length, addr_width, max_segs)
    ctrl = _ctrl(Op.PQ_VAL, src_cnt, hw)
    return [
        Seg(
            0,
            p + off if not no_p else 0,
            n,
            ctrl,
            Operands(tuple(s + off for s in srcs), q + off if not no_q else 0, tuple(coefs)),
        )
        for off, n in _pieces(length)
    ]


def memset(dest: int, value: int, length: int, addr_width: int, max_segs: int | None = None) -> list[Seg]:
    """The kernel passes an int; the pattern is its low byte (as every driver uses it)."""
    _check_ranges("prep_dma_memset", [dest], [], length, addr_width, max_segs)
    return [Seg(value & 0xFF, dest + off, n, _ctrl(Op.MEMSET)) for off, n in _pieces(length)]


def memset_sg(sgl, nents: int, value: int, addr_width: int, max_segs: int | None = None) -> list[Seg]:
    ents = sg_entries(sgl, nents)
    if not ents:
        raise PrepRefused("prep_dma_memset_sg with an empty or unmapped scatterlist")
    check_count("prep_dma_memset_sg", sum(seg_count(n) for _, n in ents), max_segs)
    segs: list[Seg] = []
    for addr, n in ents:
        segs += memset(addr, value, n, addr_width)
    return segs


def interrupt() -> list[Seg]:
    return [Seg(0, 0, 0, _ctrl(Op.INTERRUPT))]

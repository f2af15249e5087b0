"""Segment building: prep arguments in, hardware segments out, as pure functions.

A segment is what one hardware descriptor moves: (source, destination, length), and for the
operations beyond copies their CTRL bits and operands (`op_segments`). Each
builder checks its arguments against the controller's limits and raises `PrepRefused` with
the reason; the device logs the reason and returns None from the prep, as a kernel driver
returns NULL. Nothing here touches memory, registers or a channel, so every rule is
unit-tested without a simulator (tests/test_segments.py).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import NamedTuple

from pydma.dma_mapping import Scatterlist

# one hardware descriptor moves at most this much (its LEN field); longer pieces are split
HW_SEG_MAX = 1 << 30
# the kernel's size_t: no length a prep takes is longer
SIZE_MAX = (1 << 64) - 1


class Operands(NamedTuple):
    """What a multi-source descriptor's operand table holds."""

    srcs: tuple[int, ...]
    q_dst: int = 0
    coefs: tuple[int, ...] = ()


class Seg(NamedTuple):
    src: int
    dst: int
    length: int
    ctrl: int = 0  # CTRL bits beyond IOC/EOC/FENCE: the operation, its sources, PQ flags, XT
    operands: Operands | None = None
    xt: tuple[int, int, int] | None = None  # 2D (CTRL.XT): ROW_LEN, SRC_STRIDE, DST_STRIDE

    def rows(self, side: str) -> list[tuple[int, int]]:
        """(address, length) of each row the segment reads (side "src") or writes ("dst"):
        one range, or a 2D segment's rows (a stride of 0 on a side: a device register)."""
        start = self.src if side == "src" else self.dst
        if self.xt is None:
            return [(start, self.length)]
        row, stride = self.xt[0], self.xt[1] if side == "src" else self.xt[2]
        return [(start + i * stride, min(row, self.length - off)) for i, off in enumerate(range(0, self.length, row))]


class PrepRefused(ValueError):
    """The arguments cannot be prepared; the message says why."""


def check_bus(what: str, addr: int, length: int, addr_width: int) -> None:
    if addr < 0 or addr + length > 1 << addr_width:
        raise PrepRefused(f"{what} [0x{addr:x}, +0x{length:x}) is outside the {addr_width}-bit bus")


def check_length(call: str, length: int, what: str = "length") -> None:
    if length <= 0:
        raise PrepRefused(f"{call} with {what} {length}")
    if length > SIZE_MAX:
        raise PrepRefused(f"{call} with {what} 0x{length:x}: more than a size_t holds")


def seg_count(length: int) -> int:
    """The descriptors one piece of `length` bytes is split into."""
    return -(-length // HW_SEG_MAX)


def check_count(call: str, count: int, max_segs: int | None) -> None:
    """More descriptors than a channel ever holds (`max_segs`) are refused before any
    segment is made: a long length or a short period would otherwise have every one of
    them listed first, for minutes and gigabytes, only for the ring to refuse them."""
    if max_segs is not None and count > max_segs:
        raise PrepRefused(f"{call} needs {count} hardware descriptors, more than the {max_segs} a channel has")


def check_overlap(call: str, dst: Sequence[tuple[int, int]], src: Sequence[tuple[int, int]]) -> None:
    """Destination ranges that overlap each other or a source range make the result depend
    on the order the controller moves bytes in: refused, as bad input."""
    dst = sorted(dst)
    for (a, n), (b, m) in itertools.pairwise(dst):
        if b < a + n:
            raise PrepRefused(f"{call}: destinations [0x{a:x}, +0x{n:x}) and [0x{b:x}, +0x{m:x}) overlap")
    starts = [a for a, _ in dst]
    for b, m in src:
        i = bisect.bisect_left(starts, b + m) - 1  # the last destination starting before the end
        if i >= 0 and starts[i] + dst[i][1] > b:
            a, n = dst[i]
            raise PrepRefused(f"{call}: destination [0x{a:x}, +0x{n:x}) overlaps source [0x{b:x}, +0x{m:x})")


def sg_entries(sgl: Sequence[Scatterlist] | None, nents: int) -> list[tuple[int, int]]:
    """(dma_address, dma_length) of the first `nents` mapped entries; [] if the list is
    empty, shorter than `nents`, or has an unmapped (zero-length) entry."""
    if not sgl or nents <= 0 or nents > len(sgl):
        return []
    out = []
    for sg in sgl[:nents]:
        if sg.dma_length <= 0:
            return []
        out.append((sg.dma_address, sg.dma_length))
    return out


def _split(src: int, dst: int, length: int, src_inc: bool = True, dst_inc: bool = True) -> list[Seg]:
    """One piece as descriptors of at most HW_SEG_MAX bytes; a device side stays fixed."""
    return [
        Seg(src + off * src_inc, dst + off * dst_inc, min(HW_SEG_MAX, length - off))
        for off in range(0, length, HW_SEG_MAX)
    ]


def memcpy(dest: int, src: int, length: int, addr_width: int, max_segs: int | None = None) -> list[Seg]:
    check_length("prep_dma_memcpy", length)
    check_bus("source", src, length, addr_width)
    check_bus("destination", dest, length, addr_width)
    check_overlap("prep_dma_memcpy", [(dest, length)], [(src, length)])
    check_count("prep_dma_memcpy", seg_count(length), max_segs)
    return _split(src, dest, length)


def memcpy_sg(
    dst_sg: Sequence[Scatterlist] | None,
    dst_nents: int,
    src_sg: Sequence[Scatterlist] | None,
    src_nents: int,
    addr_width: int,
    max_segs: int | None = None,
) -> list[Seg]:
    """Both lists walked together, cut wherever either side's entry ends."""
    dst = sg_entries(dst_sg, dst_nents)
    src = sg_entries(src_sg, src_nents)
    if not dst or not src:
        raise PrepRefused("prep_dma_memcpy_sg with an empty or unmapped scatterlist")
    if sum(n for _, n in dst) != sum(n for _, n in src):
        raise PrepRefused("prep_dma_memcpy_sg: source and destination lengths differ")
    for what, lst in (("destination", dst), ("source", src)):
        for a, n in lst:
            check_bus(what, a, n, addr_width)
    check_overlap("prep_dma_memcpy_sg", dst, src)
    segs: list[Seg] = []
    si = di = 0
    s_off = d_off = 0
    while si < len(src):
        s_addr, s_len = src[si]
        d_addr, d_len = dst[di]
        n = min(s_len - s_off, d_len - d_off, HW_SEG_MAX)
        segs.append(Seg(s_addr + s_off, d_addr + d_off, n))
        if max_segs is not None and len(segs) > max_segs:
            raise PrepRefused(  # (at least that many: the rest is not walked)
                f"prep_dma_memcpy_sg needs {len(segs)}+ hardware descriptors, more than the {max_segs} a channel has"
            )
        s_off += n
        d_off += n
        if s_off == s_len:
            si, s_off = si + 1, 0
        if d_off == d_len:
            di, d_off = di + 1, 0
    return segs


def slave_sg(
    sgl: Sequence[Scatterlist] | None,
    sg_len: int,
    to_dev: bool,
    dev_addr: int,
    width: int,
    addr_width: int,
    max_segs: int | None = None,
) -> list[Seg]:
    """Each memory entry against the fixed device address, in whole elements of `width`."""
    ents = sg_entries(sgl, sg_len)
    if not ents:
        raise PrepRefused("prep_slave_sg with an empty or unmapped scatterlist")
    return slave_entries("prep_slave_sg", ents, to_dev, dev_addr, width, addr_width, max_segs)


def slave_entries(
    call: str,
    ents: list[tuple[int, int]],
    to_dev: bool,
    dev_addr: int,
    width: int,
    addr_width: int,
    max_segs: int | None = None,
) -> list[Seg]:
    """(address, length) entries of memory against the fixed device address (slave_sg's
    entries, dma_vec's vectors), in whole elements of `width`."""
    if not to_dev:
        check_overlap(call, ents, [])  # sending the same memory twice is fine; receiving into it is not
    for addr, n in ents:
        if n % width:
            raise PrepRefused(f"{call} entry of {n} bytes, not a multiple of width {width}")
        check_bus("buffer", addr, n, addr_width)
    check_count(call, sum(seg_count(n) for _, n in ents), max_segs)
    segs: list[Seg] = []
    for addr, n in ents:
        segs += _split(addr, dev_addr, n, dst_inc=False) if to_dev else _split(dev_addr, addr, n, src_inc=False)
    return segs


def cyclic(
    buf_addr: int,
    buf_len: int,
    period_len: int,
    to_dev: bool,
    dev_addr: int,
    width: int,
    addr_width: int,
    max_segs: int | None = None,
) -> list[Seg]:
    """One segment per period; the device closes them into a ring."""
    if period_len <= 0 or buf_len <= 0 or buf_len % period_len or period_len % width:
        raise PrepRefused(
            f"prep_dma_cyclic: buffer {buf_len} and period {period_len} must be positive, the buffer a whole "
            f"number of periods and the period of elements of {width} bytes"
        )
    check_length("prep_dma_cyclic", buf_len, "buffer length")
    if period_len > HW_SEG_MAX:
        raise PrepRefused(f"prep_dma_cyclic: period {period_len} longer than a descriptor's {HW_SEG_MAX}")
    check_bus("buffer", buf_addr, buf_len, addr_width)
    check_count("prep_dma_cyclic", buf_len // period_len, max_segs)
    return [
        Seg(buf_addr + off, dev_addr, period_len) if to_dev else Seg(dev_addr, buf_addr + off, period_len)
        for off in range(0, buf_len, period_len)
    ]

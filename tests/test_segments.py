"""Segment building (pydma/drivers/pydma_dmac/segments.py) without a simulator: every prep
kind's segments against a reference walk, and every limit it refuses."""

from __future__ import annotations

import random

import pytest

from pydma.dma_mapping import Scatterlist
from pydma.drivers.pydma_dmac import segments
from pydma.drivers.pydma_dmac.segments import HW_SEG_MAX, PrepRefused, Seg

A32 = 32


def sgl(entries: list[tuple[int, int]]) -> list[Scatterlist]:
    return [Scatterlist(length=n, dma_address=a, dma_length=n) for a, n in entries]


def byte_map(segs: list[Seg], src_inc: bool = True, dst_inc: bool = True) -> list[tuple[int, int]]:
    """(source byte, destination byte) for every byte the segments move, in order."""
    out = []
    for s in segs:
        assert 0 < s.length <= HW_SEG_MAX
        out += [(s.src + i * src_inc, s.dst + i * dst_inc) for i in range(s.length)]
    return out


# -- memcpy ------------------------------------------------------------------------------------
def test_memcpy_one_segment():
    assert segments.memcpy(0x2000, 0x1000, 100, A32) == [Seg(0x1000, 0x2000, 100)]


def test_memcpy_splits_at_the_descriptor_limit():
    n = 2 * HW_SEG_MAX + 5
    segs = segments.memcpy(0x1_0000_0000, 0, n, 64)
    assert [s.length for s in segs] == [HW_SEG_MAX, HW_SEG_MAX, 5]
    assert [s.src for s in segs] == [0, HW_SEG_MAX, 2 * HW_SEG_MAX]
    assert [s.dst - s.src for s in segs] == [0x1_0000_0000] * 3


@pytest.mark.parametrize(
    ("dest", "src", "length", "why"),
    [
        (0x2000, 0x1000, 0, "length 0"),
        (0x2000, 0x1000, -4, "length -4"),
        (0x2000, 0x1000, 0x80, None),
        (0x1040, 0x1000, 0x80, "overlaps source"),
        (0x1000, 0x1040, 0x80, "overlaps source"),
        (0xFFFF_FFC0, 0x1000, 0x80, "destination .* outside the 32-bit bus"),
        (0x1000, 0xFFFF_FFF0, 0x11, "source .* outside the 32-bit bus"),
        (0x1000, -1, 4, "source .* outside"),
    ],
)
def test_memcpy_limits(dest, src, length, why):
    if why is None:
        assert segments.memcpy(dest, src, length, A32)
        return
    with pytest.raises(PrepRefused, match=why):
        segments.memcpy(dest, src, length, A32)


def test_memcpy_up_to_the_top_of_the_bus():
    assert segments.memcpy(0xFFFF_FF00, 0x1000, 0x100, A32) == [Seg(0x1000, 0xFFFF_FF00, 0x100)]


# -- memcpy_sg ---------------------------------------------------------------------------------
def test_memcpy_sg_cuts_where_either_side_ends():
    src = [(0x1000, 10), (0x3000, 30)]
    dst = [(0x8000, 25), (0x9000, 15)]
    segs = segments.memcpy_sg(sgl(dst), 2, sgl(src), 2, A32)
    assert segs == [Seg(0x1000, 0x8000, 10), Seg(0x3000, 0x800A, 15), Seg(0x300F, 0x9000, 15)]


@pytest.mark.parametrize("seed", range(20))
def test_memcpy_sg_random_against_a_byte_walk(seed):
    rng = random.Random(seed)
    total = rng.randrange(1, 4000)

    def pieces(base: int) -> list[tuple[int, int]]:
        out, left, addr = [], total, base
        while left:
            n = min(left, rng.randrange(1, 300))
            out.append((addr, n))
            addr += n + rng.randrange(0, 64)  # gaps between entries
            left -= n
        return out

    src, dst = pieces(0x10_0000), pieces(0x80_0000)
    segs = segments.memcpy_sg(sgl(dst), len(dst), sgl(src), len(src), A32)
    ref_src = [a + i for a, n in src for i in range(n)]
    ref_dst = [a + i for a, n in dst for i in range(n)]
    assert byte_map(segs) == list(zip(ref_src, ref_dst)), f"seed {seed}"
    assert len(segs) <= len(src) + len(dst) - 1


@pytest.mark.parametrize(
    ("dst", "src", "why"),
    [
        ([], [(0x1000, 8)], "empty or unmapped"),
        ([(0x2000, 0)], [(0x1000, 0)], "empty or unmapped"),
        ([(0x2000, 8)], [(0x1000, 9)], "lengths differ"),
        ([(0x2000, 8), (0x2004, 8)], [(0x1000, 16)], r"destinations .* overlap"),
        ([(0x2000, 8), (0x2007, 8)], [(0x1000, 16)], r"destinations .* overlap"),  # by one byte
        ([(0x2000, 16)], [(0x1000, 8), (0x1FF9, 8)], "overlaps source"),  # by one byte
        ([(0x2000, 16)], [(0x1000, 8), (0x200F, 8)], "overlaps source"),
        ([(0xFFFF_FFF8, 16)], [(0x1000, 16)], "outside the 32-bit bus"),
    ],
)
def test_memcpy_sg_limits(dst, src, why):
    with pytest.raises(PrepRefused, match=why):
        segments.memcpy_sg(sgl(dst), len(dst), sgl(src), len(src), A32)


def test_memcpy_sg_nents_beyond_the_list():
    with pytest.raises(PrepRefused, match="empty or unmapped"):
        segments.memcpy_sg(sgl([(0x2000, 8)]), 2, sgl([(0x1000, 8)]), 1, A32)


def test_memcpy_sg_uses_only_nents():
    segs = segments.memcpy_sg(sgl([(0x2000, 8), (0x1000, 8)]), 1, sgl([(0x3000, 8), (0x2000, 8)]), 1, A32)
    assert segs == [Seg(0x3000, 0x2000, 8)]


# -- slave_sg and cyclic -------------------------------------------------------------------------
def test_slave_sg_to_device_keeps_the_device_address():
    segs = segments.slave_sg(sgl([(0x1000, 8), (0x3000, 4)]), 2, True, 0x4000_0000, 4, A32)
    assert segs == [Seg(0x1000, 0x4000_0000, 8), Seg(0x3000, 0x4000_0000, 4)]


def test_slave_sg_from_device_splits_with_a_fixed_source():
    n = HW_SEG_MAX + 8
    segs = segments.slave_sg(sgl([(0x1_0000_0000, n)]), 1, False, 0x4000_0000, 4, 64)
    assert segs == [Seg(0x4000_0000, 0x1_0000_0000, HW_SEG_MAX), Seg(0x4000_0000, 0x1_0000_0000 + HW_SEG_MAX, 8)]


def test_slave_sg_limits():
    with pytest.raises(PrepRefused, match="not a multiple of width 4"):
        segments.slave_sg(sgl([(0x1000, 6)]), 1, True, 0x4000_0000, 4, A32)
    with pytest.raises(PrepRefused, match="empty or unmapped"):
        segments.slave_sg([], 0, True, 0x4000_0000, 4, A32)
    with pytest.raises(PrepRefused, match="overlap"):  # receiving twice into the same bytes
        segments.slave_sg(sgl([(0x1000, 8), (0x1004, 8)]), 2, False, 0x4000_0000, 4, A32)
    # sending the same bytes twice is fine
    assert len(segments.slave_sg(sgl([(0x1000, 8), (0x1004, 8)]), 2, True, 0x4000_0000, 4, A32)) == 2
    with pytest.raises(PrepRefused, match=r"buffer .* outside the 32-bit bus"):
        segments.slave_sg(sgl([(0xFFFF_FFFC, 8)]), 1, True, 0x4000_0000, 4, A32)


def test_cyclic_one_segment_per_period():
    segs = segments.cyclic(0x1000, 0x300, 0x100, False, 0x4000_0000, 4, A32)
    assert segs == [Seg(0x4000_0000, 0x1000 + k * 0x100, 0x100) for k in range(3)]
    segs = segments.cyclic(0x1000, 0x200, 0x100, True, 0x4000_0000, 4, A32)
    assert segs == [Seg(0x1000 + k * 0x100, 0x4000_0000, 0x100) for k in range(2)]


@pytest.mark.parametrize(
    ("buf_len", "period", "width", "why"),
    [
        (0x300, 0, 4, "must be positive"),
        (0, 0x100, 4, "must be positive"),
        (0x280, 0x100, 4, "whole number of periods"),
        (0x300, 0x102, 4, "elements of 4 bytes"),
        (4 * HW_SEG_MAX, 2 * HW_SEG_MAX, 4, "longer than a descriptor"),
    ],
)
def test_cyclic_limits(buf_len, period, width, why):
    with pytest.raises(PrepRefused, match=why):
        segments.cyclic(0x1000, buf_len, period, True, 0x4000_0000, width, 64)


def test_check_overlap_touching_ranges_are_fine():
    segments.check_overlap("x", [(0x1000, 0x10), (0x1010, 0x10)], [(0x1020, 0x10), (0x0FF0, 0x10)])

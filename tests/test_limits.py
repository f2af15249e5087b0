"""The driver's descriptor building at its arithmetic limits, without a simulator (the
simulated memories are far too small to reach them): splitting at the largest hardware
segment (HW_SEG_MAX) and around its multiples up to lengths of many GiB, scatterlists whose
pieces do not line up, zero lengths and lengths beyond a size_t, the top of the 32- and
64-bit address spaces, slave set-ups at their largest burst and width, cyclic period counts,
XOR and PQ at their source counts (PQ continuation included), the descriptor ring filled
exactly and transactions it can never hold, DONE_CNT wrapping at 2**32 (completions, and a
cyclic ring's position) and cookies wrapping at 2**31 - 1.

Each limit is tried at, just below and just above it. Expected segments are worked out here
from where each piece must start and end, not by the builders. The builders take addresses
and lengths only; where a prep runs on a model-backed device (pydma.model), nothing of it is
issued, so no memory is touched but the descriptors' own.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import struct
import types

import pytest

from pydma import (
    DMA_CTRL_REUSE,
    DMA_DEV_TO_MEM,
    DMA_FROM_DEVICE,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_PREP_CONTINUE,
    DMA_PREP_INTERRUPT,
    DMA_PREP_PQ_DISABLE_P,
    DMA_PREP_PQ_DISABLE_Q,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaSlaveConfig,
    DmaStatus,
    DmaTxState,
    SumCheckResult,
    dma_maxpq,
    dma_request_channel,
    strict,
)
from pydma import cookie as cookies
from pydma.dma_mapping import Scatterlist
from pydma.drivers.pydma_dmac import fence_check, pydma_filter, segments
from pydma.drivers.pydma_dmac import op_segments as ops
from pydma.drivers.pydma_dmac.desc import PydmaDesc
from pydma.drivers.pydma_dmac.device import PydmaDevice
from pydma.drivers.pydma_dmac.segments import HW_SEG_MAX, PrepRefused, Seg
from pydma.drivers.pydma_slave import MAX_BURST, PydmaRequest
from pydma.enums import DmaCtrlFlags
from pydma.errors import EINVAL
from pydma.hw import layout
from pydma.model import TxFifo, run
from tb.model_env import Guarded, started, until

HW = HW_SEG_MAX
GiB = 1 << 30
LEN_FIELD_MAX = (1 << 8 * layout.desc_field("LEN").size) - 1  # what a descriptor's LEN holds
TOP32, TOP64 = 1 << 32, 1 << 64
DEV = 0x4000_0000  # a device FIFO register (slave transfers)


# -- references: what the segments must be, worked out independently ---------------------------
def ref_pieces(length: int) -> list[tuple[int, int]]:
    """(offset, length) of the descriptors one piece of `length` bytes needs: whole
    HW_SEG_MAX descriptors, then the rest if any."""
    whole, rest = divmod(length, HW)
    return [(i * HW, HW) for i in range(whole)] + ([(whole * HW, rest)] if rest else [])


def ref_copy(src: int, dst: int, length: int, src_inc: bool = True, dst_inc: bool = True) -> list[Seg]:
    return [Seg(src + off * src_inc, dst + off * dst_inc, n) for off, n in ref_pieces(length)]


def ref_sg(dst: list[tuple[int, int]], src: list[tuple[int, int]]) -> list[Seg]:
    """Two scatterlists walked together: a cut wherever either list's entry ends (the union
    of both lists' entry boundaries in the byte stream), each stretch between cuts split
    into HW_SEG_MAX descriptors from its start."""

    def bounds(ents):
        return list(itertools.accumulate((n for _, n in ents), initial=0))

    def at(ents, pos):  # the bus address of byte `pos` of the stream
        for (a, _), start, end in zip(ents, bounds(ents), bounds(ents)[1:], strict=False):
            if start <= pos < end:
                return a + pos - start
        raise AssertionError(pos)

    cuts = sorted(set(bounds(dst)) | set(bounds(src)))
    out = []
    for start, end in itertools.pairwise(cuts):
        for off, n in ref_pieces(end - start):
            out.append(Seg(at(src, start + off), at(dst, start + off), n))
    return out


def laid_out(base: int, lengths: list[int], gap: int = 0x1000) -> list[tuple[int, int]]:
    """Entries of `lengths` one after another from `base`, `gap` bytes apart."""
    out, at = [], base
    for n in lengths:
        out.append((at, n))
        at += n + gap
    return out


def sgl(entries: list[tuple[int, int]]) -> list[Scatterlist]:
    return [Scatterlist(length=n, dma_address=a, dma_length=n) for a, n in entries]


def well_formed(segs) -> None:
    """No descriptor empty, none longer than HW_SEG_MAX, which the LEN field holds."""
    assert HW <= LEN_FIELD_MAX
    for s in segs:
        assert 0 < s.length <= HW, s


def test_hw_seg_max_fits_the_len_field_and_keeps_whole_elements() -> None:
    """The split size is what one descriptor's LEN holds, and a whole number of elements of
    every slave width (a split slave entry stays in whole elements)."""
    assert 0 < HW <= LEN_FIELD_MAX
    assert all(HW % w == 0 for w in (1, 2, 4, 8))
    raw = layout.pack_desc(0, 0, 0, HW, 0)
    off = layout.desc_field("LEN").offset
    assert int.from_bytes(raw[off : off + 4], "little") == HW


# -- memcpy --------------------------------------------------------------------------------------
MEMCPY_LENGTHS = [
    1,
    HW - 1,
    HW,
    HW + 1,
    2 * HW - 1,
    2 * HW,
    2 * HW + 1,
    3 * HW - 1,
    3 * HW + 1,
    5 * GiB,
    5 * GiB + 3,
    (1 << 40) - 1,  # 1 TiB: 1024 descriptors
    (1 << 40) + 1,
]


@pytest.mark.parametrize("length", MEMCPY_LENGTHS, ids=hex)
def test_memcpy_splits_at_multiples_of_the_segment_limit(length: int) -> None:
    src, dst = 0x1_0000_0000, 0x1000_0000_0000
    segs = segments.memcpy(dst, src, length, 64)
    assert segs == ref_copy(src, dst, length)
    well_formed(segs)
    assert len(segs) == -(-length // HW)


def test_memcpy_one_byte_over_the_limit_is_two_descriptors() -> None:
    assert segments.memcpy(0x8000_0000, 0x1000, HW + 1, 64) == [
        Seg(0x1000, 0x8000_0000, HW),
        Seg(0x1000 + HW, 0x8000_0000 + HW, 1),
    ]


def unpacked(h) -> dict[str, int]:
    """A hardware descriptor's fields as the controller reads them from memory."""
    raw = h.view.read(0, layout.DESC_SIZE)
    return {f.name: int.from_bytes(raw[f.offset : f.offset + f.size], "little") for f in layout.DESC_FIELDS}


def on_device(test, probe: dict | None = None, slave_line: int | None = None, **model_args) -> None:
    """test(env, chan) on a model-backed device: a memcpy channel, or a slave channel on
    `slave_line`. Nothing is issued; what a test prepares is freed with the channel."""

    async def body() -> None:
        async with started(probe=probe, **model_args) as env:
            if slave_line is None:
                chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            else:
                chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=slave_line))
            assert chan is not None
            test(env, chan)
            await chan.release()

    run(body())


@pytest.mark.parametrize("length", [HW - 1, HW, HW + 1, 5 * GiB + 3], ids=hex)
def test_memcpy_prep_writes_each_piece_into_its_descriptor(length: int) -> None:
    """Through the driver (64-bit controller): each descriptor in memory holds its piece,
    linked in order, the interrupt on the last one."""
    src, dst = 0xF_0000_0000, 0x20_0000_0000

    def test(env, chan) -> None:
        tx = chan.prep_dma_memcpy(dst, src, length)
        assert tx is not None
        want = ref_copy(src, dst, length)
        got = [unpacked(h) for h in tx.hw]
        assert [(d["SRC"], d["DST"], d["LEN"]) for d in got] == [tuple(s[:3]) for s in want]
        assert [d["NEXT"] for d in got] == [h.phys for h in tx.hw[1:]] + [0]
        assert [bool(d["CTRL"] & layout.DescCtrl.IOC) for d in got] == [False] * (len(want) - 1) + [True]
        assert tx.total == length

    on_device(test, addr_width=64)


# -- memcpy_sg -----------------------------------------------------------------------------------
SG_CASES = [
    ([2 * HW + 1], [HW - 1, HW + 2]),  # one long destination, source pieces off the grid
    ([HW, HW], [HW - 1, 2, HW - 1]),
    ([3 * HW + 5], [3 * HW + 5]),  # one entry each side, longer than a descriptor
    ([1, HW, HW - 1], [HW + 1, HW - 2, 1]),
    ([HW + 1] * 3, [3 * HW + 3]),
    ([5], [1, 1, 1, 1, 1]),
    ([HW - 1, HW + 1], [HW + 1, HW - 1]),  # cuts a byte either side of HW_SEG_MAX
]


@pytest.mark.parametrize(("dst_lens", "src_lens"), SG_CASES)
def test_memcpy_sg_entries_longer_than_a_descriptor(dst_lens: list[int], src_lens: list[int]) -> None:
    dst, src = laid_out(0x100_0000_0000, dst_lens), laid_out(0x1_0000_0000, src_lens)
    segs = segments.memcpy_sg(sgl(dst), len(dst), sgl(src), len(src), 64)
    assert segs == ref_sg(dst, src)
    well_formed(segs)
    assert sum(s.length for s in segs) == sum(dst_lens)


def test_memcpy_sg_reference_by_hand() -> None:
    """The first case above worked out by hand (the reference is checked too)."""
    (d,), (s1, s2) = laid_out(0x9000_0000, [2 * HW + 1]), laid_out(0x1000, [HW - 1, HW + 2])
    want = [Seg(s1[0], d[0], HW - 1), Seg(s2[0], d[0] + HW - 1, HW), Seg(s2[0] + HW, d[0] + 2 * HW - 1, 2)]
    assert ref_sg([d], [s1, s2]) == want
    assert segments.memcpy_sg(sgl([d]), 1, sgl([s1, s2]), 2, 64) == want


@pytest.mark.parametrize("seed", range(12))
def test_memcpy_sg_random_cuts_near_the_limit(seed: int) -> None:
    rng = random.Random(seed)
    near = [1, 2, HW - 1, HW, HW + 1, 2 * HW - 1, 2 * HW + 1]
    src_lens = [rng.choice(near) for _ in range(rng.randrange(1, 6))]
    total = sum(src_lens)
    # destination cuts on, or a byte either side of, multiples of HW_SEG_MAX, and anywhere
    marks = {k * HW + d for k in range(1, total // HW + 1) for d in (-1, 0, 1)} | {rng.randrange(1, total + 1)}
    cuts = sorted(c for c in marks if 0 < c < total and rng.random() < 0.5)
    dst_lens = [b - a for a, b in itertools.pairwise([0, *cuts, total])]
    dst, src = laid_out(0x100_0000_0000, dst_lens, 0x40), laid_out(0x1_0000_0000, src_lens, 0x40)
    segs = segments.memcpy_sg(sgl(dst), len(dst), sgl(src), len(src), 64)
    assert segs == ref_sg(dst, src), f"seed {seed}: {dst_lens} <- {src_lens}"
    well_formed(segs)


# -- slave_sg ------------------------------------------------------------------------------------
@pytest.mark.parametrize("to_dev", [True, False], ids=["to_dev", "from_dev"])
@pytest.mark.parametrize("width", [1, 2, 4, 8])
def test_slave_sg_entries_at_the_limit_stay_in_whole_elements(width: int, to_dev: bool) -> None:
    lens = [HW, HW + width, 2 * HW - width, width, 3 * HW + width]
    ents = laid_out(0x1_0000_0000, lens)
    segs = segments.slave_sg(sgl(ents), len(ents), to_dev, DEV, width, 64)
    want = []
    for a, n in ents:
        want += ref_copy(a, DEV, n, dst_inc=False) if to_dev else ref_copy(DEV, a, n, src_inc=False)
    assert segs == want
    well_formed(segs)
    assert all(s.length % width == 0 for s in segs)


@pytest.mark.parametrize("width", [2, 4, 8])
@pytest.mark.parametrize("extra", [1, -1])
def test_slave_sg_entry_not_whole_elements_is_refused(width: int, extra: int) -> None:
    ents = laid_out(0x1_0000_0000, [HW, HW + extra])
    with pytest.raises(PrepRefused, match=f"not a multiple of width {width}"):
        segments.slave_sg(sgl(ents), 2, True, DEV, width, 64)


# -- cyclic --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("buf_len", "period", "width", "why"),
    [
        (4, 4, 4, None),  # one period of one element: a ring of one descriptor
        (0x1000, 0x1000, 4, None),  # period_len == buf_len
        (HW, HW, 8, None),  # a period of exactly one descriptor's length
        (3 * HW, HW, 8, None),
        (HW + 8, HW + 8, 8, "longer than a descriptor"),
        (0x300, 0x200, 4, "whole number of periods"),  # a period that does not divide the buffer
        (HW + HW // 2, HW, 8, "whole number of periods"),
        (0x400, 0x1FE, 4, "whole number of periods"),
        (0x3FC, 0x1FE, 4, "elements of 4 bytes"),
        (0x200, 0x400, 4, "whole number of periods"),  # a period longer than the buffer
    ],
)
@pytest.mark.parametrize("to_dev", [True, False], ids=["to_dev", "from_dev"])
def test_cyclic_period_limits(buf_len: int, period: int, width: int, why: str | None, to_dev: bool) -> None:
    buf = 0x2_0000_0000
    if why is not None:
        with pytest.raises(PrepRefused, match=why):
            segments.cyclic(buf, buf_len, period, to_dev, DEV, width, 64)
        return
    segs = segments.cyclic(buf, buf_len, period, to_dev, DEV, width, 64)
    want = [
        Seg(buf + k * period, DEV, period) if to_dev else Seg(DEV, buf + k * period, period)
        for k in range(buf_len // period)
    ]
    assert segs == want
    well_formed(segs)


def test_a_ring_of_one_period_points_at_itself() -> None:
    def test(env, chan) -> None:
        cfg = DmaSlaveConfig(src_addr=DEV, src_addr_width=4, src_maxburst=8)
        assert chan.slave_config(cfg) == 0
        tx = chan.prep_dma_cyclic(0x2000_0000, 0x100, 0x100, DMA_DEV_TO_MEM)
        assert tx is not None and len(tx.hw) == 1
        (h,) = tx.hw
        d = unpacked(h)
        assert d["NEXT"] == h.phys and d["CTRL"] & layout.DescCtrl.IOC and d["LEN"] == 0x100

    on_device(test, slave_line=0)


# -- the top of the address space ------------------------------------------------------------------
LOW = 0x1000  # the other side of a copy, far from the top


def _memcpy_src(a, n, w):
    return segments.memcpy(LOW, a, n, w)


def _memcpy_dst(a, n, w):
    return segments.memcpy(a, LOW, n, w)


def _memcpy_sg_src(a, n, w):
    return segments.memcpy_sg(sgl([(LOW, n)]), 1, sgl([(a, n)]), 1, w)


def _memcpy_sg_dst(a, n, w):
    return segments.memcpy_sg(sgl([(a, n)]), 1, sgl([(LOW, n)]), 1, w)


def _slave(a, n, w):
    return segments.slave_sg(sgl([(a, n)]), 1, False, DEV, 1, w)


def _cyclic(a, n, w):
    return segments.cyclic(a, n, n, True, DEV, 1, w)


def _xor_src(a, n, w):
    return ops.xor(LOW, [LOW + TOP32 // 4, a], 2, n, 8, w)


def _xor_dst(a, n, w):
    return ops.xor(a, [LOW, LOW + TOP32 // 4], 2, n, 8, w)


def _pq_q(a, n, w):
    return ops.pq([LOW, a], [LOW + TOP32 // 4], 1, [1], n, 0, 8, w)


def _pq_val_p(a, n, w):
    return ops.pq_val([a, LOW], [LOW + TOP32 // 4], 1, [1], n, 0, 8, w)


def _memset(a, n, w):
    return ops.memset(a, 0x5A, n, w)


TOP_KINDS = [
    _memcpy_src,
    _memcpy_dst,
    _memcpy_sg_src,
    _memcpy_sg_dst,
    _slave,
    _cyclic,
    _xor_src,
    _xor_dst,
    _pq_q,
    _pq_val_p,
    _memset,
]


@pytest.mark.parametrize("kind", TOP_KINDS, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize(
    ("width", "end", "length"),
    [
        (32, TOP32, 1),
        (32, TOP32, 0x100),
        (32, TOP32 - 1, 0x100),
        (32, TOP32 + 1, 0x100),  # would wrap past 2**32
        (32, TOP32 + 0x100, 0x100),  # starts at 2**32
        (64, TOP64, 1),
        (64, TOP64, 0x100),
        (64, TOP64 + 1, 0x100),  # would wrap past 2**64
        (64, TOP64 + 0x100, 0x100),
    ],
)
def test_a_transfer_may_end_at_the_top_of_the_bus_but_not_wrap(kind, width: int, end: int, length: int) -> None:
    start = end - length
    if end > 1 << width:
        with pytest.raises(PrepRefused, match=f"outside the {width}-bit bus"):
            kind(start, length, width)
        return
    (seg,) = kind(start, length, width)
    assert seg.length == length


@pytest.mark.parametrize("width", [32, 64])
@pytest.mark.parametrize(("over", "ok"), [(0, True), (1, False)])
def test_a_split_transfer_ending_at_the_top(width: int, over: int, ok: bool) -> None:
    """HW_SEG_MAX + 1 bytes (two descriptors) whose last descriptor ends exactly at
    2**width (or a byte past it: refused, nothing wraps to address 0)."""
    n = HW + 1
    src = (1 << width) - n + over
    if not ok:
        with pytest.raises(PrepRefused, match=f"source .* outside the {width}-bit bus"):
            segments.memcpy(LOW, src, n, width)
        return
    segs = segments.memcpy(LOW, src, n, width)
    assert segs == ref_copy(src, LOW, n)
    assert segs[-1].src + segs[-1].length == 1 << width


@pytest.mark.parametrize(("addr_width", "over", "ok"), [(32, 0, True), (32, 1, False), (64, 0, True), (64, 1, False)])
def test_memcpy_prep_at_the_top_of_the_bus(addr_width: int, over: int, ok: bool, caplog) -> None:
    """Through the driver, on a controller of each address width."""
    top = 1 << addr_width

    def test(env, chan) -> None:
        tx = chan.prep_dma_memcpy(top - 0x100 + over, 0x2000_0000, 0x100)
        assert (tx is not None) == ok
        if ok:
            assert unpacked(tx.hw[0])["DST"] + 0x100 == top
        else:
            assert f"outside the {addr_width}-bit bus" in caplog.text
            assert chan.ring.in_use == 0

    with caplog.at_level(logging.ERROR, "pydma"):
        on_device(test, addr_width=addr_width)


# -- zero lengths ----------------------------------------------------------------------------------
ZERO_PREPS = [
    ("memcpy", lambda ch: ch.prep_dma_memcpy(0x2000_0000, 0x1000_0000, 0), "length 0"),
    ("memcpy-1", lambda ch: ch.prep_dma_memcpy(0x2000_0000, 0x1000_0000, -1), "length -1"),
    ("memcpy_sg", lambda ch: ch.prep_dma_memcpy_sg(sgl([(0x2000, 0)]), 1, sgl([(0x1000, 0)]), 1), "unmapped"),
    ("memcpy_sg_nents0", lambda ch: ch.prep_dma_memcpy_sg(sgl([(0x2000, 8)]), 0, sgl([(0x1000, 8)]), 0), "empty"),
    ("memset", lambda ch: ch.prep_dma_memset(0x2000_0000, 1, 0), "length 0"),
    ("memset_sg", lambda ch: ch.prep_dma_memset_sg(sgl([(0x2000, 0)]), 1, 1), "unmapped"),
    ("xor", lambda ch: ch.prep_dma_xor(0x2000_0000, [0x1000, 0x2000], 2, 0), "length 0"),
    ("pq", lambda ch: ch.prep_dma_pq([0x2000_0000, 0x3000_0000], [0x1000], 1, [1], 0), "length 0"),
]


@pytest.mark.parametrize(("name", "prep", "why"), ZERO_PREPS, ids=[p[0] for p in ZERO_PREPS])
def test_zero_lengths_return_none_with_the_reason(name, prep, why: str, caplog) -> None:
    def test(env, chan) -> None:
        assert prep(chan) is None
        assert why in caplog.text, caplog.text
        assert chan.ring.in_use == 0 and not chan.ring.pool._used

    with caplog.at_level(logging.ERROR, "pydma"):
        on_device(test)


# -- slave set-ups at their limits -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bus_bytes", "width", "maxburst", "ok"),
    [
        (8, 8, MAX_BURST, True),  # the widest element, the longest burst
        (8, 1, MAX_BURST, True),
        (8, 8, MAX_BURST + 1, False),
        (8, 4, 0, True),  # 0: single transfers
        (8, 4, -1, False),
        (16, 8, MAX_BURST, True),  # SLAVE_CFG.WIDTH goes to 8 bytes whatever the bus
        (16, 16, 1, False),
        (4, 4, MAX_BURST, True),
        (4, 8, 1, False),  # wider than the bus
        (8, 3, 1, False),
    ],
)
def test_slave_config_at_the_largest_burst_and_width(bus_bytes: int, width: int, maxburst: int, ok: bool) -> None:
    assert MAX_BURST == 1 << layout.reg("SLAVE_CFG").field("BURST_M1").width

    def test(env, chan) -> None:
        cfg = DmaSlaveConfig(dst_addr=DEV, dst_addr_width=width, dst_maxburst=maxburst)
        assert chan.slave_config(cfg) == (0 if ok else EINVAL)
        if not ok:
            return
        n = HW + width  # two descriptors, whole elements
        tx = chan.prep_slave_single(0x1_0000_0000, n, DMA_MEM_TO_DEV)
        assert tx is not None
        word, dev_addr = tx.setup
        f = layout.reg("SLAVE_CFG").field
        assert dev_addr == DEV
        assert (word & f("BURST_M1").mask) >> f("BURST_M1").lsb == max(maxburst, 1) - 1
        assert 1 << ((word & f("WIDTH").mask) >> f("WIDTH").lsb) == width
        assert [unpacked(h)["LEN"] for h in tx.hw] == [HW, width]
        if width > 1:  # not whole elements
            assert chan.prep_slave_single(0x1_0000_0000, n + 1, DMA_MEM_TO_DEV) is None

    on_device(test, slave_line=0, data_bytes=bus_bytes, addr_width=64)


@pytest.mark.parametrize("width", [1, 2, 4, 8])
@pytest.mark.parametrize(("dev_addr", "ok"), [(TOP32 - 8, True), (TOP32 - 4, None), (TOP32, False)])
def test_device_address_at_the_top_of_a_32_bit_bus(width: int, dev_addr: int, ok: bool | None) -> None:
    """The FIFO register's last byte at 2**32 - 1 is fine; at 2**32 it is outside the bus
    (refused by slave_config); misaligned for its width it is refused at prep (None: fine
    for widths up to 4)."""
    aligned = dev_addr % width == 0

    def test(env, chan) -> None:
        cfg = DmaSlaveConfig(dst_addr=dev_addr, dst_addr_width=width, dst_maxburst=MAX_BURST)
        if ok is False:
            assert chan.slave_config(cfg) == EINVAL
            return
        assert chan.slave_config(cfg) == 0
        tx = chan.prep_slave_single(0x2000_0000, 64, DMA_MEM_TO_DEV)
        assert (tx is not None) == aligned
        if tx is not None:
            assert tx.setup[1] == dev_addr

    on_device(test, slave_line=0)


# -- XOR and PQ: source counts and lengths --------------------------------------------------------
def _nsrc(seg) -> int:
    lsb, w = layout.DESC_CTRL_NSRC
    return seg.ctrl >> lsb & ((1 << w) - 1)


@pytest.mark.parametrize("most", [2, 8, layout.OPND_MAX_SRC])
@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("check", [False, True], ids=["xor", "xor_val"])
def test_xor_at_the_hardware_source_count(most: int, delta: int, check: bool) -> None:
    n = most + delta
    srcs = [0x1_0000_0000 * (i + 1) for i in range(n)]
    call = (lambda: ops.xor_val(srcs, n, 64, most, 64)) if check else (lambda: ops.xor(0x8000, srcs, n, 64, most, 64))
    if not 2 <= n <= most:
        with pytest.raises(PrepRefused, match=f"takes 2 to {most}"):
            call()
        return
    (seg,) = call()
    assert _nsrc(seg) == n and seg.operands.srcs == tuple(srcs)


PQ_FLAGS = [
    0,
    DMA_PREP_PQ_DISABLE_P,
    DMA_PREP_PQ_DISABLE_Q,
    DMA_PREP_CONTINUE,
    DMA_PREP_CONTINUE | DMA_PREP_PQ_DISABLE_P,
    DMA_PREP_CONTINUE | DMA_PREP_PQ_DISABLE_Q,
]


def carried(flags: int) -> int:
    """Sources a continuation adds: P, Q and Q again; Q alone with P disabled."""
    if not flags & DMA_PREP_CONTINUE:
        return 0
    return 1 if flags & DMA_PREP_PQ_DISABLE_P else 3


@pytest.mark.parametrize("most", [4, 8, layout.OPND_MAX_SRC])
@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("flags", PQ_FLAGS, ids=lambda f: str(DmaCtrlFlags(f)).removeprefix("DmaCtrlFlags."))
def test_pq_at_the_hardware_source_count_with_and_without_continuation(most: int, delta: int, flags: int) -> None:
    """The largest src_cnt is the hardware's count less what a continuation carries; the
    descriptor then has exactly the hardware's count of operands."""
    n = most - carried(flags) + delta
    srcs = [0x1_0000_0000 * (i + 1) for i in range(n)]
    coefs = list(range(1, n + 1))
    if not 1 <= n <= most - carried(flags):
        with pytest.raises(PrepRefused, match=f"takes 1 to {most}|exceed {most}"):
            ops.pq([0x9000, 0xA000], srcs, n, coefs, 64, flags, most, 64)
        return
    (seg,) = ops.pq([0x9000, 0xA000], srcs, n, coefs, 64, flags, most, 64)
    assert _nsrc(seg) == n + carried(flags) == len(seg.operands.srcs) == len(seg.operands.coefs)
    assert seg.operands.srcs[:n] == tuple(srcs)
    (val,) = ops.pq_val([0x9000, 0xA000], srcs, n, coefs, 64, flags & ~DMA_PREP_CONTINUE, most, 64)
    assert _nsrc(val) == n


@pytest.mark.parametrize("flags", PQ_FLAGS, ids=lambda f: str(DmaCtrlFlags(f)).removeprefix("DmaCtrlFlags."))
def test_the_largest_src_cnt_the_api_allows_is_prepared(flags: int) -> None:
    """dma_maxpq (and max_xor) on a controller of 16-source operations: that many sources
    are prepared and their operand tables written as the hardware reads them; one more is
    refused with nothing held."""
    most = layout.OPND_MAX_SRC

    def test(env, chan) -> None:
        dev = chan.device
        assert dev.max_xor == most
        n = dma_maxpq(dev, flags)
        assert n == most - carried(flags)
        srcs = [0x1_0000_0000 + i * 0x1000_0000 for i in range(most + 1)]
        coefs = [(7 * i + 1) & 0xFF for i in range(most + 1)]
        p, q = 0x10_0000_0000, 0x20_0000_0000
        tx = chan.prep_dma_pq([p, q], srcs, n, coefs, HW + 1, flags)
        assert tx is not None and len(tx.hw) == 2
        no_p, no_q = flags & DMA_PREP_PQ_DISABLE_P, flags & DMA_PREP_PQ_DISABLE_Q
        q_carried = p if no_q else q
        extra = (
            []
            if not flags & DMA_PREP_CONTINUE
            else [(q_carried, 1)]
            if no_p
            else [(p, 0), (q_carried, 1), (q_carried, 0)]
        )
        for off, h in zip((0, HW), tx.hw, strict=True):
            table = h.opnd.read(0, layout.OPND_SIZE)
            assert unpacked(h)["SRC"] == h.opnd_phys and h.opnd_phys % layout.OPND_ALIGN == 0
            ops_srcs = [s + off for s in srcs[:n]] + [a + off for a, _ in extra]
            assert list(struct.unpack_from(f"<{most}Q", table, layout.OPND_SRC_OFF)) == ops_srcs
            assert list(table[layout.OPND_COEF_OFF : layout.OPND_COEF_OFF + most]) == coefs[:n] + [c for _, c in extra]
            q_dst = struct.unpack_from("<Q", table, layout.OPND_QDST_OFF)[0]
            assert q_dst == (0 if no_q else q + off)
        assert chan.prep_dma_pq([p, q], srcs, n + 1, coefs, 64, flags) is None
        assert chan.ring.in_use == 2 and len(chan.ring.opnd_pool._used) == 2
        xsrcs = srcs[:most]
        tx = chan.prep_dma_xor(p, xsrcs, most, 64, 0)
        assert tx is not None
        table = tx.hw[0].opnd.read(0, layout.OPND_SIZE)
        assert list(struct.unpack_from(f"<{most}Q", table, 0)) == xsrcs
        assert chan.prep_dma_xor(p, srcs, most + 1, 64, 0) is None
        assert chan.ring.in_use == 3 and len(chan.ring.opnd_pool._used) == 3

    on_device(test, addr_width=64, max_xor=most, max_pq=most)


@pytest.mark.parametrize("length", [HW - 1, HW, HW + 1, 2 * HW - 1, 3 * HW + 1], ids=hex)
def test_operations_split_every_operand_alike(length: int) -> None:
    s1, s2, s3, d, q = (k << 40 for k in range(1, 6))
    pieces = ref_pieces(length)
    x = ops.xor(d, [s1, s2, s3], 3, length, 8, 64)
    assert [(s.dst, s.length, s.operands.srcs) for s in x] == [(d + o, n, (s1 + o, s2 + o, s3 + o)) for o, n in pieces]
    v = ops.xor_val([s1, s2], 2, length, 8, 64)
    assert [(s.dst, s.length, s.operands.srcs) for s in v] == [(0, n, (s1 + o, s2 + o)) for o, n in pieces]
    p = ops.pq([d, q], [s1, s2], 2, [1, 2], length, DMA_PREP_CONTINUE, 8, 64)
    assert [(s.dst, s.operands.q_dst, s.length, s.operands.srcs) for s in p] == [
        (d + o, q + o, n, (s1 + o, s2 + o, d + o, q + o, q + o)) for o, n in pieces
    ]
    pv = ops.pq_val([d, q], [s1], 1, [1], length, 0, 8, 64)
    assert [(s.dst, s.operands.q_dst, s.length) for s in pv] == [(d + o, q + o, n) for o, n in pieces]
    m = ops.memset(d, 0x1FF, length, 64)
    assert [(s.src, s.dst, s.length) for s in m] == [(0xFF, d + o, n) for o, n in pieces]
    for segs in (x, v, p, pv, m):
        well_formed(segs)
    ents = laid_out(d, [length, HW + 1])
    ms = ops.memset_sg(sgl(ents), 2, 0, 64)
    assert [(s.dst, s.length) for s in ms] == [(a + o, k) for a, n in ents for o, k in ref_pieces(n)]


@pytest.mark.parametrize(("over", "hit"), [(0, False), (1, True)])
def test_fence_check_looks_back_over_a_whole_segment(over: int, hit: bool) -> None:
    """The strict-mode fence check stops looking back at a write range that starts a whole
    HW_SEG_MAX before what is read (none is longer): a write of exactly HW_SEG_MAX bytes
    ending right where the read starts is no hazard; ending a byte later it is, with a
    shorter write starting just after it, looked at first."""
    a = 0x10_0000_0000
    long_write = Seg(0x1000, a - HW + over, HW)
    short_write = Seg(0x2000, long_write.dst + 1, 8)
    window = fence_check._Writes()
    window.add(types.SimpleNamespace(segs=[long_write, short_write]))
    found = window.hit(a, 4)
    assert (found is not None) == hit
    if hit:
        assert found[:2] == (long_write.dst, a + over)


# -- the descriptor ring filled exactly ------------------------------------------------------------
RING = 16


def ring_held(chan) -> tuple[int, int, int]:
    """(descriptors held by transactions, descriptor pool blocks in use, operand tables in use)."""
    opnd = chan.ring.opnd_pool
    return chan.ring.in_use, len(chan.ring.pool._used), 0 if opnd is None else len(opnd._used)


def test_the_ring_takes_max_hw_desc_and_not_one_more() -> None:
    """probe(max_hw_desc=16): a transaction of exactly 16 descriptors is prepared; with 5
    held, 12 more are refused and 11 taken; then nothing more fits, an interrupt or an XOR
    (no operand table left behind); no refusal holds any descriptor."""

    def test(env, chan) -> None:
        reuse = DMA_CTRL_REUSE
        full = chan.prep_dma_memcpy(0x100_0000_0000, 0x1_0000_0000, RING * HW, reuse)
        assert full is not None and len(full.hw) == RING and ring_held(chan) == (RING, RING, 0)
        assert chan.prep_dma_interrupt() is None
        assert ring_held(chan) == (RING, RING, 0)
        assert full.free() == 0 and ring_held(chan) == (0, 0, 0)
        assert chan.prep_dma_memcpy(0x100_0000_0000, 0x1_0000_0000, RING * HW + 1) is None
        assert ring_held(chan) == (0, 0, 0)

        five = chan.prep_dma_memcpy(0x100_0000_0000, 0x1_0000_0000, 5 * HW, reuse)
        assert ring_held(chan) == (5, 5, 0)
        over = sgl([(0x200_0000_0000 + i * 0x1000, 8) for i in range(RING - 5 + 1)])
        src = sgl([(0x300_0000_0000 + i * 0x1000, 8) for i in range(RING - 5 + 1)])
        assert chan.prep_dma_memcpy_sg(over, RING - 5 + 1, src, RING - 5 + 1) is None
        assert ring_held(chan) == (5, 5, 0)
        rest = chan.prep_dma_memcpy_sg(over, RING - 5, src, RING - 5, reuse)
        assert rest is not None and ring_held(chan) == (RING, RING, 0)
        assert chan.prep_dma_xor(0x400_0000_0000, [0x1000, 0x2000], 2, 64, 0) is None
        assert chan.prep_dma_interrupt() is None
        assert ring_held(chan)[:2] == (RING, RING) and ring_held(chan)[2] == 0
        assert rest.free() == 0 and five.free() == 0
        assert ring_held(chan) == (0, 0, 0)

        xor = chan.prep_dma_xor(0x400_0000_0000, [0x1_0000_0000, 0x2_0000_0000], 2, RING * HW, reuse)
        assert xor is not None and ring_held(chan) == (RING, RING, RING)
        assert xor.free() == 0 and ring_held(chan) == (0, 0, 0)
        assert chan.prep_dma_xor(0x400_0000_0000, [0x1_0000_0000, 0x2_0000_0000], 2, RING * HW + 1, 0) is None
        assert ring_held(chan) == (0, 0, 0)

    on_device(test, probe={"max_hw_desc": RING}, addr_width=64)


@pytest.mark.parametrize(("periods", "ok"), [(RING - 1, True), (RING, True), (RING + 1, False)])
def test_cyclic_periods_up_to_the_ring(periods: int, ok: bool) -> None:
    def test(env, chan) -> None:
        assert chan.slave_config(DmaSlaveConfig(dst_addr=DEV, dst_addr_width=4, dst_maxburst=8)) == 0
        tx = chan.prep_dma_cyclic(0x2000_0000, periods * 0x100, 0x100, DMA_MEM_TO_DEV)
        assert (tx is not None) == ok
        if ok:
            assert unpacked(tx.hw[-1])["NEXT"] == tx.hw[0].phys  # closed into a ring
        assert ring_held(chan) == ((periods, periods, 0) if ok else (0, 0, 0))

    on_device(test, probe={"max_hw_desc": RING}, slave_line=0)


# -- DONE_CNT wrapping at 2**32 ---------------------------------------------------------------------
def _fake_desc(lengths: list[int], hw_base: int, cyclic: bool = False):
    hw = [types.SimpleNamespace(length=n) for n in lengths]
    desc = types.SimpleNamespace(hw=hw, hw_base=hw_base, cyclic=cyclic, total=sum(lengths))
    desc.remaining_from = types.MethodType(PydmaDesc.remaining_from, desc)
    return desc


@pytest.mark.parametrize("done_so_far", range(5))
@pytest.mark.parametrize("base", [0, 0xFFFF_FFFE, 0xFFFF_FFFF, 0xFFFF_FFFC])
def test_residue_across_the_done_cnt_wrap(base: int, done_so_far: int) -> None:
    """A 4-descriptor transaction handed over at DONE_CNT `base`: with `done_so_far` of
    them done (DONE_CNT wrapped or not) the residue is the rest, less XFERRED."""
    lengths = [0x100, 0x200, 0x300, 0x400]
    xferred = 0x10 if done_so_far < 4 else 0
    done = (base + done_so_far) & 0xFFFF_FFFF
    chan = types.SimpleNamespace(regs=types.SimpleNamespace(peek_progress=lambda: (done, xferred)))
    got = PydmaDevice._residue_locked(None, chan, _fake_desc(lengths, base))
    assert got == sum(lengths[done_so_far:]) - xferred


@pytest.mark.parametrize("base", [5, 0, 0xFFFF_FFFF, 0x8000_0001])
@pytest.mark.parametrize("behind", [1, 2, 7])
def test_residue_of_a_transaction_queued_behind_others(base: int, behind: int) -> None:
    """Handed to the hardware at DONE_CNT `base` behind `behind` descriptors not done yet
    (DONE_CNT wrapped or not): nothing of it moved, its residue is its whole length, not 0."""
    lengths = [0x100, 0x200]
    done = (base - behind) & 0xFFFF_FFFF
    chan = types.SimpleNamespace(regs=types.SimpleNamespace(peek_progress=lambda: (done, 0x40)))
    for cyclic in (False, True):
        assert PydmaDevice._residue_locked(None, chan, _fake_desc(lengths, base, cyclic)) == 0x300


@pytest.mark.parametrize("laps", [0, 1, 7])
@pytest.mark.parametrize(("done_in_lap", "xferred", "want"), [(0, 0, 0x400), (1, 0x40, 0x2C0), (3, 0x100, 0x400)])
def test_cyclic_residue_is_a_ring_position(laps: int, done_in_lap: int, xferred: int, want: int) -> None:
    """A ring of four 0x100 periods: the residue is buf_len - position, in (0, buf_len]. With
    the lap's last period moved but not yet counted (XFERRED its whole length) the position
    is the ring's start again: the residue is the whole ring, not 0 (ALSA's pointer callback
    reads 0 < residue <= buffer; a late tasklet reads tx_status in that window)."""
    done = laps * 4 + done_in_lap
    chan = types.SimpleNamespace(regs=types.SimpleNamespace(peek_progress=lambda: (done, xferred)))
    got = PydmaDevice._residue_locked(None, chan, _fake_desc([0x100] * 4, 0, cyclic=True))
    assert got == want


# -- cookies wrapping at 2**31 - 1 -------------------------------------------------------------------
def test_cookie_assign_wraps_to_the_first_cookie() -> None:
    chan = types.SimpleNamespace(cookie=cookies.DMA_MAX_COOKIE - 2, local=None)
    got = []
    for _ in range(4):
        tx = types.SimpleNamespace(chan=chan, memcpy_len=None)
        got.append(cookies.dma_cookie_assign(tx))
        assert tx.cookie == tx.last_cookie == chan.cookie == got[-1]
    assert cookies.DMA_MAX_COOKIE == 2**31 - 1
    assert got == [cookies.DMA_MAX_COOKIE - 1, cookies.DMA_MAX_COOKIE, cookies.DMA_MIN_COOKIE, 2]


MAXC = cookies.DMA_MAX_COOKIE


@pytest.mark.parametrize(
    ("cookie", "complete", "used", "done"),
    [
        (MAXC, MAXC, 2, True),  # used wrapped past complete: what complete reached is done
        (1, MAXC, 2, False),
        (2, MAXC, 2, False),
        (MAXC - 5, MAXC, 2, True),
        (3, MAXC, 2, True),  # beyond used: an old cookie, done long ago
        (1, 1, 2, True),
        (MAXC, 1, 2, True),
        (2, 1, 2, False),
        (MAXC, MAXC - 1, MAXC, False),  # not wrapped yet
        (MAXC - 1, MAXC - 1, MAXC, True),
    ],
)
def test_completion_is_judged_across_the_cookie_wrap(cookie: int, complete: int, used: int, done: bool) -> None:
    want = DmaStatus.DMA_COMPLETE if done else DmaStatus.DMA_IN_PROGRESS
    assert cookies.dma_async_is_complete(cookie, complete, used) == want


# -- more descriptors than a channel holds, lengths beyond a size_t --------------------------------
@pytest.fixture
def seg_budget(monkeypatch):
    """Fails the test the moment the builders have made more than 4 * RING segments: a
    prep that lists every descriptor of a transaction the ring can never hold before
    refusing it would take minutes and gigabytes for a long length or a short period."""
    made = [0]

    class Counted(Seg):
        __slots__ = ()

        def __new__(cls, *args, **kwargs):
            made[0] += 1
            if made[0] > 4 * RING:
                raise AssertionError(f"more than {4 * RING} segments built")
            return super().__new__(cls, *args, **kwargs)

    pieces = ops._pieces

    def counted_pieces(length: int):  # (the operations list their pieces before their segments)
        if -(-length // HW) > 4 * RING:
            raise AssertionError(f"{-(-length // HW)} pieces listed")
        return pieces(length)

    monkeypatch.setattr(segments, "Seg", Counted)
    monkeypatch.setattr(ops, "Seg", Counted)
    monkeypatch.setattr(ops, "_pieces", counted_pieces)
    return made


BIG = [
    ("memcpy", lambda ch: ch.prep_dma_memcpy(1 << 63, 0, 1 << 63), 1 << 33),
    ("memcpy_1tib", lambda ch: ch.prep_dma_memcpy(1 << 41, 0, 1 << 40), 1024),
    ("memcpy_sg", lambda ch: ch.prep_dma_memcpy_sg(sgl([(1 << 62, 1 << 61)]), 1, sgl([(0, 1 << 61)]), 1), None),
    ("slave_sg", lambda ch: ch.prep_slave_single(1 << 40, 1 << 62, DMA_MEM_TO_DEV), 1 << 32),
    ("cyclic", lambda ch: ch.prep_dma_cyclic(1 << 40, GiB, 4, DMA_MEM_TO_DEV), GiB // 4),
    ("cyclic_2", lambda ch: ch.prep_dma_cyclic(1 << 40, (RING + 1) * 8, 8, DMA_MEM_TO_DEV), RING + 1),
    ("xor", lambda ch: ch.prep_dma_xor(1 << 62, [0, 1 << 61], 2, 1 << 61), 1 << 31),
    ("xor_val", lambda ch: ch.prep_dma_xor_val([0, 1 << 61], 2, 1 << 61, SumCheckResult()), 1 << 31),
    ("pq", lambda ch: ch.prep_dma_pq([1 << 62, 3 << 61], [0], 1, [1], 1 << 61), 1 << 31),
    ("pq_val", lambda ch: ch.prep_dma_pq_val([1 << 62, 3 << 61], [0], 1, [1], 1 << 61, SumCheckResult()), 1 << 31),
    ("memset", lambda ch: ch.prep_dma_memset(0, 0, 1 << 63), 1 << 33),
    ("memset_sg", lambda ch: ch.prep_dma_memset_sg(sgl([(0, 1 << 62), (1 << 63, 1 << 62)]), 2, 0), 1 << 33),
]


@pytest.mark.parametrize(("name", "prep", "count"), BIG, ids=[b[0] for b in BIG])
def test_more_descriptors_than_the_ring_holds_are_refused_before_building(name, prep, count, seg_budget, caplog):
    """A transaction that needs more descriptors than max_hw_desc (a length of many
    HW_SEG_MAX, or many short cyclic periods) is refused with the reason, at once: none of
    its segments is listed first, no descriptor is held."""

    def test(env, chan) -> None:
        assert chan.slave_config(DmaSlaveConfig(dst_addr=DEV, dst_addr_width=4, dst_maxburst=8)) == 0
        assert prep(chan) is None
        want = f"{count} hardware descriptors" if count else "hardware descriptors"
        assert want in caplog.text and f"the {RING} a channel has" in caplog.text, caplog.text
        assert ring_held(chan) == (0, 0, 0)
        assert seg_budget[0] <= RING + 1

    with caplog.at_level(logging.ERROR, "pydma"):
        on_device(test, probe={"max_hw_desc": RING}, slave_line=0, addr_width=64)


MAX_SEGS_BUILDERS = [
    ("memcpy", lambda n, m: segments.memcpy(1 << 62, 0, n * HW, 64, max_segs=m)),
    (
        "memcpy_sg",
        lambda n, m: segments.memcpy_sg(sgl(laid_out(1 << 62, [HW] * n)), n, sgl([(0, n * HW)]), 1, 64, max_segs=m),
    ),
    (
        "slave_sg",
        lambda n, m: segments.slave_sg(sgl([(0, (n - 1) * HW), (1 << 62, 4)]), 2, True, DEV, 4, 64, max_segs=m),
    ),
    ("cyclic", lambda n, m: segments.cyclic(0, n * 8, 8, False, DEV, 8, 64, max_segs=m)),
    ("xor", lambda n, m: ops.xor(1 << 62, [0, 1 << 61], 2, n * HW, 8, 64, max_segs=m)),
    ("xor_val", lambda n, m: ops.xor_val([0, 1 << 61], 2, n * HW - 1, 8, 64, max_segs=m)),
    ("pq", lambda n, m: ops.pq([1 << 62, 3 << 61], [0], 1, [1], n * HW, 0, 8, 64, max_segs=m)),
    ("pq_val", lambda n, m: ops.pq_val([1 << 62, 3 << 61], [0], 1, [1], n * HW, 0, 8, 64, max_segs=m)),
    ("memset", lambda n, m: ops.memset(0, 0, (n - 1) * HW + 1, 64, max_segs=m)),
    ("memset_sg", lambda n, m: ops.memset_sg(sgl([(0, HW), (1 << 62, (n - 1) * HW)]), 2, 0, 64, max_segs=m)),
]


@pytest.mark.parametrize(("name", "build"), MAX_SEGS_BUILDERS, ids=[b[0] for b in MAX_SEGS_BUILDERS])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_builders_refuse_counts_beyond_max_segs(name, build, delta: int, seg_budget) -> None:
    """Each builder at max_segs descriptors, one fewer and one more (refused, nothing built)."""
    n = RING + delta
    if delta > 0:
        with pytest.raises(PrepRefused, match=f"hardware descriptors, more than the {RING} a channel has"):
            build(n, RING)
        return
    segs = build(n, RING)
    assert len(segs) == n
    well_formed(segs)


SIZE_T_PREPS = [
    ("memcpy", lambda ch: ch.prep_dma_memcpy(1 << 63, 0, 1 << 64)),
    ("memset", lambda ch: ch.prep_dma_memset(0, 0, 1 << 64)),
    ("xor", lambda ch: ch.prep_dma_xor(0, [0, 0], 2, 1 << 64)),
    ("pq", lambda ch: ch.prep_dma_pq([0, 1 << 63], [0], 1, [1], 1 << 64)),
    ("cyclic", lambda ch: ch.prep_dma_cyclic(0, 1 << 64, 1 << 20, DMA_MEM_TO_DEV)),
]


@pytest.mark.parametrize(("name", "prep"), SIZE_T_PREPS, ids=[p[0] for p in SIZE_T_PREPS])
def test_a_length_beyond_a_size_t_is_refused(name, prep, seg_budget, caplog) -> None:
    """2**64 bytes from address 0 reaches just to the top of a 64-bit bus, but no size_t
    holds it: refused as such, before anything is built."""

    def test(env, chan) -> None:
        assert chan.slave_config(DmaSlaveConfig(dst_addr=DEV, dst_addr_width=4, dst_maxburst=8)) == 0
        assert prep(chan) is None
        assert "more than a size_t holds" in caplog.text, caplog.text
        assert ring_held(chan) == (0, 0, 0) and seg_budget[0] == 0

    with caplog.at_level(logging.ERROR, "pydma"):
        on_device(test, slave_line=0, addr_width=64)


# -- DONE_CNT wrapping at 2**32, through the driver on the model ------------------------------------
MASK32 = 0xFFFF_FFFF


def test_completions_across_the_done_cnt_wrap(seed: int) -> None:
    """A channel that has completed 2**32 - 3 descriptors since reset (the model's DONE_CNT
    and the driver's view of it set there while idle): three copies and a three-piece
    scatter-gather copy take DONE_CNT from 0xFFFFFFFD through 0 to 3. Each completes once,
    in order, with its data; afterwards the driver's count of descriptors handed over is
    DONE_CNT's, as in a 32-bit register."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            hw = env.model.channels[chan.index]
            start = MASK32 - 2
            hw.done_cnt = chan.hw_done_cnt = chan.hw_handed = start
            n = 3000
            pairs = [(Guarded(env, n, DMA_TO_DEVICE, rng), Guarded(env, n, DMA_FROM_DEVICE, rng)) for _ in range(4)]
            done: list[int] = []
            txs = [chan.prep_dma_memcpy(d.addr, s.addr, n, DMA_PREP_INTERRUPT) for s, d in pairs[:3]]
            s, d = pairs[3]
            cuts = [(0, 1000), (1000, 1000), (2000, 1000)]
            src_sg = sgl([(s.addr + o, k) for o, k in cuts])
            dst_sg = sgl([(d.addr + o, k) for o, k in cuts])
            txs.append(chan.prep_dma_memcpy_sg(dst_sg, 3, src_sg, 3, DMA_PREP_INTERRUPT))
            assert [len(tx.hw) for tx in txs] == [1, 1, 1, 3]
            cookies_ = []
            for i, tx in enumerate(txs):
                tx.callback = done.append
                tx.callback_param = i
                cookies_.append(tx.submit())
            chan.issue_pending()
            assert await chan.sync_wait(cookies_[-1]) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            assert done == [0, 1, 2, 3]
            for c in cookies_:
                state = DmaTxState()
                assert chan.tx_status(c, state) == DmaStatus.DMA_COMPLETE and state.residue == 0
            assert hw.done_cnt == (start + 6) & MASK32 == 3
            assert chan.hw_done_cnt == 3
            assert chan.hw_handed == 3, f"handed {chan.hw_handed:#x}: not in DONE_CNT numbering"
            for s, d in pairs:
                assert d.finish() == s.original
                s.finish()
            await chan.release()

    run(body())


def test_cyclic_residue_after_done_cnt_wraps_many_times(seed: int) -> None:
    """A ring of 3 periods runs long enough for DONE_CNT to wrap (2**32 is no multiple of
    3): its position, and so the residue, stays right. The passage of time is made by
    adding 3 * 2**30 completions (whole laps) to the model's DONE_CNT twice, each time
    between two period interrupts, as if that many periods had elapsed in between."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dev = env.model.attach_device(1, TxFifo(0x0800_0000, width=4, maxburst=8, depth=32, ns_per_element=20))
            chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=1))
            assert chan.slave_config(DmaSlaveConfig(dst_addr=dev.addr, dst_addr_width=4, dst_maxburst=8)) == 0
            hw = env.model.channels[chan.index]
            period, periods = 32 * 4, 3
            ring = Guarded(env, period * periods, DMA_TO_DEVICE, rng)
            dev.expect(ring.original * 60)
            tx = chan.prep_dma_cyclic(ring.addr, ring.size, period, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
            lap = periods << 30
            bumped = [0]
            checked: list[tuple[int, int]] = []

            def on_period(param) -> None:
                state = DmaTxState()
                chan.tx_status(tx.cookie, state)
                real = (hw.done_cnt - bumped[0]) & MASK32  # periods that really ran
                want = (periods - real % periods) * period - hw.xferred
                checked.append((state.residue, want))
                if len(checked) in (5, 10):  # 3 * 2**30 more periods go by
                    hw.done_cnt = (hw.done_cnt + lap) & MASK32
                    bumped[0] += lap

            tx.callback = on_period
            tx.submit()
            chan.issue_pending()
            await until(lambda: len(checked) >= 25, "25 period callbacks")
            assert await chan.terminate_sync() == 0
            assert bumped[0] == 2 * lap and 2 * lap > 1 << 32
            assert [got for got, _ in checked] == [want for _, want in checked]
            assert ring.finish() == ring.original
            await chan.release()

    run(body())


# -- cookies wrapping, through the driver on the model ------------------------------------------------
def test_cookies_wrap_on_a_channel_and_an_old_failure_is_forgotten(seed: int) -> None:
    """A copy fails (a read error) with cookie 2**31 - 3; 2**31 - 2 copies later (the
    channel's cookies set there, as they would be) the cookie numbers come round again:
    six copies get cookies 2**31 - 3 .. 2**31 - 1, then 1 and 2. Each completes, in order
    (strict mode's order check across the wrap reports nothing), and tx_status says
    DMA_COMPLETE for all of them, the reused number of the old failure included."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            chan.cookie = chan.completed_cookie = MAXC - 4
            s, d = Guarded(env, 256, DMA_TO_DEVICE, rng), Guarded(env, 256, DMA_FROM_DEVICE, rng)
            env.model.inject_fault("read", s.addr + 10, s.addr + 11, once=True)
            failed = chan.prep_dma_memcpy(d.addr, s.addr, 256, DMA_PREP_INTERRUPT).submit()
            assert failed == MAXC - 3
            assert await chan.sync_wait(failed) == DmaStatus.DMA_ERROR
            s.finish()
            d.finish()

            chan.cookie = chan.completed_cookie = MAXC - 4  # 2**31 - 2 good copies later
            pairs = [(Guarded(env, 300, DMA_TO_DEVICE, rng), Guarded(env, 300, DMA_FROM_DEVICE, rng)) for _ in range(6)]
            done: list[int] = []
            got = []
            for s, d in pairs:
                tx = chan.prep_dma_memcpy(d.addr, s.addr, 300, DMA_PREP_INTERRUPT)
                tx.callback, tx.callback_param = done.append, len(got)
                got.append(tx.submit())
            assert got == [MAXC - 3, MAXC - 2, MAXC - 1, MAXC, 1, 2]
            assert await chan.sync_wait(got[-1]) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            assert done == [0, 1, 2, 3, 4, 5]
            assert [chan.tx_status(c) for c in got] == [DmaStatus.DMA_COMPLETE] * 6, "an old failure's cookie"
            for s, d in pairs:
                assert d.finish() == s.finish()
            await chan.release()

    run(body())


@pytest.mark.parametrize(
    ("a", "b", "after"),
    [
        (1, MAXC, True),  # the first cookie after the wrap
        (MAXC, 1, False),
        (2, MAXC - 1, True),
        ((1 << 30) - 1, MAXC, True),  # 2**30 - 1 cookies on, across the wrap
        (1 << 30, MAXC, False),  # 2**30 on: too far to tell
        ((1 << 30) + 6, 6, False),
        ((1 << 30) + 5, 6, True),
        (5, 5, False),
    ],
)
def test_strict_cookie_order_across_the_wrap(a: int, b: int, after: bool) -> None:
    """Strict mode's "assigned after" within half the cookie space: distances count the
    2**31 - 1 cookie values (0 and the negative ones are never assigned)."""
    assert strict._after(a, b) == after

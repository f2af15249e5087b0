"""The segment builders of the operations beyond copies (pydma/drivers/pydma_dmac/
op_segments.py), without a simulator: what each prep call becomes, every limit, and the
strict-mode fence check's view of what a segment reads and writes."""

from __future__ import annotations

import pytest

from pydma.drivers.pydma_dmac import fence_check
from pydma.drivers.pydma_dmac import op_segments as ops
from pydma.drivers.pydma_dmac.segments import HW_SEG_MAX, PrepRefused
from pydma.enums import DmaCtrlFlags as F
from pydma.hw import layout

A32 = 32
Op = layout.DescOp


def op_of(seg) -> int:
    lsb, w = layout.DESC_CTRL_OP
    return seg.ctrl >> lsb & ((1 << w) - 1)


def nsrc_of(seg) -> int:
    lsb, w = layout.DESC_CTRL_NSRC
    return seg.ctrl >> lsb & ((1 << w) - 1)


def test_xor_one_descriptor_and_its_operands() -> None:
    (seg,) = ops.xor(0x9000, [0x1000, 0x2000, 0x3000], 3, 4096, 8, A32)
    assert (op_of(seg), nsrc_of(seg), seg.dst, seg.length) == (Op.XOR, 3, 0x9000, 4096)
    assert seg.operands.srcs == (0x1000, 0x2000, 0x3000)


def test_xor_longer_than_a_descriptor_splits_every_source_alike() -> None:
    n = HW_SEG_MAX + 100
    segs = ops.xor(0x4_0000_0000, [0x1_0000_0000, 0x2_0000_0000], 2, n, 8, 64)
    assert [s.length for s in segs] == [HW_SEG_MAX, 100]
    assert segs[1].dst == 0x4_0000_0000 + HW_SEG_MAX
    assert segs[1].operands.srcs == (0x1_0000_0000 + HW_SEG_MAX, 0x2_0000_0000 + HW_SEG_MAX)


@pytest.mark.parametrize(
    ("call", "why"),
    [
        (lambda: ops.xor(0x9000, [0x1000] * 9, 9, 64, 8, A32), "takes 2 to 8"),
        (lambda: ops.xor(0x9000, [0x1000], 1, 64, 8, A32), "takes 2 to 8"),
        (lambda: ops.xor(0x9000, [0x1000, 0x2000], 3, 64, 8, A32), "3 sources asked for, 2 given"),
        (lambda: ops.xor(0x9000, [0x1000, 0x2000], 2, 0, 8, A32), "length 0"),
        (lambda: ops.xor(0x1010, [0x1000, 0x2000], 2, 64, 8, A32), "partly overlaps"),
        (lambda: ops.xor(0xFFFF_FFF0, [0x1000, 0x2000], 2, 64, 8, A32), "outside the 32-bit bus"),
        (
            lambda: ops.pq(
                [0x9000, 0xA000], [0x1000], 1, [1], 64, F.DMA_PREP_PQ_DISABLE_P | F.DMA_PREP_PQ_DISABLE_Q, 8, A32
            ),
            "both P and Q disabled",
        ),
        (lambda: ops.pq([0x9000, 0xA000], [0x1000, 0x2000], 2, [1], 64, 0, 8, A32), "2 coefficients needed"),
        (lambda: ops.pq([0x9000, 0xA000], [0x1000], 1, [256], 64, 0, 8, A32), "coefficients are bytes"),
        (lambda: ops.pq([0x9000, 0x9010], [0x1000], 1, [1], 64, 0, 8, A32), "partly overlaps"),
        (lambda: ops.pq([0x9000, 0xA000], [0x1000] * 6, 6, [1] * 6, 64, F.DMA_PREP_CONTINUE, 8, A32), "exceed 8"),
        (lambda: ops.memset_sg([], 0, 1, A32), "empty or unmapped"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(call, why) -> None:
    with pytest.raises(PrepRefused, match=why):
        call()


def test_destination_may_be_a_source_exactly() -> None:
    """In place, as async_xor's intermediate results and DROP_DST chains do."""
    (seg,) = ops.xor(0x1000, [0x1000, 0x2000], 2, 256, 8, A32)
    assert seg.operands.srcs[0] == seg.dst


@pytest.mark.parametrize(
    ("flags", "extra"),
    [
        (F.DMA_PREP_CONTINUE, [(0x9000, 0), (0xA000, 1), (0xA000, 0)]),  # P, Q, Q: P and Q carried on
        (F.DMA_PREP_CONTINUE | F.DMA_PREP_PQ_DISABLE_P, [(0xA000, 1)]),  # Q only
    ],
)
def test_pq_continuation_carries_p_and_q_as_sources(flags, extra) -> None:
    (seg,) = ops.pq([0x9000, 0xA000], [0x1000, 0x2000], 2, [3, 5], 64, flags, 8, A32)
    assert list(zip(seg.operands.srcs, seg.operands.coefs, strict=True)) == [(0x1000, 3), (0x2000, 5), *extra]
    assert nsrc_of(seg) == 2 + len(extra)


def test_pq_disable_flags_reach_the_descriptor() -> None:
    (seg,) = ops.pq([0x9000, 0xA000], [0x1000], 1, [7], 64, F.DMA_PREP_PQ_DISABLE_Q, 8, A32)
    assert seg.ctrl & layout.DescCtrl.PQ_DISABLE_Q and not seg.ctrl & layout.DescCtrl.PQ_DISABLE_P
    assert (seg.dst, seg.operands.q_dst) == (0x9000, 0)


def test_memset_takes_the_low_byte_and_interrupt_moves_nothing() -> None:
    (seg,) = ops.memset(0x5003, 0x1A5, 77, A32)
    assert (op_of(seg), seg.src, seg.dst, seg.length) == (Op.MEMSET, 0xA5, 0x5003, 77)
    (irq,) = ops.interrupt()
    assert (op_of(irq), irq.src, irq.dst, irq.length) == (Op.INTERRUPT, 0, 0, 0)


def test_what_each_operation_reads_and_writes() -> None:
    (pq_val,) = ops.pq_val([0x9000, 0xA000], [0x1000], 1, [1], 64, 0, 8, A32)
    assert list(fence_check.reads(pq_val)) == [(0x1000, 64), (0x9000, 64), (0xA000, 64)]
    assert list(fence_check.writes(pq_val)) == []
    (pq,) = ops.pq([0x9000, 0xA000], [0x1000], 1, [1], 64, F.DMA_PREP_PQ_DISABLE_P, 8, A32)
    assert list(fence_check.writes(pq)) == [(0xA000, 64)]
    (fill,) = ops.memset(0x5000, 1, 8, A32)
    assert (list(fence_check.reads(fill)), list(fence_check.writes(fill))) == ([], [(0x5000, 8)])


def test_pq_continuation_with_q_disabled_carries_p_only() -> None:
    """ioat_prep_pq: with Q disabled the carried Q is P (dst[1] = dst[0]); never address 0."""
    flags = F.DMA_PREP_CONTINUE | F.DMA_PREP_PQ_DISABLE_Q
    (seg,) = ops.pq([0x9000, 0xA000], [0x1000], 1, [3], 64, flags, 8, A32)
    assert list(zip(seg.operands.srcs, seg.operands.coefs, strict=True)) == [
        (0x1000, 3), (0x9000, 0), (0x9000, 1), (0x9000, 0)
    ]  # fmt: skip


def test_p_and_q_at_one_address_are_refused() -> None:
    with pytest.raises(PrepRefused, match="P and Q both at"):
        ops.pq([0x9000, 0x9000], [0x1000], 1, [3], 64, 0, 8, A32)

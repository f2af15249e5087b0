"""Strict mode's read-after-write check on one channel: the controller pipelines
transactions (it reads the next one's sources while the previous one's writes are still
on the bus), so a transaction that reads what an earlier one still in flight writes needs
DMA_PREP_FENCE on that earlier one (async_tx's ASYNC_TX_FENCE), as on real engines. The
kernel does not check it: a missing fence there is a race that passes most of the time.
Here it is reported the moment the work is handed to the hardware."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydma import reports
from pydma.drivers.pydma_dmac.segments import HW_SEG_MAX, Seg
from pydma.enums import DmaCtrlFlags
from pydma.hw import layout

if TYPE_CHECKING:
    from pydma.drivers.pydma_dmac.desc import PydmaDesc

Op = layout.DescOp
_OP_LSB, _OP_W = layout.DESC_CTRL_OP


def _op(seg: Seg) -> int:
    return seg.ctrl >> _OP_LSB & ((1 << _OP_W) - 1)


def reads(seg: Seg) -> Iterator[tuple[int, int]]:
    op, n = _op(seg), seg.length
    if op == Op.COPY:
        yield from seg.rows("src")
    elif op in (Op.XOR, Op.XOR_VAL, Op.PQ, Op.PQ_VAL):
        for s in seg.operands.srcs:
            yield s, n
        if op == Op.PQ_VAL:
            if not seg.ctrl & layout.DescCtrl.PQ_DISABLE_P:
                yield seg.dst, n
            if not seg.ctrl & layout.DescCtrl.PQ_DISABLE_Q:
                yield seg.operands.q_dst, n


def writes(seg: Seg) -> Iterator[tuple[int, int]]:
    op, n = _op(seg), seg.length
    if op == Op.COPY:
        yield from seg.rows("dst")
    elif op in (Op.MEMSET, Op.XOR):
        yield seg.dst, n
    elif op == Op.PQ:
        if not seg.ctrl & layout.DescCtrl.PQ_DISABLE_P:
            yield seg.dst, n
        if not seg.ctrl & layout.DescCtrl.PQ_DISABLE_Q:
            yield seg.operands.q_dst, n


class _Writes:
    """The write ranges of transactions in flight since the last fence, for overlap lookups."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int, PydmaDesc]] = []  # (start, end, writer), sorted

    def add(self, desc: PydmaDesc) -> None:
        for seg in desc.segs:
            for a, n in writes(seg):
                bisect.insort(self.ranges, (a, a + n, desc), key=lambda r: r[0])

    def hit(self, a: int, n: int) -> tuple[int, int, PydmaDesc] | None:
        """A write range overlapping [a, a+n), if any."""
        i = bisect.bisect_left(self.ranges, a + n, key=lambda r: r[0]) - 1
        while i >= 0:
            start, end, writer = self.ranges[i]
            if end > a:
                return start, end, writer
            if start + HW_SEG_MAX <= a:  # no range is longer: none further left reaches a
                break
            i -= 1
        return None


def check(chan_name: str, in_flight: list[PydmaDesc], batch: list[PydmaDesc]) -> None:
    """Report each transaction of `batch` that reads what an unfenced transaction before
    it (in flight on the channel, or earlier in the batch) writes."""
    window = _Writes()
    for desc in in_flight:
        window = _Writes() if desc.flags & DmaCtrlFlags.DMA_PREP_FENCE else window
        if not desc.flags & DmaCtrlFlags.DMA_PREP_FENCE:
            window.add(desc)
    for desc in batch:
        for seg in desc.segs:
            for a, n in reads(seg):
                found = window.hit(a, n)
                if found is not None:
                    start, end, writer = found
                    reports.reporter.report(
                        reports.MISSING_FENCE,
                        f"{chan_name}: {desc!r} reads [0x{a:x}, +0x{n:x}), which {writer!r} before it writes "
                        f"([0x{start:x}, 0x{end:x})) without DMA_PREP_FENCE: the controller may read it before "
                        "it is written (set the fence on the writer; async_tx: ASYNC_TX_FENCE)",
                    )
                    return
        if desc.flags & DmaCtrlFlags.DMA_PREP_FENCE:
            window = _Writes()
        else:
            window.add(desc)

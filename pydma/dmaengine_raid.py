"""The RAID half of include/linux/dmaengine.h: sum-check results, the `max_pq` encoding with
its continuation flag, and the alignment checks clients make before offloading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydma.enums import DmaCtrlFlags, SumCheckFlags

if TYPE_CHECKING:
    from pydma.dmaengine import DmaDevice

DMA_HAS_PQ_CONTINUE = 1 << 15


class SumCheckResult:
    """`enum sum_check_flags *result` of prep_dma_xor_val / prep_dma_pq_val: the provider
    writes the outcome here when the descriptor completes (0: every checked sum is zero)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = SumCheckFlags(0)

    def __repr__(self) -> str:
        return f"SumCheckResult({self.value!r})"


def dma_set_maxpq(dma: DmaDevice, maxpq: int, has_pq_continue: bool) -> None:
    dma.max_pq = maxpq
    if has_pq_continue:
        dma.max_pq |= DMA_HAS_PQ_CONTINUE


def dmaf_continue(flags: int) -> bool:
    return bool(flags & DmaCtrlFlags.DMA_PREP_CONTINUE)


def dmaf_p_disabled_continue(flags: int) -> bool:
    mask = DmaCtrlFlags.DMA_PREP_CONTINUE | DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P
    return flags & mask == mask


def dma_dev_has_pq_continue(dma: DmaDevice) -> bool:
    return bool(dma.max_pq & DMA_HAS_PQ_CONTINUE)


def dma_dev_to_maxpq(dma: DmaDevice) -> int:
    return dma.max_pq & ~DMA_HAS_PQ_CONTINUE


def dma_maxpq(dma: DmaDevice, flags: int) -> int:
    """Sources a PQ operation may have. Without native continuation a continued operation
    carries the previous P and Q as extra sources: 3 fewer (1 with P disabled)."""
    if dma_dev_has_pq_continue(dma) or not dmaf_continue(flags):
        return dma_dev_to_maxpq(dma)
    if dmaf_p_disabled_continue(flags):
        return dma_dev_to_maxpq(dma) - 1
    return dma_dev_to_maxpq(dma) - 3


def _aligned(align: int, off1: int, off2: int, length: int) -> bool:
    if not align:
        return True
    mask = (1 << align) - 1
    return not ((off1 | off2 | length) & mask)


def is_dma_copy_aligned(dev: DmaDevice, off1: int, off2: int, length: int) -> bool:
    return _aligned(dev.copy_align, off1, off2, length)


def is_dma_xor_aligned(dev: DmaDevice, off1: int, off2: int, length: int) -> bool:
    return _aligned(dev.xor_align, off1, off2, length)


def is_dma_pq_aligned(dev: DmaDevice, off1: int, off2: int, length: int) -> bool:
    return _aligned(dev.pq_align, off1, off2, length)


def is_dma_fill_aligned(dev: DmaDevice, off1: int, off2: int, length: int) -> bool:
    return _aligned(dev.fill_align, off1, off2, length)

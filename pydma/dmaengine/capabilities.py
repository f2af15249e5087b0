"""Capability masks: `dma_cap_mask_t` and the dma_cap_* helpers (include/linux/dmaengine.h)."""

from __future__ import annotations

from pydma.enums import DmaTransactionType


class DmaCapMask:
    """dma_cap_mask_t."""

    __slots__ = ("bits",)

    def __init__(self, *caps: DmaTransactionType) -> None:
        self.bits = 0
        for cap in caps:
            self.bits |= 1 << cap

    def __contains__(self, cap: DmaTransactionType) -> bool:
        return bool(self.bits >> cap & 1)

    def issubset(self, other: DmaCapMask) -> bool:
        return self.bits & ~other.bits == 0

    def __repr__(self) -> str:
        names = [t.name for t in DmaTransactionType if t in self]
        return f"DmaCapMask({', '.join(names)})"


def dma_cap_zero(mask: DmaCapMask) -> None:
    mask.bits = 0


def dma_cap_set(cap: DmaTransactionType, mask: DmaCapMask) -> None:
    mask.bits |= 1 << cap


def dma_cap_clear(cap: DmaTransactionType, mask: DmaCapMask) -> None:
    mask.bits &= ~(1 << cap)


def dma_has_cap(cap: DmaTransactionType, mask: DmaCapMask) -> bool:
    return cap in mask

"""Reference-counted unmap data (`struct dmaengine_unmap_data`, drivers/dma/dmaengine.c):
a client maps the pages of an operation chain once, hands the addresses to every
descriptor of the chain with `dma_set_unmap`, and drops its own reference; the provider
drops each descriptor's reference when it completes (`dma_descriptor_unmap`, from the
completion tasklet), and the last put unmaps every page, once, after the chain's last
operation. The layout of `addr` is the kernel's: `to_cnt` pages mapped DMA_TO_DEVICE, then
`from_cnt` DMA_FROM_DEVICE, then `bidi_cnt` DMA_BIDIRECTIONAL (an address 0 there is
skipped, as async_tx leaves a disabled P or Q destination)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydma.dma_mapping import Device, dma_unmap_page
from pydma.enums import DmaDataDirection
from pydma.errors import DmaApiMisuse

if TYPE_CHECKING:
    from pydma.dmaengine import DmaAsyncTxDescriptor

# the kernel's mempools: unmap data for 2, 16, 128 and 256 addresses
_POOL_SIZES = (2, 16, 128, 256)


class DmaengineUnmapData:
    """struct dmaengine_unmap_data; `kref` is its reference count."""

    def __init__(self, dev: Device, nr: int) -> None:
        self.map_cnt = nr
        self.to_cnt = 0
        self.from_cnt = 0
        self.bidi_cnt = 0
        self.dev = dev
        self.kref = 1
        self.len = 0
        self.addr: list[int] = [0] * nr

    def __repr__(self) -> str:
        return (
            f"<DmaengineUnmapData {self.dev.name} to={self.to_cnt} from={self.from_cnt} "
            f"bidi={self.bidi_cnt} len={self.len} refs={self.kref}>"
        )


def dmaengine_get_unmap_data(dev: Device, nr: int, flags: int = 0) -> DmaengineUnmapData | None:
    """Room for nr addresses with one reference held. More than the largest pool holds (256)
    is the kernel's BUG() in __get_unmap_pool: DmaApiMisuse here. (None, the kernel's failed
    GFP_NOWAIT allocation, never happens on this machine.)"""
    if nr < 1 or nr > _POOL_SIZES[-1]:
        raise DmaApiMisuse(f"dmaengine_get_unmap_data for {nr} addresses: 1 to {_POOL_SIZES[-1]} (the kernel BUGs)")
    return DmaengineUnmapData(dev, nr)


def _unmap(unmap: DmaengineUnmapData) -> None:
    i, dev = 0, unmap.dev
    for count, direction in (
        (unmap.to_cnt, DmaDataDirection.DMA_TO_DEVICE),
        (unmap.from_cnt, DmaDataDirection.DMA_FROM_DEVICE),
        (unmap.bidi_cnt, DmaDataDirection.DMA_BIDIRECTIONAL),
    ):
        for addr in unmap.addr[i : i + count]:
            if addr or direction is not DmaDataDirection.DMA_BIDIRECTIONAL:
                dma_unmap_page(dev, addr, unmap.len, direction)
        i += count


def dmaengine_unmap_put(unmap: DmaengineUnmapData | None) -> None:
    """Drop a reference; the last one unmaps every page (kref_put(&unmap->kref, dmaengine_unmap))."""
    if unmap is None:
        return
    if unmap.kref <= 0:
        raise DmaApiMisuse(f"dmaengine_unmap_put of {unmap!r}, already unmapped (one put too many)")
    unmap.kref -= 1
    if unmap.kref == 0:
        _unmap(unmap)


def dma_set_unmap(tx: DmaAsyncTxDescriptor, unmap: DmaengineUnmapData) -> None:
    """The descriptor holds a reference until it completes."""
    if unmap.kref <= 0:
        raise DmaApiMisuse(f"dma_set_unmap of {unmap!r} on {tx!r}: it was already unmapped")
    unmap.kref += 1
    tx.unmap = unmap


def dma_descriptor_unmap(tx: DmaAsyncTxDescriptor) -> None:
    """The provider, as a descriptor completes (or is terminated): drop its reference."""
    if tx.unmap is None:
        return
    unmap, tx.unmap = tx.unmap, None
    dmaengine_unmap_put(unmap)

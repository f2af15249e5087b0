"""Scatterlists for the tests, already mapped as the driver expects them."""

from __future__ import annotations

from collections.abc import Iterable

from pydma import Scatterlist, sg_init_table, sg_set_buf
from pydma.memory import MemView
from tb.guarded import GuardedBuffer


def sg_over(view: MemView, pieces: list[tuple[int, int]]) -> list[Scatterlist]:
    """(offset, length) pieces of `view`. The view is coherent memory, so the device
    addresses are filled in as dma_get_sgtable would, unmapped."""
    sgl = sg_init_table(len(pieces))
    for sg, (off, n) in zip(sgl, pieces):
        sg_set_buf(sg, view.ptr(off, n), n)
        sg.dma_address, sg.dma_length = sg.buf.addr, n
    return sgl


def sg_at(pieces: Iterable[tuple[int, int]]) -> list[Scatterlist]:
    """(bus address, length) pieces: the device side only, as a mapped user buffer's."""
    return [Scatterlist(length=n, dma_address=addr, dma_length=n) for addr, n in pieces]


def sg_of(buffers: Iterable[GuardedBuffer]) -> list[Scatterlist]:
    """One entry per guarded buffer, over its usable bytes."""
    return sg_at((b.addr, b.size) for b in buffers)

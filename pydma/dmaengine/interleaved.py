"""Interleaved (2D) templates and vectors: `struct dma_interleaved_template`, `struct
data_chunk`, dmaengine_get_{src,dst}_icg, `struct dma_vec`; and `interleaved_chunks`, the
reference model of what a template moves, for tests and for providers that split one.

A template moves `numf` frames; a frame is the chunks `sgl[0:frame_size]`. After each chunk
a side whose address increments (`src_inc`/`dst_inc`) moves on by the chunk's size plus its
gap for that side (dmaengine_get_*_icg); a side that does not increment stays at its start
address for the whole transfer (a device FIFO). The last chunk's gap applies too, so frame
n+1 starts where frame n's last gap ends: a video frame of `numf` lines of `size` bytes at a
pitch of `size + icg` is one chunk with `frame_size` 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydma.enums import DmaTransferDirection


@dataclass
class DataChunk:
    """struct data_chunk: `size` bytes, then a gap; `icg` applies to a side whose `*_sgl` is
    set, `src_icg`/`dst_icg` (when not 0) to their side whatever its `*_sgl`."""

    size: int = 0
    icg: int = 0
    dst_icg: int = 0
    src_icg: int = 0


@dataclass
class DmaInterleavedTemplate:
    """struct dma_interleaved_template (the kernel's flexible array `sgl[]` is a list, of at
    least `frame_size` chunks)."""

    src_start: int = 0
    dst_start: int = 0
    dir: DmaTransferDirection = DmaTransferDirection.DMA_MEM_TO_MEM
    src_inc: bool = False
    dst_inc: bool = False
    src_sgl: bool = False
    dst_sgl: bool = False
    numf: int = 0
    frame_size: int = 0
    sgl: list[DataChunk] = field(default_factory=list)


@dataclass(frozen=True)
class DmaVec:
    """struct dma_vec: one (address, length) of dmaengine_prep_peripheral_dma_vec."""

    addr: int
    len: int


def dmaengine_get_icg(inc: bool, sgl: bool, icg: int, dir_icg: int) -> int:
    """The gap after a chunk on one side: none if its address does not increment; else the
    side's own gap when not 0; else the common `icg` when the side's `*_sgl` is set; else 0."""
    if inc:
        if dir_icg:
            return dir_icg
        if sgl:
            return icg
    return 0


def dmaengine_get_dst_icg(xt: DmaInterleavedTemplate, chunk: DataChunk) -> int:
    return dmaengine_get_icg(xt.dst_inc, xt.dst_sgl, chunk.icg, chunk.dst_icg)


def dmaengine_get_src_icg(xt: DmaInterleavedTemplate, chunk: DataChunk) -> int:
    return dmaengine_get_icg(xt.src_inc, xt.src_sgl, chunk.icg, chunk.src_icg)


def template_error(xt: DmaInterleavedTemplate) -> str | None:
    """Why a template describes no transfer (None if it does): what a provider refuses."""
    if xt.numf < 1:
        return f"numf {xt.numf}: no frame"
    if xt.frame_size < 1:
        return f"frame_size {xt.frame_size}: no chunk in a frame"
    if len(xt.sgl) < xt.frame_size:
        return f"frame_size {xt.frame_size} but only {len(xt.sgl)} chunks in sgl"
    for i, chunk in enumerate(xt.sgl[: xt.frame_size]):
        if chunk.size < 1:
            return f"chunk {i}: size {chunk.size}"
        if min(chunk.icg, chunk.src_icg, chunk.dst_icg) < 0:
            return f"chunk {i}: a negative gap"
    return None


def interleaved_chunks(xt: DmaInterleavedTemplate) -> list[tuple[int, int, int]]:
    """(source address, destination address, size) of every chunk the template moves, in
    order. A side that does not increment gives its start address for every chunk: the
    whole chunk comes from (goes to) that one address."""
    why = template_error(xt)
    if why is not None:
        raise ValueError(f"interleaved template: {why}")
    frame = xt.sgl[: xt.frame_size]
    src, dst = xt.src_start, xt.dst_start
    out = []
    for _ in range(xt.numf):
        for chunk in frame:
            out.append((src, dst, chunk.size))
            if xt.src_inc:
                src += chunk.size + dmaengine_get_src_icg(xt, chunk)
            if xt.dst_inc:
                dst += chunk.size + dmaengine_get_dst_icg(xt, chunk)
    return out

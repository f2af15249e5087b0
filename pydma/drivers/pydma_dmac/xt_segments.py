"""Segment building for interleaved (2D) templates and dma_vec arrays: the kernel's prep
arguments in, hardware segments out, limits checked (PrepRefused with the reason), pure
functions as in `segments`.

What becomes one descriptor (docs/video.md):
- A run of rows of the same size and gaps, in template order, is one 2D descriptor (CTRL.XT:
  LEN = the run's bytes, ROW_LEN, SRC_STRIDE, DST_STRIDE). A template whose frame is one
  chunk (a video frame: `numf` lines at a pitch) is therefore one descriptor, and so is a
  frame of several chunks all alike. A run with no gap on either side is a plain descriptor.
- Memory to memory, a frame of different chunks: one 2D descriptor per chunk of the frame,
  its rows the frames (the chunks are moved column by column; with no overlap allowed between
  sources and destinations the result is the template's).
- To or from a device, a frame of different chunks: one descriptor per run, in template order
  (the device sees the bytes in the template's order).
- Refused: a memory side that does not increment (`src_inc`/`dst_inc` false: memory is not a
  FIFO; a device FIFO is a slave channel's DEV_ADDR), rows longer than a descriptor, strides
  of 2**32 or more, rows of a slave transfer that are not whole elements. The device side of
  a slave template is the channel's DEV_ADDR (dmaengine_slave_config): its start, `*_inc` and
  gaps are not used, as xilinx_dma and zynqmp_dpdma do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pydma.dmaengine.interleaved import (
    DmaInterleavedTemplate,
    DmaVec,
    dmaengine_get_dst_icg,
    dmaengine_get_src_icg,
    template_error,
)
from pydma.drivers.pydma_dmac.segments import (
    HW_SEG_MAX,
    PrepRefused,
    Seg,
    _split,
    check_bus,
    check_count,
    check_overlap,
    slave_entries,
)
from pydma.enums import DmaTransferDirection
from pydma.hw import layout

STRIDE_MAX = (1 << 32) - 1  # SRC_STRIDE and DST_STRIDE are 32-bit
XT = int(layout.DescCtrl.XT)
REPEAT = int(layout.DescCtrl.REPEAT)


class Slave(NamedTuple):
    """A slave template's device side: the channel's set-up for its direction."""

    to_dev: bool
    dev_addr: int
    width: int


class _Run(NamedTuple):
    """Rows alike: `rows` rows of `size` bytes, each `src_pitch`/`dst_pitch` after the last."""

    src: int
    dst: int
    size: int
    src_pitch: int
    dst_pitch: int
    rows: int


def _runs_in_order(xt: DmaInterleavedTemplate) -> list[_Run]:
    """The template's rows in order, consecutive rows of equal size and pitches merged."""
    frame = xt.sgl[: xt.frame_size]
    pitches = [
        (c.size, c.size + dmaengine_get_src_icg(xt, c) * xt.src_inc, c.size + dmaengine_get_dst_icg(xt, c) * xt.dst_inc)
        for c in frame
    ]
    if len(set(pitches)) == 1:  # every row alike: one run of numf * frame_size rows
        size, sp, dp = pitches[0]
        return [_Run(xt.src_start, xt.dst_start, size, sp, dp, xt.numf * xt.frame_size)]
    runs: list[_Run] = []
    src, dst = xt.src_start, xt.dst_start
    for _ in range(xt.numf):
        for size, sp, dp in pitches:
            last = runs[-1] if runs else None
            if last and (last.size, last.src_pitch, last.dst_pitch) == (size, sp, dp):
                runs[-1] = last._replace(rows=last.rows + 1)
            else:
                runs.append(_Run(src, dst, size, sp, dp, 1))
            src += sp * xt.src_inc
            dst += dp * xt.dst_inc
    return runs


def _runs_by_column(xt: DmaInterleavedTemplate) -> list[_Run]:
    """Memory to memory, a frame of different chunks: chunk k of every frame is one run."""
    frame = xt.sgl[: xt.frame_size]
    src_frame = sum(c.size + dmaengine_get_src_icg(xt, c) for c in frame)
    dst_frame = sum(c.size + dmaengine_get_dst_icg(xt, c) for c in frame)
    runs, s_off, d_off = [], 0, 0
    for c in frame:
        runs.append(_Run(xt.src_start + s_off, xt.dst_start + d_off, c.size, src_frame, dst_frame, xt.numf))
        s_off += c.size + dmaengine_get_src_icg(xt, c)
        d_off += c.size + dmaengine_get_dst_icg(xt, c)
    return runs


def _run_segs(run: _Run, slave: Slave | None) -> list[Seg]:
    """A run as descriptors of at most HW_SEG_MAX bytes each (whole rows)."""
    src_fixed = slave is not None and not slave.to_dev
    dst_fixed = slave is not None and slave.to_dev
    src = slave.dev_addr if src_fixed else run.src
    dst = slave.dev_addr if dst_fixed else run.dst
    sp = 0 if src_fixed else run.src_pitch
    dp = 0 if dst_fixed else run.dst_pitch
    if run.rows == 1 or ((src_fixed or sp == run.size) and (dst_fixed or dp == run.size)):  # contiguous
        return _split(src, dst, run.size * run.rows, not src_fixed, not dst_fixed)
    per = HW_SEG_MAX // run.size  # rows in one descriptor
    return [
        Seg(src + r * sp, dst + r * dp, run.size * min(per, run.rows - r), XT, xt=(run.size, sp, dp))
        for r in range(0, run.rows, per)
    ]


def interleaved(
    xt: DmaInterleavedTemplate, addr_width: int, max_segs: int | None = None, slave: Slave | None = None
) -> list[Seg]:
    call = "prep_interleaved_dma"
    why = template_error(xt)
    if why is not None:
        raise PrepRefused(f"{call}: {why}")
    mem_to_mem = xt.dir == DmaTransferDirection.DMA_MEM_TO_MEM
    if (slave is None) != mem_to_mem:
        raise PrepRefused(f"{call}: direction {xt.dir.name} is not one this channel takes")
    mem_sides = ("src", "dst") if mem_to_mem else ("src",) if slave.to_dev else ("dst",)
    for side in mem_sides:
        if not getattr(xt, f"{side}_inc"):
            raise PrepRefused(
                f"{call}: {side}_inc is false but the {side} is memory; a fixed address is a device FIFO, "
                "which a slave channel reaches through DEV_ADDR (dmaengine_slave_config)"
            )
    frame = xt.sgl[: xt.frame_size]
    for i, c in enumerate(frame):
        if c.size > HW_SEG_MAX:
            raise PrepRefused(f"{call}: chunk {i} of {c.size} bytes, longer than a descriptor's {HW_SEG_MAX}")
        if slave is not None and c.size % slave.width:
            raise PrepRefused(f"{call}: chunk {i} of {c.size} bytes, not a multiple of width {slave.width}")
    uniform = len({(c.size, dmaengine_get_src_icg(xt, c), dmaengine_get_dst_icg(xt, c)) for c in frame}) == 1
    runs = _runs_by_column(xt) if mem_to_mem and not uniform else _runs_in_order(xt)
    for r in runs:
        if max(r.src_pitch, r.dst_pitch) > STRIDE_MAX:
            raise PrepRefused(f"{call}: a row pitch of 0x{max(r.src_pitch, r.dst_pitch):x} bytes, more than 32 bits")
    segs = [s for r in runs for s in _run_segs(r, slave)]
    check_count(call, len(segs), max_segs)
    reads = [row for s in segs for row in s.rows("src")] if "src" in mem_sides else []
    writes = [row for s in segs for row in s.rows("dst")] if "dst" in mem_sides else []
    for what, rows in (("source", reads), ("destination", writes)):
        lo, hi = min((a for a, _ in rows), default=0), max((a + n for a, n in rows), default=0)
        if rows:
            check_bus(what, lo, hi - lo, addr_width)
    if writes:
        check_overlap(call, writes, reads)
    return segs


def repeated(segs: list[Seg], repeat: bool, slave: bool = False) -> list[Seg]:
    """DMA_PREP_REPEAT: the one descriptor of a slave template marked CTRL.REPEAT (the
    controller runs it again while it is the tail); refused for a memory copy or a template
    that takes several descriptors."""
    if not repeat:
        return segs
    if not slave:
        raise PrepRefused(
            "prep_interleaved_dma: DMA_PREP_REPEAT on a memory-to-memory template; the controller repeats "
            "transfers to or from a device (a display, a camera)"
        )
    if len(segs) != 1:
        raise PrepRefused(
            f"prep_interleaved_dma: DMA_PREP_REPEAT on a template that takes {len(segs)} descriptors; a repeated "
            "frame must be one (rows of one size and gap)"
        )
    return [segs[0]._replace(ctrl=segs[0].ctrl | REPEAT)]


def dma_vec(
    vecs: Sequence[DmaVec] | None, nents: int, slave: Slave, addr_width: int, max_segs: int | None = None
) -> list[Seg]:
    """prep_peripheral_dma_vec: each (address, length) against the device, as slave_sg's
    entries (whole elements, on the bus; received data may not overlap itself)."""
    call = "prep_peripheral_dma_vec"
    if not vecs or nents <= 0 or nents > len(vecs):
        raise PrepRefused(f"{call} with {nents} vectors of {0 if not vecs else len(vecs)}")
    ents = [(v.addr, v.len) for v in vecs[:nents]]
    if any(n <= 0 for _, n in ents):
        raise PrepRefused(f"{call} with a vector of no bytes")
    return slave_entries(call, ents, slave.to_dev, slave.dev_addr, slave.width, addr_width, max_segs)

"""The training run of a profile-guided native build (tools/pgo.py): what long simulations do
most, briefly. A scatter-gather copy of 1 MiB in 256 scattered segments (benchmark 6's
pattern), an unaligned copy, and peripheral-paced transfers in both directions with both
request handshakes, and a camera's frame captured through one 2D descriptor (the video
benchmark's pattern, small). Each checks what it moved, so a broken instrumented build fails the
build instead of training it on garbage.
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import Event, with_timeout

from pydma import (
    DMA_DEV_TO_MEM,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_MEMCPY_SG,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DmaCapMask,
    dma_request_channel,
)
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.hw import layout
from tb.bench.bench_hdl import scattered_frame_copy
from tb.demo import paced_run
from tb.dma_tb import DmaTb
from tb.peripherals import Pacing, element
from tb.video import BYTES_PER_PIXEL, add_camera, prep_capture


async def _copy(tb: DmaTb, chan, tx) -> None:
    done = Event()
    tx.callback = lambda _param: done.set()
    tx.submit()
    chan.issue_pending()
    await with_timeout(done.wait(), 100, "ms")


@cocotb.test()
async def train_memcpy(dut):
    tb = DmaTb(dut)
    await tb.start()
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY_SG))
    tx, dst, data = scattered_frame_copy(tb, chan, 1 << 20, 256)
    await _copy(tb, chan, tx)
    assert dst.read() == data, "scatter-gather copy differs"
    await chan.release()

    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    size = 65536
    src = tb.alloc_guarded(size + 3)
    dst = tb.alloc_guarded(size + 5, fill=bytes(size + 5))
    await _copy(tb, chan, chan.prep_dma_memcpy(dst.addr + 5, src.addr + 3, size, DMA_PREP_INTERRUPT))
    assert dst.view.read()[5:] == src.view.read()[3:], "unaligned copy differs"
    src.check_guards()
    dst.check_guards()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def train_paced(dut):
    tb = DmaTb(dut)
    await tb.start()
    for pipelined in (False, True):
        tx = tb.add_tx_device(2, 4, 16, pacing=Pacing.fixed(1), pipelined=pipelined)
        chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=2, pipelined=pipelined))
        _, _, _, problems = await paced_run(tb, chan, DMA_MEM_TO_DEV, tx, [1024, 1024])
        assert not problems and not tx.expected, f"transmit: {problems}"
        tx.stop()
        await chan.release()

        rx = tb.add_rx_device(3, 4, 16, pacing=Pacing.fixed(1), pipelined=pipelined)
        chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=3, pipelined=pipelined))
        bufs, _, _, problems = await paced_run(tb, chan, DMA_DEV_TO_MEM, rx, [1024, 1024])
        got = b"".join(b.view.read() for b in bufs)
        assert not problems and got == b"".join(element(i, 4) for i in range(2048)), f"receive: {problems}"
        rx.stop()
        await chan.release()
    tb.check_peripherals()
    await tb.stop()


@cocotb.test()
async def train_video(dut):
    """A 256x64 frame at a pitch of 1280 bytes, one pixel per cycle with line blanking, through
    one interleaved descriptor and the pipelined handshake (benchmark 6c's pattern)."""
    tb = DmaTb(dut)
    await tb.start()
    ops = layout.reg("OPS_CONFIG")
    if not await tb.backend.readl(ops.offset) & ops.field("XT").mask:
        tb.log.info("no 2D descriptors in this build (XT=0): no video frame to train on")
        await tb.stop()
        return
    width, lines, pad, maxburst = 256, 64, 256, 16
    camera = add_camera(tb, 1, maxburst, width, lines, hblank=64, vblank=0, depth=8 * maxburst, pipelined=True)
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(1, pipelined=True))
    line_bytes = width * BYTES_PER_PIXEL
    pitch = line_bytes + pad
    tx, buf = prep_capture(tb, chan, camera, lines, pad, bytes(pitch * lines), maxburst)
    camera.start(frames=1)
    await _copy(tb, chan, tx)
    got = buf.read()
    for y, row in enumerate(camera.frame(0)):
        assert got[y * pitch : y * pitch + line_bytes] == row, f"captured line {y} differs"
        assert got[y * pitch + line_bytes : (y + 1) * pitch] == bytes(pad), f"the pad after line {y} was written"
    tb.check_peripherals()
    await chan.release()
    await tb.stop()

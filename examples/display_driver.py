"""A display driver's DMA side, written as a DRM plane driver does it (zynqmp_disp's
zynqmp_disp_layer_update): each page flip prepares one interleaved transfer of the new
frame buffer (lines at a pitch) with DMA_PREP_REPEAT | DMA_PREP_LOAD_EOT, so the display
controller shows it again and again until the next flip takes over at a frame's end; the
transfer's callback is the vblank. The display here is tb/video.py's scanout model: it
fails the test on a torn frame, a frame out of order or an underrun.

Run it with:  make sim TEST=examples/display_driver.py
"""

import cocotb
from cocotb.triggers import ClockCycles

from pydma import (
    DMA_CTRL_ACK,
    DMA_MEM_TO_DEV,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaSlaveConfig,
    dma_async_issue_pending,
    dma_map_single,
    dma_request_channel,
    dma_unmap_single,
    dmaengine_slave_config,
    dmaengine_submit,
    dmaengine_terminate_sync,
    kfree,
    kmalloc,
)
from pydma.dmaengine import DataChunk, DmaInterleavedTemplate, dmaengine_prep_interleaved_dma
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaCtrlFlags
from tb.dma_tb import DmaTb
from tb.video import add_display

LINE = 4  # the display controller's video request line (from the board description)
WIDTH, HEIGHT, CPP, PITCH = 48, 10, 4, 256  # a tiny XRGB8888 mode, lines 256 bytes apart


class PlaneDma:
    """The plane's DMA channel: set up once, then one transfer per page flip."""

    def __init__(self, data_reg: int) -> None:
        self.chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=LINE, pipelined=True))
        cfg = DmaSlaveConfig(dst_addr=data_reg, dst_addr_width=CPP, dst_maxburst=16)
        if dmaengine_slave_config(self.chan, cfg):
            raise RuntimeError("slave config refused")
        self.vblanks = 0

    def vblank(self, param) -> None:  # the callback: once per frame shown
        self.vblanks += 1

    def page_flip(self, fb_dma: int) -> None:
        xt = DmaInterleavedTemplate(
            src_start=fb_dma,
            dir=DMA_MEM_TO_DEV,
            src_inc=True,
            src_sgl=True,
            numf=HEIGHT,
            frame_size=1,
            sgl=[DataChunk(size=WIDTH * CPP, icg=PITCH - WIDTH * CPP)],
        )
        flags = DMA_CTRL_ACK | DmaCtrlFlags.DMA_PREP_REPEAT | DmaCtrlFlags.DMA_PREP_LOAD_EOT
        desc = dmaengine_prep_interleaved_dma(self.chan, xt, flags)
        if desc is None:
            raise RuntimeError("prep refused")
        desc.callback = self.vblank
        dmaengine_submit(desc)
        dma_async_issue_pending(self.chan)


@cocotb.test()
async def flip_three_frame_buffers(dut):
    tb = DmaTb(dut)
    await tb.start()
    frame_bytes = WIDTH * CPP * HEIGHT
    display = add_display(tb, LINE, CPP, 16, frame_bytes, every=2, pipelined=True)
    plane = PlaneDma(display.data_addr)

    fbs = []
    for n in range(3):  # three frame buffers, each a different picture
        fb = kmalloc(tb.dev, PITCH * HEIGHT)
        fb.write(0, bytes((n * 50 + i) & 0xFF for i in range(PITCH * HEIGHT)))
        raw = fb.read()
        display.queue(b"".join(raw[y * PITCH : y * PITCH + WIDTH * CPP] for y in range(HEIGHT)))
        fbs.append((fb, dma_map_single(tb.dev, fb, PITCH * HEIGHT, DMA_TO_DEVICE)))

    frame_cycles = frame_bytes // CPP * 2
    for _fb, fb_dma in fbs:
        plane.page_flip(fb_dma)
        await ClockCycles(dut.clk, 3 * frame_cycles)  # about three refreshes of each
    display.stop_scanning()
    await dmaengine_terminate_sync(plane.chan)

    dut._log.info("frames shown: %s; vblank callbacks: %d", display.shown, plane.vblanks)
    assert display.shown[0] == 0 and display.shown[-1] == 2 and set(display.shown) == {0, 1, 2}
    assert plane.vblanks >= 3
    tb.check_peripherals()  # no torn frame, none out of order, no underrun
    display.stop()
    for fb, fb_dma in fbs:
        dma_unmap_single(tb.dev, fb_dma, PITCH * HEIGHT, DMA_TO_DEVICE)
        kfree(fb)
    await plane.chan.release()
    await tb.stop()

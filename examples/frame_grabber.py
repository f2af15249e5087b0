"""A frame grabber's DMA side, written as a V4L2 capture driver does it (xilinx's xvip
DMA, xvip_dma_buffer_queue): each buffer the application queues becomes one interleaved
transfer from the camera's FIFO into the buffer, lines at the buffer's pitch; the
transfer's callback hands the buffer back filled (vb2_buffer_done), and here the
application queues it again at once. Three buffers capture six frames of tb/video.py's
camera (blanking between lines and frames), each checked pixel by pixel, the padding
between lines untouched.

Run it with:  make sim TEST=examples/frame_grabber.py
"""

from collections import deque

import cocotb
from cocotb.triggers import Event, with_timeout

from pydma import (
    DMA_CTRL_ACK,
    DMA_DEV_TO_MEM,
    DMA_FROM_DEVICE,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DmaCapMask,
    DmaSlaveConfig,
    dma_async_issue_pending,
    dma_map_single,
    dma_request_channel,
    dma_sync_single_for_cpu,
    dma_sync_single_for_device,
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
from tb.dma_tb import DmaTb
from tb.video import BYTES_PER_PIXEL, add_camera

LINE = 5  # the camera interface's request line (from the board description)
WIDTH, HEIGHT, PITCH = 40, 8, 192  # pixels, lines, bytes from one line to the next
FRAMES = 6


class CaptureDma:
    """The capture channel and its queue of buffers, as the driver keeps them."""

    def __init__(self, data_reg: int) -> None:
        self.chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=LINE, pipelined=True))
        cfg = DmaSlaveConfig(src_addr=data_reg, src_addr_width=BYTES_PER_PIXEL, src_maxburst=8)
        if dmaengine_slave_config(self.chan, cfg):
            raise RuntimeError("slave config refused")
        self.done: deque[int] = deque()  # buffers filled, in order (the vb2 done list)
        self.filled = Event()

    def buffer_done(self, buf_dma: int) -> None:  # the callback (atomic context)
        self.done.append(buf_dma)
        self.filled.set()

    def buffer_queue(self, buf_dma: int) -> None:
        xt = DmaInterleavedTemplate(
            dst_start=buf_dma,
            dir=DMA_DEV_TO_MEM,
            dst_inc=True,
            dst_sgl=True,
            numf=HEIGHT,
            frame_size=1,
            sgl=[DataChunk(size=WIDTH * BYTES_PER_PIXEL, icg=PITCH - WIDTH * BYTES_PER_PIXEL)],
        )
        desc = dmaengine_prep_interleaved_dma(self.chan, xt, DMA_PREP_INTERRUPT | DMA_CTRL_ACK)
        if desc is None:
            raise RuntimeError("prep refused")
        desc.callback = self.buffer_done
        desc.callback_param = buf_dma
        dmaengine_submit(desc)
        dma_async_issue_pending(self.chan)


@cocotb.test()
async def capture_six_frames(dut):
    tb = DmaTb(dut)
    await tb.start()
    camera = add_camera(tb, LINE, 8, WIDTH, HEIGHT, hblank=16, vblank=200, pipelined=True)
    grab = CaptureDma(camera.data_addr)
    size = PITCH * HEIGHT
    bufs = {}
    for _ in range(3):
        buf = kmalloc(tb.dev, size)
        buf.write(0, bytes([0xA5]) * size)  # padding the camera must not touch
        buf_dma = dma_map_single(tb.dev, buf, size, DMA_FROM_DEVICE)
        bufs[buf_dma] = buf
        grab.buffer_queue(buf_dma)
    camera.start(frames=FRAMES)

    line = WIDTH * BYTES_PER_PIXEL
    for n in range(FRAMES):  # the application: dequeue, check, queue again
        while not grab.done:
            grab.filled.clear()
            await with_timeout(grab.filled.wait(), 1, "ms")
        buf_dma = grab.done.popleft()
        dma_sync_single_for_cpu(tb.dev, buf_dma, size, DMA_FROM_DEVICE)
        raw = bufs[buf_dma].read()
        for y, pixels in enumerate(camera.frame(n)):
            assert raw[y * PITCH : y * PITCH + line] == pixels, f"frame {n} line {y}"
            assert raw[y * PITCH + line : (y + 1) * PITCH] == bytes([0xA5]) * (PITCH - line), "padding written"
        dut._log.info("frame %d captured into 0x%x", n, buf_dma)
        if n + 3 < FRAMES:
            dma_sync_single_for_device(tb.dev, buf_dma, size, DMA_FROM_DEVICE)
            grab.buffer_queue(buf_dma)

    await dmaengine_terminate_sync(grab.chan)
    tb.check_peripherals()  # the camera never overran: every buffer was queued in time
    camera.stop()
    for buf_dma, buf in bufs.items():
        dma_unmap_single(tb.dev, buf_dma, size, DMA_FROM_DEVICE)
        kfree(buf)
    await grab.chan.release()
    await tb.stop()

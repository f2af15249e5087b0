"""A driver author's first test: request a channel, map two buffers, copy, check.

Run it with:  make sim TEST=examples/my_first_test.py   (any path to a .py file works)
"""

import cocotb

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaStatus,
    dma_map_single,
    dma_request_channel,
    dma_unmap_single,
    kfree,
    kmalloc,
)
from tb.dma_tb import DmaTb


@cocotb.test()
async def copy_a_buffer(dut):
    tb = DmaTb(dut)  # clock, memory model, AXI-Lite master
    await tb.start()  # reset, probe the driver: channels dma0chan0..3 exist now

    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    src, dst = kmalloc(tb.dev, 4096), kmalloc(tb.dev, 4096)
    src.write(0, bytes(range(256)) * 16)

    src_dma = dma_map_single(tb.dev, src, 4096, DMA_TO_DEVICE)
    dst_dma = dma_map_single(tb.dev, dst, 4096, DMA_FROM_DEVICE)
    tx = chan.prep_dma_memcpy(dst_dma + 1, src_dma, 4000, DMA_PREP_INTERRUPT)
    tx.callback = lambda param: dut._log.info("callback: %s done", param)
    tx.callback_param = "copy"
    cookie = tx.submit()  # queued; nothing moves yet
    status = await chan.sync_wait(cookie)  # issue_pending, then wait
    dma_unmap_single(tb.dev, src_dma, 4096, DMA_TO_DEVICE)
    dma_unmap_single(tb.dev, dst_dma, 4096, DMA_FROM_DEVICE)

    assert status == DmaStatus.DMA_COMPLETE
    assert dst.read(1, 4000) == src.read(0, 4000)
    kfree(src)
    kfree(dst)
    await chan.release()
    await tb.stop()

"""Smoke: probe the controller and run one memcpy through the driver."""

import cocotb
from cocotb.triggers import with_timeout

from pydma import DMA_MEMCPY, DMA_PREP_INTERRUPT, DmaCapMask, DmaStatus, dma_request_channel
from tb.dma_tb import DmaTb


@cocotb.test()
async def test_one_copy(dut):
    tb = DmaTb(dut)
    await tb.start()
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    assert chan is not None
    src = tb.alloc_guarded(300)
    dst = tb.alloc_guarded(300)
    desc = chan.prep_dma_memcpy(dst.addr + 3, src.addr + 1, 290, DMA_PREP_INTERRUPT)
    done = []
    desc.callback = lambda p: done.append(p)
    desc.callback_param = "x"
    cookie = desc.submit()
    chan.issue_pending()
    status = await with_timeout(chan.sync_wait(cookie), 100, "us")
    assert status == DmaStatus.DMA_COMPLETE
    await tb.idle_cycles(5)
    assert done == ["x"]
    assert dst.view.read(3, 290) == src.view.read(1, 290)
    dst.check_guards()
    await chan.release()
    await tb.stop()

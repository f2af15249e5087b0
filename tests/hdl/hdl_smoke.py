"""Smoke: probe the controller and run one memcpy through the driver."""

import cocotb

from pydma import DMA_PREP_INTERRUPT
from tb.testenv import callbacks_ran, memcpy_channel, started, wait_complete


@cocotb.test()
async def test_one_copy(dut):
    tb = await started(dut, stalls=0.0)
    chan = memcpy_channel()
    src = tb.alloc_guarded(300)
    dst = tb.alloc_guarded(300)
    desc = chan.prep_dma_memcpy(dst.addr + 3, src.addr + 1, 290, DMA_PREP_INTERRUPT)
    done = []
    desc.callback = lambda p: done.append(p)
    desc.callback_param = "x"
    cookie = desc.submit()
    chan.issue_pending()
    await wait_complete(chan, cookie, 100)
    await callbacks_ran(chan)  # a completed cookie does not mean its callback ran
    assert done == ["x"]
    assert dst.view.read(3, 290) == src.view.read(1, 290)
    dst.check_guards()
    await chan.release()
    await tb.stop()

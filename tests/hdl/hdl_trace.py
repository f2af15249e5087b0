"""Work whose timeline is known, for tests/test_trace.py (run with PYDMA_TRACE=1): memcpys on
two channels at once, a transfer to a paced transmit FIFO, and a copy terminated while it
runs. What was done is written to expected.json next to the trace, which the pytest side
compares with trace.json."""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.triggers import ClockCycles, Event, gather, with_timeout

from pydma import (
    DMA_MEM_TO_DEV,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DmaCapMask,
    DmaSlaveConfig,
    DmaStatus,
    dma_request_channel,
)
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from tb.peripherals import Pacing
from tb.testenv import Arena, Copy, memcpy_channel, started, wait_complete

LINE = 2


@cocotb.test()
async def test_known_timeline(dut):
    tb = await started(dut)
    done: list[dict] = []
    arena = Arena(tb, 1 << 16)

    async def copies(chan, plan: list[Copy]) -> None:
        cookies = []
        for c in plan:
            tx = chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, DMA_PREP_INTERRUPT)
            cookie = tx.submit()
            cookies.append(cookie)
            arena.expect(c)
            done.append({"chan": chan.chan_id, "cookie": cookie, "op": "memcpy", "bytes": c.length, "end": "completed",
                         "src": arena.src.addr + c.src, "dst": arena.dst.addr + c.dst})  # fmt: skip
        chan.issue_pending()
        for cookie in cookies:
            await wait_complete(chan, cookie)

    a, b = memcpy_channel(), memcpy_channel()
    await gather(
        copies(a, [Copy(0, 0, 4096), Copy(8192 + 3, 8192 + 5, 1000)]),
        copies(b, [Copy(16384, 16384 + 64, 3000)]),
    )
    arena.check([])

    # a paced transmit FIFO: 4-byte register, bursts of 8, drained every 2 cycles
    dev = tb.add_tx_device(LINE, 4, 8, depth=32, pacing=Pacing.fixed(2))
    s = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=LINE))
    assert s.slave_config(DmaSlaveConfig(dst_addr=dev.data_addr, dst_addr_width=4, dst_maxburst=8)) == 0
    buf = tb.alloc_guarded(512)
    dev.expect(buf.view.read())
    tx = s.prep_slave_single(buf.addr, 512, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    ended = Event()
    tx.callback = lambda _: ended.set()
    cookie = tx.submit()
    s.issue_pending()
    await with_timeout(ended.wait(), 1, "ms")
    done.append({"chan": s.chan_id, "cookie": cookie, "op": "slave_sg to device", "bytes": 512, "end": "completed",
                 "line": LINE, "handshakes": len(tb.req_monitor.handshakes)})  # fmt: skip
    buf.check_guards()
    tb.check_peripherals()
    dev.stop()

    # a long copy terminated while it runs
    big = Arena(tb, 1 << 18)
    tx = a.prep_dma_memcpy(big.dst.addr, big.src.addr, 1 << 18, DMA_PREP_INTERRUPT)
    cookie = tx.submit()
    a.issue_pending()
    await ClockCycles(dut.clk, 500)
    assert a.tx_status(cookie) == DmaStatus.DMA_IN_PROGRESS
    assert await a.terminate_sync() == 0
    done.append({"chan": a.chan_id, "cookie": cookie, "op": "memcpy", "bytes": 1 << 18, "end": "terminated"})

    for chan in (a, b, s):
        await chan.release()
    await tb.stop()
    with open(os.path.join(os.environ["PYDMA_TRACE_DIR"], "expected.json"), "w") as f:
        json.dump({"transactions": done, "bus_bytes": tb.bus_bytes, "num_ch": tb.num_ch}, f)

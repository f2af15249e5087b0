"""Shared set-up for the slave-transfer modules: a started testbench, a slave channel on a
request line, and helpers that run one transfer and check it element by element."""

from __future__ import annotations

import os

from cocotb.triggers import Event, with_timeout

from pydma import (
    DMA_CYCLIC,
    DMA_MEM_TO_DEV,
    DMA_SLAVE,
    DmaCapMask,
    DmaSlaveConfig,
    dma_request_channel,
)
from pydma.dmaengine import DmaChan
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.hw import layout as L
from tb.dma_tb import DmaTb
from tb.peripherals import element

LINE = 3
# the request handshake the peripherals and channels of this run use (tests/test_hdl.py
# alternates it over the matrix): pipelined (SLAVE_CFG.REQ_PIPE) or four-phase
PIPELINED = os.environ.get("PYDMA_REQ_PIPE", "0") == "1"


def stalls() -> float:
    return float(os.environ.get("PYDMA_STALLS", "0"))


async def setup(dut) -> DmaTb:
    tb = DmaTb(dut, stalls=stalls())
    await tb.start()
    tb.log.info("request handshake: %s", "pipelined" if PIPELINED else "four-phase")
    return tb


def slave_channel(line: int = LINE) -> DmaChan:
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE, DMA_CYCLIC), pydma_filter, PydmaRequest(line, pipelined=PIPELINED))
    assert chan is not None, "no slave channel"
    return chan


def configure(chan: DmaChan, direction, dev_addr: int, width: int, maxburst: int, fc: bool = False) -> None:
    cfg = DmaSlaveConfig(device_fc=fc)
    if direction == DMA_MEM_TO_DEV:
        cfg.dst_addr, cfg.dst_addr_width, cfg.dst_maxburst = dev_addr, width, maxburst
    else:
        cfg.src_addr, cfg.src_addr_width, cfg.src_maxburst = dev_addr, width, maxburst
    assert chan.slave_config(cfg) == 0


def stream(first: int, count: int, width: int) -> bytes:
    return b"".join(element(i, width) for i in range(first, first + count))


async def wait_paused(tb: DmaTb, chan: DmaChan) -> None:
    """Poll STATUS until the channel reports PAUSED (nothing of it in flight)."""
    paused = L.reg("STATUS").field("PAUSED").mask
    while not await tb.backend.readl(L.chan_reg_addr(chan.index, "STATUS")) & paused:
        pass


async def wait_done(tx, timeout_us: int = 20000):
    """Attach a callback_result to `tx`, submit and issue it, wait for the callback."""
    done = Event()
    results = []

    def cb(param, result):
        results.append(result)
        done.set()

    tx.callback_result = cb
    tx.submit()
    tx.chan.issue_pending()
    await with_timeout(done.wait(), timeout_us, "us")
    return results[0]

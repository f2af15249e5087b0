"""For the slave-transfer modules: a started testbench that says which request handshake
this run uses, a slave channel on a request line, its configuration, the elements a device
model sends, and waiting for a pause to take hold."""

from __future__ import annotations

import os

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
from pydma.hw import layout
from tb.dma_tb import DmaTb
from tb.peripherals import element
from tb.testenv.started import started

LINE = 3
# the request handshake the peripherals and channels of this run use (tests/test_hdl.py
# alternates it over the matrix): pipelined (SLAVE_CFG.REQ_PIPE) or four-phase
PIPELINED = os.environ.get("PYDMA_REQ_PIPE", "0") == "1"


async def started_for_slaves(dut) -> DmaTb:
    """A started testbench (the run's stall setting) that logs the request handshake."""
    tb = await started(dut)
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
    paused = layout.reg("STATUS").field("PAUSED").mask
    while not await tb.backend.readl(layout.chan_reg_addr(chan.index, "STATUS")) & paused:
        pass

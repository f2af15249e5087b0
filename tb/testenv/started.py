"""A started testbench for a regression module: the run's stall setting, reset, the driver
probed; and the memcpy channel most modules then ask for."""

from __future__ import annotations

import os
from typing import Any

from pydma import DMA_MEMCPY, DmaCapMask, dma_request_channel
from pydma.dmaengine import DmaChan
from pydma.enums import DmaTransactionType
from tb.dma_tb import DmaTb


def stall_setting(default: float = 0.0) -> float:
    """The stall probability the regression set for this run (PYDMA_STALLS), or `default`."""
    return float(os.environ.get("PYDMA_STALLS", default))


async def started(dut, stalls: float | None = None, **start: Any) -> DmaTb:
    """A testbench with `stalls` (None: the run's setting) whose driver is probed; `start`
    goes to `DmaTb.start` (max_hw_desc, slave_map)."""
    tb = DmaTb(dut, stalls=stall_setting() if stalls is None else stalls)
    await tb.start(**start)
    return tb


def memcpy_channel(*more: DmaTransactionType) -> DmaChan:
    """A channel that can DMA_MEMCPY (and the capabilities in `more`)."""
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY, *more))
    assert chan is not None, "no memcpy channel"
    return chan

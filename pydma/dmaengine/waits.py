"""Waiting for a cookie: dma_sync_wait, and `sync_waits`, the waits in progress (which a
hang detector reads)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydma import strict
from pydma.enums import DmaStatus
from pydma.kcontext import sleeping

if TYPE_CHECKING:
    from pydma.dmaengine.channel import DmaChan

log = logging.getLogger("pydma")

# what to do instead, when a sleeping call is made from a callback or an interrupt handler
# (dmaengine_terminate_sync's, _TERMINATE_HINT, is in channel.py)
_WAIT_HINT = "A callback runs once its transaction completed: tx_status() tells, without waiting."


@sleeping("dma_sync_wait", hint=_WAIT_HINT, kernel_sleeps=False)
async def dma_sync_wait(chan: DmaChan, cookie: int, timeout_ns: int = 5_000_000) -> DmaStatus:
    """Issue pending work and wait for `cookie`. Wakes on completions instead of polling
    every cycle. Returns DMA_ERROR on timeout, as the kernel. The kernel busy-polls for
    5000 ms of wall time; the default here is 5 ms of the runtime's clock, which in a
    simulation is simulated time (millions of cycles): pass a longer one on wall time."""
    strict.sync_waiting(chan, cookie)
    chan.issue_pending()
    rt = chan.device.runtime
    deadline = rt.now_ns() + timeout_ns
    waiter = (chan, cookie)
    sync_waits.append(waiter)  # (a hang detector reads who waits on what)
    try:
        while True:
            status = chan.tx_status(cookie)
            if status != DmaStatus.DMA_IN_PROGRESS:
                return status
            remaining = deadline - rt.now_ns()
            if remaining > 0:
                chan.progress.clear()
                try:
                    await rt.wait_for(chan.progress.wait(), remaining)
                    continue
                except TimeoutError:
                    status = chan.tx_status(cookie)  # the deadline passed: one last look
                    if status != DmaStatus.DMA_IN_PROGRESS:
                        return status
            log.error("%s: dma_sync_wait timeout", chan.name)
            return DmaStatus.DMA_ERROR
    finally:
        sync_waits.remove(waiter)


# the (channel, cookie) of each dma_sync_wait in progress (tb/watchdog.py explains a hang with it)
sync_waits: list[tuple[DmaChan, int]] = []

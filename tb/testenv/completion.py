"""Run work to completion: by its callback (what a client that sleeps on a completion does)
or by polling its cookie (dma_sync_wait). Each fails the test on a timeout."""

from __future__ import annotations

from cocotb.triggers import Event, with_timeout

from pydma import DmaStatus
from pydma.dmaengine import DmaAsyncTxDescriptor, DmaChan, DmaengineResult


async def run_to_completion(tx: DmaAsyncTxDescriptor, timeout_us: int = 20_000) -> DmaengineResult:
    """Attach a callback_result to `tx`, submit and issue it, wait for the callback; its result."""
    done = Event()
    results = []

    def cb(param, result) -> None:
        results.append(result)
        done.set()

    tx.callback_result = cb
    tx.submit()
    tx.chan.issue_pending()
    await with_timeout(done.wait(), timeout_us, "us")
    return results[0]


async def wait_complete(chan: DmaChan, cookie: int, timeout_us: int = 50_000) -> None:
    """Issue pending work and wait for `cookie` (dma_sync_wait), which must be DMA_COMPLETE."""
    status = await with_timeout(chan.sync_wait(cookie), timeout_us, "us")
    assert status == DmaStatus.DMA_COMPLETE, status.name


async def callbacks_ran(*chans: DmaChan) -> None:
    """Wait until each channel's tasklet has run what is scheduled on it: the callbacks of its
    completed cookies, and the frees of their descriptors. A cookie that reads DMA_COMPLETE
    does not mean its callback ran: on a loaded machine (PYDMA_JITTER=1, on in make test) the
    tasklet runs microseconds later. This is the tasklet_kill that dmaengine_synchronize
    waits on, without its claim that nothing terminated runs afterwards."""
    for chan in chans:
        await chan.tasklet.kill()

"""async_tx dependencies, the provider's side: dma_run_dependencies submits and issues what
waits for a completed descriptor; dma_abort_dependencies and dma_abort_one end what waits
for a terminated one."""

from __future__ import annotations

from pydma import strict
from pydma.dmaengine.descriptors import DmaAsyncTxDescriptor, DmaengineResult
from pydma.enums import DmaengineTxResult
from pydma.trace import tracer


def dma_run_dependencies(tx: DmaAsyncTxDescriptor) -> None:
    """Submit what waits for tx (its ->next, and behind that every dependent on the same
    channel up to a channel switch, whose interrupt descriptor calls this again), then
    issue them. Called by the provider from the completion tasklet, after the callback."""
    dep = tx.next
    if dep is None:
        return
    tx.next = None
    chan = dep.chan
    while dep is not None:
        dep.parent = None
        dep_next = dep.next
        if dep_next is not None and dep_next.chan is chan:
            dep.next = None  # submitted here
        else:
            dep_next = None  # stop: a switch to another channel goes on from its interrupt
        dep.tx_submit()
        dep = dep_next
    chan.device.device_issue_pending(chan)


def dma_abort_dependencies(tx: DmaAsyncTxDescriptor) -> None:
    """pydma: tx was terminated, so what waits for it never runs. Each dependent in its
    chain is aborted (dma_abort_one: dma_wait_for_async_tx returns DMA_ERROR for it at once
    instead of waiting for a submission that never comes) and freed."""
    dep, tx.next = tx.next, None
    while dep is not None and not dep.freed:
        nxt, dep.next, dep.parent = dep.next, None, None
        dma_abort_one(dep)
        dep.desc_free_unsubmitted()
        dep = nxt


def dma_abort_one(dep: DmaAsyncTxDescriptor) -> None:
    """A dependent that will never run: marked, its unmap reference dropped, and a
    `callback_result` told DMA_TRANS_ABORTED (a legacy `callback` is not called: it could
    only say the operation completed, and a terminated descriptor's callback does not run)."""
    from pydma.dmaengine_unmap import dma_descriptor_unmap

    dep.aborted = True
    if tracer.enabled:
        tracer.end(dep, "aborted")
    dma_descriptor_unmap(dep)
    if dep.callback_result is not None:
        strict.callback_invoking(dep)
        dep.callback_result(dep.callback_param, DmaengineResult(DmaengineTxResult.DMA_TRANS_ABORTED, 0))

"""The core of the asynchronous transfer/transform API (crypto/async_tx/async_tx.c,
include/linux/async_tx.h): submission control, channel lookup, dependency chains, channel
switches, quiesce and the synchronous epilog.

Deviation, on purpose: the `async_*` calls are coroutines here. In the kernel they may
spin-wait (quiescing a dependency before a synchronous fallback, retrying a prep that found
no free descriptor, a channel switch on a device without interrupts); a busy loop cannot
advance a simulation, so those waits are awaits. Call them from process context:
`tx = await async_xor(...)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntFlag
from typing import Any

from pydma.channel_table import dma_find_channel
from pydma.dmaengine import DmaAsyncTxDescriptor, DmaChan, dma_issue_pending_all, dma_sync_wait
from pydma.enums import DmaStatus, DmaTransactionType
from pydma.errors import EIO, DmaApiMisuse, DmaError
from pydma.kcontext import sleeping

log = logging.getLogger("pydma.async_tx")


class AsyncTxFlags(IntFlag):
    """enum async_tx_flags."""

    ASYNC_TX_XOR_ZERO_DST = 1 << 0  # the destination is not a source: zero it first
    ASYNC_TX_XOR_DROP_DST = 1 << 1  # the destination is the first source: drop it
    ASYNC_TX_ACK = 1 << 2  # nothing will depend on the result: ack it at submit
    ASYNC_TX_FENCE = 1 << 3  # the next operation depends on this one's result
    ASYNC_TX_PQ_XOR_DST = 1 << 4  # XOR the new P/Q into the destinations (software only)


@dataclass
class AsyncSubmitCtl:
    """struct async_submit_ctl."""

    flags: AsyncTxFlags = field(default_factory=lambda: AsyncTxFlags(0))
    depend_tx: DmaAsyncTxDescriptor | None = None
    cb_fn: Callable[[Any], None] | None = None
    cb_param: Any = None
    scribble: Any = None


def init_async_submit(
    args: AsyncSubmitCtl | None,
    flags: int,
    tx: DmaAsyncTxDescriptor | None,
    cb_fn: Callable[[Any], None] | None,
    cb_param: Any,
    scribble: Any = None,
) -> AsyncSubmitCtl:
    """Fill `args` (or a new one) as the kernel's init_async_submit fills its struct."""
    args = args if args is not None else AsyncSubmitCtl()
    args.flags = AsyncTxFlags(flags)
    args.depend_tx = tx
    args.cb_fn = cb_fn
    args.cb_param = cb_param
    args.scribble = scribble
    return args


# -- descriptor links (txd_* of include/linux/dmaengine.h; one thread: no lock needed) -------


def txd_chain(txd: DmaAsyncTxDescriptor, nxt: DmaAsyncTxDescriptor) -> None:
    txd.next = nxt
    nxt.parent = txd


def async_tx_ack(tx: DmaAsyncTxDescriptor) -> None:
    tx.ack()


def async_tx_test_ack(tx: DmaAsyncTxDescriptor) -> bool:
    return tx.test_ack()


def async_tx_issue_pending_all() -> None:
    dma_issue_pending_all()


def async_tx_find_channel(submit: AsyncSubmitCtl, tx_type: DmaTransactionType, *_buffers: Any) -> DmaChan | None:
    """Keep the chain on the dependency's channel when its device can do tx_type, else the
    public channel table's channel for tx_type (None: run synchronously)."""
    dep = submit.depend_tx
    if dep is not None and tx_type in dep.chan.device.cap_mask:
        return dep.chan
    return dma_find_channel(tx_type)


# -- waiting -----------------------------------------------------------------------------------------


@sleeping("dma_wait_for_async_tx", kernel_sleeps=False)
async def dma_wait_for_async_tx(tx: DmaAsyncTxDescriptor | None, timeout_ns: int = 5_000_000) -> DmaStatus:
    """Wait until tx is submitted (a dependent is submitted when its parent completes) and
    then until it completes; DMA_ERROR after timeout_ns of the runtime's clock."""
    if tx is None:
        return DmaStatus.DMA_COMPLETE
    rt = tx.chan.device.runtime
    deadline = rt.now_ns() + timeout_ns
    while tx.cookie < 0:
        if tx.aborted:  # it waited behind a terminated descriptor (dma_abort_dependencies)
            return DmaStatus.DMA_ERROR
        if rt.now_ns() >= deadline:
            log.error("%s: timeout waiting for descriptor submission of %r", tx.chan.name, tx)
            return DmaStatus.DMA_ERROR
        await rt.sleep_ns(100)
    return await dma_sync_wait(tx.chan, tx.cookie, timeout_ns)  # its own budget, as the kernel's


@sleeping("async_tx_quiesce", kernel_sleeps=False)
async def async_tx_quiesce(tx: DmaAsyncTxDescriptor | None) -> None:
    """Wait until tx is complete and ack it. Returns None, so that
    `submit.depend_tx = await async_tx_quiesce(submit.depend_tx)` does what the kernel's
    `async_tx_quiesce(&submit->depend_tx)` does. The kernel panics when the dependency
    failed; this raises DmaError."""
    if tx is None:
        return None
    if async_tx_test_ack(tx):
        raise DmaApiMisuse(f"async_tx_quiesce of {tx!r}, already acked: it may be another operation by now")
    status = await dma_wait_for_async_tx(tx)
    if status != DmaStatus.DMA_COMPLETE:
        raise DmaError(EIO, f"async_tx_quiesce: DMA error waiting for {tx!r} ({status.name})")
    async_tx_ack(tx)
    return None


def async_tx_sync_epilog(submit: AsyncSubmitCtl) -> None:
    if submit.cb_fn is not None:
        submit.cb_fn(submit.cb_param)


# -- submission ---------------------------------------------------------------------------------------


async def async_tx_channel_switch(depend_tx: DmaAsyncTxDescriptor, tx: DmaAsyncTxDescriptor) -> None:
    """tx runs on another channel than depend_tx: queue an interrupt descriptor behind
    depend_tx on its channel with tx attached, so dma_run_dependencies submits tx when
    depend_tx's channel gets there."""
    chan = depend_tx.chan
    device = chan.device
    if depend_tx.parent is not None and depend_tx.chan is tx.chan:
        txd_chain(depend_tx, tx)
        device.device_issue_pending(chan)
        return
    intr_tx = None
    if DmaTransactionType.DMA_INTERRUPT in device.cap_mask:
        intr_tx = device.device_prep_dma_interrupt(chan, 0)
    if intr_tx is not None:
        intr_tx.callback = None
        intr_tx.callback_param = None
        txd_chain(intr_tx, tx)
        if depend_tx.parent is not None:  # depend_tx is itself waiting: append behind it
            txd_chain(depend_tx, intr_tx)
            async_tx_ack(intr_tx)
        else:
            intr_tx.parent = None
            intr_tx.tx_submit()
            async_tx_ack(intr_tx)
        device.device_issue_pending(chan)
    else:
        if await dma_wait_for_async_tx(depend_tx) != DmaStatus.DMA_COMPLETE:
            raise DmaError(EIO, f"async_tx_channel_switch: DMA error waiting for {depend_tx!r}")
        tx.tx_submit()


async def async_tx_submit(chan: DmaChan, tx: DmaAsyncTxDescriptor, submit: AsyncSubmitCtl) -> None:
    """Submit tx behind submit.depend_tx: directly on the same channel (the channel keeps
    the order), attached to a dependency that is still waiting itself, or through a channel
    switch."""
    depend_tx = submit.depend_tx
    tx.callback = submit.cb_fn
    tx.callback_param = submit.cb_param
    if depend_tx is not None:
        if depend_tx.freed:
            # in C the descriptor's memory is gone: the pydma provider, like virt-dma, frees a
            # completed descriptor after its callback, acked or not (docs/async-tx.md)
            raise DmaApiMisuse(
                f"async_tx_submit of {tx!r} behind {depend_tx!r}, which completed and was freed: "
                "attach dependents before the dependency completes (use after free in C)"
            )
        # 1: an acked dependency may already be another operation; 2: dependencies are 1:1
        if async_tx_test_ack(depend_tx) or depend_tx.next is not None or tx.parent is not None:
            raise DmaApiMisuse(
                f"async_tx_submit of {tx!r} behind {depend_tx!r}: the dependency is acked or already "
                "has a dependent (the kernel's BUG_ON)"
            )
        if depend_tx.parent is not None:  # the dependency is not submitted yet
            if depend_tx.chan is chan:
                txd_chain(depend_tx, tx)
            else:
                await async_tx_channel_switch(depend_tx, tx)
        elif depend_tx.chan is chan:
            tx.parent = None
            tx.tx_submit()
        else:
            await async_tx_channel_switch(depend_tx, tx)
    else:
        tx.parent = None
        tx.tx_submit()
    if submit.flags & AsyncTxFlags.ASYNC_TX_ACK:
        async_tx_ack(tx)
    if depend_tx is not None:
        async_tx_ack(depend_tx)


@sleeping("async_trigger_callback", kernel_sleeps=False)
async def async_trigger_callback(submit: AsyncSubmitCtl) -> DmaAsyncTxDescriptor | None:
    """Run submit.cb_fn once the dependency completes: an interrupt descriptor on the
    dependency's channel, or (no dependency, no interrupt capability) synchronously now."""
    tx = None
    depend_tx = submit.depend_tx
    if depend_tx is not None:
        chan = depend_tx.chan
        device = chan.device
        if DmaTransactionType.DMA_INTERRUPT in device.cap_mask:
            tx = device.device_prep_dma_interrupt(chan, 0)
    if tx is not None:
        await async_tx_submit(tx.chan, tx, submit)
    else:
        submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
        async_tx_sync_epilog(submit)
    return tx


async def prep_until_done(chan: DmaChan, submit: AsyncSubmitCtl, prep: Callable[[], DmaAsyncTxDescriptor | None]):
    """The kernel's "drivers force forward progress" loop: a prep that finds no free
    descriptor is retried after quiescing the dependency and issuing what is queued. The
    kernel spins for ever; this gives up with DmaError after the runtime's 5 ms, as a prep
    refused for good (bad arguments) would otherwise hang."""
    tx = prep()
    if tx is not None:
        return tx
    submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
    rt = chan.device.runtime
    deadline = rt.now_ns() + 5_000_000
    while tx is None:
        chan.issue_pending()
        if rt.now_ns() >= deadline:
            raise DmaError(EIO, f"{chan.name}: prep keeps failing (arguments the device refuses?)")
        await rt.sleep_ns(1000)
        tx = prep()
    return tx

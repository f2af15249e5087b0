"""Transaction descriptors: `struct dma_async_tx_descriptor`, its results and a channel's tx
state, and the client's calls on one (submit, reuse, free), with the core's callback
invocation (dmaengine_desc_callback_invoke, drivers/dma/dmaengine.h)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydma import strict
from pydma.dmaengine.slave import DmaSlaveCaps, dma_get_slave_caps
from pydma.enums import DmaCtrlFlags, DmaengineTxResult
from pydma.errors import EINVAL, ENOSYS, EPERM, DmaApiMisuse

if TYPE_CHECKING:
    from pydma.dmaengine.channel import DmaChan


@dataclass
class DmaengineResult:
    result: DmaengineTxResult = DmaengineTxResult.DMA_TRANS_NOERROR
    residue: int = 0


@dataclass
class DmaTxState:
    last: int = 0
    used: int = 0
    residue: int = 0
    in_flight_bytes: int = 0


class DmaAsyncTxDescriptor:
    """struct dma_async_tx_descriptor. After submit() it belongs to the engine; only a
    descriptor marked for reuse may be touched again, once it has completed."""

    def __init__(self, chan: DmaChan, flags: DmaCtrlFlags) -> None:
        self.chan = chan
        self.flags = DmaCtrlFlags(flags)
        self.cookie = EINVAL  # not yet submitted: an error value (negative), as in the kernel
        self.last_cookie = 0  # the cookie its last submit assigned (kept after completion)
        self.callback: Callable[[Any], None] | None = None
        self.callback_result: Callable[[Any, DmaengineResult], None] | None = None
        self.callback_param: Any = None
        self.freed = False
        self.unmap = None  # DmaengineUnmapData: dropped when it completes (dma_descriptor_unmap)
        self.next: DmaAsyncTxDescriptor | None = None  # async_tx: submitted when this completes
        self.parent: DmaAsyncTxDescriptor | None = None  # async_tx: what this one waits for
        self.aborted = False  # async_tx: it waited behind a terminated descriptor; never runs
        self.memcpy_len: int | None = None  # a DMA_MEMCPY prep's length: counted at each submit (sysfs)

    # tx->tx_submit, filled in by the provider (vchan_tx_prep)
    def tx_submit(self) -> int:
        raise NotImplementedError

    def submit(self) -> int:
        return dmaengine_submit(self)

    # -- DMA_CTRL_ACK ------------------------------------------------------------------------
    def ack(self) -> None:
        self.flags |= DmaCtrlFlags.DMA_CTRL_ACK

    def test_ack(self) -> bool:
        return bool(self.flags & DmaCtrlFlags.DMA_CTRL_ACK)

    # -- DMA_CTRL_REUSE --------------------------------------------------------------------------
    def set_reuse(self) -> int:
        return dmaengine_desc_set_reuse(self)

    def clear_reuse(self) -> None:
        self.flags &= ~DmaCtrlFlags.DMA_CTRL_REUSE

    def test_reuse(self) -> bool:
        return bool(self.flags & DmaCtrlFlags.DMA_CTRL_REUSE)

    def free(self) -> int:
        return dmaengine_desc_free(self)

    # provider hook: free a descriptor that the client gave back (dmaengine_desc_free)
    def desc_free(self) -> int:
        return ENOSYS

    # provider hook: free a prepared descriptor that will never be submitted (an async_tx
    # dependent of a terminated descriptor)
    def desc_free_unsubmitted(self) -> None:
        raise NotImplementedError


def dmaengine_submit(desc: DmaAsyncTxDescriptor) -> int:
    desc.chan._check_live("dmaengine_submit")
    if desc.freed:
        raise DmaApiMisuse(f"submit of freed descriptor {desc!r}")
    return desc.tx_submit()


def dmaengine_desc_set_reuse(desc: DmaAsyncTxDescriptor) -> int:
    caps = DmaSlaveCaps()
    ret = dma_get_slave_caps(desc.chan, caps)
    if ret:
        return ret
    if not caps.descriptor_reuse:
        return EPERM
    desc.flags |= DmaCtrlFlags.DMA_CTRL_REUSE
    return 0


def dmaengine_desc_free(desc: DmaAsyncTxDescriptor) -> int:
    if not desc.test_reuse():
        return EPERM
    return desc.desc_free()


def dmaengine_desc_callback_invoke(desc: DmaAsyncTxDescriptor, result: DmaengineResult | None) -> None:
    """What drivers/dma/dmaengine.h does: prefer callback_result, else the legacy callback."""
    strict.callback_invoking(desc)
    if desc.callback_result is not None:
        desc.callback_result(desc.callback_param, result or DmaengineResult())
    elif desc.callback is not None:
        desc.callback(desc.callback_param)

"""The dmaengine client API and the provider-side `DmaDevice`/`DmaChan` base classes
(include/linux/dmaengine.h, drivers/dma/dmaengine.c), in snake_case.

Calls that cannot sleep in the kernel are synchronous here (prep, submit, issue_pending,
tx_status, terminate_async); calls that sleep are coroutines (synchronize, terminate_sync,
dma_sync_wait, dma_release_channel), made with `pydma.kcontext.sleeping`: one made from a
callback or an interrupt handler is refused at the call, and one never awaited is reported.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydma import cookie as _cookie
from pydma import strict
from pydma.dma_mapping import Device, Scatterlist
from pydma.enums import (
    DmaCtrlFlags,
    DmaengineTxResult,
    DmaResidueGranularity,
    DmaStatus,
    DmaTransactionType,
    DmaTransferDirection,
)
from pydma.errors import EINVAL, EIO, ENODEV, ENOSYS, ENXIO, EPERM, DmaApiMisuse, DmaError
from pydma.kcontext import sleeping
from pydma.runtime import Runtime
from pydma.trace import tracer

log = logging.getLogger("pydma")

# what to do instead, when a sleeping call is made from a callback or an interrupt handler
_TERMINATE_HINT = (
    "Call dmaengine_terminate_async() (chan.terminate_async()) there, and dmaengine_synchronize() later "
    "from process context, before freeing what the callbacks use."
)
_WAIT_HINT = "A callback runs once its transaction completed: tx_status() tells, without waiting."

# -- capability masks ------------------------------------------------------------------------


class DmaCapMask:
    """dma_cap_mask_t."""

    __slots__ = ("bits",)

    def __init__(self, *caps: DmaTransactionType) -> None:
        self.bits = 0
        for cap in caps:
            self.bits |= 1 << cap

    def __contains__(self, cap: DmaTransactionType) -> bool:
        return bool(self.bits >> cap & 1)

    def issubset(self, other: DmaCapMask) -> bool:
        return self.bits & ~other.bits == 0

    def __repr__(self) -> str:
        names = [t.name for t in DmaTransactionType if t in self]
        return f"DmaCapMask({', '.join(names)})"


def dma_cap_zero(mask: DmaCapMask) -> None:
    mask.bits = 0


def dma_cap_set(cap: DmaTransactionType, mask: DmaCapMask) -> None:
    mask.bits |= 1 << cap


def dma_cap_clear(cap: DmaTransactionType, mask: DmaCapMask) -> None:
    mask.bits &= ~(1 << cap)


def dma_has_cap(cap: DmaTransactionType, mask: DmaCapMask) -> bool:
    return cap in mask


# -- descriptors -------------------------------------------------------------------------------


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


# -- slave configuration and caps -----------------------------------------------------------------


@dataclass
class DmaSlaveConfig:
    direction: DmaTransferDirection = DmaTransferDirection.DMA_TRANS_NONE  # deprecated
    src_addr: int = 0
    dst_addr: int = 0
    src_addr_width: int = 0
    dst_addr_width: int = 0
    src_maxburst: int = 0
    dst_maxburst: int = 0
    src_port_window_size: int = 0
    dst_port_window_size: int = 0
    device_fc: bool = False
    peripheral_config: Any = None
    peripheral_size: int = 0


@dataclass
class DmaSlaveCaps:
    src_addr_widths: int = 0
    dst_addr_widths: int = 0
    directions: int = 0
    min_burst: int = 0
    max_burst: int = 0
    max_sg_burst: int = 0
    cmd_pause: bool = False
    cmd_resume: bool = False
    cmd_terminate: bool = False
    residue_granularity: DmaResidueGranularity = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_DESCRIPTOR
    descriptor_reuse: bool = False


def dma_get_slave_caps(chan: DmaChan, caps: DmaSlaveCaps) -> int:
    """As the kernel, but (pydma deviation, see docs/driver-api.md) a memcpy-capable device
    also answers, so that memcpy chains can be marked for reuse."""
    device = chan.device
    answerable = (
        DmaTransactionType.DMA_SLAVE in device.cap_mask
        or DmaTransactionType.DMA_CYCLIC in device.cap_mask
        or DmaTransactionType.DMA_MEMCPY in device.cap_mask
    )
    if not answerable or not device.directions:
        return ENXIO
    caps.src_addr_widths = device.src_addr_widths
    caps.dst_addr_widths = device.dst_addr_widths
    caps.directions = device.directions
    caps.min_burst = device.min_burst
    caps.max_burst = device.max_burst
    caps.max_sg_burst = device.max_sg_burst
    caps.residue_granularity = device.residue_granularity
    caps.descriptor_reuse = device.descriptor_reuse
    caps.cmd_pause = type(device).device_pause is not DmaDevice.device_pause
    caps.cmd_resume = type(device).device_resume is not DmaDevice.device_resume
    caps.cmd_terminate = type(device).device_terminate_all is not DmaDevice.device_terminate_all
    device.device_caps(chan, caps)
    return 0


# -- channels and devices ------------------------------------------------------------------------


@dataclass
class DmaChanPercpu:
    """struct dma_chan_percpu (`chan.local`): one CPU here, so one of them. dma_cookie_assign
    counts each memcpy descriptor submitted; pydma.sysfs shows them."""

    memcpy_count: int = 0
    bytes_transferred: int = 0


class DmaChan:
    """struct dma_chan. Client calls are methods here and module-level functions below."""

    def __init__(self, device: DmaDevice, chan_id: int) -> None:
        self.device = device
        self.chan_id = chan_id
        self.client_count = 0
        self.cookie = _cookie.DMA_MIN_COOKIE
        self.completed_cookie = _cookie.DMA_MIN_COOKIE
        self.progress = device.runtime.event()  # set whenever a cookie completes (for dma_sync_wait)
        self.terminated_upto = 0  # cookies up to this were terminated (strict mode)
        self.synced_upto = 0  # ... and synchronized: their callbacks must not run any more
        self.local = DmaChanPercpu()  # the sysfs counters, for the channel's whole life
        self.dbg_client_name: str | None = None  # "<dev>:<name>" while dma_request_chan's (debugfs)

    @property
    def name(self) -> str:
        return f"{self.device.name}chan{self.chan_id}"

    def __repr__(self) -> str:
        return f"<DmaChan {self.name}>"

    def _check_live(self, what: str) -> None:
        if self.client_count == 0:
            raise DmaApiMisuse(f"{what} on {self.name}, which is not requested (released?)")

    # -- prep ------------------------------------------------------------------------------------
    def prep_dma_memcpy(self, dest: int, src: int, length: int, flags: int = 0) -> DmaAsyncTxDescriptor | None:
        self._check_live("prep_dma_memcpy")
        return self.device.device_prep_dma_memcpy(self, dest, src, length, DmaCtrlFlags(flags))

    def prep_dma_memcpy_sg(
        self,
        dst_sg: list[Scatterlist],
        dst_nents: int,
        src_sg: list[Scatterlist],
        src_nents: int,
        flags: int = 0,
    ) -> DmaAsyncTxDescriptor | None:
        self._check_live("prep_dma_memcpy_sg")
        return self.device.device_prep_dma_memcpy_sg(self, dst_sg, dst_nents, src_sg, src_nents, DmaCtrlFlags(flags))

    def prep_slave_sg(
        self, sgl: list[Scatterlist], sg_len: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        self._check_live("prep_slave_sg")
        return self.device.device_prep_slave_sg(self, sgl, sg_len, direction, DmaCtrlFlags(flags))

    def prep_slave_single(
        self, buf: int, length: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        """dmaengine_prep_slave_single: a one-entry scatterlist handed to prep_slave_sg."""
        self._check_live("dmaengine_prep_slave_single")
        sg = Scatterlist(length=length, dma_address=buf, dma_length=length)
        return self.device.device_prep_slave_sg(self, [sg], 1, direction, DmaCtrlFlags(flags))

    def prep_dma_cyclic(
        self, buf_addr: int, buf_len: int, period_len: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        self._check_live("dmaengine_prep_dma_cyclic")
        return self.device.device_prep_dma_cyclic(self, buf_addr, buf_len, period_len, direction, DmaCtrlFlags(flags))

    def prep_dma_xor(self, dest: int, src: list[int], src_cnt: int, length: int, flags: int = 0):
        self._check_live("prep_dma_xor")
        return self.device.device_prep_dma_xor(self, dest, src, src_cnt, length, DmaCtrlFlags(flags))

    def prep_dma_xor_val(self, src: list[int], src_cnt: int, length: int, result, flags: int = 0):
        self._check_live("prep_dma_xor_val")
        return self.device.device_prep_dma_xor_val(self, src, src_cnt, length, result, DmaCtrlFlags(flags))

    def prep_dma_pq(self, dst: list[int], src: list[int], src_cnt: int, scf: bytes | list[int], length: int, flags=0):
        self._check_live("prep_dma_pq")
        return self.device.device_prep_dma_pq(self, dst, src, src_cnt, scf, length, DmaCtrlFlags(flags))

    def prep_dma_pq_val(self, pq: list[int], src: list[int], src_cnt: int, scf, length: int, pqres, flags: int = 0):
        self._check_live("prep_dma_pq_val")
        return self.device.device_prep_dma_pq_val(self, pq, src, src_cnt, scf, length, pqres, DmaCtrlFlags(flags))

    def prep_dma_memset(self, dest: int, value: int, length: int, flags: int = 0):
        self._check_live("prep_dma_memset")
        return self.device.device_prep_dma_memset(self, dest, value, length, DmaCtrlFlags(flags))

    def prep_dma_memset_sg(self, sg: list[Scatterlist], nents: int, value: int, flags: int = 0):
        self._check_live("prep_dma_memset_sg")
        return self.device.device_prep_dma_memset_sg(self, sg, nents, value, DmaCtrlFlags(flags))

    def prep_dma_interrupt(self, flags: int = 0):
        self._check_live("prep_dma_interrupt")
        return self.device.device_prep_dma_interrupt(self, DmaCtrlFlags(flags))

    # -- running ------------------------------------------------------------------------------------
    def issue_pending(self) -> None:
        self._check_live("dma_async_issue_pending")
        if tracer.enabled:
            tracer.mark(self, "issue_pending")
        self.device.device_issue_pending(self)

    def tx_status(self, cookie: int, state: DmaTxState | None = None) -> DmaStatus:
        self._check_live("dmaengine_tx_status")
        return self.device.device_tx_status(self, cookie, state)

    def slave_config(self, config: DmaSlaveConfig) -> int:
        self._check_live("dmaengine_slave_config")
        return self.device.device_config(self, config)

    def get_slave_caps(self) -> DmaSlaveCaps:
        caps = DmaSlaveCaps()
        ret = dma_get_slave_caps(self, caps)
        if ret:
            raise DmaError(ret, f"dma_get_slave_caps on {self.name}")
        return caps

    def pause(self) -> int:
        self._check_live("dmaengine_pause")
        ret = self.device.device_pause(self)
        if tracer.enabled:
            tracer.mark(self, "pause", ret=ret)
        return ret

    def resume(self) -> int:
        self._check_live("dmaengine_resume")
        ret = self.device.device_resume(self)
        if tracer.enabled:
            tracer.mark(self, "resume", ret=ret)
        return ret

    def terminate_async(self) -> int:
        self._check_live("dmaengine_terminate_async")
        ret = self.device.device_terminate_all(self)
        if ret == 0:
            strict.terminated(self)
        if tracer.enabled:
            tracer.mark(self, "terminate_all", ret=ret)
        return ret

    @sleeping("dmaengine_synchronize", spelled="chan.synchronize")
    async def synchronize(self) -> None:
        self._check_live("dmaengine_synchronize")
        start = self.device.runtime.now_ns() if tracer.enabled else None
        await self.device.device_synchronize(self)
        strict.synchronized(self)
        if tracer.enabled:
            tracer.mark(self, "synchronize", start)

    @sleeping("dmaengine_terminate_sync", spelled="chan.terminate_sync", hint=_TERMINATE_HINT)
    async def terminate_sync(self) -> int:
        ret = self.terminate_async()
        if ret:
            return ret
        await self.synchronize()
        return 0

    @sleeping("dma_sync_wait", spelled="chan.sync_wait", hint=_WAIT_HINT, kernel_sleeps=False)
    async def sync_wait(self, cookie: int, timeout_ns: int = 5_000_000) -> DmaStatus:
        return await dma_sync_wait(self, cookie, timeout_ns)

    @sleeping("dma_release_channel", spelled="chan.release")
    async def release(self) -> None:
        await dma_release_channel(self)


class DmaDevice:
    """struct dma_device: capabilities, slave limits, and the provider ops (overridden).
    `runtime` schedules its channels' tasklets and waits (the provider's backend's)."""

    # debugfs dmaengine/summary (pydma.sysfs): the provider's lines for its channels,
    # `dbg_summary_show(s, hw=None)`, instead of the core's line per channel in use; and
    # (pydma) `await dbg_summary_read()`, what it shows of the hardware, read over the bus by
    # the asynchronous summary and handed to dbg_summary_show as `hw`
    dbg_summary_show: Callable[..., None] | None = None
    dbg_summary_read: Callable[[], Awaitable[Any]] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        op = cls.__dict__.get("device_prep_dma_memcpy")
        if op is not None:
            cls.device_prep_dma_memcpy = _memcpy_counted(op)

    def __init__(self, name: str, dev: Device, runtime: Runtime) -> None:
        self.name = name
        self.dev = dev
        self.runtime = runtime
        self.cap_mask = DmaCapMask()
        self.channels: list[DmaChan] = []
        self.src_addr_widths = 0
        self.dst_addr_widths = 0
        self.directions = 0
        self.min_burst = 0
        self.max_burst = 0
        self.max_sg_burst = 0
        self.residue_granularity = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_DESCRIPTOR
        self.descriptor_reuse = False
        self.copy_align = 0  # log2 of the alignment each operation needs (dmaengine_align)
        self.xor_align = 0
        self.pq_align = 0
        self.fill_align = 0
        self.max_xor = 0  # sources of one XOR descriptor
        self.max_pq = 0  # sources of one PQ descriptor, with DMA_HAS_PQ_CONTINUE (dma_set_maxpq)
        self.filter: DmaFilter | None = None
        self.registered = False
        self.privatecnt = 0  # channels taken by dma_request_channel

    def __repr__(self) -> str:
        return f"<DmaDevice {self.name}>"

    # provider ops; a capability bit needs its op (checked at registration)
    def device_alloc_chan_resources(self, chan: DmaChan) -> int:
        return 0

    def device_free_chan_resources(self, chan: DmaChan) -> None:
        pass

    def device_prep_dma_memcpy(self, chan, dest, src, length, flags):
        return None

    def device_prep_dma_memcpy_sg(self, chan, dst_sg, dst_nents, src_sg, src_nents, flags):
        return None

    def device_prep_slave_sg(self, chan, sgl, sg_len, direction, flags):
        return None

    def device_prep_dma_cyclic(self, chan, buf_addr, buf_len, period_len, direction, flags):
        return None

    def device_prep_dma_xor(self, chan, dest, src, src_cnt, length, flags):
        return None

    def device_prep_dma_xor_val(self, chan, src, src_cnt, length, result, flags):
        return None

    def device_prep_dma_pq(self, chan, dst, src, src_cnt, scf, length, flags):
        return None

    def device_prep_dma_pq_val(self, chan, pq, src, src_cnt, scf, length, pqres, flags):
        return None

    def device_prep_dma_memset(self, chan, dest, value, length, flags):
        return None

    def device_prep_dma_memset_sg(self, chan, sg, nents, value, flags):
        return None

    def device_prep_dma_interrupt(self, chan, flags):
        return None

    def device_config(self, chan: DmaChan, config: DmaSlaveConfig) -> int:
        return ENOSYS

    def device_caps(self, chan: DmaChan, caps: DmaSlaveCaps) -> None:
        pass

    def device_pause(self, chan: DmaChan) -> int:
        return ENOSYS

    def device_resume(self, chan: DmaChan) -> int:
        return ENOSYS

    def device_terminate_all(self, chan: DmaChan) -> int:
        return ENOSYS

    async def device_synchronize(self, chan: DmaChan) -> None:
        pass

    def device_tx_status(self, chan: DmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
        raise NotImplementedError

    def device_issue_pending(self, chan: DmaChan) -> None:
        raise NotImplementedError


def _memcpy_counted(op: Callable) -> Callable:
    """A provider's device_prep_dma_memcpy, wrapped when its class is made: the descriptor it
    returns carries its length, which dma_cookie_assign adds to the channel's counters at
    each submit, whoever called the op (chan.prep_dma_memcpy, async_memcpy, dmatest). See
    pydma/sysfs.py for why there."""

    @functools.wraps(op)
    def prep(self, chan, dest, src, length, flags):
        tx = op(self, chan, dest, src, length, flags)
        if tx is not None:
            tx.memcpy_len = length
        return tx

    return prep


# -- registration ---------------------------------------------------------------------------------

_dma_device_list: list[DmaDevice] = []

_CAP_OPS = {
    DmaTransactionType.DMA_MEMCPY: "device_prep_dma_memcpy",
    DmaTransactionType.DMA_MEMCPY_SG: "device_prep_dma_memcpy_sg",
    DmaTransactionType.DMA_SLAVE: "device_prep_slave_sg",
    DmaTransactionType.DMA_CYCLIC: "device_prep_dma_cyclic",
    DmaTransactionType.DMA_XOR: "device_prep_dma_xor",
    DmaTransactionType.DMA_XOR_VAL: "device_prep_dma_xor_val",
    DmaTransactionType.DMA_PQ: "device_prep_dma_pq",
    DmaTransactionType.DMA_PQ_VAL: "device_prep_dma_pq_val",
    DmaTransactionType.DMA_MEMSET: "device_prep_dma_memset",
    DmaTransactionType.DMA_MEMSET_SG: "device_prep_dma_memset_sg",
    DmaTransactionType.DMA_INTERRUPT: "device_prep_dma_interrupt",
}


def dma_async_device_register(device: DmaDevice) -> int:
    for cap, op in _CAP_OPS.items():
        if cap in device.cap_mask and getattr(type(device), op) is getattr(DmaDevice, op):
            log.error("%s: capability %s without %s", device.name, cap.name, op)
            return EIO
    for op in ("device_tx_status", "device_issue_pending"):
        if getattr(type(device), op) is getattr(DmaDevice, op):
            log.error("%s: %s is missing", device.name, op)
            return EIO
    if device in _dma_device_list:
        return EINVAL
    if all(cap in device.cap_mask for cap in _ALL_TX_TYPES):  # never a channel switch on it
        device.cap_mask.bits |= 1 << DmaTransactionType.DMA_ASYNC_TX
    _dma_device_list.append(device)
    device.registered = True
    from pydma import channel_table  # (it imports this module)

    channel_table.device_added(device)
    return 0


# device_has_all_tx_types: what async_tx may ask for (with every ASYNC_* option built in)
_ALL_TX_TYPES = (
    DmaTransactionType.DMA_INTERRUPT,
    DmaTransactionType.DMA_MEMCPY,
    DmaTransactionType.DMA_XOR,
    DmaTransactionType.DMA_XOR_VAL,
    DmaTransactionType.DMA_PQ,
    DmaTransactionType.DMA_PQ_VAL,
)


def dma_devices() -> list[DmaDevice]:
    """The registered devices, in registration order (a copy: unregistering while walking
    it is safe). The kernel walks dma_device_list under dma_list_mutex; here the list is
    private and this is the way to see it."""
    return list(_dma_device_list)


def dma_async_device_unregister(device: DmaDevice) -> None:
    busy = [c.name for c in device.channels if c.client_count]
    if busy:
        log.warning("%s unregistered with channels in use: %s", device.name, ", ".join(busy))
    if device in _dma_device_list:
        _dma_device_list.remove(device)
    device.registered = False
    from pydma import channel_table

    channel_table.dma_channel_rebalance()


# -- channel request -----------------------------------------------------------------------------


@dataclass
class DmaSlaveMap:
    """One board-table entry (struct dma_slave_map): client device + slave name -> param."""

    devname: str
    slave: str
    param: Any


@dataclass
class DmaFilter:
    fn: Callable[[DmaChan, Any], bool]
    map: list[DmaSlaveMap] = field(default_factory=list)


def _private_candidate(mask: DmaCapMask | None, device: DmaDevice, fn: Callable | None, param: Any):
    if mask is not None and not mask.issubset(device.cap_mask):
        return None
    # a device is all private or all public: none of a publicly held device's channels
    if DmaTransactionType.DMA_PRIVATE not in device.cap_mask and any(c.client_count for c in device.channels):
        return None
    for chan in device.channels:
        if chan.client_count:
            continue
        if fn is not None and not fn(chan, param):
            continue
        return chan
    return None


def _take(chan: DmaChan) -> DmaChan | None:
    ret = chan.device.device_alloc_chan_resources(chan)
    if ret < 0:
        return None
    chan.client_count = 1
    chan.device.cap_mask.bits |= 1 << DmaTransactionType.DMA_PRIVATE
    chan.device.privatecnt += 1
    return chan


def dma_request_channel(
    mask: DmaCapMask, filter_fn: Callable[[DmaChan, Any], bool] | None = None, param: Any = None
) -> DmaChan | None:
    """Any free channel whose device has every capability in `mask` and that `filter_fn`
    accepts; None when nothing matches (the legacy NULL return)."""
    for device in _dma_device_list:
        chan = _private_candidate(mask, device, filter_fn, param)
        if chan is not None and _take(chan) is not None:
            return chan
    return None


def dma_request_chan_by_mask(mask: DmaCapMask) -> DmaChan:
    chan = dma_request_channel(mask)
    if chan is None:
        raise DmaError(ENODEV, f"no free channel with {mask}")
    return chan


def dma_request_chan(dev: Device, name: str) -> DmaChan:
    """Look `name` up in the providers' slave maps for `dev` (as the kernel does with a
    board's dma_slave_map) and take that channel; raises DmaError(ENODEV) if none."""
    for device in _dma_device_list:
        filt = device.filter
        if filt is None:
            continue
        for entry in filt.map:
            if entry.devname == dev.name and entry.slave == name:
                chan = _private_candidate(None, device, filt.fn, entry.param)
                if chan is not None and _take(chan) is not None:
                    chan.dbg_client_name = f"{dev.name}:{name}"
                    return chan
    raise DmaError(ENODEV, f"no DMA channel '{name}' for device '{dev.name}'")


@sleeping("dma_release_channel")
async def dma_release_channel(chan: DmaChan) -> None:
    chan._check_live("dma_release_channel")
    await chan.device.device_synchronize(chan)
    strict.synchronized(chan)
    chan.device.device_free_chan_resources(chan)
    chan.client_count = 0
    chan.dbg_client_name = None
    device = chan.device
    device.privatecnt = max(device.privatecnt - 1, 0)
    if device.privatecnt == 0:  # the last private channel: the device may be public again
        device.cap_mask.bits &= ~(1 << DmaTransactionType.DMA_PRIVATE)


# -- waiting --------------------------------------------------------------------------------------


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


# -- kernel-style module-level wrappers -------------------------------------------------------


def dmaengine_prep_dma_memcpy(chan: DmaChan, dest: int, src: int, length: int, flags: int = 0):
    return chan.prep_dma_memcpy(dest, src, length, flags)


def dmaengine_prep_slave_sg(chan: DmaChan, sgl, sg_len, direction, flags=0):
    return chan.prep_slave_sg(sgl, sg_len, direction, flags)


def dmaengine_prep_slave_single(chan: DmaChan, buf: int, length: int, direction, flags=0):
    return chan.prep_slave_single(buf, length, direction, flags)


def dmaengine_prep_dma_cyclic(chan: DmaChan, buf_addr: int, buf_len: int, period_len: int, direction, flags=0):
    return chan.prep_dma_cyclic(buf_addr, buf_len, period_len, direction, flags)


def dma_issue_pending_all() -> None:
    """Flush every channel of the public (not DMA_PRIVATE) devices that has a client."""
    for device in _dma_device_list:
        if DmaTransactionType.DMA_PRIVATE in device.cap_mask:
            continue
        for chan in device.channels:
            if chan.client_count:
                device.device_issue_pending(chan)


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


def dma_async_issue_pending(chan: DmaChan) -> None:
    chan.issue_pending()


def dmaengine_tx_status(chan: DmaChan, cookie: int, state: DmaTxState | None = None) -> DmaStatus:
    return chan.tx_status(cookie, state)


def dma_async_is_tx_complete(chan: DmaChan, cookie: int) -> tuple[DmaStatus, int, int]:
    state = DmaTxState()
    status = chan.tx_status(cookie, state)
    return status, state.last, state.used


def dmaengine_slave_config(chan: DmaChan, config: DmaSlaveConfig) -> int:
    return chan.slave_config(config)


def dmaengine_terminate_async(chan: DmaChan) -> int:
    return chan.terminate_async()


@sleeping("dmaengine_terminate_sync", hint=_TERMINATE_HINT)
async def dmaengine_terminate_sync(chan: DmaChan) -> int:
    return await chan.terminate_sync()


@sleeping("dmaengine_synchronize")
async def dmaengine_synchronize(chan: DmaChan) -> None:
    await chan.synchronize()


def dmaengine_pause(chan: DmaChan) -> int:
    return chan.pause()


def dmaengine_resume(chan: DmaChan) -> int:
    return chan.resume()

"""Devices: `struct dma_device` (`DmaDevice`, the provider's base class and its ops), the
memcpy-counting wrapper put on a provider's device_prep_dma_memcpy, and the list of
registered devices (dma_async_device_register/unregister, dma_devices,
dma_issue_pending_all)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydma.dma_mapping import Device
from pydma.dmaengine.capabilities import DmaCapMask
from pydma.enums import DmaResidueGranularity, DmaStatus, DmaTransactionType
from pydma.errors import EINVAL, EIO, ENOSYS
from pydma.runtime import Runtime

if TYPE_CHECKING:
    from pydma.dmaengine.channel import DmaChan
    from pydma.dmaengine.descriptors import DmaTxState
    from pydma.dmaengine.request import DmaFilter
    from pydma.dmaengine.slave import DmaSlaveCaps, DmaSlaveConfig

log = logging.getLogger("pydma")


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

    def device_prep_interleaved_dma(self, chan, xt, flags):
        return None

    def device_prep_peripheral_dma_vec(self, chan, vecs, nents, direction, flags):
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
    DmaTransactionType.DMA_INTERLEAVE: "device_prep_interleaved_dma",
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
    from pydma import channel_table  # (it imports pydma.dmaengine)

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


def dma_issue_pending_all() -> None:
    """Flush every channel of the public (not DMA_PRIVATE) devices that has a client."""
    for device in _dma_device_list:
        if DmaTransactionType.DMA_PRIVATE in device.cap_mask:
            continue
        for chan in device.channels:
            if chan.client_count:
                device.device_issue_pending(chan)

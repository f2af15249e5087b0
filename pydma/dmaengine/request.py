"""Channel request and release: providers' filters and slave maps (`struct dma_filter`,
`struct dma_slave_map`), dma_request_channel, dma_request_chan_by_mask, dma_request_chan
and dma_release_channel, over the registered devices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydma import strict
from pydma.dma_mapping import Device
from pydma.dmaengine.capabilities import DmaCapMask
from pydma.dmaengine.device import DmaDevice, _dma_device_list
from pydma.enums import DmaTransactionType
from pydma.errors import ENODEV, DmaError
from pydma.kcontext import sleeping

if TYPE_CHECKING:
    from pydma.dmaengine.channel import DmaChan


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

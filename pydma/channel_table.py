"""The public channel table of drivers/dma/dmaengine.c: opportunistic offload clients
(async_tx, net DMA once) take every channel of the devices that are not DMA_PRIVATE with
`dmaengine_get()`, and `dma_find_channel(type)` gives the channel serving that operation
type on this CPU (one CPU here: the least used capable channel, devices in registration
order, as dma_channel_rebalance assigns them). `dmaengine_put()` drops the reference; the
table is rebuilt when devices come and go."""

from __future__ import annotations

from pydma import dmaengine
from pydma.dmaengine import DmaChan, DmaDevice
from pydma.enums import DmaTransactionType
from pydma.errors import DmaApiMisuse
from pydma.kcontext import sleeping

_state = {"ref_count": 0}
# dma_cap_mask_all: every type but these (an interrupt goes on the dependency's channel)
_NOT_IN_TABLE = (DmaTransactionType.DMA_INTERRUPT, DmaTransactionType.DMA_PRIVATE, DmaTransactionType.DMA_SLAVE)
_channel_table: dict[DmaTransactionType, DmaChan] = {}


def _public(device: DmaDevice) -> bool:
    return DmaTransactionType.DMA_PRIVATE not in device.cap_mask


def dma_channel_rebalance() -> None:
    """Pick, per operation type, the capable public channel used by the fewest types."""
    _channel_table.clear()
    if not _state["ref_count"]:
        return
    uses: dict[int, int] = {}
    for cap in DmaTransactionType:
        if cap in _NOT_IN_TABLE:
            continue
        best = None
        for device in dmaengine.dma_devices():
            if not _public(device) or cap not in device.cap_mask:
                continue
            for chan in device.channels:
                if chan.client_count and (best is None or uses.get(id(chan), 0) < uses.get(id(best), 0)):
                    best = chan
        if best is not None:
            _channel_table[cap] = best
            uses[id(best)] = uses.get(id(best), 0) + 1


def _take_public(device: DmaDevice) -> None:
    for chan in device.channels:
        if chan.client_count == 0 and device.device_alloc_chan_resources(chan) < 0:
            continue
        chan.client_count += 1


def dmaengine_get() -> None:
    """Take a reference on every channel of every public device (allocating their
    resources on the first) and build the table."""
    _state["ref_count"] += 1
    if _state["ref_count"] > 1:
        return
    for device in dmaengine.dma_devices():
        if _public(device):
            _take_public(device)
    dma_channel_rebalance()


def device_added(device: DmaDevice) -> None:
    """dma_async_device_register: with clients holding the table, a new public device's
    channels join it."""
    if _state["ref_count"] and _public(device):
        _take_public(device)
    dma_channel_rebalance()


def reset() -> None:
    """Forget every reference (a test environment after a failure; nothing in the kernel)."""
    _state["ref_count"] = 0
    _channel_table.clear()


@sleeping("dmaengine_put")
async def dmaengine_put() -> None:
    """Drop the reference taken by dmaengine_get; the last put releases the channels."""
    if _state["ref_count"] <= 0:
        raise DmaApiMisuse("dmaengine_put without dmaengine_get")
    _state["ref_count"] -= 1
    if _state["ref_count"]:
        return
    for device in dmaengine.dma_devices():
        if not _public(device):
            continue
        for chan in device.channels:
            if chan.client_count:
                chan.client_count -= 1
                if chan.client_count == 0:
                    await device.device_synchronize(chan)
                    device.device_free_chan_resources(chan)
    dma_channel_rebalance()


def dma_find_channel(tx_type: DmaTransactionType) -> DmaChan | None:
    return _channel_table.get(tx_type)

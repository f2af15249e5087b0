"""async_memcpy (crypto/async_tx/async_memcpy.c): a copy between two pages, offloaded to a
DMA_MEMCPY channel when there is one, else done by the CPU after the dependency."""

from __future__ import annotations

from pydma.async_tx.async_tx import (
    AsyncSubmitCtl,
    AsyncTxFlags,
    async_tx_find_channel,
    async_tx_quiesce,
    async_tx_submit,
    async_tx_sync_epilog,
)
from pydma.dma_mapping import dma_map_page
from pydma.dmaengine import DmaAsyncTxDescriptor
from pydma.dmaengine_raid import is_dma_copy_aligned
from pydma.dmaengine_unmap import dma_set_unmap, dmaengine_get_unmap_data, dmaengine_unmap_put
from pydma.enums import DmaCtrlFlags, DmaDataDirection, DmaTransactionType
from pydma.kcontext import sleeping
from pydma.memory import MemView


@sleeping("async_memcpy", kernel_sleeps=False)
async def async_memcpy(
    dest: MemView, src: MemView, dest_offset: int, src_offset: int, length: int, submit: AsyncSubmitCtl
) -> DmaAsyncTxDescriptor | None:
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_MEMCPY)
    device = chan.device if chan is not None else None
    tx = None
    unmap = dmaengine_get_unmap_data(device.dev, 2) if device is not None else None
    if unmap is not None and is_dma_copy_aligned(device, src_offset, dest_offset, length):
        flags = DmaCtrlFlags(0)
        if submit.cb_fn is not None:
            flags |= DmaCtrlFlags.DMA_PREP_INTERRUPT
        if submit.flags & AsyncTxFlags.ASYNC_TX_FENCE:
            flags |= DmaCtrlFlags.DMA_PREP_FENCE
        unmap.to_cnt = 1
        unmap.addr[0] = dma_map_page(device.dev, src, src_offset, length, DmaDataDirection.DMA_TO_DEVICE)
        unmap.from_cnt = 1
        unmap.addr[1] = dma_map_page(device.dev, dest, dest_offset, length, DmaDataDirection.DMA_FROM_DEVICE)
        unmap.len = length
        tx = device.device_prep_dma_memcpy(chan, unmap.addr[1], unmap.addr[0], length, flags)
    if tx is not None:
        dma_set_unmap(tx, unmap)
        await async_tx_submit(chan, tx, submit)
    else:
        submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
        dest.write(dest_offset, src.read(src_offset, length))
        async_tx_sync_epilog(submit)
    dmaengine_unmap_put(unmap)
    return tx

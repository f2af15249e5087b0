"""pydma: a Linux-dmaengine-style driver stack for a simulated scatter-gather DMA controller.

Kernel names in snake_case. Client API: `pydma.dmaengine`; DMA mapping API:
`pydma.dma_mapping`; provider framework: `pydma.virt_dma`; the controller's driver:
`pydma.drivers.pydma_dmac`; the dmatest port: `pydma.dmatest`.
"""

from pydma.cookie import DMA_MIN_COOKIE, dma_async_is_complete, dma_submit_error
from pydma.dma_mapping import (
    DMA_MAPPING_ERROR,
    Device,
    DmaPool,
    Scatterlist,
    dma_alloc_coherent,
    dma_free_coherent,
    dma_map_sg,
    dma_map_single,
    dma_mapping_error,
    dma_pool_alloc,
    dma_pool_create,
    dma_pool_destroy,
    dma_pool_free,
    dma_pool_zalloc,
    dma_sync_sg_for_cpu,
    dma_sync_sg_for_device,
    dma_sync_single_for_cpu,
    dma_sync_single_for_device,
    dma_unmap_sg,
    dma_unmap_single,
    kfree,
    kmalloc,
    sg_dma_address,
    sg_dma_len,
    sg_init_table,
    sg_set_buf,
)
from pydma.dmaengine import (
    DmaAsyncTxDescriptor,
    DmaCapMask,
    DmaChan,
    DmaDevice,
    DmaengineResult,
    DmaFilter,
    DmaSlaveCaps,
    DmaSlaveConfig,
    DmaSlaveMap,
    DmaTxState,
    dma_async_device_register,
    dma_async_device_unregister,
    dma_async_is_tx_complete,
    dma_async_issue_pending,
    dma_cap_clear,
    dma_cap_set,
    dma_cap_zero,
    dma_devices,
    dma_get_slave_caps,
    dma_has_cap,
    dma_release_channel,
    dma_request_chan,
    dma_request_chan_by_mask,
    dma_request_channel,
    dma_sync_wait,
    dmaengine_desc_free,
    dmaengine_desc_set_reuse,
    dmaengine_pause,
    dmaengine_prep_dma_cyclic,
    dmaengine_prep_dma_memcpy,
    dmaengine_prep_slave_sg,
    dmaengine_prep_slave_single,
    dmaengine_resume,
    dmaengine_slave_config,
    dmaengine_submit,
    dmaengine_synchronize,
    dmaengine_terminate_async,
    dmaengine_terminate_sync,
    dmaengine_tx_status,
)
from pydma.enums import (
    DmaCtrlFlags,
    DmaDataDirection,
    DmaengineTxResult,
    DmaResidueGranularity,
    DmaSlaveBuswidth,
    DmaStatus,
    DmaTransactionType,
    DmaTransferDirection,
)
from pydma.errors import DeadlockError, DmaApiMisuse, DmaError
from pydma.memory import DmaMemory, MemView
from pydma.reports import DmaDebugError

# kernel spellings of the enum members, for line-by-line ports of C code
globals().update(
    {
        m.name: m
        for e in (
            DmaCtrlFlags,
            DmaDataDirection,
            DmaengineTxResult,
            DmaResidueGranularity,
            DmaStatus,
            DmaTransactionType,
            DmaTransferDirection,
        )
        for m in e
    }
)

__all__ = [n for n in dir() if not n.startswith("_")]

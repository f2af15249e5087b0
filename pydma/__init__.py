"""pydma: a Linux-dmaengine-style driver stack for a simulated scatter-gather DMA controller.

Kernel names in snake_case. Client API: `pydma.dmaengine`; DMA mapping API:
`pydma.dma_mapping`; provider framework: `pydma.virt_dma`; the controller's driver:
`pydma.drivers.pydma_dmac`; the dmatest port: `pydma.dmatest`; async_tx: `pydma.async_tx`;
unmap data: `pydma.dmaengine_unmap`; the public channel table: `pydma.channel_table`; the
per-channel sysfs attributes and the debugfs summary: `pydma.sysfs`.
"""

from pydma import sysfs
from pydma.channel_table import dma_find_channel, dmaengine_get, dmaengine_put
from pydma.cookie import DMA_MIN_COOKIE, dma_async_is_complete, dma_submit_error
from pydma.dma_mapping import (
    DMA_MAPPING_ERROR,
    Device,
    DmaPool,
    Scatterlist,
    dma_alloc_coherent,
    dma_free_coherent,
    dma_map_page,
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
    dma_unmap_page,
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
    DataChunk,
    DmaAsyncTxDescriptor,
    DmaCapMask,
    DmaChan,
    DmaDevice,
    DmaengineResult,
    DmaFilter,
    DmaInterleavedTemplate,
    DmaSlaveCaps,
    DmaSlaveConfig,
    DmaSlaveMap,
    DmaTxState,
    DmaVec,
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
    dma_issue_pending_all,
    dma_release_channel,
    dma_request_chan,
    dma_request_chan_by_mask,
    dma_request_channel,
    dma_run_dependencies,
    dma_sync_wait,
    dmaengine_desc_free,
    dmaengine_desc_set_reuse,
    dmaengine_get_dst_icg,
    dmaengine_get_src_icg,
    dmaengine_pause,
    dmaengine_prep_dma_cyclic,
    dmaengine_prep_dma_memcpy,
    dmaengine_prep_interleaved_dma,
    dmaengine_prep_peripheral_dma_vec,
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
from pydma.dmaengine_raid import (
    DMA_HAS_PQ_CONTINUE,
    SumCheckResult,
    dma_dev_has_pq_continue,
    dma_dev_to_maxpq,
    dma_maxpq,
    dma_set_maxpq,
    is_dma_copy_aligned,
    is_dma_fill_aligned,
    is_dma_pq_aligned,
    is_dma_xor_aligned,
)
from pydma.dmaengine_unmap import (
    DmaengineUnmapData,
    dma_descriptor_unmap,
    dma_set_unmap,
    dmaengine_get_unmap_data,
    dmaengine_unmap_put,
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
    SumCheckFlags,
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
            SumCheckFlags,
        )
        for m in e
    }
)

__all__ = [n for n in dir() if not n.startswith("_")]

"""The dmaengine client API and the provider-side `DmaDevice`/`DmaChan` base classes
(include/linux/dmaengine.h, drivers/dma/dmaengine.c), in snake_case.

Calls that cannot sleep in the kernel are synchronous here (prep, submit, issue_pending,
tx_status, terminate_async); calls that sleep are coroutines (synchronize, terminate_sync,
dma_sync_wait, dma_release_channel), made with `pydma.kcontext.sleeping`: one made from a
callback or an interrupt handler is refused at the call, and one never awaited is reported.

Split along its jobs, one module each; everything is imported from here
(`from pydma.dmaengine import X`), whichever module defines it:

- `capabilities`: `DmaCapMask` and the dma_cap_* helpers;
- `descriptors`: `DmaAsyncTxDescriptor`, its result and tx state, submit, reuse, free, and
  the callback invocation;
- `interleaved`: the interleaved (2D) template, its chunks and gaps, `DmaVec`, and the
  reference model of what a template moves;
- `slave`: `DmaSlaveConfig`, `DmaSlaveCaps`, dma_get_slave_caps;
- `channel`: `DmaChan` and the client's calls on it;
- `device`: `DmaDevice`, the memcpy-counting wrapper, the registered devices' list
  (registration, dma_devices, dma_issue_pending_all);
- `request`: filters and slave maps, dma_request_channel/_chan/_chan_by_mask, release;
- `waits`: dma_sync_wait and the waits in progress (`sync_waits`);
- `dependencies`: async_tx dependents run or aborted when their descriptor ends;
- `wrappers`: the kernel-style module-level wrappers of the channel's calls.

The module-level state (`_dma_device_list`, `sync_waits`) is one list each, changed in place
and never rebound: the name here is the same object its module reads and writes.
"""

from pydma.dmaengine.capabilities import DmaCapMask, dma_cap_clear, dma_cap_set, dma_cap_zero, dma_has_cap
from pydma.dmaengine.channel import _TERMINATE_HINT, DmaChan, DmaChanPercpu
from pydma.dmaengine.dependencies import dma_abort_dependencies, dma_abort_one, dma_run_dependencies
from pydma.dmaengine.descriptors import (
    DmaAsyncTxDescriptor,
    DmaengineResult,
    DmaTxState,
    dmaengine_desc_callback_invoke,
    dmaengine_desc_free,
    dmaengine_desc_set_reuse,
    dmaengine_submit,
)
from pydma.dmaengine.device import (
    _ALL_TX_TYPES,
    _CAP_OPS,
    DmaDevice,
    _dma_device_list,
    _memcpy_counted,
    dma_async_device_register,
    dma_async_device_unregister,
    dma_devices,
    dma_issue_pending_all,
    log,
)
from pydma.dmaengine.interleaved import (
    DataChunk,
    DmaInterleavedTemplate,
    DmaVec,
    dmaengine_get_dst_icg,
    dmaengine_get_icg,
    dmaengine_get_src_icg,
    interleaved_chunks,
)
from pydma.dmaengine.request import (
    DmaFilter,
    DmaSlaveMap,
    _private_candidate,
    _take,
    dma_release_channel,
    dma_request_chan,
    dma_request_chan_by_mask,
    dma_request_channel,
)
from pydma.dmaengine.slave import DmaSlaveCaps, DmaSlaveConfig, dma_get_slave_caps
from pydma.dmaengine.waits import _WAIT_HINT, dma_sync_wait, sync_waits
from pydma.dmaengine.wrappers import (
    dma_async_is_tx_complete,
    dma_async_issue_pending,
    dmaengine_pause,
    dmaengine_prep_dma_cyclic,
    dmaengine_prep_dma_memcpy,
    dmaengine_prep_interleaved_dma,
    dmaengine_prep_peripheral_dma_vec,
    dmaengine_prep_slave_sg,
    dmaengine_prep_slave_single,
    dmaengine_resume,
    dmaengine_slave_config,
    dmaengine_synchronize,
    dmaengine_terminate_async,
    dmaengine_terminate_sync,
    dmaengine_tx_status,
)

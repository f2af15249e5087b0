"""The async_tx API (crypto/async_tx/, include/linux/async_tx.h), one module per operation
family as in the kernel. See docs/async-tx.md."""

from pydma.async_tx.async_memcpy import async_memcpy
from pydma.async_tx.async_pq import async_gen_syndrome, async_syndrome_val
from pydma.async_tx.async_raid6_recov import async_raid6_2data_recov, async_raid6_datap_recov
from pydma.async_tx.async_tx import (
    AsyncSubmitCtl,
    AsyncTxFlags,
    async_trigger_callback,
    async_tx_ack,
    async_tx_issue_pending_all,
    async_tx_quiesce,
    async_tx_test_ack,
    dma_wait_for_async_tx,
    init_async_submit,
)
from pydma.async_tx.async_xor import async_xor, async_xor_offs, async_xor_val, async_xor_val_offs

__all__ = [
    "AsyncSubmitCtl",
    "AsyncTxFlags",
    "async_gen_syndrome",
    "async_memcpy",
    "async_raid6_2data_recov",
    "async_raid6_datap_recov",
    "async_syndrome_val",
    "async_trigger_callback",
    "async_tx_ack",
    "async_tx_issue_pending_all",
    "async_tx_quiesce",
    "async_tx_test_ack",
    "async_xor",
    "async_xor_offs",
    "async_xor_val",
    "async_xor_val_offs",
    "dma_wait_for_async_tx",
    "init_async_submit",
]

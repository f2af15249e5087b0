"""dmaengine enumerations, with the kernel's names and values (include/linux/dmaengine.h)."""

from __future__ import annotations

from enum import IntEnum, IntFlag


class DmaTransactionType(IntEnum):
    """Capability bits (enum dma_transaction_type), in kernel order."""

    DMA_MEMCPY = 0
    DMA_XOR = 1
    DMA_PQ = 2
    DMA_XOR_VAL = 3
    DMA_PQ_VAL = 4
    DMA_MEMSET = 5
    DMA_MEMSET_SG = 6
    DMA_INTERRUPT = 7
    DMA_PRIVATE = 8
    DMA_ASYNC_TX = 9
    DMA_SLAVE = 10
    DMA_CYCLIC = 11
    DMA_INTERLEAVE = 12
    DMA_COMPLETION_NO_ORDER = 13
    DMA_REPEAT = 14
    DMA_LOAD_EOT = 15
    # pydma: the kernel's removed DMA_MEMCPY_SG (scatterlist-to-scatterlist copy), kept
    # past the kernel's own bits so the numbering above stays exact.
    DMA_MEMCPY_SG = 16


class DmaTransferDirection(IntEnum):
    DMA_MEM_TO_MEM = 0
    DMA_MEM_TO_DEV = 1
    DMA_DEV_TO_MEM = 2
    DMA_DEV_TO_DEV = 3
    DMA_TRANS_NONE = 4


class DmaCtrlFlags(IntFlag):
    DMA_PREP_INTERRUPT = 1 << 0
    DMA_CTRL_ACK = 1 << 1
    DMA_PREP_PQ_DISABLE_P = 1 << 2
    DMA_PREP_PQ_DISABLE_Q = 1 << 3
    DMA_PREP_CONTINUE = 1 << 4
    DMA_PREP_FENCE = 1 << 5
    DMA_CTRL_REUSE = 1 << 6
    DMA_PREP_CMD = 1 << 7
    DMA_PREP_REPEAT = 1 << 8
    DMA_PREP_LOAD_EOT = 1 << 9


class SumCheckFlags(IntFlag):
    """enum sum_check_flags: what an XOR_VAL / PQ_VAL found not to sum to zero."""

    SUM_CHECK_P_RESULT = 1 << 0
    SUM_CHECK_Q_RESULT = 1 << 1


class DmaStatus(IntEnum):
    DMA_COMPLETE = 0
    DMA_IN_PROGRESS = 1
    DMA_PAUSED = 2
    DMA_ERROR = 3
    DMA_OUT_OF_ORDER = 4


class DmaResidueGranularity(IntEnum):
    DMA_RESIDUE_GRANULARITY_DESCRIPTOR = 0
    DMA_RESIDUE_GRANULARITY_SEGMENT = 1
    DMA_RESIDUE_GRANULARITY_BURST = 2


class DmaengineTxResult(IntEnum):
    DMA_TRANS_NOERROR = 0
    DMA_TRANS_READ_FAILED = 1
    DMA_TRANS_WRITE_FAILED = 2
    DMA_TRANS_ABORTED = 3


class DmaDataDirection(IntEnum):
    """Streaming-mapping directions (enum dma_data_direction)."""

    DMA_BIDIRECTIONAL = 0
    DMA_TO_DEVICE = 1
    DMA_FROM_DEVICE = 2
    DMA_NONE = 3


class DmaSlaveBuswidth(IntEnum):
    DMA_SLAVE_BUSWIDTH_UNDEFINED = 0
    DMA_SLAVE_BUSWIDTH_1_BYTE = 1
    DMA_SLAVE_BUSWIDTH_2_BYTES = 2
    DMA_SLAVE_BUSWIDTH_3_BYTES = 3
    DMA_SLAVE_BUSWIDTH_4_BYTES = 4
    DMA_SLAVE_BUSWIDTH_8_BYTES = 8
    DMA_SLAVE_BUSWIDTH_16_BYTES = 16
    DMA_SLAVE_BUSWIDTH_32_BYTES = 32
    DMA_SLAVE_BUSWIDTH_64_BYTES = 64
    DMA_SLAVE_BUSWIDTH_128_BYTES = 128

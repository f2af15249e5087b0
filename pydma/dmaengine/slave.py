"""Slave configuration and caps: `struct dma_slave_config`, `struct dma_slave_caps` and
dma_get_slave_caps, what a channel's device tells a client it can do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydma.dmaengine.device import DmaDevice
from pydma.enums import DmaResidueGranularity, DmaTransactionType, DmaTransferDirection
from pydma.errors import ENXIO

if TYPE_CHECKING:
    from pydma.dmaengine.channel import DmaChan


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

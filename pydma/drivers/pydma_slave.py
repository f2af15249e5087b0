"""Slave set-up for the pydma controller: checking a `DmaSlaveConfig` against what the
hardware can do, and turning it (with a direction and the channel's request line) into the
SLAVE_CFG and DEV_ADDR register values a transaction needs."""

from __future__ import annotations

from dataclasses import dataclass

from pydma.dmaengine import DmaSlaveConfig
from pydma.enums import DmaTransferDirection
from pydma.hw import layout
from pydma.reports import REFUSED, driver_logger

log = driver_logger("pydma.dmac")

MAX_BURST = 1 << layout.reg("SLAVE_CFG").field("BURST_M1").width  # elements per burst request
_CFG = layout.reg("SLAVE_CFG")


@dataclass(frozen=True)
class PydmaRequest:
    """The filter parameter of a slave channel, as a device-tree DMA specifier would give it:
    the peripheral request line, optionally which channel to use (any free one if None), and
    whether the peripheral speaks the pipelined request handshake (SLAVE_CFG.REQ_PIPE,
    docs/slave-transfers.md) rather than the four-phase one."""

    line: int
    chan: int | None = None
    pipelined: bool = False


@dataclass(frozen=True)
class SlaveSetup:
    """What one transaction needs in the channel's set-up registers."""

    direction: DmaTransferDirection
    width: int  # device access width, bytes
    maxburst: int  # elements per burst request
    dev_addr: int
    req_line: int
    flow_ctrl: bool
    req_pipe: bool = False  # pipelined request handshake

    @property
    def cfg_word(self) -> int:
        hw_dir = {
            DmaTransferDirection.DMA_MEM_TO_DEV: layout.Direction.MEM_TO_DEV,
            DmaTransferDirection.DMA_DEV_TO_MEM: layout.Direction.DEV_TO_MEM,
        }[self.direction]
        f = _CFG.field
        return (
            hw_dir << f("DIR").lsb
            | (self.width.bit_length() - 1) << f("WIDTH").lsb
            | self.req_line << f("REQ_LINE").lsb
            | int(self.flow_ctrl) << f("FLOW_CTRL").lsb
            | int(self.req_pipe) << f("REQ_PIPE").lsb
            | (self.maxburst - 1) << f("BURST_M1").lsb
        )


# the set-up of memory-to-memory transactions: SLAVE_CFG = 0
MEM_TO_MEM_CFG = (0, 0)


def widths_mask(bus_bytes: int) -> int:
    """dma_slave_caps.*_addr_widths: BIT(1), BIT(2), BIT(4), BIT(8) up to the bus width."""
    return sum(1 << w for w in (1, 2, 4, 8) if w <= bus_bytes)


def check_config(name: str, config: DmaSlaveConfig, bus_bytes: int, addr_width: int) -> bool:
    """What dmaengine_slave_config can refuse up front (fields left 0 are checked at prep)."""
    ok = True
    for side in ("src", "dst"):
        width = getattr(config, f"{side}_addr_width")
        burst = getattr(config, f"{side}_maxburst")
        addr = getattr(config, f"{side}_addr")
        if width and not widths_mask(bus_bytes) >> width & 1:
            log.error(
                "%s: %s_addr_width %d not supported (widths %s)",
                name,
                side,
                width,
                _widths(bus_bytes),
                extra={"pydma_tag": REFUSED},
            )
            ok = False
        if not 0 <= burst <= MAX_BURST:
            log.error("%s: %s_maxburst %d outside 1..%d", name, side, burst, MAX_BURST, extra={"pydma_tag": REFUSED})
            ok = False
        if not 0 <= addr < 1 << addr_width:
            log.error(
                "%s: %s_addr 0x%x outside the %d-bit bus", name, side, addr, addr_width, extra={"pydma_tag": REFUSED}
            )
            ok = False
    return ok


def setup_for(
    name: str,
    config: DmaSlaveConfig | None,
    direction: DmaTransferDirection,
    req_line: int | None,
    bus_bytes: int,
    req_pipe: bool = False,
) -> SlaveSetup | None:
    """The set-up a slave transaction in `direction` needs, or None (logged) if the channel's
    configuration cannot do it."""
    if direction not in (DmaTransferDirection.DMA_MEM_TO_DEV, DmaTransferDirection.DMA_DEV_TO_MEM):
        log.error("%s: direction %s is not a slave direction", name, direction.name, extra={"pydma_tag": REFUSED})
        return None
    if config is None:
        log.error("%s: slave transfer prepared before dmaengine_slave_config", name, extra={"pydma_tag": REFUSED})
        return None
    if req_line is None:
        log.error(
            "%s: no request line: request the channel with a PydmaRequest filter parameter",
            name,
            extra={"pydma_tag": REFUSED},
        )
        return None
    side = "dst" if direction == DmaTransferDirection.DMA_MEM_TO_DEV else "src"
    width = getattr(config, f"{side}_addr_width")
    burst = getattr(config, f"{side}_maxburst") or 1  # 0: single transfers only
    if not width or not widths_mask(bus_bytes) >> width & 1:
        log.error(
            "%s: %s_addr_width %d not usable (widths %s)",
            name,
            side,
            width,
            _widths(bus_bytes),
            extra={"pydma_tag": REFUSED},
        )
        return None
    dev_addr = getattr(config, f"{side}_addr")
    if dev_addr % width:
        log.error(
            "%s: device address 0x%x not aligned to its width %d", name, dev_addr, width, extra={"pydma_tag": REFUSED}
        )
        return None
    fc = bool(config.device_fc)
    if fc and direction != DmaTransferDirection.DMA_DEV_TO_MEM:
        log.error(
            "%s: device_fc (peripheral flow control) only works device to memory", name, extra={"pydma_tag": REFUSED}
        )
        return None
    return SlaveSetup(direction, width, burst, dev_addr, req_line, fc, req_pipe)


def _widths(bus_bytes: int) -> str:
    return ", ".join(str(w) for w in (1, 2, 4, 8) if w <= bus_bytes)

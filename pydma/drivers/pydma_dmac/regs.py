"""Register programming of one channel (docs/register-map.md): what the driver writes to
start, extend, pause and abort a channel, and what it reads when the channel interrupts.
Writes are posted and reach the controller in the order made here; the shadows of CTRL and
the set-up registers save writes that would change nothing."""

from __future__ import annotations

from pydma.backend import DmaBackend, DmaBackendCaps
from pydma.drivers.pydma_slave import MEM_TO_MEM_CFG
from pydma.hw import layout

_CTRL = layout.reg("CTRL")
_STATUS = layout.reg("STATUS")
CTRL_BASE = _CTRL.field("RUN").mask | _CTRL.field("IOC_IRQ_EN").mask | _CTRL.field("ERR_IRQ_EN").mask
PAUSE, ABORT, CYCLIC, RESET = (_CTRL.field(n).mask for n in ("PAUSE", "ABORT", "CYCLIC", "RESET"))
STATUS_IRQ_BITS = _STATUS.field("IOC_IRQ").mask | _STATUS.field("ERR_IRQ").mask | _STATUS.field("ABORT_IRQ").mask
ABORT_IRQ = _STATUS.field("ABORT_IRQ").mask
HALTED = _STATUS.field("HALTED").mask
ERR_CODE = _STATUS.field("ERR_CODE")


def err_code(status: int) -> layout.ErrCode:
    return layout.ErrCode((status & ERR_CODE.mask) >> ERR_CODE.lsb)


class ChanRegs:
    def __init__(self, backend: DmaBackend, index: int) -> None:
        self.backend = backend
        self.index = index
        self.ctrl = CTRL_BASE  # CTRL as last written, without the ABORT command
        self.setup = MEM_TO_MEM_CFG  # (SLAVE_CFG, DEV_ADDR) as last written

    def addr(self, name: str) -> int:
        return layout.chan_reg_addr(self.index, name)

    def _w(self, name: str, value: int) -> None:
        self.backend.writel(self.addr(name), value)

    def _w64(self, name: str, value: int) -> None:
        self._w(f"{name}_HI", value >> 32)
        self._w(f"{name}_LO", value & 0xFFFF_FFFF)

    def reset(self) -> None:
        """Reset the channel, then run it with both interrupts enabled."""
        self._w("CTRL", RESET)
        self._w("CTRL", self.ctrl)

    def write_ctrl(self, ctrl: int) -> None:
        self.ctrl = ctrl
        self._w("CTRL", ctrl)

    def start(self, setup: tuple[int, int], cyclic: bool, head: int) -> None:
        """An idle channel: its set-up, CTRL.CYCLIC, and CUR_DESC (the tail comes next)."""
        if setup != self.setup:
            cfg, dev_addr = setup
            self._w("SLAVE_CFG", cfg)
            self._w64("DEV_ADDR", dev_addr)
            self.setup = setup
        ctrl = (self.ctrl & ~CYCLIC) | (CYCLIC if cyclic else 0)
        if ctrl != self.ctrl:
            self.write_ctrl(ctrl)
        self._w64("CUR_DESC", head)

    def ring_tail(self, tail: int) -> None:
        """TAIL_DESC: the doorbell; the channel walks up to and including `tail`."""
        self._w64("TAIL_DESC", tail)

    def pause(self, on: bool) -> None:
        self.write_ctrl(self.ctrl | PAUSE if on else self.ctrl & ~PAUSE)

    def abort(self) -> None:
        """CTRL.ABORT: the channel drains, goes idle and raises ABORT_IRQ."""
        self.ctrl &= ~(PAUSE | CYCLIC)
        self._w("CTRL", self.ctrl | ABORT)

    async def take_irq(self, frames: bool = False) -> tuple[int, int, int | None]:
        """STATUS (its interrupt bits then cleared), DONE_CNT, and with `frames` FRAME_CNT
        (read before DONE_CNT), as the handler needs them."""
        status = await self.backend.readl(self.addr("STATUS"))
        self._w("STATUS", status & STATUS_IRQ_BITS)  # W1C
        frame_cnt = await self.backend.readl(self.addr("FRAME_CNT")) if frames else None
        done_cnt = await self.backend.readl(self.addr("DONE_CNT"))  # also flushes the W1C
        return status, done_cnt, frame_cnt

    async def dump(self) -> dict[str, int]:
        """Every channel register by name, read over the bus (debugfs; reads clear nothing)."""
        return {r.name: await self.backend.readl(self.addr(r.name)) for r in layout.CHAN_REGS}

    def peek_progress(self) -> tuple[int, int] | None:
        """DONE_CNT and XFERRED read in one instant, where the backend can read from
        atomic context (DmaBackendCaps.PEEK_REGS); None where it cannot."""
        if not self.backend.caps & DmaBackendCaps.PEEK_REGS:
            return None
        return self.backend.peekl(self.addr("DONE_CNT")), self.backend.peekl(self.addr("XFERRED"))

"""One channel of the controller model: its registers (rtl/dma_chan.sv, documented in
docs/register-map.md) and its life cycle: idle, busy (a task walks the chain, see
`walker`), halted on an error; abort, reset, pause, and the interrupt line.

The walk runs as its own asyncio task from the doorbell (TAIL_DESC with CTRL.RUN) to the end
of the chain, a halt or an abort; register writes land between its steps, as they land
between clock edges in the RTL.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydma.hw import layout
from pydma.model.walker import walk

if TYPE_CHECKING:
    from pydma.model.controller import ControllerModel

log = logging.getLogger("pydma.model")

_CTRL, _STATUS, _CFG = layout.reg("CTRL"), layout.reg("STATUS"), layout.reg("SLAVE_CFG")
OFF = {r.name: r.offset for r in layout.CHAN_REGS}
_NAME = {r.offset: r.name for r in layout.CHAN_REGS}


def _bit(reg: layout.Register, name: str) -> int:
    return reg.field(name).mask


def _get(reg: layout.Register, name: str, value: int) -> int:
    f = reg.field(name)
    return (value & f.mask) >> f.lsb


class State(enum.Enum):
    IDLE = "idle"
    BUSY = "busy"  # fetching or executing descriptors (STATUS.BUSY)
    HALTED = "halted"  # stopped on an error until ABORT or RESET


class Channel:
    def __init__(self, ctrl: ControllerModel, index: int, on_irq: Callable[[], None]) -> None:
        self.ctrl = ctrl
        self.index = index
        self._on_irq = on_irq
        self.state = State.IDLE
        # CTRL
        self.run = self.ioc_en = self.err_en = self.pause = self.cyclic = False
        # STATUS
        self.ioc_irq = self.err_irq = self.abort_irq = False
        self.err_code = layout.ErrCode.NONE
        self.abort_req = False  # ABORT written, not yet done
        # descriptor pointers, with the high-word shadows that the low-word writes commit
        self.cur = self.tail = self.dev_addr = 0
        self._hi = {"CUR_DESC": 0, "TAIL_DESC": 0, "DEV_ADDR": 0}
        self.doorbell = False  # TAIL_DESC written since the channel last left idle
        self.cur_done = False  # CUR_DESC was completed: resume from its NEXT word
        self.done_cnt = 0
        self.frame_cnt = 0  # frames of repeating descriptors (CTRL.REPEAT) that ran again
        self.xferred = 0  # bytes of descriptor number DONE_CNT moved so far
        self.slave_cfg = 0
        # slave transfer state that spans descriptors
        self.s_left = 0  # bytes of the current request not yet moved (a burst cut by a descriptor's end)
        self.s_last = False  # the current request ends the packet (LREQ with flow control)
        self.skip = False  # the packet ended: complete the rest of the transaction empty
        self.at_gate = False  # held at a burst boundary by CTRL.PAUSE (STATUS.PAUSED)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    # -- the slave set-up, decoded ------------------------------------------------------------------
    def cfg(self, name: str) -> int:
        return _get(_CFG, name, self.slave_cfg)

    @property
    def busy(self) -> bool:
        return self.state is State.BUSY

    @property
    def irq(self) -> bool:
        return ((self.ioc_irq or self.abort_irq) and self.ioc_en) or (self.err_irq and self.err_en)

    # -- register access (dma_regs has already refused what it refuses) -------------------------
    def read(self, off: int) -> int:
        if off == OFF["CTRL"]:
            bits = (("RUN", self.run), ("IOC_IRQ_EN", self.ioc_en), ("ERR_IRQ_EN", self.err_en))
            bits += (("PAUSE", self.pause), ("CYCLIC", self.cyclic))
            return sum(_bit(_CTRL, n) for n, on in bits if on)
        if off == OFF["STATUS"]:
            paused = self.pause and (self.state is not State.BUSY or self.at_gate)
            bits = (("BUSY", self.busy), ("HALTED", self.state is State.HALTED), ("PAUSED", paused))
            bits += (("IOC_IRQ", self.ioc_irq), ("ERR_IRQ", self.err_irq), ("ABORT_IRQ", self.abort_irq))
            return sum(_bit(_STATUS, n) for n, on in bits if on) | self.err_code << _STATUS.field("ERR_CODE").lsb
        words = {
            "CUR_DESC_LO": self.cur,
            "CUR_DESC_HI": self.cur >> 32,
            "TAIL_DESC_LO": self.tail,
            "TAIL_DESC_HI": self.tail >> 32,
            "DONE_CNT": self.done_cnt,
            "XFERRED": self.xferred,
            "FRAME_CNT": self.frame_cnt,
            "SLAVE_CFG": self.slave_cfg,
            "DEV_ADDR_LO": self.dev_addr,
            "DEV_ADDR_HI": self.dev_addr >> 32,
        }
        return words[_NAME[off]] & 0xFFFF_FFFF

    def write(self, off: int, value: int) -> None:
        name = _NAME[off]
        if name == "CTRL":
            self._write_ctrl(value)
        elif name == "STATUS":  # W1C
            self.ioc_irq &= not value & _bit(_STATUS, "IOC_IRQ")
            self.err_irq &= not value & _bit(_STATUS, "ERR_IRQ")
            self.abort_irq &= not value & _bit(_STATUS, "ABORT_IRQ")
        elif name.endswith("_HI"):
            self._hi[name[:-3]] = value
        elif name == "CUR_DESC_LO":
            self.cur = self._hi["CUR_DESC"] << 32 | value
            self.cur_done = False
        elif name == "TAIL_DESC_LO":
            self.tail = self._hi["TAIL_DESC"] << 32 | value
            self.doorbell = True
        elif name == "DEV_ADDR_LO":
            self.dev_addr = self._hi["DEV_ADDR"] << 32 | value
        elif name == "SLAVE_CFG":
            self.slave_cfg = value & sum(f.mask for f in _CFG.fields)
        self.service()

    def _write_ctrl(self, value: int) -> None:
        self.run, self.ioc_en, self.err_en, self.pause, self.cyclic = (
            bool(value & _bit(_CTRL, n)) for n in ("RUN", "IOC_IRQ_EN", "ERR_IRQ_EN", "PAUSE", "CYCLIC")
        )
        if value & _bit(_CTRL, "ABORT"):
            self.abort_req = True
        if value & _bit(_CTRL, "RESET") and not self.busy:
            self.state = State.IDLE
            self.err_code = layout.ErrCode.NONE
            self.cur = 0
            self.cur_done = self.doorbell = self.abort_req = self.skip = False
            self.done_cnt = self.frame_cnt = self.s_left = 0

    # -- life cycle ---------------------------------------------------------------------------------
    def service(self) -> None:
        """After any change: an abort of an idle or halted channel completes at once; a
        doorbell on an idle, running channel starts the walk; a waiting walk wakes up."""
        if self.abort_req and self.state is State.HALTED:
            self.err_code = layout.ErrCode.NONE
            self.cur_done = self.skip = False
            self.state = State.IDLE
            self._aborted()
        elif self.abort_req and self.state is State.IDLE:
            self._aborted()
        if self.state is State.IDLE and self.run and self.doorbell:
            self.state = State.BUSY
            self._task = asyncio.get_running_loop().create_task(self._walk())
        self._wake.set()
        self._on_irq()

    async def _walk(self) -> None:
        try:
            await walk(self)
        except Exception as exc:  # a model bug: say so loudly, and let the test see it
            log.exception("model channel %d crashed", self.index)
            self.ctrl.errors.append(f"channel {self.index}: {exc!r}")
            self.state = State.IDLE
        finally:
            self._task = None
            self.at_gate = False
            self.service()

    def _aborted(self) -> None:
        self.abort_req = self.doorbell = False
        self.abort_irq = True

    def finish_abort(self) -> None:
        """The walk stopped for CTRL.ABORT with nothing in flight: idle, ABORT_IRQ."""
        self.cur_done = self.skip = False
        self.xferred = self.s_left = 0
        self.state = State.IDLE
        self._aborted()

    def go_idle(self) -> None:
        """The chain ended (tail or EOC): `cur_done`, so a later doorbell resumes from NEXT."""
        self.cur_done = True
        self.state = State.IDLE

    def halt(self, code: layout.ErrCode) -> None:
        log.debug("model channel %d halts on %s at 0x%x", self.index, code.name, self.cur)
        self.err_code = code
        self.err_irq = True
        self.s_left = 0
        self.state = State.HALTED

    def raise_ioc(self) -> None:
        self.ioc_irq = True
        self._on_irq()

    # -- waiting, for the walk ------------------------------------------------------------------------
    async def wait(self, timeout_ns: float | None = None) -> None:
        """Until a register write or a device on the line changes something (or timeout)."""
        self._wake.clear()
        if timeout_ns is None:
            await self._wake.wait()
            return
        try:
            await asyncio.wait_for(self._wake.wait(), max(timeout_ns, 1.0) * 1e-9)
        except asyncio.TimeoutError:
            pass

    def wake(self) -> None:
        self._wake.set()

    async def gate(self) -> bool:
        """A burst boundary: hold while paused; False if an abort is asked for."""
        while self.pause and not self.abort_req:
            self.at_gate = True
            try:
                await self.wait()
            finally:
                self.at_gate = False
        return not self.abort_req

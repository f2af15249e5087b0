"""A channel of the pydma controller, with its state as one explicit machine.

    IDLE ──start──> RUNNING ──drained──> IDLE
     │  └─start_cyclic──> CYCLIC
     │                    RUNNING/IDLE ──failure_seen──> HALTING
     └─ RUNNING, CYCLIC, HALTING, IDLE ──abort──> ABORTING ──abort_done──> IDLE

RUNNING: a chain is on the hardware and more of the same set-up may be appended. CYCLIC: a
ring loops until terminated. HALTING: a descriptor's status came back failed but the channel
has not reported the halt yet (it still drains); nothing is handed over meanwhile.
ABORTING: CTRL.ABORT is written (terminate, or recovery from a halt) and ABORT_IRQ is
awaited; synchronize waits for it. Pause is not a state: it holds the channel in any of
them (CTRL.PAUSE) and is kept beside it.
"""

from __future__ import annotations

import enum
from collections import deque
from typing import TYPE_CHECKING

from pydma.dmaengine import DmaSlaveConfig
from pydma.drivers.pydma_dmac.hw_desc import HwDesc, HwDescRing
from pydma.drivers.pydma_dmac.regs import ChanRegs
from pydma.errors import EIO, DmaError
from pydma.reports import driver_logger
from pydma.virt_dma import VirtDmaChan

if TYPE_CHECKING:
    from pydma.drivers.pydma_dmac.desc import PydmaDesc
    from pydma.drivers.pydma_dmac.device import PydmaDevice

log = driver_logger("pydma.dmac")

ERROR_COOKIES_KEPT = 256


class ChanState(enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    CYCLIC = "cyclic"
    HALTING = "halting"
    ABORTING = "aborting"


S = ChanState
# (from, to): the transition's name; anything else is a driver bug
TRANSITIONS = {
    (S.IDLE, S.RUNNING): "start",
    (S.IDLE, S.CYCLIC): "start_cyclic",
    (S.RUNNING, S.IDLE): "drained",
    (S.RUNNING, S.HALTING): "failure_seen",
    (S.IDLE, S.HALTING): "failure_seen",  # the failed descriptor was the chain's last
    (S.RUNNING, S.ABORTING): "abort",
    (S.CYCLIC, S.ABORTING): "abort",
    (S.HALTING, S.ABORTING): "abort",
    # the halt reported in the same STATUS read as the completion of the chain's last descriptor
    (S.IDLE, S.ABORTING): "abort",
    (S.ABORTING, S.IDLE): "abort_done",
}


class PydmaChan(VirtDmaChan):
    def __init__(self, device: PydmaDevice, index: int) -> None:
        super().__init__(device, index)
        self.index = index
        self.state = ChanState.IDLE
        self.paused = False  # CTRL.PAUSE written (posted: STATUS.PAUSED says when it holds)
        self.regs = ChanRegs(device.backend, index)
        self.ring = HwDescRing(self.name, device.max_hw_desc)
        self.hw_queue: deque[tuple[PydmaDesc, int]] = deque()  # handed to hw, not done (RUNNING, HALTING)
        self.hw_tail: HwDesc | None = None  # last descriptor handed to the hardware
        self.hw_done_cnt = 0  # DONE_CNT as last read
        self.hw_handed = 0  # hardware descriptors handed over, in DONE_CNT numbering
        self.hw_ring: PydmaDesc | None = None  # the cyclic transaction (CYCLIC)
        # the repeating transaction (DMA_PREP_REPEAT) that is the hardware's tail: it runs
        # again until a DMA_PREP_LOAD_EOT one is handed over behind it
        self.hw_repeat: PydmaDesc | None = None
        self.hw_frames = 0  # FRAME_CNT as last read
        # the transactions issued when the failure was seen, aborted once the halt is
        # reported (HALTING)
        self.halt_victims: list[PydmaDesc] = []
        self.abort_done = device.runtime.event()  # set except while ABORTING
        self.abort_done.set()
        self.irq_task = None
        self.stats = {"starts": 0, "appends": 0, "irqs": 0, "aborts": 0, "halts_ahead": 0}
        self.config: DmaSlaveConfig | None = None  # from dmaengine_slave_config
        self.req_line: int | None = None  # from the filter parameter (PydmaRequest)
        self.req_pipe = False  # the line's handshake is pipelined (PydmaRequest.pipelined)
        # cookies that completed with an error or were aborted behind one: tx_status says
        # DMA_ERROR for them (the last ERROR_COOKIES_KEPT)
        self.error_cookies: deque[int] = deque(maxlen=ERROR_COOKIES_KEPT)

    def enter(self, new: ChanState) -> None:
        """Take a transition of the table above; any other one is a driver bug, reported."""
        if new is self.state:
            return
        name = TRANSITIONS.get((self.state, new))
        if name is None:
            raise DmaError(EIO, f"{self.name}: no transition from {self.state.name} to {new.name} (driver bug)")
        log.debug("%s: %s -> %s (%s)", self.name, self.state.name, new.name, name)
        if new is ChanState.ABORTING:
            self.abort_done.clear()
        elif self.state is ChanState.ABORTING:
            self.abort_done.set()
        self.state = new

    def vchan_tx_submit(self, vd: PydmaDesc) -> int:
        cookie = super().vchan_tx_submit(vd)
        with self.lock:  # the number comes round again after the wrap: its old failure is not its own
            if cookie in self.error_cookies:
                self.error_cookies.remove(cookie)
        return cookie

    def desc_free_hw(self, vd: PydmaDesc) -> None:
        self.ring.free(vd.hw)
        vd.hw = []

"""One dmaengine transaction on the pydma controller: a chain of hardware descriptors
(a closed ring for a cyclic one), with the set-up registers it needs and its progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydma.drivers.pydma_dmac.hw_desc import OFF, HwDesc
from pydma.drivers.pydma_dmac.segments import Seg
from pydma.drivers.pydma_slave import MEM_TO_MEM_CFG
from pydma.enums import DmaCtrlFlags
from pydma.hw import layout
from pydma.virt_dma import VirtDmaDesc

if TYPE_CHECKING:
    from pydma.drivers.pydma_dmac.chan import PydmaChan


class PydmaDesc(VirtDmaDesc):
    def __init__(
        self,
        chan: PydmaChan,
        flags: DmaCtrlFlags,
        hw: list[HwDesc],
        setup: tuple[int, int] = MEM_TO_MEM_CFG,
        cyclic: bool = False,
    ) -> None:
        super().__init__(chan, flags)
        self.hw = hw
        self.total = sum(h.length for h in hw)
        self.setup = setup  # (SLAVE_CFG, DEV_ADDR) the channel needs for it
        self.cyclic = cyclic
        self.op = "memcpy"  # the operation the client prepared (set by the prep)
        self.on_hw = False  # issued and handed to the controller, not yet completed
        self.hw_base = 0  # DONE_CNT number of its first hardware descriptor
        self.moved = 0  # bytes its retired hardware descriptors report moved
        self._zero_statuses: Callable[[], None] | None = None  # made at the first submit
        self.sum_check = None  # XOR_VAL, PQ_VAL: the client's SumCheckResult, written at completion
        self.sum_bits = 0  # the SUM_CHECK bits its descriptors wrote back so far
        self.repeat = bool(flags & DmaCtrlFlags.DMA_PREP_REPEAT)  # its descriptor is CTRL.REPEAT
        self.load_eot = bool(flags & DmaCtrlFlags.DMA_PREP_LOAD_EOT)  # takes over a repeating one
        self.frames = 0  # repeated frames that ran again (FRAME_CNT)
        self.waits_logged = False  # said once that it waits behind a repeating one
        self.segs: Sequence[Seg] = ()  # what it was built from
        self._queue_entries: list[tuple[PydmaDesc, int]] | None = None

    def __repr__(self) -> str:
        return f"<PydmaDesc cookie={self.cookie} segs={len(self.hw)} len={self.total}>"

    def clear_statuses(self) -> None:
        """Zero every hardware descriptor's status words before the controller sees them
        (a reused chain carries the last run's). The memory backend prepares the fastest
        way to do it once (`DmaMemory.zeroer`)."""
        if self._zero_statuses is None:
            mem = self.hw[0].view.mem  # (CPU addresses: the device's may be offset)
            self._zero_statuses = mem.zeroer([h.view.addr + OFF["STATUS"] for h in self.hw], 8)
        self._zero_statuses()

    def queue_entries(self) -> list[tuple[PydmaDesc, int]]:
        """(self, i) for each hardware descriptor, as the channel's hw_queue holds them."""
        if self._queue_entries is None:
            self._queue_entries = [(self, i) for i in range(len(self.hw))]
        return self._queue_entries

    def remaining_from(self, k: int) -> int:
        """Bytes of hardware descriptors k.. (the residue once k descriptors are done)."""
        return sum(h.length for h in self.hw[k:])


def link(hw: list[HwDesc], segs: Sequence[Seg], cyclic: bool, fence: bool = False) -> None:
    """The descriptor encoder: write `segs` into `hw`, linked through NEXT, with IOC on the
    last one (a cyclic chain: a closed ring with IOC on every period) and FENCE there when
    the next transaction depends on this one's result; a segment with operands gets its
    operand table written and pointed to by SRC."""
    end_bits = layout.DescCtrl.IOC | (layout.DescCtrl.FENCE if fence else 0)
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        nxt = hw[0].phys if cyclic and last else 0 if last else hw[i + 1].phys
        ctrl = seg.ctrl | (end_bits if last else layout.DescCtrl.IOC if cyclic else 0)
        src = seg.src
        if seg.operands is not None:
            hw[i].write_operands(*seg.operands)
            src = hw[i].opnd_phys
        hw[i].write(nxt, src, seg.dst, seg.length, ctrl, seg.xt)

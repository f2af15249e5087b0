"""Hardware descriptors and their lifetime on one channel.

A `HwDesc` is one descriptor in DMA-pool memory (docs/descriptor-layout.md): what the driver
wrote, its bus address, and the status the controller writes back. The `HwDescRing` owns a
channel's pool and the one rule that makes freeing subtle: after retiring a descriptor the
controller may still re-read its NEXT word (a stale tail, or a doorbell while idle on it),
and it cannot retire another one before that. So the descriptor retired last stays pinned
out of the pool until the next one retires or the channel is reset; a transaction freed
meanwhile leaves it orphaned, and the ring frees it when it is unpinned.
"""

from __future__ import annotations

from pydma.dma_mapping import Device, DmaPool, dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free
from pydma.hw import layout
from pydma.memory import MemView
from pydma.reports import driver_logger

log = driver_logger("pydma.dmac")

OFF = {f.name: f.offset for f in layout.DESC_FIELDS}


class HwDesc:
    """One hardware descriptor: its CPU view and bus address, and what it moves."""

    __slots__ = ("dst", "length", "opnd", "opnd_phys", "orphan", "phys", "pinned", "src", "view")

    def __init__(self, view: MemView, phys: int) -> None:
        self.view = view
        self.phys = phys
        self.src = self.dst = self.length = 0
        self.pinned = False  # the hardware may still re-read its NEXT word
        self.orphan = False  # its transaction let go of it while pinned
        self.opnd: MemView | None = None  # a multi-source operation's operand table
        self.opnd_phys = 0

    def write(
        self, next_phys: int, src: int, dst: int, length: int, ctrl: int, xt: tuple[int, int, int] | None = None
    ) -> None:
        self.src, self.dst, self.length = src, dst, length
        self.view.write(0, layout.pack_desc(next_phys, src, dst, length, ctrl, xt))  # STATUS, XFERRED zero

    def write_operands(self, srcs: tuple[int, ...], q_dst: int, coefs: tuple[int, ...]) -> None:
        self.opnd.write(0, layout.pack_operands(list(srcs), q_dst, list(coefs)))

    def sum_check(self) -> int:
        """The SUM_CHECK bits of the written-back status word (XOR_VAL, PQ_VAL)."""
        word = int.from_bytes(self.view.read(OFF["STATUS"], 4), "little")
        return word & (layout.DescStatus.SUM_CHECK_P | layout.DescStatus.SUM_CHECK_Q)

    def set_next(self, next_phys: int) -> None:
        self.view.write(OFF["NEXT"], next_phys.to_bytes(8, "little"))

    def status(self) -> tuple[bool, int, int]:
        """(DONE, error code, bytes moved) as the controller wrote them back."""
        raw = self.view.read(OFF["STATUS"], 8)
        word = int.from_bytes(raw[:4], "little")
        err = (word >> layout.DescStatus.ERR_SHIFT) & 0xF
        return bool(word & layout.DescStatus.DONE), err, int.from_bytes(raw[4:], "little")


class HwDescRing:
    """A channel's hardware descriptors: allocation (all or nothing, at most `limit` held),
    retirement, pinning and freeing."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.pool: DmaPool | None = None
        self.opnd_pool: DmaPool | None = None  # operand tables, made at the first one
        self.dev: Device | None = None
        self.in_use = 0  # held by prepared transactions
        self.last_retired: HwDesc | None = None  # pinned: see the module docstring

    def create(self, dev: Device) -> bool:
        self.dev = dev
        self.pool = dma_pool_create(f"{self.name}-desc", dev, layout.DESC_SIZE, layout.DESC_ALIGN, 4096)
        return self.pool is not None

    def destroy(self) -> None:
        self.unpin()
        if self.pool is not None:
            dma_pool_destroy(self.pool)
            self.pool = None
        if self.opnd_pool is not None:
            dma_pool_destroy(self.opnd_pool)
            self.opnd_pool = None

    def alloc_operands(self, hw: list[HwDesc]) -> bool:
        """An operand table for each of `hw` (all or none)."""
        if self.opnd_pool is None:
            self.opnd_pool = dma_pool_create(f"{self.name}-opnd", self.dev, layout.OPND_SIZE, layout.OPND_ALIGN, 4096)
            if self.opnd_pool is None:
                return False
        for i, h in enumerate(hw):
            view, phys = dma_pool_alloc(self.opnd_pool)
            if view is None:
                self._free_operands(hw[:i])
                return False
            h.opnd, h.opnd_phys = view, phys
        return True

    def _free_operands(self, hw: list[HwDesc]) -> None:
        # the controller reads a table only while it runs the descriptor: no pinning
        for h in hw:
            if h.opnd is not None:
                dma_pool_free(self.opnd_pool, h.opnd, h.opnd_phys)
                h.opnd = None

    def alloc(self, count: int) -> list[HwDesc] | None:
        last = self.last_retired
        held = self.in_use + (1 if last is not None and last.orphan else 0)
        if held + count > self.limit:
            log.warning(
                "%s: out of hardware descriptors (%d in use, %d asked, limit %d)",
                self.name,
                self.in_use,
                count,
                self.limit,
            )
            return None
        got: list[HwDesc] = []
        for _ in range(count):
            view, phys = dma_pool_alloc(self.pool)
            if view is None:
                for h in got:
                    dma_pool_free(self.pool, h.view, h.phys)
                return None
            got.append(HwDesc(view, phys))
        self.in_use += count
        return got

    def free(self, hw: list[HwDesc]) -> None:
        """A transaction lets go of its descriptors; a pinned one waits to be unpinned."""
        self._free_operands(hw)
        for h in hw:
            if h.pinned:
                h.orphan = True
            else:
                dma_pool_free(self.pool, h.view, h.phys)
        self.in_use -= len(hw)

    def retire(self, h: HwDesc) -> None:
        """The controller counted `h` done: it now pins `h` instead of the one before."""
        self.unpin()
        h.pinned = True
        self.last_retired = h

    def unpin(self) -> None:
        """The controller will not read the last retired descriptor again (a later one
        retired, or the channel was reset)."""
        last, self.last_retired = self.last_retired, None
        if last is not None:
            last.pinned = False
            if last.orphan:
                dma_pool_free(self.pool, last.view, last.phys)

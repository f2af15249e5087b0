"""DMA-API debugging, in the spirit of the kernel's CONFIG_DMA_API_DEBUG (kernel/dma/debug.c).

While enabled, every mapping made through `pydma.dma_mapping` is tracked (device, address,
size, direction, the function that made it, where it was made, who owns it now), and these
bugs are reported (`pydma.reports`) with the address and, where one is involved, the
descriptor:

- unmap of memory that is not mapped (never, or already: double unmap), or with another
  size, direction, entry count or function than the map;
- sync outside a mapping, or with another direction;
- CPU access, through a `MemView`, to a buffer mapped to the device without a sync: any
  write, and reads of DMA_FROM_DEVICE / DMA_BIDIRECTIONAL mappings (a DMA_TO_DEVICE
  buffer the CPU filled stays readable, as its cache lines are clean);
- the device touching memory outside any live mapping: memory that is not allocated (freed),
  `kmalloc` memory no live mapping covers, a mapping the CPU owns (synced for the CPU), or a
  mapping of the other direction (a device write into DMA_TO_DEVICE memory); judged per bus
  beat, however the memory model hands the accesses over (beat by beat, or merged into runs);
- `kfree` of a buffer that is still mapped, and mappings left at the end of a test.

Memory the test environment allocates directly (guarded buffers, arenas) counts as
coherent memory the device may touch at any time, unless a client maps part of it, in which
case that part follows the mapping's rules.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from pydma import memory as _memory
from pydma import reports
from pydma.enums import DmaDataDirection

TO_DEVICE = DmaDataDirection.DMA_TO_DEVICE
FROM_DEVICE = DmaDataDirection.DMA_FROM_DEVICE
BIDIRECTIONAL = DmaDataDirection.DMA_BIDIRECTIONAL
_DEVICE_READS = (TO_DEVICE, BIDIRECTIONAL)
_DEVICE_WRITES = (FROM_DEVICE, BIDIRECTIONAL)
_HERE = os.path.dirname(os.path.abspath(__file__))
_OWN_FILES = {os.path.join(_HERE, f) for f in ("dma_debug.py", "dma_mapping.py", "memory.py")}
_ROOT = os.path.dirname(_HERE)


def _caller() -> str:
    """file:line of the first frame outside the DMA mapping code: the client's call."""
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename) in _OWN_FILES:
        f = f.f_back
    if f is None:
        return "?"
    path = os.path.abspath(f.f_code.co_filename)
    if path.startswith(_ROOT + os.sep):
        path = os.path.relpath(path, _ROOT)
    return f"{path}:{f.f_lineno}"


@dataclass(eq=False)
class Mapping:
    """struct dma_debug_entry."""

    dev: object
    kind: str  # "single", "sg" or "coherent"
    addr: int
    size: int
    direction: DmaDataDirection
    where: str
    sg_nents: int = 0  # the nents given to dma_map_sg
    owner: str = "device"  # "device", or "cpu" after a sync for the CPU
    alloc: int | None = None  # start of the allocation it lies in

    @property
    def end(self) -> int:
        return self.addr + self.size

    def __str__(self) -> str:
        d = self.direction.name if self.kind != "coherent" else "coherent"
        return f"{self.kind} mapping [0x{self.addr:x}+0x{self.size:x}] {d} of {self.dev} mapped at {self.where}"


class DmaDebug:
    """The mapping tracker. One is active at a time (`enable`); `pydma.dma_mapping` and
    `MemView` report to it, the test environment feeds it the device's bus accesses."""

    def __init__(self, memory, reporter: reports.Reporter | None = None, bus_bytes: int | None = None) -> None:
        self.memory = memory  # needs allocation_at, unallocated_at and contains (pydma.memory.DmaMemory)
        self.reporter = reporter or reports.reporter
        # the data bus's width in bytes: device accesses are judged per beat of it (None: each
        # access handed over is one beat)
        self.bus_bytes = bus_bytes
        self.by_alloc: dict[int | None, list[Mapping]] = {}  # live mappings by allocation
        self.kmem: set[int] = set()  # kmalloc allocations: the device needs a mapping there
        self.unmapped: deque[tuple[int, str]] = deque(maxlen=256)  # (addr, where) for "double"
        self.describe: Callable[[int], list[str]] | None = None  # descriptors covering addr
        self.device_reads = self.device_writes = 0
        self._reported: set[tuple] = set()  # (allocation, op, why) already reported
        self.suppressed = 0  # device accesses not reported again
        # a memory model that reports device accesses late (the native one logs them) sets
        # this: it hands them over before the mappings they are judged against change
        self.before_change: Callable[[], None] | None = None

    def _catch_up(self) -> None:
        if self.before_change is not None:
            self.before_change()

    # -- bookkeeping ------------------------------------------------------------------------------
    def _alloc_of(self, addr: int) -> int | None:
        found = self.memory.allocation_at(addr)
        return None if found is None else found[0]

    def _add(self, m: Mapping) -> None:
        m.alloc = self._alloc_of(m.addr)
        self.by_alloc.setdefault(m.alloc, []).append(m)

    def _remove(self, m: Mapping) -> None:
        lst = self.by_alloc[m.alloc]
        lst.remove(m)
        if not lst:
            del self.by_alloc[m.alloc]

    def live(self, dev: object = None) -> list[Mapping]:
        return [m for lst in self.by_alloc.values() for m in lst if dev is None or m.dev is dev]

    def _descs(self, addr: int) -> str:
        found = self.describe(addr) if self.describe is not None else []
        return "; descriptor: " + ", ".join(found) if found else "; no in-flight descriptor covers it"

    def _report(self, kind: str, message: str, raise_now: bool) -> None:
        self.reporter.report(kind, message, raise_now=raise_now)

    # -- kernel memory ---------------------------------------------------------------------------
    def kmalloc(self, addr: int) -> None:
        self._catch_up()
        self.kmem.add(addr)

    def kfree(self, addr: int, size: int) -> None:
        self._catch_up()
        self.kmem.discard(addr)
        mapped = [m for m in self.by_alloc.get(self._alloc_of(addr), []) if m.addr < addr + size and addr < m.end]
        for m in mapped:
            self._remove(m)
        if mapped:
            self._report(
                reports.FREE_MAPPED,
                f"kfree of 0x{addr:x} at {_caller()} while still mapped: {mapped[0]}{self._descs(mapped[0].addr)}",
                True,
            )

    # -- map / unmap -------------------------------------------------------------------------------
    def map(self, dev, kind: str, addr: int, size: int, direction: DmaDataDirection, sg_nents: int = 0) -> None:
        self._catch_up()
        self._add(Mapping(dev, kind, addr, size, DmaDataDirection(direction), _caller(), sg_nents))

    def unmap(self, dev, kind: str, addr: int, size: int, direction: DmaDataDirection, sg_nents: int = 0) -> None:
        self._catch_up()
        where = _caller()
        what = f"{kind} unmap of [0x{addr:x}+0x{size:x}] {DmaDataDirection(direction).name} at {where}"
        cands = [m for m in self.by_alloc.get(self._alloc_of(addr), []) if m.addr == addr and m.dev is dev]
        cands = [m for m in cands if m.kind != "coherent"] if kind != "coherent" else cands
        if not cands:
            before = next((w for a, w in reversed(self.unmapped) if a == addr), None)
            why = f"double unmap: it was unmapped at {before}" if before else "it was never mapped"
            self._report(reports.UNMAP_NOT_MAPPED, f"{what}: {why}", True)
            return
        exact = [m for m in cands if (m.kind, m.size, m.direction) == (kind, size, direction)]
        m = (exact or cands)[0]
        self._remove(m)
        self.unmapped.append((addr, where))
        wrong = []
        if m.kind != kind:
            wrong.append(f"function ({kind} unmap of a {m.kind} mapping)")
        if m.size != size:
            wrong.append(f"size (map size 0x{m.size:x}, unmap size 0x{size:x})")
        if kind != "coherent" and m.direction != direction:
            wrong.append(f"direction (mapped {m.direction.name}, unmapped {DmaDataDirection(direction).name})")
        if kind == "sg" and m.sg_nents != sg_nents:
            wrong.append(f"entry count (map count {m.sg_nents}, unmap count {sg_nents})")
        if wrong:
            self._report(reports.UNMAP_MISMATCH, f"{what} with a different {', '.join(wrong)}; {m}", True)

    # -- sync ---------------------------------------------------------------------------------------
    def sync(self, dev, addr: int, size: int, direction: DmaDataDirection, to_cpu: bool) -> None:
        self._catch_up()
        direction = DmaDataDirection(direction)
        what = f"sync for {'cpu' if to_cpu else 'device'} of [0x{addr:x}+0x{size:x}] {direction.name} at {_caller()}"
        lst = [m for m in self.by_alloc.get(self._alloc_of(addr), []) if m.dev is dev and m.kind != "coherent"]
        m = next((m for m in lst if m.addr <= addr and addr + size <= m.end), None)
        if m is None:
            part = next((m for m in lst if m.addr < addr + size and addr < m.end), None)
            why = f"outside the mapping: {part}" if part else "memory that is not mapped"
            self._report(reports.SYNC_MISMATCH, f"{what}: {why}", True)
            return
        if m.direction != BIDIRECTIONAL and m.direction != direction:
            self._report(reports.SYNC_MISMATCH, f"{what} with a different direction; {m}", True)
        m.owner = "cpu" if to_cpu else "device"

    # -- CPU and device access ----------------------------------------------------------------------
    def cpu_access(self, addr: int, length: int, write: bool) -> None:
        lst = self.by_alloc.get(self._alloc_of(addr)) if self.by_alloc else None
        if not lst:
            return
        for m in lst:
            if m.owner != "device" or m.kind == "coherent" or not (m.addr < addr + length and addr < m.end):
                continue
            if write or m.direction != TO_DEVICE:
                op = "write" if write else "read"
                self._report(
                    reports.CPU_ACCESS,
                    f"CPU {op} of [0x{addr:x}+0x{length:x}] at {_caller()} while the device owns it "
                    f"(no dma_sync_*_for_cpu or unmap first): {m}{self._descs(addr)}",
                    True,
                )

    def device_access(self, addr: int, length: int, write: bool, dev: object = None) -> None:
        """The device read or wrote [addr, addr+length) of memory (CPU addresses), within one
        allocation (or none): whole bus beats it read, or the strobed bytes it wrote, one beat
        at a time (the Python memory model) or many beats merged into a run (the native model
        logs them so); `dev`, when known, is the struct device of the controller that did it: a
        mapping made for another device does not cover its access.

        Judged per beat of `bus_bytes`, as the bus carried it: each beat read must overlap a
        mapping that lets the device read (the controller reads the whole word holding a
        buffer's first and last bytes), each byte written must lie in one that lets it write.
        A run wholly covered costs a few checks whatever its length; one that is not is cut
        where a mapping begins or ends into stretches whose beats all fare alike, and the first
        beat of each stands for the stretch: reported as the beat-by-beat judgement would."""
        if write:
            self.device_writes += 1
        else:
            self.device_reads += 1
        end = addr + length
        found = self.memory.allocation_at(addr)
        if found is None:
            first = self._first_beat_end(addr, end)
            stretch = self.memory.unallocated_at(addr)
            if stretch is not None:  # reported once per stretch between allocations
                self._device_report(stretch[0], addr, first - addr, write, "memory that is not allocated (freed?)")
                self.suppressed += self._beats(first, end)
            elif dev is not None:
                self._foreign_address(addr, first - addr, write, dev)
            return
        lst = self.by_alloc.get(found[0]) or []
        if not lst and found[0] not in self.kmem:
            return  # environment memory: coherent
        beat = self.bus_bytes
        if beat is None or addr % beat + length <= beat:  # one beat
            self._judge_beat(found[0], addr, end, write, dev, lst)
            return
        hits = [m for m in lst if m.addr < end and addr < m.end]
        good = [m for m in hits if _allows(m, write, dev)]
        if _uncovered(addr, end, good, 1 if write else beat) is None:
            return  # every byte written, or every beat read, is in a good mapping
        # the beats holding a mapping's first or last byte, and the stretches between them
        cuts = {addr, end}
        for m in hits:
            for edge in (m.addr, m.end):
                down = edge - edge % beat
                for cut in (down, down + beat) if down != edge else (edge,):
                    if addr < cut < end:
                        cuts.add(cut)
        cuts = sorted(cuts)
        for lo, hi in pairwise(cuts):
            first = self._first_beat_end(lo, hi)
            if self._judge_beat(found[0], lo, first, write, dev, hits):
                self.suppressed += self._beats(first, hi)  # the same report, beat by beat

    def _first_beat_end(self, addr: int, end: int) -> int:
        beat = self.bus_bytes
        return end if beat is None else min(end, addr - addr % beat + beat)

    def _beats(self, lo: int, hi: int) -> int:
        """How many beats of [lo, hi), which begins on a beat boundary."""
        return 0 if self.bus_bytes is None or hi <= lo else -(-(hi - lo) // self.bus_bytes)

    def _judge_beat(self, alloc: int, addr: int, end: int, write: bool, dev: object, hits: list[Mapping]) -> bool:
        """One beat [addr, end) of allocation `alloc` (`hits`: the mappings there, or more):
        report it if it is outside what a live mapping lets the device do; returns whether it
        was (reported now, or once before)."""
        hits = [m for m in hits if m.addr < end and addr < m.end]
        good = [m for m in hits if _allows(m, write, dev)]
        bad = [m for m in hits if m not in good]
        if write:
            uncovered = _uncovered(addr, end, good)
            if uncovered is None:
                return False
            culprit = next((m for m in bad if m.addr < uncovered[1] and uncovered[0] < m.end), None)
        else:
            if good:
                return False
            culprit = bad[0] if bad else None
        if culprit is None:
            if alloc not in self.kmem:
                return False  # the uncovered bytes are plain environment memory
            why = "kmalloc memory that no live mapping covers"
        elif dev is not None and culprit.dev is not dev:
            why = f"a mapping for another device, not for {getattr(dev, 'name', dev)}: {culprit}"
        elif culprit.owner != "device":
            why = f"a mapping the CPU owns (synced for the CPU, not back for the device): {culprit}"
        else:
            why = f"a mapping of the other direction: {culprit}"
        self._device_report(alloc, addr, end - addr, write, why)
        return True

    def _foreign_address(self, addr: int, length: int, write: bool, dev) -> None:
        """`dev` touched an address outside memory: when its bus address is another
        device's dma_addr_t (a mapping for a device that sees memory at another offset, put in
        this device's descriptor), say so. Other addresses outside memory (peripheral
        registers) are not the debug mode's business."""
        to_bus = getattr(dev, "to_bus", None)
        if to_bus is None:
            return
        bus = to_bus(addr)
        for lst in self.by_alloc.values():
            for m in lst:
                other = m.dev
                if other is dev or not hasattr(other, "to_bus"):
                    continue
                if other.to_bus(m.addr) <= bus < other.to_bus(m.end):
                    what = f"the dma_addr_t of a mapping for another device: {m}"
                    why = (
                        f"bus address 0x{bus:x} of {getattr(dev, 'name', dev)} is outside memory (it sees memory"
                        f" at its own DMA offset); it is {what}"
                    )
                    self._device_report(m.alloc, bus, length, write, why, key=(dev, what))  # once per mapping
                    return

    def _device_report(
        self, alloc: int | None, addr: int, length: int, write: bool, why: str, key: object = None
    ) -> None:
        """One report per allocation (or stretch of unallocated memory), direction and cause
        (`key`, when the cause's text names the address: a bad burst touches many beats)."""
        op = "write" if write else "read"
        key = (alloc if alloc is not None else addr, op, why if key is None else key)
        if key in self._reported:
            self.suppressed += 1
            return
        self._reported.add(key)
        self._report(
            reports.DEVICE_ACCESS,
            f"device {op} of [0x{addr:x}+0x{length:x}] outside any live mapping: {why}{self._descs(addr)} "
            "(later such accesses to this allocation are not reported again)",
            False,  # the bus access itself goes on as it would in hardware
        )

    # -- end of test -------------------------------------------------------------------------------
    def check_leaks(self, dev: object = None) -> int:
        """Report every mapping still live (of `dev`, or all); returns how many."""
        self._catch_up()
        left = self.live(dev)
        for m in left:
            self._remove(m)
            self._report(reports.LEAK, f"mapping leaked (not unmapped at the end): {m}", False)
        return len(left)


def _allows(m: Mapping, write: bool, dev: object) -> bool:
    """Whether mapping `m` lets `dev` (None: any device) read or write it now."""
    if dev is not None and m.dev is not dev:
        return False
    return m.kind == "coherent" or (m.owner == "device" and m.direction in (_DEVICE_WRITES if write else _DEVICE_READS))


def _uncovered(lo: int, hi: int, maps: list[Mapping], beat: int = 1) -> tuple[int, int] | None:
    """The first byte range of [lo, hi) no mapping in `maps` covers, or None; with `beat`,
    a mapping covers every beat-aligned beat it overlaps."""
    pos = lo
    for m in sorted(maps, key=lambda m: m.addr):
        start = m.addr - m.addr % beat
        if start > pos:
            return pos, min(start, hi)
        pos = max(pos, -(-m.end // beat) * beat)
        if pos >= hi:
            return None
    return (pos, hi) if pos < hi else None


active: DmaDebug | None = None


def enable(memory, reporter: reports.Reporter | None = None, bus_bytes: int | None = None) -> DmaDebug:
    """Start tracking (replacing any tracker before); CPU accesses through MemView report.
    `bus_bytes`: the width of the data bus the device accesses come over (None: each access
    handed to `device_access` is one beat)."""
    global active
    active = DmaDebug(memory, reporter, bus_bytes)
    _memory.cpu_access_hook = active.cpu_access
    return active


def disable() -> None:
    global active
    active = None
    _memory.cpu_access_hook = None

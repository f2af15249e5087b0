"""Fault injection in the memory model: chosen address ranges, or the N-th read or write
burst, answer SLVERR or DECERR; optional random response latency.

    faults = tb.fault_injector()   # FaultInjector or NativeFaultInjector, same API
    faults.add(Fault("read", AxiResp.DECERR, lo=buf.addr, hi=buf.addr + 64))
    faults.add(Fault("write", AxiResp.SLVERR, nth=3))  # the 3rd write burst from now
    faults.latency(max_cycles=50)

`FaultInjector` holds the rules for the Python memory model, whose cocotbext-axi slave
(tb/memory_models/axi_slave.py, subclassed at its `_read` / `_write` override points) asks
them at each burst, so the data path, stall generators and protocol are cocotbext-axi's
own. `NativeFaultInjector` hands the same rules to the native memory model (tb/native),
which applies them in C++ as each burst is accepted.

A faulting read returns zeros with the error response on every beat of the burst that
touches the range; a faulting write does not change memory at any beat of that burst and
its B response carries the error.
"""

from __future__ import annotations

import ctypes
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiResp

from pydma import reports


class InjectedFault(Exception):
    """Raised inside the model's access path; cocotbext-axi answers SLVERR for it."""


@dataclass
class Fault:
    direction: str  # "read" or "write"
    resp: AxiResp = AxiResp.SLVERR
    lo: int | None = None  # byte range [lo, hi) ...
    hi: int | None = None
    nth: int | None = None  # ... or the N-th burst (1-based) of that direction after add()
    once: bool = False  # disarm after the first burst it hit
    start: int = field(default=0, init=False)  # bursts of its direction before add()
    _hits: int = field(default=0, init=False, repr=False)
    _live_hits: Callable[[], int | None] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def hits(self) -> int:
        """Bursts answered with the error so far."""
        if self._live_hits is not None:
            n = self._live_hits()
            if n is not None:
                self._hits = n
        return self._hits

    def __post_init__(self) -> None:
        if self.direction not in ("read", "write"):
            raise ValueError(f"direction must be 'read' or 'write', not {self.direction!r}")
        if self.resp not in (AxiResp.SLVERR, AxiResp.DECERR):
            raise ValueError("a fault answers SLVERR or DECERR")
        if (self.nth is None) == (self.lo is None or self.hi is None):
            raise ValueError("give either an address range (lo, hi) or nth")


class FaultInjector:
    """The rules for the Python memory model, which asks them at the start of every burst
    (`tb.memory_models.axi_slave`: a faulted burst's accesses fail and its responses carry
    the rule's answer)."""

    def __init__(self, clock, rng: random.Random | None = None, offset: int = 0, addr_width: int = 64) -> None:
        self.clock = clock
        # the port's DMA offset: rules are in CPU addresses, bursts carry bus addresses
        self.offset = offset
        self.addr_mask = (1 << addr_width) - 1
        self.rng = rng or random.Random(0)
        self.faults: list[Fault] = []
        self.max_latency = 0
        self.log: list[tuple[str, int, int, str]] = []  # (direction, lo, hi, response) per faulted burst
        self.bursts = {"read": 0, "write": 0}  # bursts begun so far, per direction

    def add(self, fault: Fault) -> Fault:
        reports.reporter.provoke_for_test(reports.BUS_ERROR)  # the halts it causes are the test's
        fault.start = self.bursts[fault.direction]  # nth counts from now
        self.faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Disarm `fault` if it is still armed."""
        if fault in self.faults:
            self.faults.remove(fault)

    def armed(self) -> list[Fault]:
        return list(self.faults)

    def clear(self) -> None:
        self.faults.clear()

    def latency(self, max_cycles: int) -> None:
        """Delay each burst's handling by 0..max_cycles cycles (0 turns it off)."""
        self.max_latency = max_cycles

    async def begin_burst(self, direction: str, txn) -> Fault | None:
        """A burst's address transaction arrived: count it, pick the fault that hits it (or
        None), then wait out the random latency if one is set."""
        fault = self._match(direction, txn)
        if self.max_latency:
            await ClockCycles(self.clock, self.rng.randint(0, self.max_latency))
        return fault

    def _match(self, direction: str, txn) -> Fault | None:
        self.bursts[direction] += 1
        p = "ar" if direction == "read" else "aw"
        addr = (int(getattr(txn, f"{p}addr")) - self.offset) & self.addr_mask
        size = 1 << int(getattr(txn, f"{p}size"))
        beats = int(getattr(txn, f"{p}len")) + 1
        fixed = int(getattr(txn, f"{p}burst")) == 0
        lo = addr
        hi = addr + (size if fixed else (beats * size - (addr % size)))
        for f in self.faults:
            if f.direction != direction:
                continue
            hit = (f.nth is not None and self.bursts[direction] - f.start == f.nth) or (
                f.lo is not None and lo < f.hi and f.lo < hi
            )
            if hit:
                f._hits += 1
                self.log.append((direction, lo, hi, f.resp.name))
                if f.once or f.nth is not None:
                    self.faults.remove(f)
                return f
        return None


class NativeFaultInjector:
    """The same rules, applied by the native memory model (`pydma.sim.native_memory`) to the
    bursts of its AXI port `port` (a two-controller top has one per controller; addresses are
    CPU addresses, as the memory sees them behind the port's address translation)."""

    def __init__(self, memory, port: int = 0) -> None:
        self.memory = memory
        self.port = port
        self.lib = memory.lib
        self._armed: dict[int, Fault] = {}
        self._next_id = 1
        self.max_latency = 0

    def add(self, fault: Fault) -> Fault:
        reports.reporter.provoke_for_test(reports.BUS_ERROR)  # the halts it causes are the test's
        fid = self._next_id
        self._next_id += 1
        is_write = 1 if fault.direction == "write" else 0
        fault.start = self.lib.pnm_bursts(self.port, is_write)
        lo, hi, nth = (0, 0, fault.nth) if fault.nth is not None else (fault.lo, fault.hi, 0)
        self.lib.pnm_fault_add(fid, self.port, is_write, int(fault.resp), lo, hi, nth, 1 if fault.once else 0)
        self._armed[fid] = fault
        fault._live_hits = lambda: self._hits_of(fid)
        return fault

    def _hits_of(self, fid: int) -> int | None:
        hits = self.lib.pnm_fault_hits(fid)
        if hits >= 0:
            return hits
        # the model drops a once/nth rule at its first hit, so it hit exactly once
        self._armed.pop(fid, None)
        return 1

    def armed(self) -> list[Fault]:
        for fid in list(self._armed):
            self._hits_of(fid)
        return list(self._armed.values())

    def _disarm(self, fid: int) -> None:
        fault = self._armed.pop(fid)
        fault._hits = fault.hits  # the last count, kept after the rule is gone
        fault._live_hits = None
        self.lib.pnm_fault_remove(fid)

    def remove(self, fault: Fault) -> None:
        for fid, f in list(self._armed.items()):
            if f is fault:
                self._disarm(fid)

    def clear(self) -> None:
        for fid in list(self._armed):
            self._disarm(fid)

    @property
    def log(self) -> list[tuple[str, int, int, str]]:
        """(direction, lo, hi, response) per faulted burst, as FaultInjector.log."""
        out = []
        w, r = ctypes.c_int(), ctypes.c_int()
        lo, hi = ctypes.c_uint64(), ctypes.c_uint64()
        for i in range(self.lib.pnm_fault_log_count()):
            self.lib.pnm_fault_log_get(i, ctypes.byref(w), ctypes.byref(r), ctypes.byref(lo), ctypes.byref(hi))
            out.append(("write" if w.value else "read", lo.value, hi.value, AxiResp(r.value).name))
        return out

    def latency(self, max_cycles: int) -> None:
        """Delay each burst's response by 0..max_cycles random cycles (0 turns it off; the
        model's seeded generator, see DmaTb.set_stalls)."""
        self.max_latency = max_cycles
        self.memory.set_timing(jitter=max_cycles)

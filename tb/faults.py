"""Fault injection in the memory model: chosen address ranges, or the N-th read or write
burst, answer SLVERR or DECERR; optional random response latency.

    faults = tb.fault_injector()   # FaultInjector or NativeFaultInjector, same API
    faults.add(Fault("read", AxiResp.DECERR, lo=buf.addr, hi=buf.addr + 64))
    faults.add(Fault("write", AxiResp.SLVERR, nth=3))  # the 3rd write burst from now
    faults.latency(max_cycles=50)

`FaultInjector` hooks the cocotbext-axi `AxiSlave` that serves the controller's master
port at its documented override points (`_read` / `_write` of its read and write halves)
and at the response channels, so the data path, stall generators and protocol are
cocotbext-axi's own. `NativeFaultInjector` hands the same rules to the native memory model
(tb/native), which applies them in C++ as each burst is accepted.

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


class _Half:
    """One direction of the slave: counts bursts, decides per burst, rewrites responses."""

    def __init__(self, injector: FaultInjector, direction: str, half, addr_chan, resp_chan, resp_field: str) -> None:
        self.injector = injector
        self.direction = direction
        self.bursts = 0
        self.burst_fault: Fault | None = None  # the fault hitting the burst in progress
        orig_access = half._read if direction == "read" else half._write
        orig_recv = addr_chan.recv
        orig_send = resp_chan.send

        async def recv():
            txn = await orig_recv()
            self.bursts += 1
            self._begin_burst(txn)
            if injector.max_latency:
                await ClockCycles(injector.clock, injector.rng.randint(0, injector.max_latency))
            return txn

        async def access(address, arg):
            if self.burst_fault is not None:
                raise InjectedFault(f"{direction} at 0x{address:x}")  # memory left as it was
            return await orig_access(address, arg)

        async def send(txn):
            if self.burst_fault is not None:  # every beat (or the B) of a faulted burst
                setattr(txn, resp_field, self.burst_fault.resp)
            await orig_send(txn)

        addr_chan.recv = recv
        if direction == "read":
            half._read = access
        else:
            half._write = access
        resp_chan.send = send

    def _begin_burst(self, txn) -> None:
        p = "ar" if self.direction == "read" else "aw"
        addr = int(getattr(txn, f"{p}addr"))
        size = 1 << int(getattr(txn, f"{p}size"))
        beats = int(getattr(txn, f"{p}len")) + 1
        fixed = int(getattr(txn, f"{p}burst")) == 0
        lo = addr
        hi = addr + (size if fixed else (beats * size - (addr % size)))
        self.burst_fault = None
        for f in self.injector.faults:
            if f.direction != self.direction:
                continue
            hit = (f.nth is not None and self.bursts - f.start == f.nth) or (
                f.lo is not None and lo < f.hi and f.lo < hi
            )
            if hit:
                f._hits += 1
                self.burst_fault = f
                self.injector.log.append((self.direction, lo, hi, f.resp.name))
                if f.once or f.nth is not None:
                    self.injector.faults.remove(f)
                break


class FaultInjector:
    def __init__(self, axi_slave, clock, rng: random.Random | None = None) -> None:
        self.clock = clock
        self.rng = rng or random.Random(0)
        self.faults: list[Fault] = []
        self.max_latency = 0
        self.log: list[tuple[str, int, int, str]] = []  # (direction, lo, hi, response) per faulted burst
        w, r = axi_slave.write_if, axi_slave.read_if
        self.read = _Half(self, "read", r, r.ar_channel, r.r_channel, "rresp")
        self.write = _Half(self, "write", w, w.aw_channel, w.b_channel, "bresp")

    def add(self, fault: Fault) -> Fault:
        half = self.read if fault.direction == "read" else self.write
        fault.start = half.bursts  # nth counts from now
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


class NativeFaultInjector:
    """The same rules, applied by the native memory model (`pydma.sim.native_memory`)."""

    def __init__(self, memory) -> None:
        self.memory = memory
        self.lib = memory.lib
        self._armed: dict[int, Fault] = {}
        self._next_id = 1
        self.max_latency = 0

    def add(self, fault: Fault) -> Fault:
        fid = self._next_id
        self._next_id += 1
        is_write = 1 if fault.direction == "write" else 0
        fault.start = self.lib.pnm_bursts(is_write)
        lo, hi, nth = (0, 0, fault.nth) if fault.nth is not None else (fault.lo, fault.hi, 0)
        self.lib.pnm_fault_add(fid, is_write, int(fault.resp), lo, hi, nth, 1 if fault.once else 0)
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

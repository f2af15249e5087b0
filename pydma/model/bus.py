"""The controller model's bus master port: memory, peripheral data registers, bus errors.

Every access the controller makes goes through `Bus.read`/`Bus.write` (memory at any
address: descriptor fetches, status write-backs, data) or `Bus.dev_read`/`Bus.dev_write`
(one element at a fixed device address). A byte outside the memory and outside every
device register answers DECERR; a byte of the memory that is not allocated answers SLVERR,
as on both simulation memories; an armed `Fault` answers its response. A failed access moves
nothing (a faulted write burst changes no memory, as with tb/faults.py).

Watchers (the DMA-API debug mode's `device_access`) see every memory access as it is made.
A controller may see memory at an offset (`offset`: bus address = memory address + offset,
as a dma-ranges translation in front of it would): accesses are translated before the
memory, the faults and the watchers, which all speak memory addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pydma.model.memory import ModelMemory


class BusError(Exception):
    def __init__(self, resp: str, addr: int, length: int, write: bool) -> None:
        op = "write" if write else "read"
        super().__init__(f"{resp} on {op} of [0x{addr:x}, +0x{length:x})")
        self.resp = resp


@dataclass(eq=False)
class Fault:
    """Answer `resp` to every `op` ("read" or "write") touching [lo, hi); `once`: the first
    one only. Descriptor fetches are reads, status write-backs writes."""

    op: str
    lo: int
    hi: int
    resp: str = "SLVERR"
    once: bool = False
    hits: int = 0

    def matches(self, op: str, addr: int, length: int) -> bool:
        return op == self.op and addr < self.hi and self.lo < addr + length and not (self.once and self.hits)


class DeviceRegister(Protocol):
    """A peripheral's data register as the bus sees it (pydma.model.peripherals)."""

    addr: int
    width: int

    def bus_write(self, element: bytes) -> None: ...

    def bus_read(self) -> bytes: ...


class Bus:
    def __init__(self, memory: ModelMemory, offset: int = 0) -> None:
        self.memory = memory
        self.offset = offset
        self.devices: dict[int, DeviceRegister] = {}  # by data register address
        self.faults: list[Fault] = []
        self.watchers: list[Callable[[int, int, bool], None]] = []
        self.reads = self.writes = 0

    def add_fault(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def _check_fault(self, op: str, addr: int, length: int) -> None:
        for f in self.faults:
            if f.matches(op, addr, length):
                f.hits += 1
                raise BusError(f.resp, addr, length, op == "write")

    def _check_memory(self, addr: int, length: int, write: bool) -> None:
        mem = self.memory
        if not (mem.contains(addr) and mem.contains(addr + length - 1)):
            raise BusError("DECERR", addr, length, write)
        if not mem.covered(addr, length):
            raise BusError("SLVERR", addr, length, write)

    # -- memory ----------------------------------------------------------------------------------
    def read(self, addr: int, length: int) -> bytes:
        addr -= self.offset
        self._check_fault("read", addr, length)
        self._check_memory(addr, length, False)
        self.reads += 1
        for watch in self.watchers:
            watch(addr, length, False)
        return self.memory.raw_read(addr, length)

    def write(self, addr: int, data: bytes) -> None:
        addr -= self.offset
        self._check_fault("write", addr, len(data))
        self._check_memory(addr, len(data), True)
        self.writes += 1
        for watch in self.watchers:
            watch(addr, len(data), True)
        self.memory.raw_write(addr, data)

    # -- a fixed device address, one element at a time ---------------------------------------------
    def dev_write(self, addr: int, element: bytes) -> None:
        dev = self.devices.get(addr)
        if dev is None:  # a FIXED burst into memory is legal too
            self.write(addr, element)
            return
        self._check_fault("write", addr, len(element))
        if len(element) != dev.width:
            raise BusError("SLVERR", addr, len(element), True)
        dev.bus_write(element)

    def dev_read(self, addr: int, width: int) -> bytes:
        dev = self.devices.get(addr)
        if dev is None:
            return self.read(addr, width)
        self._check_fault("read", addr, width)
        if width != dev.width:
            raise BusError("SLVERR", addr, width, False)
        return dev.bus_read()

"""`DmaMemory` over a bytearray: the model's system memory.

Same semantics as the simulation's memories (pydma/sim/allocations.py, axi_memory.py):
allocations are whole 64-byte lines (a bus master reads the full beat holding a buffer's
last byte, and that must not be a bus error), at least line-aligned; `free` of an unknown
address and CPU access that is not inside one allocation raise ValueError; a full memory
raises MemoryError. The allocator is first fit, not the simulations' buddy allocator, so
addresses differ from theirs.

The controller model reaches the same bytes through `covered` and `raw_read`/`raw_write`
(any allocated bytes, across allocations, as a bus master may).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from pydma.memory import strided_zeroer

LINE = 64  # bytes; at least the widest data bus


def whole_lines(size: int, align: int) -> int:
    if size <= 0:
        raise ValueError(f"allocation size must be positive, not {size}")
    return -(-max(size, align) // LINE) * LINE


class ModelMemory:
    """`size` bytes of memory at bus address `base`."""

    def __init__(self, size: int = 1 << 24, base: int = 0x1000_0000) -> None:
        if size % LINE or base % LINE:
            raise ValueError("memory base and size must be whole lines")
        self.base = base
        self.size = size
        self._mem = bytearray(size)
        self._starts: list[int] = []  # live allocations, sorted
        self._sizes: dict[int, int] = {}
        self._free: list[tuple[int, int]] = [(base, size)]  # (start, size), sorted, coalesced

    # -- allocation ---------------------------------------------------------------------------
    def alloc(self, size: int, align: int = 1) -> int:
        whole = whole_lines(size, align)
        step = max(align, LINE)
        for i, (start, n) in enumerate(self._free):
            addr = -(-start // step) * step
            if addr + whole > start + n:
                continue
            pieces = [(start, addr - start), (addr + whole, start + n - addr - whole)]
            self._free[i : i + 1] = [p for p in pieces if p[1] > 0]
            self._sizes[addr] = whole
            bisect.insort(self._starts, addr)
            return addr
        raise MemoryError(f"out of model memory allocating {size} bytes")

    def free(self, addr: int) -> None:
        size = self._sizes.pop(addr, None)
        if size is None:
            raise ValueError(f"free of unknown allocation 0x{addr:x}")
        self._starts.remove(addr)
        i = bisect.bisect(self._free, (addr, 0))
        self._free.insert(i, (addr, size))
        # coalesce with the neighbours
        if i + 1 < len(self._free) and addr + size == self._free[i + 1][0]:
            self._free[i : i + 2] = [(addr, size + self._free[i + 1][1])]
        if i > 0 and self._free[i - 1][0] + self._free[i - 1][1] == addr:
            self._free[i - 1 : i + 1] = [(self._free[i - 1][0], self._free[i - 1][1] + self._free[i][1])]

    def allocations(self) -> int:
        return len(self._sizes)

    # -- CPU access ---------------------------------------------------------------------------
    def allocation_at(self, addr: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            start = self._starts[i]
            if addr < start + self._sizes[start]:
                return start, self._sizes[start]
        return None

    def unallocated_at(self, addr: int) -> tuple[int, int] | None:
        if not self.contains(addr):
            return None
        i = bisect.bisect_right(self._starts, addr)
        start = self.base
        if i > 0:
            start = self._starts[i - 1] + self._sizes[self._starts[i - 1]]
            if addr < start:
                return None  # allocated
        end = self._starts[i] if i < len(self._starts) else self.base + self.size
        return start, end - start

    def contains(self, addr: int) -> bool:
        return self.base <= addr < self.base + self.size

    def _within(self, addr: int, length: int) -> int:
        """The offset of [addr, addr+length), which must be in one allocation."""
        found = self.allocation_at(addr)
        if found is None or addr + length > found[0] + found[1]:
            raise ValueError(f"CPU access [0x{addr:x}, 0x{addr + length:x}) is not in one allocation")
        return addr - self.base

    def read(self, addr: int, length: int) -> bytes:
        off = self._within(addr, length)
        return bytes(self._mem[off : off + length])

    def write(self, addr: int, data: bytes) -> None:
        off = self._within(addr, len(data))
        self._mem[off : off + len(data)] = data

    def buffer(self, addr: int, size: int) -> memoryview:
        """A writable view of [addr, addr+size), which must be in one allocation."""
        off = self._within(addr, size)
        return memoryview(self._mem)[off : off + size]

    def zeroer(self, addrs: Sequence[int], width: int) -> Callable[[], None]:
        return strided_zeroer(self.buffer, addrs, width)

    # -- the bus master's access ----------------------------------------------------------------
    def covered(self, addr: int, length: int) -> bool:
        """Whether every byte of [addr, addr+length) is allocated (any allocations)."""
        end = addr + length
        while addr < end:
            found = self.allocation_at(addr)
            if found is None:
                return False
            addr = found[0] + found[1]
        return True

    def raw_read(self, addr: int, length: int) -> bytes:
        off = addr - self.base
        return bytes(self._mem[off : off + length])

    def raw_write(self, addr: int, data: bytes) -> None:
        off = addr - self.base
        self._mem[off : off + len(data)] = data

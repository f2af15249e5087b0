"""`DmaMemory` over a bytearray: the model's system memory.

Same semantics as the simulation's memories (the allocation table is theirs,
pydma/allocations.py):
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

from pydma.allocations import LINE, AllocationTable, whole_lines


class ModelMemory(AllocationTable):
    """`size` bytes of memory at bus address `base`."""

    def __init__(self, size: int = 1 << 24, base: int = 0x1000_0000) -> None:
        if size % LINE or base % LINE:
            raise ValueError("memory base and size must be whole lines")
        super().__init__(base, size)
        self._mem = bytearray(size)
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
            self._record(addr, whole)
            return addr
        raise MemoryError(f"out of model memory allocating {size} bytes")

    def free(self, addr: int) -> None:
        size = self._forget(addr)
        i = bisect.bisect(self._free, (addr, 0))
        self._free.insert(i, (addr, size))
        # coalesce with the neighbours
        if i + 1 < len(self._free) and addr + size == self._free[i + 1][0]:
            self._free[i : i + 2] = [(addr, size + self._free[i + 1][1])]
        if i > 0 and self._free[i - 1][0] + self._free[i - 1][1] == addr:
            self._free[i - 1 : i + 1] = [(self._free[i - 1][0], self._free[i - 1][1] + self._free[i][1])]

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

"""The allocation table every memory keeps for CPU-side lookups (the simulations' Python and
native memories, pydma/sim/, and the model's, pydma/model/memory.py): sorted starts and sizes
of the live allocations, always whole bus lines."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from pydma.memory import strided_zeroer

LINE = 64  # bytes; at least the widest data bus


def whole_lines(size: int, align: int) -> int:
    """The size an allocation takes: whole 64-byte lines, as memory is (a bus master reads
    the full beat holding a buffer's last byte, and that must not be a bus error)."""
    if size <= 0:
        raise ValueError(f"allocation size must be positive, not {size}")
    return -(-max(size, align) // LINE) * LINE


class AllocationTable:
    """Live allocations of a memory of `size` bytes at bus address `base`."""

    def __init__(self, base: int, size: int) -> None:
        self.base = base
        self.size = size
        self._starts: list[int] = []  # sorted
        self._sizes: dict[int, int] = {}

    def _record(self, addr: int, size: int) -> None:
        self._sizes[addr] = size
        bisect.insort(self._starts, addr)

    def _forget(self, addr: int) -> int:
        size = self._sizes.pop(addr, None)
        if size is None:
            raise ValueError(f"free of unknown allocation 0x{addr:x}")
        self._starts.remove(addr)
        return size

    def allocation_at(self, addr: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            start = self._starts[i]
            size = self._sizes[start]
            if addr < start + size:
                return start, size
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

    def _within(self, addr: int, length: int) -> int:
        """The start of the one allocation holding [addr, addr+length), or ValueError."""
        found = self.allocation_at(addr)
        if found is None or addr + length > found[0] + found[1]:
            raise ValueError(f"CPU access [0x{addr:x}, 0x{addr + length:x}) is not in one allocation")
        return found[0]

    def buffer(self, addr: int, size: int) -> memoryview:
        """A writable view of [addr, addr+size), which must be in one allocation."""
        raise NotImplementedError

    def zeroer(self, addrs: Sequence[int], width: int) -> Callable[[], None]:
        return strided_zeroer(self.buffer, addrs, width)

    def contains(self, addr: int) -> bool:
        return self.base <= addr < self.base + self.size

    def allocations(self) -> int:
        return len(self._sizes)

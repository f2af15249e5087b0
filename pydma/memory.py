"""The memory the DMA controller sees, as the driver sees it.

`DmaMemory` is the narrow interface every memory backend implements: allocate and free bus
address ranges, and CPU access (no simulated time passes, like a CPU load/store to coherent
memory). `MemView` is a CPU pointer into it. The DMA mapping API (`pydma.dma_mapping`) and the
driver use only these, so a faster backend can replace the cocotbext-axi one unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

# set by the DMA-API debug mode (pydma.dma_debug): sees every CPU access through a MemView
cpu_access_hook: Callable[[int, int, bool], None] | None = None


@runtime_checkable
class DmaMemory(Protocol):
    def alloc(self, size: int, align: int = 1) -> int:
        """Allocate `size` bytes aligned to `align`; return the bus address. Raises
        MemoryError when the memory is full."""

    def free(self, addr: int) -> None:
        """Free an allocation by the address `alloc` returned; ValueError if unknown."""

    def read(self, addr: int, length: int) -> bytes: ...

    def write(self, addr: int, data: bytes) -> None: ...

    def zeroer(self, addrs: Sequence[int], width: int) -> Callable[[], None]:
        """A function that zeroes `width` bytes at each of `addrs` (coherent memory: no
        DMA-API debug check), prepared once for repeated calls: the driver clears every
        hardware descriptor's status words at each submit of a reused chain. A memory
        that holds its bytes in Python can do it with a few slice stores
        (`strided_zeroer`); any other one with plain writes (`zeroer_by_writes`)."""

    # for the DMA-API debug mode (pydma.dma_debug)
    def allocation_at(self, addr: int) -> tuple[int, int] | None:
        """(start, size) of the allocation holding `addr`, or None."""

    def unallocated_at(self, addr: int) -> tuple[int, int] | None:
        """(start, size) of the unallocated stretch of this memory holding `addr` (from the
        end of the allocation below, or the memory's start, to the next one, or the memory's
        end), or None when `addr` is allocated or outside this memory."""

    def contains(self, addr: int) -> bool:
        """Whether `addr` is in this memory (allocated or not)."""


class MemView:
    """A CPU pointer to `size` bytes at bus address `addr` (identity IOVA: the address the
    CPU uses is the address the device uses)."""

    __slots__ = ("addr", "mem", "size")

    def __init__(self, mem: DmaMemory, addr: int, size: int) -> None:
        self.mem = mem
        self.addr = addr
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"MemView(0x{self.addr:x}, {self.size})"

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise IndexError(f"access [{offset:#x}, {offset + length:#x}) outside buffer of {self.size:#x} bytes")

    def ptr(self, offset: int, size: int | None = None) -> MemView:
        size = self.size - offset if size is None else size
        self._check(offset, size)
        return MemView(self.mem, self.addr + offset, size)

    def read(self, offset: int = 0, length: int | None = None) -> bytes:
        length = self.size - offset if length is None else length
        self._check(offset, length)
        if cpu_access_hook is not None:
            cpu_access_hook(self.addr + offset, length, False)
        return self.mem.read(self.addr + offset, length)

    def write(self, offset: int, data: bytes) -> None:
        self._check(offset, len(data))
        if cpu_access_hook is not None:
            cpu_access_hook(self.addr + offset, len(data), True)
        self.mem.write(self.addr + offset, data)

    def read_u32(self, offset: int) -> int:
        return int.from_bytes(self.read(offset, 4), "little")


def zeroer_by_writes(mem: DmaMemory, addrs: Sequence[int], width: int) -> Callable[[], None]:
    """`DmaMemory.zeroer` for any memory: one write per address."""
    addrs, zeros = list(addrs), bytes(width)

    def zero() -> None:
        for a in addrs:
            mem.write(a, zeros)

    return zero


def strided_zeroer(buffer: Callable[[int, int], memoryview], addrs: Sequence[int], width: int) -> Callable[[], None]:
    """`DmaMemory.zeroer` for a memory with writable views of its bytes (`buffer(addr,
    size)`, ValueError where [addr, addr+size) is not one allocation): addresses at a
    constant stride within one allocation (a pool page of descriptors taken in a row) are
    cleared as one strided view per run, `width` slice stores for the lot, so a reused
    4096-descriptor chain resubmits in well under a millisecond."""
    runs: list[tuple[memoryview, int, int]] = []  # (view from the first word, stride, count)
    addrs = list(addrs)

    def add(i: int, j: int, stride: int) -> None:
        n = j - i
        try:
            view = buffer(addrs[i], stride * (n - 1) + width)
        except ValueError:  # the run crosses from one allocation into another: halve it
            mid = (i + j) // 2
            add(i, mid, stride)
            add(mid, j, stride)
            return
        runs.append((view, max(stride, width), n))

    i = 0
    while i < len(addrs):
        stride = addrs[i + 1] - addrs[i] if i + 1 < len(addrs) else 0
        j = i + 1
        if stride >= width:
            while j < len(addrs) and addrs[j] - addrs[j - 1] == stride:
                j += 1
        add(i, j, stride if j - i > 1 else width)
        i = j

    def zero() -> None:
        for view, stride, n in runs:
            zeros = bytes(n)
            for k in range(width):
                view[k::stride] = zeros

    return zero

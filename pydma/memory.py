"""The memory the DMA controller sees, as the driver sees it.

`DmaMemory` is the narrow interface every memory backend implements: allocate and free bus
address ranges, and CPU access (no simulated time passes, like a CPU load/store to coherent
memory). `MemView` is a CPU pointer into it. The DMA mapping API (`pydma.dma_mapping`) and the
driver use only these, so a faster backend can replace the cocotbext-axi one unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
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

    # optional: a writable view of the bytes themselves, for a driver's hot paths on
    # coherent memory (what a CPU pointer is in C); None where the backend has none
    def buffer(self, addr: int, size: int) -> memoryview | None: ...

    # for the DMA-API debug mode (pydma.dma_debug)
    def allocation_at(self, addr: int) -> tuple[int, int] | None:
        """(start, size) of the allocation holding `addr`, or None."""

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

    def raw(self, offset: int, size: int) -> memoryview | None:
        """A writable view straight onto these bytes (coherent memory only: it bypasses
        the DMA-API debug mode's CPU-access check, which coherent memory never fails), or
        None if the memory model has no such view."""
        self._check(offset, size)
        get = getattr(self.mem, "buffer", None)
        return get(self.addr + offset, size) if get is not None else None

    def read_u32(self, offset: int) -> int:
        return int.from_bytes(self.read(offset, 4), "little")

    def write_u32(self, offset: int, value: int) -> None:
        self.write(offset, value.to_bytes(4, "little"))

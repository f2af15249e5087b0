"""`DmaMemory` over cocotbext-axi: an AddressSpace with a Pool of MemoryRegions that the
controller's AXI master reaches through `AxiSlave(target=space)`."""

from __future__ import annotations

import bisect

from cocotbext.axi import AddressSpace, MemoryRegion

LINE = 64  # bytes; at least the widest data bus


class AxiSimMemory:
    """System memory of `size` bytes at bus address `base`, allocated with cocotbext-axi's
    buddy-allocating Pool, plus the free() the Pool lacks."""

    def __init__(self, size: int = 1 << 26, base: int = 0x1000_0000, addr_width: int = 64):
        self.space = AddressSpace(2**addr_width)
        self.pool = self.space.create_pool(base, size)
        self.base = base
        self.size = size
        self._starts: list[int] = []  # sorted allocation starts, for CPU-side lookups
        self._regions: dict[int, MemoryRegion] = {}

    # -- allocation ---------------------------------------------------------------------------
    def alloc(self, size: int, align: int = 1) -> int:
        if size <= 0:
            raise ValueError(f"allocation size must be positive, not {size}")
        # buddy blocks are naturally aligned to their power-of-two size. The region is
        # whole 64-byte lines, as memory is: a bus master reads the full beat holding a
        # buffer's last byte, and that must not be a bus error.
        try:
            region = self.pool.alloc_region(-(-max(size, align) // LINE) * LINE)
        except Exception as exc:
            raise MemoryError(f"out of simulated memory allocating {size} bytes") from exc
        addr = region.get_absolute_address(0)
        self._regions[addr] = region
        bisect.insort(self._starts, addr)
        return addr

    def free(self, addr: int) -> None:
        region = self._regions.pop(addr, None)
        if region is None:
            raise ValueError(f"free of unknown allocation 0x{addr:x}")
        self._starts.remove(addr)
        self.pool.allocator.free(addr - self.base)
        self.pool.regions = [r for r in self.pool.regions if r[3] is not region]

    def allocation_at(self, addr: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            start = self._starts[i]
            size = self._regions[start].size
            if addr < start + size:
                return start, size
        return None

    def contains(self, addr: int) -> bool:
        return self.base <= addr < self.base + self.size

    # -- CPU access -----------------------------------------------------------------------------
    def _locate(self, addr: int, length: int) -> tuple[MemoryRegion, int]:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            start = self._starts[i]
            region = self._regions[start]
            off = addr - start
            if off + length <= region.size:
                return region, off
        raise ValueError(f"CPU access [0x{addr:x}, 0x{addr + length:x}) is not in one allocation")

    def read(self, addr: int, length: int) -> bytes:
        region, off = self._locate(addr, length)
        return bytes(region.mem[off : off + length])

    def write(self, addr: int, data: bytes) -> None:
        region, off = self._locate(addr, len(data))
        region.mem[off : off + len(data)] = data

    def buffer(self, addr: int, size: int) -> memoryview:
        region, off = self._locate(addr, size)
        return memoryview(region.mem)[off : off + size]

    def allocations(self) -> int:
        return len(self._regions)

"""`DmaMemory` over cocotbext-axi: an AddressSpace with a Pool of MemoryRegions that the
controller's AXI master reaches through `AxiSlave(target=space)`."""

from __future__ import annotations

from cocotbext.axi import AddressSpace, MemoryRegion

from pydma.allocations import AllocationTable, whole_lines


class AxiSimMemory(AllocationTable):
    """System memory of `size` bytes at bus address `base`, allocated with cocotbext-axi's
    buddy-allocating Pool, plus the free() the Pool lacks."""

    def __init__(self, size: int = 1 << 26, base: int = 0x1000_0000, addr_width: int = 64):
        super().__init__(base, size)
        self.space = AddressSpace(2**addr_width)
        self.pool = self.space.create_pool(base, size)
        self._regions: dict[int, MemoryRegion] = {}

    # -- allocation ---------------------------------------------------------------------------
    def alloc(self, size: int, align: int = 1) -> int:
        # buddy blocks are naturally aligned to their power-of-two size
        whole = whole_lines(size, align)
        try:
            region = self.pool.alloc_region(whole)
        except Exception as exc:
            raise MemoryError(f"out of simulated memory allocating {size} bytes") from exc
        addr = region.get_absolute_address(0)
        self._regions[addr] = region
        self._record(addr, region.size)
        return addr

    def free(self, addr: int) -> None:
        self._forget(addr)
        region = self._regions.pop(addr)
        self.pool.allocator.free(addr - self.base)
        self.pool.regions = [r for r in self.pool.regions if r[3] is not region]

    # -- CPU access -----------------------------------------------------------------------------
    def _locate(self, addr: int, length: int) -> tuple[MemoryRegion, int]:
        start = self._within(addr, length)
        return self._regions[start], addr - start

    def read(self, addr: int, length: int) -> bytes:
        region, off = self._locate(addr, length)
        return bytes(region.mem[off : off + length])

    def write(self, addr: int, data: bytes) -> None:
        region, off = self._locate(addr, len(data))
        region.mem[off : off + len(data)] = data

    def buffer(self, addr: int, size: int) -> memoryview:
        region, off = self._locate(addr, size)
        return memoryview(region.mem)[off : off + size]

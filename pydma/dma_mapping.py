"""The kernel DMA API over a `DmaMemory`: coherent allocations, DMA pools, streaming
mappings of single buffers and scatterlists (include/linux/dma-mapping.h, dmapool.h).

There is no IOMMU and memory is coherent, so maps and syncs move no data; with the DMA-API
debug mode on (`pydma.dma_debug`) they are tracked and checked as the kernel's
CONFIG_DMA_API_DEBUG does. A device sees memory at its CPU address plus its `dma_offset`
(what a `dma-ranges` property gives a device in the kernel): a `dma_addr_t` is meaningful
to the device it was mapped for only. Python
returns what C passes back through pointers: `dma_alloc_coherent` returns `(cpu_addr,
dma_handle)`, `(None, 0)` on failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydma import dma_debug
from pydma.enums import DmaDataDirection
from pydma.errors import DmaApiMisuse
from pydma.memory import DmaMemory, MemView

DMA_MAPPING_ERROR = ~0 & 0xFFFF_FFFF_FFFF_FFFF


class Device:
    """struct device: a name, the memory it can reach and where it sees it: bus address =
    CPU address + dma_offset (a dma-ranges translation; 0 for most devices)."""

    def __init__(self, name: str, memory: DmaMemory, dma_offset: int = 0) -> None:
        self.name = name
        self.memory = memory
        self.dma_offset = dma_offset

    def to_bus(self, phys: int) -> int:
        return phys + self.dma_offset

    def to_phys(self, bus: int) -> int:
        return bus - self.dma_offset

    def __repr__(self) -> str:
        return f"Device({self.name!r})"


# -- plain kernel memory ------------------------------------------------------------------------


def kmalloc(dev: Device, size: int, align: int = 8) -> MemView | None:
    """Kernel memory that a driver may later map for DMA (kmalloc / kzalloc)."""
    if size <= 0:
        return None
    try:
        addr = dev.memory.alloc(size, align)
    except MemoryError:
        return None
    view = MemView(dev.memory, addr, size)
    view.write(0, bytes(size))
    if dma_debug.active is not None:
        dma_debug.active.kmalloc(addr)
    return view


def kfree(ptr: MemView) -> None:
    if dma_debug.active is not None:
        dma_debug.active.kfree(ptr.addr, ptr.size)
    ptr.mem.free(ptr.addr)


# -- coherent memory ----------------------------------------------------------------------------


def dma_alloc_coherent(dev: Device, size: int) -> tuple[MemView | None, int]:
    if size <= 0:
        return None, 0
    try:
        addr = dev.memory.alloc(size, 4096 if size >= 4096 else 64)
    except MemoryError:
        return None, 0
    view = MemView(dev.memory, addr, size)
    view.write(0, bytes(size))
    if dma_debug.active is not None:
        dma_debug.active.map(dev, "coherent", addr, size, DmaDataDirection.DMA_BIDIRECTIONAL)
    return view, dev.to_bus(addr)


def dma_free_coherent(dev: Device, size: int, cpu_addr: MemView, dma_handle: int) -> None:
    phys = dev.to_phys(dma_handle)
    if cpu_addr.addr != phys or cpu_addr.size != size:
        raise DmaApiMisuse(
            f"dma_free_coherent of 0x{dma_handle:x} size {size} for {dev.name}: allocated as CPU address "
            f"0x{cpu_addr.addr:x} size {cpu_addr.size}"
        )
    if dma_debug.active is not None:
        dma_debug.active.unmap(dev, "coherent", phys, size, DmaDataDirection.DMA_BIDIRECTIONAL)
    dev.memory.free(phys)


# -- DMA pools ------------------------------------------------------------------------------------


class DmaPool:
    """Fixed-size blocks carved from coherent pages; no block crosses `boundary`."""

    def __init__(self, name: str, dev: Device, size: int, align: int, boundary: int) -> None:
        self.name = name
        self.dev = dev
        self.size = size
        self.align = align
        self.boundary = boundary
        self.page_size = max(4096, _round_up(size, align))
        self.pages: list[tuple[MemView, int]] = []
        self._free: list[int] = []  # free block bus addresses, popped from the end
        self._used: set[int] = set()

    def _add_page(self) -> bool:
        page, handle = dma_alloc_coherent(self.dev, self.page_size)
        if page is None:
            return False
        self.pages.append((page, handle))
        blocks = []
        off = 0
        while off + self.size <= self.page_size:
            start, end = handle + off, handle + off + self.size - 1
            if self.boundary and start // self.boundary != end // self.boundary:
                off = _round_up(off + 1, self.boundary)  # would straddle: skip to next
                continue
            blocks.append(start)
            off = _round_up(off + self.size, self.align)
        self._free.extend(reversed(blocks))
        return True

    def __repr__(self) -> str:
        return f"DmaPool({self.name!r}, size={self.size}, in use={len(self._used)})"


def _round_up(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def _is_pow2(x: int) -> bool:
    return x > 0 and x & (x - 1) == 0


def dma_pool_create(name: str, dev: Device, size: int, align: int = 8, boundary: int = 0) -> DmaPool | None:
    if size <= 0 or not _is_pow2(align) or (boundary and (not _is_pow2(boundary) or boundary < size)):
        return None
    return DmaPool(name, dev, size, align, boundary)


def dma_pool_alloc(pool: DmaPool) -> tuple[MemView | None, int]:
    if not pool._free and not pool._add_page():
        return None, 0
    handle = pool._free.pop()
    pool._used.add(handle)
    view = MemView(pool.dev.memory, pool.dev.to_phys(handle), pool.size)
    return view, handle


def dma_pool_zalloc(pool: DmaPool) -> tuple[MemView | None, int]:
    view, handle = dma_pool_alloc(pool)
    if view is not None:
        view.write(0, bytes(pool.size))
    return view, handle


def dma_pool_free(pool: DmaPool, vaddr: MemView, dma: int) -> None:
    if dma not in pool._used or vaddr.addr != pool.dev.to_phys(dma):
        raise DmaApiMisuse(f"dma_pool_free of 0x{dma:x}, which {pool!r} did not hand out")
    pool._used.remove(dma)
    pool._free.append(dma)


def dma_pool_destroy(pool: DmaPool) -> None:
    if pool._used:
        raise DmaApiMisuse(f"dma_pool_destroy of {pool!r} with {len(pool._used)} blocks in use")
    for page, handle in pool.pages:
        dma_free_coherent(pool.dev, pool.page_size, page, handle)
    pool.pages.clear()
    pool._free.clear()


# -- streaming mappings ------------------------------------------------------------------------


def _check_dir(direction: DmaDataDirection) -> DmaDataDirection:
    try:
        direction = DmaDataDirection(direction)
    except ValueError:
        raise DmaApiMisuse(f"unknown DMA data direction {direction!r}") from None
    if direction == DmaDataDirection.DMA_NONE:
        raise DmaApiMisuse("DMA_NONE is not a direction to map with")
    return direction


def dma_map_single(dev: Device, ptr: MemView, size: int, direction: DmaDataDirection) -> int:
    """Map `size` bytes at CPU pointer `ptr`; returns the bus address (or DMA_MAPPING_ERROR)."""
    _check_dir(direction)
    if size <= 0 or size > ptr.size:
        return DMA_MAPPING_ERROR
    if dma_debug.active is not None:
        dma_debug.active.map(dev, "single", ptr.addr, size, direction)
    return dev.to_bus(ptr.addr)


def dma_unmap_single(dev: Device, addr: int, size: int, direction: DmaDataDirection) -> None:
    _check_dir(direction)
    if dma_debug.active is not None:
        dma_debug.active.unmap(dev, "single", dev.to_phys(addr), size, direction)


def dma_map_page(dev: Device, page: MemView, offset: int, size: int, direction: DmaDataDirection) -> int:
    """Map `size` bytes at `offset` of a page (a buffer here: what async_tx clients map)."""
    if offset < 0 or size <= 0 or offset + size > page.size:
        return DMA_MAPPING_ERROR
    return dma_map_single(dev, page.ptr(offset, size), size, direction)


def dma_unmap_page(dev: Device, addr: int, size: int, direction: DmaDataDirection) -> None:
    dma_unmap_single(dev, addr, size, direction)


def dma_sync_single_for_cpu(dev: Device, addr: int, size: int, direction: DmaDataDirection) -> None:
    """Hand a mapped buffer to the CPU (it may read what the device wrote)."""
    _check_dir(direction)
    if dma_debug.active is not None:
        dma_debug.active.sync(dev, dev.to_phys(addr), size, direction, to_cpu=True)


def dma_sync_single_for_device(dev: Device, addr: int, size: int, direction: DmaDataDirection) -> None:
    """Hand a mapped buffer back to the device (after the CPU wrote or read it)."""
    _check_dir(direction)
    if dma_debug.active is not None:
        dma_debug.active.sync(dev, dev.to_phys(addr), size, direction, to_cpu=False)


def dma_mapping_error(dev: Device, dma_addr: int) -> bool:
    return dma_addr == DMA_MAPPING_ERROR


@dataclass
class Scatterlist:
    """One struct scatterlist entry: CPU side (buffer, length) and device side."""

    buf: MemView | None = None
    length: int = 0
    dma_address: int = 0
    dma_length: int = 0
    extra: dict = field(default_factory=dict)


def sg_init_table(nents: int) -> list[Scatterlist]:
    return [Scatterlist() for _ in range(nents)]


def sg_set_buf(sg: Scatterlist, buf: MemView, length: int) -> None:
    if length > buf.size:
        raise DmaApiMisuse(f"sg_set_buf of {length} bytes on a {buf.size}-byte buffer")
    sg.buf = buf
    sg.length = length


def sg_dma_address(sg: Scatterlist) -> int:
    return sg.dma_address


def sg_dma_len(sg: Scatterlist) -> int:
    return sg.dma_length


def dma_map_sg(dev: Device, sgl: list[Scatterlist], nents: int, direction: DmaDataDirection) -> int:
    """Map the first `nents` entries; returns how many device entries there are (0 on error)."""
    _check_dir(direction)
    if nents <= 0 or nents > len(sgl):
        return 0
    for sg in sgl[:nents]:
        if sg.buf is None or sg.length <= 0:
            return 0
    for sg in sgl[:nents]:
        sg.dma_address = dev.to_bus(sg.buf.addr)
        sg.dma_length = sg.length
        if dma_debug.active is not None:
            dma_debug.active.map(dev, "sg", sg.buf.addr, sg.dma_length, direction, nents)
    return nents


def dma_unmap_sg(dev: Device, sgl: list[Scatterlist], nents: int, direction: DmaDataDirection) -> None:
    """`nents` is the count given to dma_map_sg, not the count it returned (as in the kernel)."""
    _check_dir(direction)
    for sg in sgl[:nents]:
        if dma_debug.active is not None:
            addr = dev.to_phys(sg.dma_address) if sg.dma_length else (sg.buf.addr if sg.buf is not None else 0)
            dma_debug.active.unmap(dev, "sg", addr, sg.length, direction, nents)
        sg.dma_address = 0
        sg.dma_length = 0


def dma_sync_sg_for_cpu(dev: Device, sgl: list[Scatterlist], nents: int, direction: DmaDataDirection) -> None:
    _check_dir(direction)
    for sg in sgl[:nents]:
        if dma_debug.active is not None:
            dma_debug.active.sync(dev, dev.to_phys(sg.dma_address), sg.dma_length, direction, to_cpu=True)


def dma_sync_sg_for_device(dev: Device, sgl: list[Scatterlist], nents: int, direction: DmaDataDirection) -> None:
    _check_dir(direction)
    for sg in sgl[:nents]:
        if dma_debug.active is not None:
            dma_debug.active.sync(dev, dev.to_phys(sg.dma_address), sg.dma_length, direction, to_cpu=False)

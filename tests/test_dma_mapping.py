"""The DMA memory API over the cocotbext-axi memory model, without a simulator: coherent
allocations, pools (size, alignment, boundary), streaming mappings, reuse of freed memory."""

from __future__ import annotations

import pytest

from pydma import (
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MAPPING_ERROR,
    DMA_NONE,
    DMA_TO_DEVICE,
    Device,
    DmaApiMisuse,
    dma_alloc_coherent,
    dma_free_coherent,
    dma_map_sg,
    dma_map_single,
    dma_mapping_error,
    dma_pool_alloc,
    dma_pool_create,
    dma_pool_destroy,
    dma_pool_free,
    dma_pool_zalloc,
    dma_unmap_sg,
    kfree,
    kmalloc,
    sg_dma_address,
    sg_dma_len,
    sg_init_table,
    sg_set_buf,
)
from pydma.memory import DmaMemory
from pydma.sim.axi_memory import AxiSimMemory


@pytest.fixture
def dev() -> Device:
    return Device("test", AxiSimMemory(size=1 << 20, base=0x1000_0000, addr_width=32))


def test_backend_implements_the_interface(dev: Device) -> None:
    assert isinstance(dev.memory, DmaMemory)


def test_coherent_alloc_free_and_reuse(dev: Device) -> None:
    cpu, handle = dma_alloc_coherent(dev, 5000)
    assert cpu is not None and handle == cpu.addr and handle % 4096 == 0
    assert cpu.read() == bytes(5000), "coherent memory is zeroed"
    cpu.write(10, b"abc")
    assert dev.memory.read(handle + 10, 3) == b"abc", "CPU view and bus address disagree"
    dma_free_coherent(dev, 5000, cpu, handle)
    again, handle2 = dma_alloc_coherent(dev, 5000)
    assert handle2 == handle, "freed memory was not reused"
    with pytest.raises(DmaApiMisuse):
        dma_free_coherent(dev, 4096, again, handle2)
    assert dma_alloc_coherent(dev, 0) == (None, 0)
    assert dma_alloc_coherent(dev, 1 << 21) == (None, 0), "larger than memory must fail, not raise"


def test_dma_pool_alignment_and_boundary(dev: Device) -> None:
    pool = dma_pool_create("descs", dev, 48, align=64, boundary=256)
    blocks = []
    for _ in range(200):
        view, handle = dma_pool_zalloc(pool)
        assert view is not None and view.addr == handle
        assert handle % 64 == 0, "alignment"
        assert handle // 256 == (handle + 47) // 256, "block crosses the boundary"
        assert view.read() == bytes(48)
        blocks.append((view, handle))
    assert len({h for _, h in blocks}) == 200, "a block was handed out twice"
    for view, handle in blocks[:10]:
        dma_pool_free(pool, view, handle)
    reused = {dma_pool_alloc(pool)[1] for _ in range(10)}
    assert reused == {h for _, h in blocks[:10]}, "freed blocks were not reused"
    with pytest.raises(DmaApiMisuse):
        dma_pool_free(pool, blocks[0][0], blocks[0][1] + 64)  # not handed out
    with pytest.raises(DmaApiMisuse):
        dma_pool_destroy(pool)  # blocks still in use
    assert dma_pool_create("bad", dev, 64, align=3) is None
    assert dma_pool_create("bad", dev, 64, align=8, boundary=32) is None


def test_streaming_mappings(dev: Device) -> None:
    buf = kmalloc(dev, 1000)
    addr = dma_map_single(dev, buf, 1000, DMA_TO_DEVICE)
    assert not dma_mapping_error(dev, addr) and addr == buf.addr
    assert dma_map_single(dev, buf, 1001, DMA_FROM_DEVICE) == DMA_MAPPING_ERROR
    with pytest.raises(DmaApiMisuse):
        dma_map_single(dev, buf, 10, DMA_NONE)
    with pytest.raises(DmaApiMisuse):
        dma_map_single(dev, buf, 10, 9)
    sgl = sg_init_table(3)
    for i, sg in enumerate(sgl):
        sg_set_buf(sg, buf.ptr(i * 300, 300), 200 + i)
    assert dma_map_sg(dev, sgl, 3, DMA_BIDIRECTIONAL) == 3
    assert [sg_dma_address(s) - buf.addr for s in sgl] == [0, 300, 600]
    assert [sg_dma_len(s) for s in sgl] == [200, 201, 202]
    dma_unmap_sg(dev, sgl, 3, DMA_BIDIRECTIONAL)
    assert dma_map_sg(dev, sg_init_table(2), 2, DMA_TO_DEVICE) == 0, "empty entries must not map"
    with pytest.raises(DmaApiMisuse):
        sg_set_buf(sgl[0], buf.ptr(900, 100), 200)
    kfree(buf)
    assert dev.memory.allocations() == 0


def test_cpu_access_is_bounds_checked(dev: Device) -> None:
    buf = kmalloc(dev, 64)
    with pytest.raises(IndexError):
        buf.read(60, 8)
    with pytest.raises(IndexError):
        buf.write(-1, b"x")

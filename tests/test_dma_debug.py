"""The DMA-API debug mode's bookkeeping, without a simulator: each client bug the kernel's
CONFIG_DMA_API_DEBUG reports (and the CPU-access checks it cannot make) is made on purpose
and must be reported with its address; correct use must report nothing."""

from __future__ import annotations

import pytest

from pydma import (
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_TO_DEVICE,
    Device,
    DmaDebugError,
    MemView,
    dma_alloc_coherent,
    dma_debug,
    dma_map_sg,
    dma_map_single,
    dma_sync_single_for_cpu,
    dma_sync_single_for_device,
    dma_unmap_sg,
    dma_unmap_single,
    kfree,
    kmalloc,
    reports,
    sg_init_table,
    sg_set_buf,
)
from pydma.sim.axi_memory import AxiSimMemory


@pytest.fixture
def dev():
    memory = AxiSimMemory(size=1 << 20, base=0x1000_0000, addr_width=32)
    reports.reporter.take()
    dbg = dma_debug.enable(memory)
    yield Device("client", memory)
    dma_debug.disable()
    assert dbg is not None
    reports.reporter.take()


def expect(kind: str, *needles: str) -> reports.Report:
    got = reports.reporter.take(kind)
    assert len(got) == 1, f"expected one {kind} report, got {got} (all: {reports.reporter.reports})"
    for needle in needles:
        assert needle in got[0].message, f"{needle!r} not in {got[0].message!r}"
    return got[0]


def test_correct_use_reports_nothing(dev: Device) -> None:
    buf = kmalloc(dev, 256)
    addr = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE)
    dma_debug.active.device_access(addr, 8, write=True)
    dma_sync_single_for_cpu(dev, addr, 256, DMA_FROM_DEVICE)
    buf.read(0, 16)
    dma_sync_single_for_device(dev, addr, 256, DMA_FROM_DEVICE)
    dma_unmap_single(dev, addr, 256, DMA_FROM_DEVICE)
    buf.write(0, b"cpu owns it again")
    kfree(buf)
    assert dma_debug.active.check_leaks() == 0
    assert reports.reporter.reports == []


def test_unmap_with_wrong_size_or_direction(dev: Device) -> None:
    buf = kmalloc(dev, 512)
    addr = dma_map_single(dev, buf, 512, DMA_TO_DEVICE)
    with pytest.raises(DmaDebugError, match="different size"):
        dma_unmap_single(dev, addr, 256, DMA_TO_DEVICE)
    expect(reports.UNMAP_MISMATCH, f"0x{addr:x}", "map size 0x200", "unmap size 0x100")
    addr = dma_map_single(dev, buf, 512, DMA_TO_DEVICE)
    with pytest.raises(DmaDebugError, match="different direction"):
        dma_unmap_single(dev, addr, 512, DMA_FROM_DEVICE)
    expect(reports.UNMAP_MISMATCH, "mapped DMA_TO_DEVICE", "unmapped DMA_FROM_DEVICE")


def test_double_unmap_and_never_mapped(dev: Device) -> None:
    buf = kmalloc(dev, 64)
    addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE)
    dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE)
    with pytest.raises(DmaDebugError, match="double unmap"):
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE)
    expect(reports.UNMAP_NOT_MAPPED, f"0x{addr:x}", "test_dma_debug.py:")
    with pytest.raises(DmaDebugError, match="never mapped"):
        dma_unmap_single(dev, buf.addr + 8, 8, DMA_TO_DEVICE)
    expect(reports.UNMAP_NOT_MAPPED)


def test_unmap_sg_with_other_count_and_wrong_function(dev: Device) -> None:
    buf = kmalloc(dev, 4096)
    sgl = sg_init_table(3)
    for i, sg in enumerate(sgl):
        sg_set_buf(sg, buf.ptr(1000 * i, 900), 900)
    assert dma_map_sg(dev, sgl, 3, DMA_BIDIRECTIONAL) == 3
    with pytest.raises(DmaDebugError, match="entry count"):
        dma_unmap_sg(dev, sgl, 2, DMA_BIDIRECTIONAL)
    expect(reports.UNMAP_MISMATCH, "map count 3, unmap count 2")
    with pytest.raises(DmaDebugError, match="function"):
        dma_unmap_single(dev, buf.addr + 2000, 900, DMA_BIDIRECTIONAL)
    expect(reports.UNMAP_MISMATCH, "single unmap of a sg mapping")


def test_sync_outside_mapping_or_other_direction(dev: Device) -> None:
    buf = kmalloc(dev, 1024)
    addr = dma_map_single(dev, buf, 512, DMA_FROM_DEVICE)
    with pytest.raises(DmaDebugError, match="outside the mapping"):
        dma_sync_single_for_cpu(dev, addr + 256, 512, DMA_FROM_DEVICE)
    expect(reports.SYNC_MISMATCH, f"0x{addr + 256:x}")
    with pytest.raises(DmaDebugError, match="different direction"):
        dma_sync_single_for_cpu(dev, addr, 512, DMA_TO_DEVICE)
    expect(reports.SYNC_MISMATCH)
    dma_unmap_single(dev, addr, 512, DMA_FROM_DEVICE)


def test_cpu_access_while_the_device_owns_the_buffer(dev: Device) -> None:
    src, dst = kmalloc(dev, 256), kmalloc(dev, 256)
    s = dma_map_single(dev, src, 256, DMA_TO_DEVICE)
    d = dma_map_single(dev, dst, 256, DMA_FROM_DEVICE)
    src.read(0, 4)  # reading what the CPU wrote to a TO_DEVICE buffer is fine
    with pytest.raises(DmaDebugError, match="CPU write"):
        src.write(0, b"late")
    expect(reports.CPU_ACCESS, f"0x{src.addr:x}", "DMA_TO_DEVICE")
    with pytest.raises(DmaDebugError, match="CPU read"):
        dst.read(16, 4)
    expect(reports.CPU_ACCESS, f"0x{dst.addr + 16:x}", "DMA_FROM_DEVICE", "test_dma_debug.py:")
    dma_unmap_single(dev, s, 256, DMA_TO_DEVICE)
    dma_unmap_single(dev, d, 256, DMA_FROM_DEVICE)


def test_device_access_outside_live_mappings(dev: Device) -> None:
    dbg = dma_debug.active
    buf = kmalloc(dev, 256)
    dbg.device_access(buf.addr, 8, write=False)  # kmalloc memory never mapped
    expect(reports.DEVICE_ACCESS, f"0x{buf.addr:x}", "no live mapping")
    addr = dma_map_single(dev, buf, 128, DMA_TO_DEVICE)
    dbg.device_access(addr, 8, write=True)  # device write into a TO_DEVICE mapping
    expect(reports.DEVICE_ACCESS, "other direction")
    dbg.device_access(addr + 128, 8, write=True)  # past the mapped 128 bytes
    expect(reports.DEVICE_ACCESS)
    dma_sync_single_for_cpu(dev, addr, 128, DMA_TO_DEVICE)
    dbg.device_access(addr, 8, write=False)  # the CPU owns it now
    expect(reports.DEVICE_ACCESS, "CPU owns")
    dma_unmap_single(dev, addr, 128, DMA_TO_DEVICE)
    kfree(buf)
    dbg.device_access(buf.addr, 4, write=True)  # freed memory
    expect(reports.DEVICE_ACCESS, "not allocated")
    # environment (coherent) memory needs no mapping; the debug mode never raises here
    _cpu, handle = dma_alloc_coherent(dev, 4096)
    dbg.device_access(handle, 64, write=True)
    assert reports.reporter.reports == []


def _both_ways(dbg: dma_debug.DmaDebug, lo: int, hi: int, write: bool) -> list[str]:
    """Hand the device access [lo, hi) over beat by beat (as the Python memory model does),
    then as one run (as the native model's log merges it): the same reports either way, and
    the same count of beats not reported again. Returns the messages."""
    runs = []
    for beats in (True, False):
        dbg._reported.clear()
        dbg.suppressed = 0
        if beats:
            for a in range(lo, hi, dbg.bus_bytes):
                dbg.device_access(a, min(hi, a + dbg.bus_bytes) - a, write)
        else:
            dbg.device_access(lo, hi - lo, write)
        runs.append(([r.message for r in reports.reporter.take(reports.DEVICE_ACCESS)], dbg.suppressed))
    assert runs[0] == runs[1], runs
    assert reports.reporter.reports == []
    return runs[0][0]


@pytest.mark.parametrize("mapped", [4096, 4096 + 5])
def test_device_run_past_a_mapping_is_judged_per_beat(dev: Device, mapped: int) -> None:
    """A read or write run that begins inside a mapping and goes on past its end: judged per
    bus beat, as if the beats came one by one. A read beat that overlaps the mapping is fine
    (the controller reads the whole word holding the buffer's last byte); a written byte
    must be mapped."""
    dbg = dma_debug.active
    dbg.bus_bytes = 8
    buf = kmalloc(dev, 8192)
    addr = dma_map_single(dev, buf, mapped, DMA_TO_DEVICE)
    (msg,) = _both_ways(dbg, addr, addr + 8192, write=False)
    first_bad = -(-mapped // 8) * 8
    assert f"device read of [0x{addr + first_bad:x}+0x8] outside any live mapping: kmalloc memory" in msg, msg
    dma_unmap_single(dev, addr, mapped, DMA_TO_DEVICE)
    addr = dma_map_single(dev, buf, mapped, DMA_FROM_DEVICE)
    (msg,) = _both_ways(dbg, addr, addr + 8192, write=True)
    first_bad = mapped // 8 * 8
    assert f"device write of [0x{addr + first_bad:x}+0x8] outside any live mapping: kmalloc memory" in msg, msg
    dma_unmap_single(dev, addr, mapped, DMA_FROM_DEVICE)


def test_device_run_over_several_mappings(dev: Device) -> None:
    """A run over mappings of both directions and unmapped bytes: each cause reported at its
    first beat, as beat by beat; in environment memory the unmapped bytes between mappings are
    fine, and a mapping of the wrong direction after them is still reported."""
    dbg = dma_debug.active
    dbg.bus_bytes = 16
    buf = kmalloc(dev, 1024)
    w = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE)
    r = dma_map_single(dev, buf.ptr(256, 256), 256, DMA_TO_DEVICE)
    msgs = _both_ways(dbg, buf.addr, buf.addr + 1024, write=True)
    assert len(msgs) == 2, msgs
    assert f"[0x{buf.addr + 256:x}+0x10]" in msgs[0] and "other direction" in msgs[0], msgs
    assert f"[0x{buf.addr + 512:x}+0x10]" in msgs[1] and "kmalloc memory" in msgs[1], msgs
    dma_unmap_single(dev, w, 256, DMA_FROM_DEVICE)
    dma_unmap_single(dev, r, 256, DMA_TO_DEVICE)
    env = dev.memory.alloc(1024)  # the test environment's memory: coherent unless mapped
    w = dma_map_single(dev, MemView(dev.memory, env, 100), 100, DMA_FROM_DEVICE)
    r = dma_map_single(dev, MemView(dev.memory, env + 512, 256), 256, DMA_TO_DEVICE)
    (msg,) = _both_ways(dbg, env, env + 1024, write=True)
    assert f"device write of [0x{env + 512:x}+0x10]" in msg and "other direction" in msg, msg
    dma_unmap_single(dev, w, 100, DMA_FROM_DEVICE)
    dma_unmap_single(dev, r, 256, DMA_TO_DEVICE)
    dev.memory.free(env)


def test_device_run_into_freed_memory(dev: Device) -> None:
    """Freed memory is reported once per stretch between allocations, beat by beat or merged."""
    dbg = dma_debug.active
    dbg.bus_bytes = 8
    keep, gone = kmalloc(dev, 256), kmalloc(dev, 512)
    addr = gone.addr
    kfree(gone)
    stretch = dev.memory.unallocated_at(addr + 100)
    assert stretch is not None and stretch[0] <= addr and addr + 512 <= stretch[0] + stretch[1]
    assert dev.memory.unallocated_at(keep.addr) is None
    (msg,) = _both_ways(dbg, addr, addr + 512, write=True)
    assert f"device write of [0x{addr:x}+0x8] outside any live mapping: memory that is not allocated" in msg, msg
    kfree(keep)


def test_device_run_wholly_mapped_is_cheap(dev: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long run the mappings cover is judged without looking at its beats."""
    dbg = dma_debug.active
    dbg.bus_bytes = 8
    judged = []
    monkeypatch.setattr(dbg, "_judge_beat", lambda *a: judged.append(a))
    buf = kmalloc(dev, 1 << 16)
    addr = dma_map_single(dev, buf, 1 << 16, DMA_BIDIRECTIONAL)
    dbg.device_access(addr, 1 << 16, write=False)
    dbg.device_access(addr, 1 << 16, write=True)
    assert judged == [] and reports.reporter.reports == []
    dma_unmap_single(dev, addr, 1 << 16, DMA_BIDIRECTIONAL)


def test_kfree_while_mapped_and_leaks(dev: Device) -> None:
    buf = kmalloc(dev, 64)
    dma_map_single(dev, buf, 64, DMA_TO_DEVICE)
    with pytest.raises(DmaDebugError, match="kfree"):
        kfree(buf)
    expect(reports.FREE_MAPPED, f"0x{buf.addr:x}")
    other = kmalloc(dev, 64)
    dma_map_single(dev, other, 32, DMA_BIDIRECTIONAL)
    assert dma_debug.active.check_leaks() == 1
    expect(reports.LEAK, f"0x{other.addr:x}", "tests/test_dma_debug.py:")

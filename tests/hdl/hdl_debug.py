"""Deliberately buggy clients and providers on the simulated controller: the DMA-API debug
mode and strict mode must report each bug, with the address and the descriptor involved.
Each test also does the same thing correctly and expects silence."""

from __future__ import annotations

import cocotb
import pytest
from cocotb.triggers import Event, Timer, with_timeout

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaDebugError,
    DmaDevice,
    DmaStatus,
    dma_async_device_register,
    dma_async_device_unregister,
    dma_map_single,
    dma_request_channel,
    dma_sync_single_for_cpu,
    dma_unmap_single,
    kfree,
    kmalloc,
    reports,
)
from pydma.cookie import dma_cookie_init, dma_cookie_status
from pydma.enums import DmaengineTxResult
from pydma.virt_dma import VirtDmaChan, VirtDmaDesc
from tb.dma_tb import DmaTb
from tb.testenv import callbacks_ran, memcpy_channel, started

SIZE = 1000


def buffers(tb: DmaTb):
    src, dst = kmalloc(tb.dev, SIZE), kmalloc(tb.dev, SIZE)
    src.write(0, tb.rng.randbytes(SIZE))
    return src, dst


def expect(tb: DmaTb, kind: str, *needles: str) -> list[reports.Report]:
    got = tb.reports.take(kind)
    assert got, f"no {kind} report (have: {tb.reports.reports})"
    for needle in needles:
        assert any(needle in r.message for r in got), f"{needle!r} in none of {[r.message for r in got]}"
    return got


async def started_provoking(dut) -> DmaTb:
    """A started testbench whose reports, and the bus errors they lead to, are this test's
    own doing: logged at info (each is still taken and checked)."""
    tb = await started(dut, stalls=0.0)
    kinds = [getattr(reports, k) for k in dir(reports) if k.isupper() and isinstance(getattr(reports, k), str)]
    tb.reports.provoke_for_test(*kinds)
    return tb


async def copy(chan, dst: int, src: int, length: int = SIZE):
    tx = chan.prep_dma_memcpy(dst, src, length, DMA_PREP_INTERRUPT)
    results, called = [], Event()
    tx.callback_result = lambda _p, res: (results.append(res.result), called.set())
    cookie = tx.submit()
    chan.issue_pending()
    status = await with_timeout(chan.sync_wait(cookie), 1, "ms")
    await with_timeout(called.wait(), 100, "us")  # the callback runs in the tasklet, after completion
    return status, results


async def mapped_copy(tb: DmaTb, chan) -> tuple[int, int]:
    """A correct copy between mapped kmalloc buffers, left mapped; returns (src, dst)."""
    src, dst = buffers(tb)
    s = dma_map_single(tb.dev, src, SIZE, DMA_TO_DEVICE)
    d = dma_map_single(tb.dev, dst, SIZE, DMA_FROM_DEVICE)
    status, _ = await copy(chan, d, s)
    assert status == DmaStatus.DMA_COMPLETE
    return s, d


@cocotb.test()
async def test_cpu_access_without_sync(dut):
    """A client that writes its source while the copy runs and reads the result without
    dma_sync_single_for_cpu: both raise at the client's line, naming the descriptor."""
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    src, dst = buffers(tb)
    s = dma_map_single(tb.dev, src, SIZE, DMA_TO_DEVICE)
    d = dma_map_single(tb.dev, dst, SIZE, DMA_FROM_DEVICE)
    tx = chan.prep_dma_memcpy(d, s, SIZE, DMA_PREP_INTERRUPT)
    cookie = tx.submit()
    chan.issue_pending()
    with pytest.raises(DmaDebugError, match=r"CPU write .* while the device owns it"):
        src.write(10, b"too late")
    (rep,) = expect(tb, reports.CPU_ACCESS, f"0x{src.addr + 10:x}", "dma0chan0 <PydmaDesc", "issued", "hdl_debug.py:")
    tb.log.info("reported as: %s", rep)
    assert await with_timeout(chan.sync_wait(cookie), 1, "ms") == DmaStatus.DMA_COMPLETE
    with pytest.raises(DmaDebugError, match="CPU read"):
        dst.read(0, 16)
    expect(tb, reports.CPU_ACCESS, f"0x{dst.addr:x}", "DMA_FROM_DEVICE")
    # the right way: hand the buffer to the CPU first
    dma_sync_single_for_cpu(tb.dev, d, SIZE, DMA_FROM_DEVICE)
    assert dst.read() == src.read()
    dma_unmap_single(tb.dev, s, SIZE, DMA_TO_DEVICE)
    dma_unmap_single(tb.dev, d, SIZE, DMA_FROM_DEVICE)
    kfree(src)
    kfree(dst)
    await chan.release()
    await tb.stop()  # nothing left: no report, no leak


@cocotb.test()
async def test_device_reads_after_unmap(dut):
    """The classic: the client unmaps its source before the transfer ran. The device reads
    kmalloc memory that no live mapping covers; reported once, with the descriptor."""
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    src, dst = buffers(tb)
    s = dma_map_single(tb.dev, src, SIZE, DMA_TO_DEVICE)
    d = dma_map_single(tb.dev, dst, SIZE, DMA_FROM_DEVICE)
    dma_unmap_single(tb.dev, s, SIZE, DMA_TO_DEVICE)  # bug: too early
    status, results = await copy(chan, d, s)
    assert status == DmaStatus.DMA_COMPLETE and results == [DmaengineTxResult.DMA_TRANS_NOERROR]
    (rep,) = expect(tb, reports.DEVICE_ACCESS, f"[0x{src.addr:x}+", "device read", "no live mapping", "dma0chan0")
    tb.log.info("reported as: %s", rep)
    # many beats, one report (the native model logs them merged into runs, judged beat by beat)
    assert tb.dma_debug.suppressed > 0
    dma_unmap_single(tb.dev, d, SIZE, DMA_FROM_DEVICE)
    await chan.release()
    await tb.stop()


BIG = 8192  # a buffer of two pages, of which a buggy client maps only the first


@cocotb.test()
async def test_device_reads_past_the_mapping(dut):
    """A source kmalloc'd with 8 KiB of which the client maps only the first 4 KiB (then 4 KiB
    and 5 bytes), read whole by an 8 KiB copy: the device reads past the mapping's end.
    Reported once per buffer, at the first bus beat outside the mapping (the beat holding the
    mapping's last byte is read whole, and that is fine), on both memory models: the native
    one logs the copy's reads merged into runs that begin inside the mapping."""
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    beat = tb.bus_bytes
    dst = kmalloc(tb.dev, BIG)
    d = dma_map_single(tb.dev, dst, BIG, DMA_FROM_DEVICE)
    for mapped, first_bad in ((4096, 4096), (4096 + 5, 4096 + beat)):
        src = kmalloc(tb.dev, BIG)
        src.write(0, tb.rng.randbytes(BIG))
        s = dma_map_single(tb.dev, src, mapped, DMA_TO_DEVICE)  # bug: the copy reads BIG bytes
        status, results = await copy(chan, d, s, BIG)
        assert status == DmaStatus.DMA_COMPLETE and results == [DmaengineTxResult.DMA_TRANS_NOERROR]
        got = expect(
            tb,
            reports.DEVICE_ACCESS,
            f"device read of [0x{src.addr + first_bad:x}+0x{beat:x}] outside any live mapping",
            "kmalloc memory that no live mapping covers",
            "dma0chan0",
        )
        assert len(got) == 1, got  # one per buffer, on both memory models
        tb.log.info("reported as: %s", got[0])
        dma_unmap_single(tb.dev, s, mapped, DMA_TO_DEVICE)
        kfree(src)
    # the right way: map all the device reads
    src = kmalloc(tb.dev, BIG)
    src.write(0, tb.rng.randbytes(BIG))
    s = dma_map_single(tb.dev, src, BIG, DMA_TO_DEVICE)
    status, _ = await copy(chan, d, s, BIG)
    assert status == DmaStatus.DMA_COMPLETE and not tb.reports.reports
    dma_unmap_single(tb.dev, s, BIG, DMA_TO_DEVICE)
    dma_unmap_single(tb.dev, d, BIG, DMA_FROM_DEVICE)
    assert dst.read() == src.read()
    kfree(src)
    kfree(dst)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_device_writes_past_the_mapping(dut):
    """The mirror: a destination kmalloc'd with 8 KiB of which only the first 4 KiB (then 4
    KiB and 5 bytes) are mapped, written whole by an 8 KiB copy. A written byte must be
    mapped: reported once per buffer at the first beat that writes outside the mapping (with
    the unaligned mapping, the beat holding its last byte), on both memory models."""
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    beat = tb.bus_bytes
    src = kmalloc(tb.dev, BIG)
    src.write(0, tb.rng.randbytes(BIG))
    s = dma_map_single(tb.dev, src, BIG, DMA_TO_DEVICE)
    for mapped, first_bad in ((4096, 4096), (4096 + 5, 4096)):
        dst = kmalloc(tb.dev, BIG)
        d = dma_map_single(tb.dev, dst, mapped, DMA_FROM_DEVICE)  # bug: the copy writes BIG bytes
        status, results = await copy(chan, d, s, BIG)
        assert status == DmaStatus.DMA_COMPLETE and results == [DmaengineTxResult.DMA_TRANS_NOERROR]
        got = expect(
            tb,
            reports.DEVICE_ACCESS,
            f"device write of [0x{dst.addr + first_bad:x}+0x{beat:x}] outside any live mapping",
            "kmalloc memory that no live mapping covers",
            "dma0chan0",
        )
        assert len(got) == 1, got
        tb.log.info("reported as: %s", got[0])
        dma_unmap_single(tb.dev, d, mapped, DMA_FROM_DEVICE)
        kfree(dst)
    # the right way
    dst = kmalloc(tb.dev, BIG)
    d = dma_map_single(tb.dev, dst, BIG, DMA_FROM_DEVICE)
    status, _ = await copy(chan, d, s, BIG)
    assert status == DmaStatus.DMA_COMPLETE and not tb.reports.reports
    dma_unmap_single(tb.dev, d, BIG, DMA_FROM_DEVICE)
    dma_unmap_single(tb.dev, s, BIG, DMA_TO_DEVICE)
    assert dst.read() == src.read()
    kfree(src)
    kfree(dst)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_device_writes_wrong_direction_and_freed_memory(dut):
    """A destination mapped DMA_TO_DEVICE, then one freed before the transfer: the device
    writes are reported; the freed one is also a bus error the driver reports."""
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    src, dst = buffers(tb)
    s = dma_map_single(tb.dev, src, SIZE, DMA_TO_DEVICE)
    d = dma_map_single(tb.dev, dst, SIZE, DMA_TO_DEVICE)  # bug: the device writes it
    status, _ = await copy(chan, d, s)
    assert status == DmaStatus.DMA_COMPLETE
    got = expect(tb, reports.DEVICE_ACCESS, "device write", "other direction", f"[0x{dst.addr:x}+0x{tb.bus_bytes:x}]")
    assert len(got) == 1, got
    dma_unmap_single(tb.dev, d, SIZE, DMA_TO_DEVICE)

    gone = kmalloc(tb.dev, SIZE)
    g = dma_map_single(tb.dev, gone, SIZE, DMA_FROM_DEVICE)
    tx = chan.prep_dma_memcpy(g, s, SIZE, DMA_PREP_INTERRUPT)
    results = []
    tx.callback_result = lambda _p, res: results.append(res.result)
    dma_unmap_single(tb.dev, g, SIZE, DMA_FROM_DEVICE)
    kfree(gone)  # bug: freed while a prepared transfer still points at it
    cookie = tx.submit()
    chan.issue_pending()
    assert await with_timeout(chan.sync_wait(cookie), 1, "ms") == DmaStatus.DMA_ERROR
    await callbacks_ran(chan)
    assert results == [DmaengineTxResult.DMA_TRANS_WRITE_FAILED], results
    got = expect(tb, reports.DEVICE_ACCESS, "not allocated", f"[0x{gone.addr:x}+0x{tb.bus_bytes:x}]")
    assert len(got) == 1, got  # once for the freed stretch, on both memory models
    dma_unmap_single(tb.dev, s, SIZE, DMA_TO_DEVICE)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_unmap_mistakes_raise_at_the_call(dut):
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    s, d = await mapped_copy(tb, chan)
    with pytest.raises(DmaDebugError, match="different size"):
        dma_unmap_single(tb.dev, s, SIZE // 2, DMA_TO_DEVICE)
    expect(tb, reports.UNMAP_MISMATCH, f"0x{s:x}")
    with pytest.raises(DmaDebugError, match="different direction"):
        dma_unmap_single(tb.dev, d, SIZE, DMA_TO_DEVICE)
    expect(tb, reports.UNMAP_MISMATCH, f"0x{d:x}")
    with pytest.raises(DmaDebugError, match="double unmap"):
        dma_unmap_single(tb.dev, d, SIZE, DMA_FROM_DEVICE)
    expect(tb, reports.UNMAP_NOT_MAPPED, f"0x{d:x}")
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_leaked_mapping_fails_the_test(dut):
    """A mapping never unmapped: stop() fails the test and names where it was made."""
    tb = await started_provoking(dut)
    chan = memcpy_channel()
    s, _forgotten = await mapped_copy(tb, chan)
    dma_unmap_single(tb.dev, s, SIZE, DMA_TO_DEVICE)  # the destination's mapping is not
    await chan.release()
    with pytest.raises(DmaDebugError, match=r"\[leak\].*hdl_debug.py:\d+") as exc:
        await tb.stop()
    tb.log.info("stop() failed the test with: %s", exc.value)


# -- a deliberately buggy provider ------------------------------------------------------------


class BuggyDesc(VirtDmaDesc):
    pass


class BuggyChan(VirtDmaChan):
    def desc_free_hw(self, vd: VirtDmaDesc) -> None:
        pass


class BuggyProvider(DmaDevice):
    """A memcpy 'engine' with two classic provider bugs, each switchable: it completes
    the issued descriptors newest first (lifo), and its terminate leaves the engine
    running while synchronize returns without waiting (lazy)."""

    def __init__(self, tb: DmaTb, lifo: bool = False, lazy: bool = False) -> None:
        super().__init__("buggy", tb.dev, tb.backend.runtime)
        self.lifo, self.lazy = lifo, lazy
        self.cap_mask = DmaCapMask(DMA_MEMCPY)
        chan = BuggyChan(self, 0)
        chan.vchan_init()
        self.channels.append(chan)

    def device_alloc_chan_resources(self, chan) -> int:
        dma_cookie_init(chan)
        return 0

    def device_prep_dma_memcpy(self, chan, dest, src, length, flags):
        return chan.vchan_tx_prep(BuggyDesc(chan, flags))

    def device_issue_pending(self, chan) -> None:
        with chan.lock:
            if chan.vchan_issue_pending():
                batch = list(chan.desc_issued)
                cocotb.start_soon(self._engine(chan, batch))

    async def _engine(self, chan, batch) -> None:
        await Timer(200, "ns")
        with chan.lock:
            for vd in reversed(batch) if self.lifo else batch:
                if vd in chan.desc_issued or self.lazy:  # lazy: terminated ones too
                    chan.vchan_cookie_complete(vd)

    def device_terminate_all(self, chan) -> int:
        with chan.lock:
            descs = chan.vchan_get_all_descriptors()
        chan.vchan_dma_desc_free_list(descs)
        return 0

    async def device_synchronize(self, chan) -> None:
        if not self.lazy:
            await chan.vchan_synchronize()

    def device_tx_status(self, chan, cookie, state):
        return dma_cookie_status(chan, cookie, state)

    def remove(self) -> None:
        dma_async_device_unregister(self)
        self.channels[0].tasklet.stop()


async def buggy_channel(tb: DmaTb, **bugs):
    prov = BuggyProvider(tb, **bugs)
    assert dma_async_device_register(prov) == 0
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, p: c.device is p, prov)
    assert chan is not None and chan.device is prov
    return prov, chan


async def three_copies(chan) -> list[int]:
    order, done = [], Event()

    def cb(param) -> None:
        order.append(param)
        if len(order) == 3:
            done.set()

    cookies = []
    for i in range(3):
        tx = chan.prep_dma_memcpy(0, 0, 64, DMA_PREP_INTERRUPT)
        tx.callback, tx.callback_param = cb, i
        cookies.append(tx.submit())
    chan.issue_pending()
    await with_timeout(done.wait(), 10, "us")
    return order


@cocotb.test()
async def test_strict_reports_out_of_order_cookies(dut):
    tb = await started_provoking(dut)
    prov, chan = await buggy_channel(tb, lifo=True)
    assert await three_copies(chan) == [2, 1, 0]
    got = expect(tb, reports.COOKIE_ORDER, "buggychan0", "completed after cookie 4")
    assert len(got) == 2, got  # cookies 3 and 2, each after 4
    # the same provider without the bug: silence
    prov.lifo = False
    assert await three_copies(chan) == [0, 1, 2]
    assert not tb.reports.reports
    await chan.release()
    prov.remove()
    await tb.stop()


@cocotb.test()
async def test_strict_reports_callback_after_synchronize(dut):
    tb = await started_provoking(dut)
    prov, chan = await buggy_channel(tb, lazy=True)
    calls = []
    tx = chan.prep_dma_memcpy(0, 0, 64, DMA_PREP_INTERRUPT)
    tx.callback, tx.callback_param = calls.append, "late"
    cookie = tx.submit()
    chan.issue_pending()
    assert await chan.terminate_sync() == 0
    # the client now frees what its callback uses: the callback must not run any more
    await Timer(1, "us")  # the buggy engine completes 200 ns after the issue
    await callbacks_ran(chan)
    assert calls == ["late"], "the buggy provider was meant to call it"
    expect(tb, reports.CALLBACK_AFTER_SYNC, f"cookie {cookie}", "buggychan0")
    expect(tb, reports.DOUBLE_FREE, "buggychan0", "freed twice")  # terminate had freed it
    # without the bug the callback is gone for good
    prov.lazy = False
    calls.clear()
    tx = chan.prep_dma_memcpy(0, 0, 64, DMA_PREP_INTERRUPT)
    tx.callback, tx.callback_param = calls.append, "late"
    tx.submit()
    chan.issue_pending()
    assert await chan.terminate_sync() == 0
    await Timer(1, "us")
    await callbacks_ran(chan)
    assert calls == [] and not tb.reports.reports
    await chan.release()
    prov.remove()
    await tb.stop()

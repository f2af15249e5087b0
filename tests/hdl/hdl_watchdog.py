"""The hang detector (tb/watchdog.py) against buggy clients: work submitted and never issued,
a paced transfer whose peripheral never asks, a dma_sync_wait on a terminated cookie; each is
reported with its diagnosis (the channel, the cookies, the
lists and the registers) instead of hanging (and a wait on another channel's cookie, which the kernel answers at
once, is a strict-mode report). Slow work that moves, and a test idling with
nothing held, are left alone; and without a test's own handler the hang fails the test."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, Event, First, Timer

from pydma import (
    DMA_MEM_TO_DEV,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DmaCapMask,
    DmaSlaveConfig,
    DmaStatus,
    dma_request_channel,
    reports,
    strict,
)
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from tb.peripherals import Pacing
from tb.testenv import Arena, memcpy_channel, started
from tb.watchdog import WatchdogHang

LIMIT_NS = 50_000  # 5,000 cycles without progress


async def watched(dut):
    """A started testbench whose watchdog hands its report to the test instead of failing it."""
    tb = await started(dut, stalls=0.0)
    tb.watchdog.stop()
    tb.watchdog.limit_ns = LIMIT_NS
    hang = Event()
    tb.watchdog.on_hang = lambda report: hang.set()
    tb.watchdog.start()
    return tb, hang


def has(report: str, *needles: str) -> None:
    missing = [n for n in needles if n not in report]
    assert not missing, f"{missing} not in:\n{report}"


@cocotb.test()
async def test_submitted_never_issued(dut):
    tb, hang = await watched(dut)
    chan = memcpy_channel()
    arena = Arena(tb, 4096)
    tx = chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 256, DMA_PREP_INTERRUPT)
    done = Event()
    tx.callback = lambda _: done.set()
    cookie = tx.submit()  # the bug: no issue_pending(); the client waits for its callback
    await First(done.wait(), hang.wait(), Timer(10 * LIMIT_NS, "ns"))
    (report,) = tb.watchdog.hangs
    has(report, f"{chan.name}: cookies {cookie} submitted but never issued", "issue_pending", "vchan:", "regs:")
    chan.issue_pending()  # the fix: it runs
    await done.wait()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_peripheral_never_asks(dut):
    tb, hang = await watched(dut)
    dev = tb.add_tx_device(2, 4, 8, pacing=Pacing.manual())  # it asks only when told: never
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=2))
    assert chan.slave_config(DmaSlaveConfig(dst_addr=dev.data_addr, dst_addr_width=4, dst_maxburst=8)) == 0
    buf = tb.alloc_guarded(64)
    tx = chan.prep_slave_single(buf.addr, 64, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    cookie = tx.submit()
    chan.issue_pending()
    await First(hang.wait(), Timer(10 * LIMIT_NS, "ns"))
    (report,) = tb.watchdog.hangs
    has(report, f"cookies {cookie} issued; the channel is running but moving nothing", "request line 2")
    await chan.terminate_sync()
    dev.stop()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_waits_that_cannot_complete(dut):
    tb, hang = await watched(dut)
    a, b = memcpy_channel(), memcpy_channel()
    arena = Arena(tb, 1 << 18)
    tx = a.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 1 << 18, 0)
    cookie = tx.submit()
    a.issue_pending()
    await ClockCycles(dut.clk, 200)
    assert await a.terminate_sync() == 0
    # the bug: waiting for the terminated cookie (its callback would never run either)
    wait = cocotb.start_soon(a.sync_wait(cookie, 100 * LIMIT_NS))
    await First(hang.wait(), Timer(10 * LIMIT_NS, "ns"))
    wait.cancel()
    (report,) = tb.watchdog.hangs
    has(report, f"dma_sync_wait on cookie {cookie} of {a.name}, which was terminated")

    # the bug: a cookie of channel a waited for on channel b, which never assigned it: the
    # kernel answers DMA_COMPLETE at once (nothing waited for); strict mode reports it
    other = a.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 64, 0).submit()
    with tb.reports.provoking(reports.FOREIGN_COOKIE):
        assert await b.sync_wait(other) == DmaStatus.DMA_COMPLETE
    if strict.enabled:
        (rep,) = tb.reports.take(reports.FOREIGN_COOKIE)
        has(str(rep), f"cookie {other} of {b.name}, which that channel never assigned")
    assert await a.sync_wait(other) == DmaStatus.DMA_COMPLETE
    assert len(tb.watchdog.hangs) == 1
    for chan in (a, b):
        await chan.release()
    await tb.stop()


@cocotb.test()
async def test_slow_work_and_idle_tests_are_left_alone(dut):
    tb, _ = await watched(dut)
    # a transfer paced far below the bus speed, running for many times the limit
    dev = tb.add_tx_device(2, 1, 1, depth=4, pacing=Pacing.fixed(40))
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=2))
    assert chan.slave_config(DmaSlaveConfig(dst_addr=dev.data_addr, dst_addr_width=1, dst_maxburst=1)) == 0
    buf = tb.alloc_guarded(800)
    dev.expect(buf.view.read())
    tx = chan.prep_slave_single(buf.addr, 800, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    done = Event()
    tx.callback = lambda _: done.set()
    start = tb.cycles()
    tx.submit()
    chan.issue_pending()
    await done.wait()
    assert (tb.cycles() - start) * 10 > 5 * LIMIT_NS, "the transfer did not outlast the limit"
    await Timer(4 * LIMIT_NS, "ns")  # idle, nothing held
    assert not tb.watchdog.hangs, tb.watchdog.hangs
    tb.check_peripherals()
    dev.stop()
    await chan.release()
    await tb.stop()


@cocotb.test(expect_error=WatchdogHang)
async def test_a_hang_fails_the_test(dut):
    tb = await started(dut, stalls=0.0)
    tb.watchdog.stop()
    tb.watchdog.limit_ns = LIMIT_NS
    tb.watchdog.start()
    chan = memcpy_channel()
    arena = Arena(tb, 4096)
    chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 256, 0).submit()
    await Timer(10 * LIMIT_NS, "ns")  # no issue_pending: the watchdog ends the test first
    raise AssertionError("the watchdog did not end the test")

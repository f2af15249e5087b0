"""Kernel semantics the driver must keep: nothing reaches the hardware before
issue_pending; callbacks run in tasklet context without the channel lock, so they can
submit more work; channel requests by capability, filter and name."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, with_timeout

from pydma import (
    DMA_INTERLEAVE,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    Device,
    DmaApiMisuse,
    DmaCapMask,
    DmaError,
    DmaSlaveMap,
    DmaStatus,
    dma_request_chan,
    dma_request_chan_by_mask,
    dma_request_channel,
    reports,
    strict,
)
from pydma.enums import DmaTransactionType
from pydma.errors import ENODEV
from pydma.kcontext import TASKLET, current_context
from tb.testenv import Arena, Copy, callbacks_ran, started, wait_complete
from tb.testenv.shapes import run_shapes


def axi_activity(core) -> bool:
    return any(int(s.value) for s in (core.m_axi_arvalid, core.m_axi_awvalid, core.m_axi_wvalid))


@cocotb.test()
async def test_nothing_moves_before_issue_pending(dut):
    tb = await started(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    arena = Arena(tb, 1 << 14)
    writes_before = tb.backend.writes
    cookies = []
    for i in range(5):
        c = Copy(i * 1000, i * 1000 + 1, 900)
        cookies.append(chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, 0).submit())
        arena.expect(c)
    for _ in range(2000):
        await ClockCycles(dut.clk, 1)
        assert not axi_activity(tb.core), "the controller touched memory before issue_pending"
    assert tb.backend.writes == writes_before, "submit wrote a register"
    assert chan.desc_submitted and not chan.desc_issued
    assert arena.dst.read() != bytes(arena.model), "destination changed before issue_pending"
    assert all(chan.tx_status(c) == DmaStatus.DMA_IN_PROGRESS for c in cookies)
    chan.issue_pending()
    await wait_complete(chan, cookies[-1], 10_000)
    arena.check([])
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_callbacks_resubmit_from_tasklet(dut):
    """Each callback runs in tasklet context with the lock free, and preps, submits and
    issues the next copy: a 20-step chain driven entirely from callbacks."""
    tb = await started(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    arena = Arena(tb, 1 << 14)
    contexts, steps = [], []

    def step(i: int) -> None:
        contexts.append((current_context(), chan.lock.held))
        steps.append(i)
        if i == 20:
            return
        c = Copy(i * 300, i * 300 + 7, 250)
        arena.expect(c)
        d = chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, DMA_PREP_INTERRUPT)
        d.callback = step
        d.callback_param = i + 1
        d.submit()
        chan.issue_pending()

    step(0)
    contexts.clear()
    for _ in range(400):
        if steps[-1] == 20:
            break
        await ClockCycles(dut.clk, 100)
    assert steps == list(range(21)), f"chain stopped at {steps[-1]}"
    assert all(ctx == (TASKLET, False) for ctx in contexts), "callback not in tasklet context, or lock held"
    arena.check([])

    # a callback may not sleep: synchronize() from it is refused, loudly, at the call itself
    # (strict mode also files the report, which this test takes: it provokes it on purpose)
    refused = []

    def bad_callback(_param) -> None:
        try:
            chan.synchronize()
        except DmaApiMisuse as exc:
            refused.append(str(exc))

    d = chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 8, 0)
    d.callback = bad_callback
    with tb.reports.provoking(reports.SLEEP_IN_ATOMIC):
        await with_timeout(chan.sync_wait(d.submit()), 1_000, "us")
        await callbacks_ran(chan)
    assert refused and "chan.synchronize() (dmaengine_synchronize)" in refused[0] and "tasklet" in refused[0]
    assert len(tb.reports.take(reports.SLEEP_IN_ATOMIC)) == (1 if strict.enabled else 0)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_channel_requests(dut):
    tb = await started(dut, slave_map=[DmaSlaveMap("uart0", "tx", 2), DmaSlaveMap("uart0", "rx", 3)])
    # by name, from the board table
    uart = Device("uart0", tb.memory)
    tx = dma_request_chan(uart, "tx")
    assert tx.name == "dma0chan2"
    try:
        dma_request_chan(uart, "tx")
        raise AssertionError("a taken channel was handed out by name")
    except DmaError as exc:
        assert exc.errno == ENODEV
    try:
        dma_request_chan(Device("spi0", tb.memory), "tx")
        raise AssertionError("unknown client got a channel")
    except DmaError as exc:
        assert exc.errno == ENODEV
    # by mask and filter
    # (completions out of order: the controller completes in order)
    assert dma_request_channel(DmaCapMask(DmaTransactionType.DMA_COMPLETION_NO_ORDER)) is None, "no such capability"
    xt = dma_request_channel(DmaCapMask(DMA_INTERLEAVE))
    assert xt is not None, "2D transfers (OPS_CONFIG.XT)"
    await xt.release()
    odd = dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, p: c.chan_id % 2 == p, 1)
    assert odd.name == "dma0chan1"
    rest = [dma_request_chan_by_mask(DmaCapMask(DMA_MEMCPY)) for _ in range(2)]
    assert sorted(c.name for c in rest) == ["dma0chan0", "dma0chan3"]
    try:
        dma_request_chan_by_mask(DmaCapMask(DMA_MEMCPY))
        raise AssertionError("more channels than the controller has")
    except DmaError as exc:
        assert exc.errno == ENODEV
    # a released channel can be requested again, and works
    await tx.release()
    again = dma_request_chan(uart, "tx")
    assert again is tx
    arena = Arena(tb, 1 << 12)
    d = again.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 100, 0)
    arena.expect(Copy(0, 0, 100))
    await wait_complete(again, d.submit(), 1_000)
    arena.check([])
    for chan in [again, odd, *rest]:
        await chan.release()
    await tb.stop()


@cocotb.test()
async def test_every_operation_shape(dut):
    """Each operation the device offers (copies, XOR, PQ, their checks, fills, a paced
    transfer each way) at each source and destination alignment class and each length class
    (under a beat, under a burst, several bursts, across a 4 KiB page, several chunks), its
    result checked and the bytes around its destination unchanged: the shapes the functional
    coverage model (tb/fcov) crosses. Lengths near each class's lower end on the Python
    memory (and for the paced transfers, whose peripherals run Python every cycle)."""
    tb = await started(dut)
    # memcpy in every shape on the native memory (the model crosses its shapes with the width
    # and stall setting, and the matrix runs each of them there); the other operations, and
    # all of them on the Python memory, a sixth of their shapes by width and stall setting,
    # so that the matrix's six of them cover every shape (each run still runs each operation)
    part = ((tb.data_w.bit_length() - 6) * 2 + (tb.stalls > 0)) % 6  # 32, 64, 128 bits: 0-1, 2-3, 4-5
    python = tb.mem_model == "python"
    n = await run_shapes(tb, short=python, part=(part, 6), whole=() if python else ("memcpy",))
    tb.log.info("%d transfer shapes checked", n)
    await tb.stop()


@cocotb.test()
async def test_pause_and_terminate_points(dut):
    """Pause and terminate at each point of a transaction's life, the channel then working:
    idle; submitted but not issued (a pause then holds the issued work, resume completes it);
    just issued, nothing fetched yet; already paused; the hardware done but its interrupt not
    handled yet; a second terminate while the first one's abort is under way."""
    tb = await started(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    arena = Arena(tb, 1 << 15)

    def prep(c: Copy):
        tx = chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, 0)
        assert tx is not None
        return tx

    async def complete(c: Copy, cookie: int) -> None:
        await wait_complete(chan, cookie, 5_000)
        arena.expect(c)

    # idle
    assert chan.pause() == 0 and chan.resume() == 0
    assert await chan.terminate_sync() == 0
    # submitted: paused before issue, then issued: held; paused again (already paused)
    c = Copy(3, 5, 700)
    cookie = prep(c).submit()
    assert chan.pause() == 0
    chan.issue_pending()
    await ClockCycles(dut.clk, 300)
    assert chan.tx_status(cookie) == DmaStatus.DMA_PAUSED
    assert chan.pause() == 0
    assert chan.resume() == 0
    await complete(c, cookie)
    # just issued: nothing fetched yet when the pause is written
    c = Copy(1024 + 1, 1024 + 2, 700)
    cookie = prep(c).submit()
    chan.issue_pending()
    assert chan.pause() == 0
    await ClockCycles(dut.clk, 100)
    assert chan.resume() == 0
    await complete(c, cookie)
    # terminated before issue: nothing lands
    assert prep(Copy(2048, 2048, 700)).submit() > 0
    assert await chan.terminate_sync() == 0
    # the hardware done, its interrupt not handled: polled for each cycle (a short window)
    c = Copy(3072 + 1, 3072 + 3, 64)
    for action in ("pause", "terminate"):
        for _ in range(20):
            tx = prep(c)
            last = tx.hw[-1]
            cookie = tx.submit()
            chan.issue_pending()
            while chan.tx_status(cookie) != DmaStatus.DMA_COMPLETE and not last.status()[0]:
                await ClockCycles(dut.clk, 1)
            caught = chan.tx_status(cookie) != DmaStatus.DMA_COMPLETE
            arena.expect(c)  # done by the hardware either way
            if caught and action == "terminate":
                assert await chan.terminate_sync() == 0
                break
            if caught:
                assert chan.pause() == 0 and chan.resume() == 0
            await wait_complete(chan, cookie, 5_000)
            if caught:
                break
    # a terminate while the previous one's abort is under way
    c = Copy(4096 + 1, 4096 + 3, 14 * 1024)
    prep(c).submit()
    chan.issue_pending()
    await ClockCycles(dut.clk, 60)
    assert chan.terminate_async() == 0
    assert chan.terminate_async() == 0
    await chan.synchronize()
    arena.model[c.dst : c.dst + c.length] = arena.dst.read(c.dst, c.length)  # cut anywhere
    # the channel still copies exactly
    c = Copy(24576 + 5, 24576 + 1, 700)
    await complete(c, prep(c).submit())
    arena.check([])
    arena.free()
    await chan.release()
    await tb.stop()

"""Cyclic transfers, pause/resume and terminate: per-period callbacks over 100+ periods,
no lost or duplicated element across a pause, stop/start cycles driven from callbacks, and
terminate at random moments with the kernel's guarantees (no callback after synchronize, no
memory or device access after it, the channel usable again)."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, Event, with_timeout

from pydma import DMA_DEV_TO_MEM, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT, DmaStatus, DmaTxState, jitter
from tb.peripherals import Pacing
from tb.testenv import PIPELINED, Arena, Copy, configure, sg_of, slave_channel, started_for_slaves, wait_paused

PERIOD_ELEMS = 32
PERIODS = 4


@cocotb.test()
async def test_cyclic_periods_pause_resume(dut):
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width = min(4, tb.bus_bytes)
    period = PERIOD_ELEMS * width
    dev = tb.add_tx_device(3, width, 8, depth=32, pacing=Pacing.fixed(2), pipelined=PIPELINED)
    ring = tb.alloc_guarded(period * PERIODS)
    data = ring.view.read()
    for _ in range(140 // PERIODS + 2):
        dev.expect(data)  # the ring, over and over, in order
    configure(chan, DMA_MEM_TO_DEV, dev.data_addr, width, 8)
    tx = chan.prep_dma_cyclic(ring.addr, ring.size, period, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    calls = []
    residues = []

    def on_period(param):
        state = DmaTxState()
        chan.tx_status(tx.cookie, state)
        residues.append(state.residue)
        calls.append(tb.cycles())

    tx.callback = on_period
    cookie = tx.submit()
    chan.issue_pending()
    paused_at = None
    while dev.transfers < 130 * PERIOD_ELEMS:
        await ClockCycles(dut.clk, 50)
        if paused_at is None and dev.transfers >= 50 * PERIOD_ELEMS:
            chan.pause()
            await wait_paused(tb, chan)
            paused_at = dev.transfers
            assert chan.tx_status(cookie) == DmaStatus.DMA_PAUSED
            await ClockCycles(dut.clk, 1000)
            assert dev.transfers == paused_at, "elements moved while paused"
            chan.resume()
    # stop with nothing in flight (paused: every finished period written back and its
    # interrupt raised) and let the callbacks run, so that a period whose data reached the
    # device but whose completion a terminate would cut off cannot blur the count below
    chan.pause()
    await wait_paused(tb, chan)
    await ClockCycles(dut.clk, 1000)
    n_calls = len(calls)
    moved = dev.transfers
    assert await chan.terminate_sync() == 0
    await ClockCycles(dut.clk, 1000)
    assert len(calls) == n_calls, "a period callback ran after terminate_sync"
    assert dev.transfers == moved, "the device was written after terminate_sync"
    periods_done = moved // PERIOD_ELEMS
    if jitter.jitter is None:
        # one callback per period: the interrupt path keeps up with a 64-cycle period
        assert n_calls == periods_done, f"{n_calls} callbacks for {periods_done} periods"
    else:
        # a loaded CPU (PYDMA_JITTER) runs the tasklet late: the periods that elapsed
        # meanwhile share one callback, as the kernel's vchan_cyclic_callback does
        assert 0 < n_calls <= periods_done, f"{n_calls} callbacks for {periods_done} periods"
    assert all(0 < r <= ring.size for r in residues), f"cyclic residue must stay within the ring: {residues}"
    ring.check_guards()
    tb.check_peripherals()  # order and value of every element, FIFO overflow
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_terminate_at_random_cycles(dut):
    """100+ trials: terminate slave and memcpy work at a random cycle; after synchronize no
    callback runs and nothing is written; then the channel copies correctly again."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width = min(4, tb.bus_bytes)
    rxd = tb.add_rx_device(3, width, 8, depth=32, pacing=Pacing.random(tb.rng), pipelined=PIPELINED)
    configure(chan, DMA_DEV_TO_MEM, rxd.data_addr, width, 8)
    arena = Arena(tb, 1 << 14)
    late = []
    trial = -1
    # until 100 terminates found work on the hardware (some transfers finish first)
    while chan.stats["aborts"] < 100:
        trial += 1
        assert trial < 400, f"only {chan.stats['aborts']} of {trial} terminates met running work"
        bufs = [tb.alloc_guarded(width * tb.rng.randint(8, 200)) for _ in range(tb.rng.randint(1, 3))]
        sgl = sg_of(bufs)
        tx = chan.prep_slave_sg(sgl, len(sgl), DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
        synced = [False]

        def cb(param, result, trial=trial, synced=synced):
            if synced[0]:
                late.append(trial)

        tx.callback_result = cb
        tx.submit()
        if trial % 2:  # also memcpy work queued behind it on the same channel
            c = Copy(tb.rng.randrange(4096), tb.rng.randrange(4096), tb.rng.randint(1, 8192))
            chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length).submit()
        chan.issue_pending()
        await ClockCycles(dut.clk, tb.rng.randint(0, 600))
        assert await chan.terminate_sync() == 0
        synced[0] = True
        snap = [b.view.read() for b in bufs]
        dst_snap = arena.dst.read()
        reads = rxd.read_count
        await ClockCycles(dut.clk, 300)
        assert [b.view.read() for b in bufs] == snap, f"trial {trial}: memory written after synchronize"
        assert arena.dst.read() == dst_snap, f"trial {trial}: memcpy destination written after synchronize"
        assert rxd.read_count == reads, f"trial {trial}: device read after synchronize"
        for b in bufs:
            b.check_guards()
            b.free()
        arena.model[:] = dst_snap  # whatever landed before the terminate is the new baseline
        # the channel works again: a memcpy, then the slave set-up comes back on its own
        c = Copy(tb.rng.randrange(4096), tb.rng.randrange(4096), tb.rng.randint(1, 2048))
        cookie = chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length).submit()
        arena.expect(c)
        assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE, f"trial {trial}: channel dead after terminate"
        assert arena.dst.read() == bytes(arena.model), f"trial {trial}: copy after terminate is wrong"
    assert not late, f"callbacks after synchronize in trials {late}"
    tb.log.info("%d trials, %d terminates of running work", trial + 1, chan.stats["aborts"])
    tb.check_peripherals()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_stop_start_from_callbacks(dut):
    """The audio stop/start pattern, 50 times: from a period callback, terminate_async the
    ring and prep, submit and issue a new one, without deadlock; a terminated ring never
    calls back again."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width = min(4, tb.bus_bytes)
    period = 16 * width
    rxd = tb.add_rx_device(3, width, 4, depth=32, pacing=Pacing.fixed(1), pipelined=PIPELINED)
    configure(chan, DMA_DEV_TO_MEM, rxd.data_addr, width, 4)
    rings = [tb.alloc_guarded(period * 3, fill=bytes(period * 3)) for _ in range(2)]
    state = {"gen": 0, "periods": 0, "stale": 0}
    finished = Event()

    def start(gen: int) -> None:
        ring = rings[gen % 2]
        tx = chan.prep_dma_cyclic(ring.addr, ring.size, period, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
        assert tx is not None, "prep_dma_cyclic failed inside a callback"
        tx.callback = on_period
        tx.callback_param = gen
        tx.submit()
        chan.issue_pending()

    def on_period(gen: int) -> None:
        if gen != state["gen"]:
            state["stale"] += 1
            return
        state["periods"] += 1
        if state["periods"] % 2 == 0:
            assert chan.terminate_async() == 0
            if state["gen"] == 50:
                finished.set()
                return
            state["gen"] += 1
            start(state["gen"])

    start(0)
    await with_timeout(finished.wait(), 50, "ms")
    await chan.synchronize()
    assert state["stale"] == 0, f"{state['stale']} callbacks from terminated rings"
    assert state["gen"] == 50
    for r in rings:
        r.check_guards()
    tb.check_peripherals()
    await chan.release()
    await tb.stop()

"""Orderings a loaded machine exposes (pydma/jitter.py), with the tasklet held back a fixed
time so that each window is there every run:

- a cookie completes before its callback runs: a client that takes tx_status == COMPLETE to
  mean "my callback has run" is wrong, and the window is really there; the callback itself
  always sees its cookie complete;
- terminate right after completion, before the tasklet ran: the completed transaction's
  callback does not run after terminate_sync returned (strict mode would report it), as
  virt-dma drops the completed list on terminate.
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, Event

from pydma import DMA_PREP_INTERRUPT, DmaStatus, jitter
from tb.testenv import Arena, memcpy_channel, started

TASKLET_NS = 3_000


class HeldTasklets(jitter.Jitter):
    """Interrupts on time, every tasklet run TASKLET_NS late."""

    def irq_ns(self) -> float:
        return 0.0

    def tasklet_ns(self) -> float:
        return TASKLET_NS


@cocotb.test()
async def test_complete_before_callback(dut):
    tb = await started(dut, stalls=0.0)
    jitter.jitter = HeldTasklets(tb.rng)
    chan = memcpy_channel()
    arena = Arena(tb, 4096)
    seen_in_callback = []
    ran = Event()

    def callback(_param) -> None:
        seen_in_callback.append(chan.tx_status(cookie))
        ran.set()

    tx = chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 512, DMA_PREP_INTERRUPT)
    tx.callback = callback
    cookie = tx.submit()
    chan.issue_pending()
    while chan.tx_status(cookie) != DmaStatus.DMA_COMPLETE:
        await ClockCycles(dut.clk, 1)
    assert not ran.is_set(), "the callback ran with its cookie's completion: no window, the jitter is not applied"
    await ran.wait()
    assert seen_in_callback == [DmaStatus.DMA_COMPLETE], f"callback saw {seen_in_callback}: it ran before completion"
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_terminate_right_after_completion(dut):
    tb = await started(dut, stalls=0.0)
    jitter.jitter = HeldTasklets(tb.rng)
    chan = memcpy_channel()
    arena = Arena(tb, 4096)
    ran = []
    tx = chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 512, DMA_PREP_INTERRUPT)
    tx.callback = ran.append
    tx.callback_param = "late"
    cookie = tx.submit()
    chan.issue_pending()
    while chan.tx_status(cookie) != DmaStatus.DMA_COMPLETE:
        await ClockCycles(dut.clk, 1)
    assert chan.lists()["completed"], "the completed transaction is not waiting for its tasklet"
    assert await chan.terminate_sync() == 0  # before the held tasklet runs
    assert ran == [], "the callback ran after terminate_sync returned"
    await ClockCycles(dut.clk, 2 * TASKLET_NS // 10)
    assert ran == [], "the callback of a terminated transaction ran later"
    assert chan.tx_status(cookie) == DmaStatus.DMA_COMPLETE  # its data did land
    await chan.release()
    await tb.stop()

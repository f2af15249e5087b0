"""The native main loop skips the value-change pass at a clock toggle while no callback
watches the clock, and the evaluation of a falling edge while nothing watches or reads
(tb/native/sim_main.cpp, which sees cocotb's registrations and reads). Edges awaited after
long stretches in which nothing watched the clock must still arrive on time, each kind of
clock trigger, on the top's clock and on the controller's copy of it (its clk port, which
follows the top's only when the model is evaluated), and a copy runs meanwhile."""

from __future__ import annotations

import cocotb
from cocotb.triggers import FallingEdge, RisingEdge, Timer, with_timeout
from cocotb.utils import get_sim_time

from pydma import DMA_MEMCPY, DMA_PREP_INTERRUPT, DmaCapMask, dma_request_channel
from pydma.enums import DmaengineTxResult
from pydma.memory import MemView
from tb.dma_tb import CLK_NS
from tb.testenv import run_to_completion, started

HALF_PS = CLK_NS * 1000 // 2


def now_ps() -> int:
    return int(get_sim_time("ps"))


async def after_quiet(dut, clk, trigger, level: int | None, quiet_ns: int) -> int:
    """Let `quiet_ns` pass with nothing watching the clock, then await `trigger` on `clk`: the
    time it fired, checked to be the first toggle to `level` (None: either) after the wait."""
    await Timer(quiet_ns, "ns")
    start, before = now_ps(), int(dut.clk.value)
    # read in a high or a low phase that nothing watched: the copy shows the top's level
    assert int(dut.u_dmac.clk.value) == before, f"at {start} ps clk is {before}, the controller's copy not"
    await with_timeout(trigger, 4 * CLK_NS, "ns")
    fired = now_ps()
    first = start // HALF_PS * HALF_PS + HALF_PS  # the first toggle after the wait
    if level is not None and (first // HALF_PS) % 2 != level:
        first += HALF_PS  # (rising edges at odd multiples of the half period)
    assert fired == first, f"{trigger} fired at {fired} ps, the first such toggle after {start} ps is {first}"
    assert int(clk.value) == (before ^ 1 if level is None else level), f"{trigger}: clk {clk.value}"
    return fired


@cocotb.test(timeout_time=1, timeout_unit="ms")  # a missed edge fails, not hangs
async def test_edges_after_quiet_stretches(dut):
    tb = await started(dut, stalls=0.0)
    assert tb.mem_model == "native", "this module checks the native main loop"
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    src = MemView(tb.memory, tb.memory.alloc(64 << 10, 4096), 64 << 10)
    dst = MemView(tb.memory, tb.memory.alloc(64 << 10, 4096), 64 << 10)
    src.write(0, tb.rng.randbytes(64 << 10))
    tx = chan.prep_dma_memcpy(dst.addr, src.addr, 64 << 10, DMA_PREP_INTERRUPT)
    copy = cocotb.start_soon(run_to_completion(tx))  # the copy runs through the quiet stretches below
    for clk in (dut.clk, dut.u_dmac.clk):
        for quiet_ns in (1003, 2007, 3001):  # ending in a high, a low and a low phase
            rise = await after_quiet(dut, clk, RisingEdge(clk), 1, quiet_ns)
            fall = await after_quiet(dut, clk, FallingEdge(clk), 0, quiet_ns)
            edge = await after_quiet(dut, clk, clk.value_change, None, quiet_ns)
            tb.log.info("%s after %d ns quiet: rise %d, fall %d, edge %d ps", clk._path, quiet_ns, rise, fall, edge)
    # a run of consecutive edges, each one clock period after the last
    for clk in (dut.clk, dut.u_dmac.clk):
        await Timer(997, "ns")
        t0 = None
        for _ in range(5):
            await RisingEdge(clk)
            if t0 is not None:
                assert now_ps() - t0 == 2 * HALF_PS, f"consecutive rising edges of {clk._path} not one period apart"
            t0 = now_ps()
    assert (await copy).result == DmaengineTxResult.DMA_TRANS_NOERROR
    assert dst.read() == src.read(), "the copy differs"
    await chan.release()
    await tb.stop()

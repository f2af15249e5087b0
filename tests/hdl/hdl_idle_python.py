"""On the native memory no Python runs per cycle: not while nothing happens, and not while a
copy moves data (only issue_pending and the completion path run, the same for any length).
Python's own profile hook counts every Python function call over a short and a long
stretch of each kind; a per-cycle or per-beat wake-up anywhere in the environment (a
model, a monitor, a clock loop) makes the long stretch's count grow with its cycles."""

from __future__ import annotations

import sys

import cocotb
from cocotb.triggers import Timer

from pydma import DMA_MEMCPY, DMA_PREP_INTERRUPT, DmaCapMask, dma_request_channel
from pydma.enums import DmaengineTxResult
from pydma.memory import MemView
from tb.dma_tb import CLK_NS, DmaTb
from tb.testenv import run_to_completion, started

IDLE_CYCLES = (2_000, 20_000)
COPY_BYTES = (32 << 10, 512 << 10)  # 4,096 and 65,536 data beats on a 64-bit bus
# the long stretch may make this many more calls per extra cycle: a wake-up per cycle or
# per beat adds at least one call per cycle (in fact dozens)
PER_CYCLE = 0.01


class PythonCalls:
    """Counts Python function calls (sys.setprofile 'call' events) while active."""

    def __init__(self) -> None:
        self.count = 0

    def _hook(self, _frame, event: str, _arg) -> None:
        if event == "call":
            self.count += 1

    def __enter__(self) -> PythonCalls:
        self.count = 0
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *_exc) -> None:
        sys.setprofile(None)


def check_flat(tb: DmaTb, what: str, runs: list[tuple[int, int]]) -> None:
    """runs: (cycles, Python calls) of a short and a long stretch."""
    (short_cycles, short_calls), (long_cycles, long_calls) = runs
    tb.log.info("%s: %d Python calls in %d cycles, %d in %d", what, short_calls, short_cycles, long_calls, long_cycles)
    assert long_cycles >= 8 * short_cycles, f"{what}: {long_cycles} against {short_cycles} cycles, too close to tell"
    allowed = short_calls + PER_CYCLE * (long_cycles - short_cycles)
    assert long_calls <= allowed, (
        f"{what}: {long_calls} Python calls in {long_cycles} cycles against {short_calls} in {short_cycles}:"
        " Python runs per cycle"
    )


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def test_no_python_per_cycle(dut):
    tb = await started(dut, stalls=0.0)
    assert tb.mem_model == "native", "this module checks the native memory model"
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))

    idle = []
    for cycles in IDLE_CYCLES:
        with PythonCalls() as calls:
            await Timer(cycles * CLK_NS, "ns")
        idle.append((cycles, calls.count))
    check_flat(tb, "idle", idle)

    copies = []
    for size in COPY_BYTES:
        src = MemView(tb.memory, tb.memory.alloc(size, 4096), size)
        dst = MemView(tb.memory, tb.memory.alloc(size, 4096), size)
        src.write(0, tb.rng.randbytes(size))
        tx = chan.prep_dma_memcpy(dst.addr, src.addr, size, DMA_PREP_INTERRUPT)
        t0 = tb.cycles()
        with PythonCalls() as calls:
            result = await run_to_completion(tx)
        copies.append((tb.cycles() - t0, calls.count))
        assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
        assert dst.read() == src.read(), f"the {size}-byte copy differs"
    check_flat(tb, "copy", copies)

    await chan.release()
    await tb.stop()

"""The dmatest port on the controller: `make dmatest ARGS="..."` sets DMATEST_ARGS
(dmatest module parameters, e.g. "iterations=50 test_buf_size=4096 threads_per_chan=2")."""

from __future__ import annotations

import os

import cocotb

from pydma.dmatest import Dmatest, DmatestParams
from tb.progress import ProgressCallback
from tb.testenv import started

# Two threads per channel: completions of one thread's copies race the other's preps, which
# is how a driver that frees a descriptor the controller may still re-read gets caught.
# timeout is in simulated ms: a hang ends the run instead of simulating 3 seconds. It must
# cover an operation's honest latency, which is bandwidth: every thread (copy, xor and pq,
# two of each on each of the 4 channels) keeps one operation of up to 16 KiB in flight on
# the one data mover, copies moving their bytes twice, XOR (3 sources) 4 times, PQ 5 times:
# up to about 1.4 MB of beats ahead of an operation, 3.5 ms at 4 bytes a cycle (32 bits,
# 100 MHz), more with stalls. Measured (seed 3): at most 2.7 ms at 32 bits, 3.7 ms with
# PYDMA_STALLS=0.3, half that at 64 bits. A timed-out operation is not stopped (dmatest.c
# goes on to the next test), so it lands later in the buffers the next test reuses: data
# errors after a timeout mean the timeout was too short, not that the data path is wrong.
DEFAULTS = "iterations=20 test_buf_size=16384 threads_per_chan=2 timeout=20"


@cocotb.test()
async def dmatest(dut):
    tb = await started(dut)
    params = DmatestParams.parse(DEFAULTS + " " + os.environ.get("DMATEST_ARGS", ""))
    if params.seed is None:
        params.seed = tb.rng.randrange(2**32)
    test = Dmatest(params, tb.dev)
    test.on_progress = progress = ProgressCallback("dmatest", unit="tests begun")
    threads = await test.run()
    progress.finish()
    await tb.stop()
    assert threads, "dmatest found no channel"
    for t in threads:
        summary = t.lines[-1]
        tb.log.info("%s", summary)
        assert f"summary {params.iterations} tests, 0 failures" in summary, "\n".join(t.lines[-40:])

"""The dmatest port on the controller: `make dmatest ARGS="..."` sets DMATEST_ARGS
(dmatest module parameters, e.g. "iterations=50 test_buf_size=4096 threads_per_chan=2")."""

from __future__ import annotations

import os

import cocotb

from pydma.dmatest import Dmatest, DmatestParams
from tb.testenv import started

# Two threads per channel: completions of one thread's copies race the other's preps, which
# is how a driver that frees a descriptor the controller may still re-read gets caught.
# timeout is in simulated ms: a failure ends the run instead of simulating 3 seconds.
DEFAULTS = "iterations=20 test_buf_size=16384 threads_per_chan=2 timeout=2"


@cocotb.test()
async def dmatest(dut):
    tb = await started(dut)
    params = DmatestParams.parse(DEFAULTS + " " + os.environ.get("DMATEST_ARGS", ""))
    if params.seed is None:
        params.seed = tb.rng.randrange(2**32)
    threads = await Dmatest(params, tb.dev).run()
    await tb.stop()
    assert threads, "dmatest found no channel"
    for t in threads:
        summary = t.lines[-1]
        tb.log.info("%s", summary)
        assert f"summary {params.iterations} tests, 0 failures" in summary, "\n".join(t.lines[-40:])

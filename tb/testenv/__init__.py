"""What the regression's cocotb modules (tests/hdl) share: a started testbench with the run's
stall setting, running work to completion, scatterlists, copy arenas checked whole, and the
slave-transfer set-up.

    from tb.testenv import Arena, Copy, memcpy_channel, started, wait_complete
"""

from tb.testenv.arena import Arena, Copy, layout, run_copies
from tb.testenv.completion import callbacks_ran, run_to_completion, wait_complete
from tb.testenv.scatterlists import sg_at, sg_of, sg_over
from tb.testenv.slave import LINE, PIPELINED, configure, slave_channel, started_for_slaves, stream, wait_paused
from tb.testenv.started import memcpy_channel, stall_setting, started

__all__ = [
    "LINE",
    "PIPELINED",
    "Arena",
    "Copy",
    "callbacks_ran",
    "configure",
    "layout",
    "memcpy_channel",
    "run_copies",
    "run_to_completion",
    "sg_at",
    "sg_of",
    "sg_over",
    "slave_channel",
    "stall_setting",
    "started",
    "started_for_slaves",
    "stream",
    "wait_complete",
    "wait_paused",
]

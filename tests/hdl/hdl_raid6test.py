"""The raid6test port on the controller: `make raid6test [DISKS="4 5 11 12 24 64"]` runs
the kernel's disk counts (crypto/async_tx/raid6test.c) with 4 KiB pages, printing the
kernel's lines (one per pair of failed blocks) and its summary, with progress lines (pairs
done of all, elapsed, estimated remaining)."""

from __future__ import annotations

import logging
import os

import cocotb

from pydma.raid6test import PAGE_SIZE, kernel_disk_counts, raid6test
from tb.progress import ProgressCallback
from tb.testenv import started


@cocotb.test()
async def raid6test_run(dut):
    logging.getLogger("pydma.raid6test").setLevel(logging.INFO)
    disks = [int(d) for d in os.environ.get("RAID6TEST_DISKS", "").split()] or kernel_disk_counts()
    tb = await started(dut)
    progress = ProgressCallback("raid6test", unit="pairs")
    tests, failures = await raid6test(
        tb.dev, tb.backend.runtime, disks, page_size=PAGE_SIZE, seed=tb.seed, on_progress=progress
    )
    progress.finish()
    await tb.stop()
    assert failures == 0, f"raid6test: {failures} of {tests} tests failed"

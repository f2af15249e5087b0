"""The timeline trace of a run (make sim, and TRACE=1 for make test / soak / dmatest / a
user's TEST=): the driver's events (pydma.trace) and each controller's bus activity
(tb/bus_trace.sv) merged into one Chrome trace-event JSON file that ui.perfetto.dev and
chrome://tracing open, and a PNG of the bus occupancy per channel (tb/trace/timeline_png.py).

    runner: with trace_on(), the simulation gets plusargs(run_dir) and PYDMA_TRACE_DIR; the
            test bench enables pydma.trace and dumps DRIVER_FILE there; then write(run_dir).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tb.trace import bus_log

DRIVER_FILE = "driver.trace.json"
TRACE_FILE = "trace.json"
PNG_FILE = "timeline.png"


def trace_on() -> bool:
    """PYDMA_TRACE=1 (make ... TRACE=1)."""
    return os.environ.get("PYDMA_TRACE", "0") == "1"


def plusargs(run_dir: Path) -> list[str]:
    return [f"+pydma_trace={run_dir}"]


def merge(run_dir: Path, clk_ns: float) -> list[dict]:
    """Every event of the run: the driver's (if the test bench dumped them) and the bus's."""
    events: list[dict] = []
    driver = run_dir / DRIVER_FILE
    if driver.exists():
        events += json.loads(driver.read_text())
    for device, log in enumerate(bus_log.logs_in(run_dir)):
        events += bus_log.events(log, device, clk_ns)
    return events


def write(run_dir: Path, clk_ns: float, png: bool = True) -> list[Path]:
    """trace.json (and timeline.png) in `run_dir`; the paths written."""
    events = merge(run_dir, clk_ns)
    path = run_dir / TRACE_FILE
    path.write_text(json.dumps({"traceEvents": events, "displayTimeUnit": "ns"}))
    out = [path]
    if png:
        from tb.trace.timeline_png import render

        logs = bus_log.logs_in(run_dir)
        if logs:
            out.append(render(logs, run_dir / PNG_FILE, clk_ns))
    return out

"""The timeline trace (TRACE=1) against what the test did (tests/hdl/hdl_trace.py): every
transaction's life with its cookie, operation, size and end; the controller's bursts on the
right channel, covering exactly the copied ranges, inside the transaction's time on the
hardware; interrupts, request-line handshakes, the channel calls; and a trace the viewers
accept (slices on a track nest). Without TRACE nothing is written."""

from __future__ import annotations

import gc
import itertools
import json
import types
from collections import defaultdict
from pathlib import Path

import pytest

from tb.runner import run

HDL = Path(__file__).resolve().parent / "hdl"
EPS = 1e-6  # trace-event times are floating-point microseconds
PHASES = ["prepared", "submitted", "issued", "on hardware", "completed", "callback"]


def _load(run_dir: Path) -> tuple[list[dict], dict, dict[tuple[int, int], str]]:
    events = json.loads((run_dir / "trace.json").read_text())["traceEvents"]
    expected = json.loads((run_dir / "expected.json").read_text())
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    return events, expected, threads


def _check_nesting(events: list[dict]) -> None:
    """Trace-event viewers need the slices of one track to nest or be disjoint."""
    tracks = defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            assert e["dur"] >= 0, e
            tracks[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"], e["name"]))
    eps = EPS
    for key, spans in tracks.items():
        spans.sort(key=lambda s: (s[0], -s[1]))
        stack: list[tuple[float, float, str]] = []
        for s in spans:
            while stack and stack[-1][1] <= s[0] + eps:
                stack.pop()
            assert not stack or s[1] <= stack[-1][1] + eps, f"track {key}: {s} overlaps {stack[-1]} without nesting"
            stack.append(s)


def _on(threads, e: dict, pid: int, thread: str) -> bool:
    return e["pid"] == pid and threads.get((pid, e.get("tid"))) == thread


def _slices(events, threads, pid: int, thread: str) -> list[dict]:
    return [e for e in events if e["ph"] == "X" and _on(threads, e, pid, thread)]


def _names(events, threads, pid: int, thread: str) -> set[str]:
    return {e["name"] for e in events if _on(threads, e, pid, thread)}


@pytest.mark.parametrize("mem", ["native", "python"])
def test_trace_matches_the_run(mem: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYDMA_TRACE", "1")
    run_dir = run(HDL / "hdl_trace.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_trace", mem=mem)
    events, expected, threads = _load(run_dir)
    assert (run_dir / "timeline.png").stat().st_size > 10_000
    _check_nesting(events)
    bus_bytes = expected["bus_bytes"]
    driver, bus = 100, 200

    for tx in expected["transactions"]:
        ch = tx["chan"]
        found = [
            e for e in events
            if e.get("cat") == "transaction" and e["args"].get("cookie") == tx["cookie"]
            and threads[(driver, e["tid"])].startswith(f"dma0chan{ch} transactions")
        ]  # fmt: skip
        assert len(found) == 1, f"{tx}: {len(found)} transaction slices"
        life = found[0]
        assert (life["args"]["op"], life["args"]["bytes"], life["args"]["end"]) == (tx["op"], tx["bytes"], tx["end"])
        phases = sorted(
            (e for e in events if e.get("cat") == "phase" and e["tid"] == life["tid"] and e["pid"] == driver
             and e["args"]["cookie"] == tx["cookie"] and life["ts"] - EPS <= e["ts"] <= life["ts"] + life["dur"] + EPS),
            key=lambda e: e["ts"],
        )  # fmt: skip
        want = PHASES if tx["end"] == "completed" else PHASES[:4]
        assert [p["name"] for p in phases] == want, tx
        assert phases[0]["ts"] == pytest.approx(life["ts"])
        for p, q in itertools.pairwise(phases):
            assert p["ts"] + p["dur"] == pytest.approx(q["ts"]), (
                f"{tx}: phases {p['name']} and {q['name']} not contiguous"
            )
        assert phases[-1]["ts"] + phases[-1]["dur"] == pytest.approx(life["ts"] + life["dur"])
        if tx["end"] != "completed":
            continue
        assert life["args"]["result"] == "DMA_TRANS_NOERROR" and life["args"]["residue"] == 0
        on_hw = next(p for p in phases if p["name"] == "on hardware")
        if "src" in tx:  # the controller's bursts of this copy: its channel's, exactly its bytes
            for kind, base in (("read", tx["src"]), ("write", tx["dst"])):
                lo, hi = base // bus_bytes * bus_bytes, -(-(base + tx["bytes"]) // bus_bytes) * bus_bytes
                mine = [
                    e for e in events
                    if e["ph"] == "X" and e["pid"] == bus and e.get("cat") == "bus" and e["name"].startswith(kind)
                    and lo <= int(e["args"]["addr"], 16) < hi
                ]  # fmt: skip
                assert mine, f"{tx}: no {kind} bursts"
                assert {threads[(bus, e["tid"])] for e in mine} == {f"ch{ch} {kind}"}, tx
                assert sum(e["args"]["bytes"] for e in mine) == hi - lo, f"{tx}: {kind} bursts miss bytes"
                for e in mine:  # the bus clock and the driver's agree
                    assert on_hw["ts"] <= e["ts"] and e["ts"] + e["dur"] <= on_hw["ts"] + on_hw["dur"] + EPS, (tx, e)
        for track in ("busy", "fetch", "write-back"):
            assert _slices(events, threads, bus, f"ch{ch} {track}"), f"{tx}: nothing on ch{ch} {track}"
        assert _slices(events, threads, bus, f"irq {ch}"), f"{tx}: no interrupt on line {ch}"
        assert "issue_pending" in _names(events, threads, driver, f"dma0chan{ch}")
        assert "irq handler" in _names(events, threads, driver, f"dma0chan{ch} irq")
        if "line" in tx:
            acks = _slices(events, threads, bus, f"line {tx['line']} ack")
            reqs = _slices(events, threads, bus, f"line {tx['line']} request")
            # the FIFO asks again once it has room: after the last transfer, nobody answers
            assert len(acks) == tx["handshakes"] > 0 and len(reqs) in (len(acks), len(acks) + 1), (len(acks), len(reqs))
            assert any(a["args"]["tc"] for a in acks), "the last transfer's TC is missing"
    terminated = [t for t in expected["transactions"] if t["end"] == "terminated"]
    assert {"terminate_all", "synchronize"} <= _names(events, threads, driver, f"dma0chan{terminated[0]['chan']}")


def test_no_trace_without_the_switch(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYDMA_TRACE", raising=False)
    run_dir = run(
        HDL / "hdl_smoke.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_smoke_notrace", mem="native"
    )
    written = [p.name for p in run_dir.iterdir() if p.name.startswith(("bus.", "trace", "driver.", "timeline"))]
    assert written == [], written


class _Chan:
    """Enough of a channel for the tracer: a name, a device with a name and a clock."""

    def __init__(self) -> None:
        self.name = "dma0chan0"
        self.device = types.SimpleNamespace(name="dma0", runtime=types.SimpleNamespace(now_ns=lambda: self.t))
        self.t = 0.0


def test_lives_of_dropped_and_aborted_descriptors() -> None:
    """A life belongs to its descriptor even after the client drops it (a new descriptor at
    the same address is another life), and an async_tx dependent that never runs ends as
    aborted instead of staying open."""
    from pydma.dmaengine import DmaAsyncTxDescriptor, dma_abort_one
    from pydma.trace import Tracer, tracer

    t, chan = Tracer(), _Chan()
    t.enable()
    first = DmaAsyncTxDescriptor(chan, 0)
    t.phase(first, "prepared")
    del first
    gc.collect()
    second = DmaAsyncTxDescriptor(chan, 0)
    chan.t = 10.0
    t.phase(second, "prepared")
    lanes = [e for e in t.events(20.0) if e.get("cat") == "transaction"]
    assert [(e["ts"], e["args"]["end"]) for e in lanes] == [(0.0, "unfinished"), (0.01, "unfinished")]

    tracer.enable()
    try:
        dep = DmaAsyncTxDescriptor(chan, 0)
        tracer.phase(dep, "prepared")
        chan.t = 30.0
        dma_abort_one(dep)
        (life,) = tracer.lives
        assert (life.how, life.end, tracer._open) == ("aborted", 30.0, {})
    finally:
        tracer.disable()

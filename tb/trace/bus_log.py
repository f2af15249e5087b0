"""The controller's side of the timeline: the lines tb/bus_trace.sv wrote (one file per
controller instance) read back, and turned into Chrome trace-event records.

Per channel: "busy" (the controller runs its chain), "fetch" (descriptor reads, address to
last beat), "read" and "write" (data bursts: the data phase, first to last beat, with the
address phase and the response in the arguments) and "write-back" (status words, AW to B).
Per interrupt line and per request line: the time each was high, and ACK/TC on the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydma.trace import BUS_PID_BASE
from pydma.trace_events import TraceEvents

RESP = {0: "OKAY", 1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}


@dataclass
class Burst:
    kind: str  # F (descriptor fetch), R (data read), W (data write), S (status write-back)
    ch: int  # -1: the recorder could not tell
    addr: int
    beats: int
    t_addr: int  # address phase accepted
    t_first: int  # first data beat
    t_last: int  # last data beat
    t_resp: int  # B (writes); the last beat for reads
    resp: int  # the worst of its beats


@dataclass
class BusLog:
    instance: str  # the recorder's hierarchical name (which controller)
    num_ch: int
    data_w: int
    bursts: list[Burst]
    busy: list[tuple[int, int, int]]  # (ch, level, t)
    irq: list[tuple[int, int, int]]
    lines: list[tuple[int, tuple[int, int, int, int, int], int]]  # (line, (breq, sreq, lreq, ack, tc), t)
    end: int  # the last time in the log


FIELDS = {"H": 4, "F": 8, "R": 8, "W": 9, "S": 9, "B": 4, "I": 4, "L": 8}


def read(path: Path) -> BusLog:
    """The log of one recorder. A line that is not a whole record (the simulation was killed
    while writing it) is skipped, with a warning."""
    instance = path.name.removeprefix("bus.").removesuffix(".log")
    log = BusLog(instance, 0, 0, [], [], [], [], 0)
    for raw in path.read_text().splitlines():
        f = raw.split()
        if not f:
            continue
        kind = f[0]
        if FIELDS.get(kind) != len(f):
            print(f"trace: {path.name}: skipped an incomplete line {raw!r}")
            continue
        if kind == "H":
            log.num_ch, log.data_w = int(f[1]), int(f[3])
        elif kind in "FRWS":
            ch = -1 if f[1] == "-" else int(f[1])
            addr, (beats, t_a, t0, tl, *rest) = int(f[2], 16), (int(x) for x in f[3:])
            t_resp, resp = rest if kind in "WS" else (tl, rest[0])
            log.bursts.append(Burst(kind, ch, addr, beats, t_a, t0, tl, t_resp, resp))
        elif kind == "B":
            log.busy.append((int(f[1]), int(f[2]), int(f[3])))
        elif kind == "I":
            log.irq.append((int(f[1]), int(f[2]), int(f[3])))
        else:  # L
            line, *state, t = (int(x) for x in f[1:])
            log.lines.append((line, tuple(state), t))
        if kind != "H":  # the record's latest time: B, I, L end with it; F, R, W, S before resp
            log.end = max(log.end, int(f[-1]) if kind in "BIL" else int(f[-2]))
    return log


def logs_in(run_dir: Path) -> list[BusLog]:
    """The run's controllers, in instance order (dma0 first)."""
    return [read(p) for p in sorted(run_dir.glob("bus.*.log"))]


def _levels(changes: list[tuple[int, int]], end: int) -> list[tuple[int, int]]:
    """(start, stop) of each time the level was 1, from its (level, t) changes."""
    out, since = [], None
    for level, t in changes:
        if level and since is None:
            since = t
        elif not level and since is not None:
            out.append((since, t))
            since = None
    if since is not None:
        out.append((since, end))
    return out


def events(log: BusLog, device: int, clk_ns: float) -> list[dict[str, Any]]:
    """Chrome trace-event records of one controller (process "dma<device> controller")."""
    pid = BUS_PID_BASE + device
    ev = TraceEvents()
    ev.process(pid, f"dma{device} controller (bus): {log.instance.removesuffix('.u_bus_trace')}", 2 * device + 1)
    for c in range(log.num_ch):  # the tracks in a fixed order
        for track in ("busy", "fetch", "read", "write", "write-back"):
            ev.track(pid, f"ch{c} {track}")
    for c in range(log.num_ch):
        for t0, t1 in _levels([(lv, t) for ch, lv, t in log.busy if ch == c], log.end):
            ev.slice(pid, f"ch{c} busy", "busy", "channel", t0, t1, {})
        for t0, t1 in _levels([(lv, t) for ch, lv, t in log.irq if ch == c], log.end):
            ev.slice(pid, f"irq {c}", "irq", "irq", t0, t1, {"line": c})
    names = {"F": "fetch", "R": "read", "W": "write", "S": "write-back"}
    for b in log.bursts:
        args = {"addr": hex(b.addr), "beats": b.beats, "bytes": b.beats * log.data_w // 8, "resp": RESP[b.resp],
                "address phase ns": b.t_addr, "latency ns": b.t_first - b.t_addr}  # fmt: skip
        if b.kind in "WS":
            args["response ns"] = b.t_resp
        if b.kind in "FS":  # short: the whole transaction, address to response
            t0, t1 = b.t_addr, b.t_resp + clk_ns
        else:  # the data phase: the R or W stream is the bus's shared resource
            t0, t1 = b.t_first, b.t_last + clk_ns
        label = f"{names[b.kind]} {b.beats}" if b.kind in "RW" else names[b.kind]
        if b.resp >= 2:
            label += f" {RESP[b.resp]}"
        owner = f"ch{b.ch}" if b.ch >= 0 else "unknown channel"
        ev.slice(pid, f"{owner} {names[b.kind]}", label, "bus", t0, t1, args)
    for line in sorted({ln for ln, _, _ in log.lines}):
        changes = [(s, t) for ln, s, t in log.lines if ln == line]
        for t0, t1 in _levels([(int(s[0] or s[1]), t) for s, t in changes], log.end):
            kind = next(s for s, t in changes if t == t0)
            name = ("breq" if kind[0] else "sreq") + (" +lreq" if kind[2] else "")
            ev.slice(pid, f"line {line} request", name, "request", t0, t1, {"line": line})
        for t0, t1 in _levels([(s[3], t) for s, t in changes], log.end):
            tc = any(s[4] for s, t in changes if t0 <= t < max(t1, t0 + 1))
            ev.slice(pid, f"line {line} ack", "ack+tc" if tc else "ack", "request", t0, t1, {"line": line, "tc": tc})
    return ev.out

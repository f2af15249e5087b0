"""The driver's side of the timeline trace (make ... TRACE=1; docs/trace.md).

Each transaction's life on its channel is recorded as phases, in the words of virt-dma's
lists: prepared (prep .. submit), submitted (.. issue_pending), issued (.. handed to the
controller), on hardware (.. the interrupt handler completes it), completed (.. its callback
runs in the tasklet), callback (the callback itself); a life ends when the tasklet is done
with it, when terminate frees it, or when the async_tx dependency it waited for was
terminated ("aborted"). The interrupt handler's runs (on the channel's "irq" track) and the
client's channel calls (issue_pending, terminate, pause, resume, synchronize) are recorded
too.

`events()` gives them as Chrome trace-event records (the JSON that ui.perfetto.dev and
chrome://tracing open): one process per device, one thread per channel for its calls and
interrupts, and per channel as many "transactions" lanes as transactions overlapped. tb/trace
merges them with the controller's own bus activity. Off by default: a hook costs one test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydma.trace_events import TraceEvents

# Chrome trace-event process ids: a device's driver side, and its controller's bus side
DRIVER_PID_BASE = 100
BUS_PID_BASE = 200


@dataclass
class Life:
    """One transaction from prep (or a reused descriptor's resubmission) to its end."""

    chan: str
    device: str
    op: str
    length: int | None
    flags: int
    phases: list[tuple[str, float]] = field(default_factory=list)
    args: dict[str, Any] = field(default_factory=dict)
    end: float | None = None
    how: str = "unfinished"


def _device_index(name: str) -> int:
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits) if digits else 0


class Tracer:
    def __init__(self) -> None:
        self.enabled = False
        self.reset()

    def reset(self) -> None:
        self._open: dict[int, tuple[Any, Life]] = {}  # id(vd) -> (vd, its open life): vd kept alive
        self.lives: list[Life] = []
        self.marks: list[tuple[str, str, str, float, float, dict[str, Any]]] = []  # dev, chan, name, t, dur, args
        self.devices: dict[str, list[str]] = {}

    def enable(self) -> None:
        self.reset()
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False

    # -- hooks (virt-dma, the provider, the client calls) ---------------------------------------
    @staticmethod
    def _now(chan: Any) -> float:
        return float(chan.device.runtime.now_ns())

    def _chan_seen(self, chan: Any) -> None:
        chans = self.devices.setdefault(chan.device.name, [])
        if chan.name not in chans:
            chans.append(chan.name)

    def phase(self, vd: Any, name: str, **args: Any) -> None:
        """`vd` enters phase `name` now; a descriptor without an open life (a reused one,
        submitted again) starts one."""
        chan = vd.chan
        entry = self._open.get(id(vd))
        if entry is None:
            self._chan_seen(chan)
            life = Life(
                chan.name,
                chan.device.name,
                getattr(vd, "op", type(vd).__name__),
                getattr(vd, "total", None),
                int(vd.flags),
            )
            self._open[id(vd)] = (vd, life)  # (holding vd: its id is not reused while open)
        else:
            life = entry[1]
        life.phases.append((name, self._now(chan)))
        life.args.update(args)

    def end(self, vd: Any, how: str, **args: Any) -> None:
        entry = self._open.pop(id(vd), None)
        if entry is not None:
            life = entry[1]
            life.end = self._now(vd.chan)
            life.how = how
            life.args.update(args)
            self.lives.append(life)

    def mark(self, chan: Any, name: str, start: float | None = None, track: str = "", **args: Any) -> None:
        """A channel event: an instant, or a slice from `start` until now; on the channel's
        track, or its track `track` ("irq": the interrupt handler's, which can overlap a
        client call such as synchronize without nesting in it)."""
        self._chan_seen(chan)
        now = self._now(chan)
        t = now if start is None else start
        self.marks.append((chan.device.name, f"{chan.name} {track}".strip(), name, t, now - t, args))

    # -- output ------------------------------------------------------------------------------
    def events(self, now_ns: float | None = None) -> list[dict[str, Any]]:
        """Chrome trace-event records; lives still open end at `now_ns` (or their last phase)
        as "unfinished"."""
        lives = list(self.lives)
        for _, life in self._open.values():
            end = now_ns if now_ns is not None else life.phases[-1][1]
            lives.append(Life(**{**life.__dict__, "end": max(end, life.phases[-1][1]), "how": "unfinished"}))
        ev = TraceEvents()
        for dev, chans in self.devices.items():
            pid = DRIVER_PID_BASE + _device_index(dev)
            ev.process(pid, f"{dev} driver", 2 * _device_index(dev))
            for c, chan in enumerate(chans):
                ev.track(pid, chan, 100 * c)
                ev.track(pid, f"{chan} irq", 100 * c + 1)

        # lanes: each channel's transactions, overlapping ones on separate lanes
        lane_ends: dict[str, list[float]] = {}
        for life in sorted(lives, key=lambda lf: lf.phases[0][1]):
            pid = DRIVER_PID_BASE + _device_index(life.device)
            ends = lane_ends.setdefault(life.chan, [])
            start = life.phases[0][1]
            lane = next((i for i, e in enumerate(ends) if e <= start), len(ends))
            if lane == len(ends):
                ends.append(0.0)
            ends[lane] = life.end
            track = f"{life.chan} transactions {lane}"
            ev.track(pid, track, 100 * self.devices[life.device].index(life.chan) + 2 + lane)
            cookie = life.args.get("cookie")
            title = f"{life.op} #{cookie}" if cookie is not None else f"{life.op} (never submitted)"
            args = {"op": life.op, "flags": hex(life.flags), "end": life.how, **life.args}
            if life.length is not None:
                args["bytes"] = life.length
            ev.slice(pid, track, title, "transaction", start, life.end, args)
            bounds = [*life.phases[1:], ("", life.end)]
            for (name, t0), (_, t1) in zip(life.phases, bounds, strict=True):
                ev.slice(pid, track, name, "phase", t0, t1, {"cookie": cookie})
        for dev, track, name, t0, dur, args in self.marks:
            pid = DRIVER_PID_BASE + _device_index(dev)
            if dur > 0:
                ev.slice(pid, track, name, "driver", t0, t0 + dur, args)
            else:
                ev.instant(pid, track, name, "driver", t0, args)
        return ev.out

    def dump(self, path: str | Path, now_ns: float | None = None) -> None:
        Path(path).write_text(json.dumps(self.events(now_ns)))


tracer = Tracer()

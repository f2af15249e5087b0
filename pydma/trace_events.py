"""Writing Chrome trace-event records (the JSON that ui.perfetto.dev and chrome://tracing
open): named processes, named tracks (threads) in a fixed order, slices and instants, times
given in nanoseconds. Shared by the driver's side of the timeline (pydma/trace.py) and the
controller's (tb/trace/bus_log.py)."""

from __future__ import annotations

from typing import Any

US = 1000.0  # trace-event times are microseconds; pydma's are nanoseconds


class TraceEvents:
    def __init__(self) -> None:
        self.out: list[dict[str, Any]] = []
        self._tids: dict[tuple[int, str], int] = {}

    def process(self, pid: int, name: str, sort: int) -> None:
        self.out.append({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": name}})
        self.out.append({"ph": "M", "name": "process_sort_index", "pid": pid, "args": {"sort_index": sort}})

    def track(self, pid: int, name: str, sort: int | None = None) -> int:
        """The thread id of track `name` in process `pid`, declared at its first use (shown
        in `sort` order, else in the order of declaration)."""
        key = (pid, name)
        if key not in self._tids:
            tid = sum(1 for p, _ in self._tids if p == pid) + 1
            self._tids[key] = tid
            self.out.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": name}})
            self.out.append(
                {"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                 "args": {"sort_index": tid if sort is None else sort}}
            )  # fmt: skip
        return self._tids[key]

    def slice(self, pid: int, track: str, name: str, cat: str, t0: float, t1: float, args: dict[str, Any]) -> None:
        self.out.append({"ph": "X", "name": name, "cat": cat, "pid": pid, "tid": self.track(pid, track),
                         "ts": t0 / US, "dur": (t1 - t0) / US, "args": args})  # fmt: skip

    def instant(self, pid: int, track: str, name: str, cat: str, t: float, args: dict[str, Any]) -> None:
        self.out.append({"ph": "i", "s": "t", "name": name, "cat": cat, "pid": pid, "tid": self.track(pid, track),
                         "ts": t / US, "args": args})  # fmt: skip

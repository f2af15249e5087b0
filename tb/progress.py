"""Progress of a long run (make soak, make dmatest, make raid6test, make bench, and make
coverage through the pytest plugin tb/pytest_progress.py): operations done of total,
elapsed wall time and an estimate of what remains. On a terminal it is one line rewritten
in place (at most twice a second); in a log (CI) a plain line every tenth of the run or
every minute, whichever comes first."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    def __init__(self, what: str, total: int, unit: str = "operations", stream: TextIO | None = None) -> None:
        self.what = what
        self.total = max(total, 1)
        self.unit = unit
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.done = 0
        self.start = time.monotonic()
        self._last_print = self.start
        self._last_tenth = 0
        self._printed = -1  # `done` at the last plain line

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        pct = 100 * self.done // self.total
        text = f"{self.what}: {self.done}/{self.total} {self.unit} ({pct}%), {_clock(elapsed)} elapsed"
        if 0 < self.done < self.total:
            text += f", about {_clock(elapsed * (self.total - self.done) / self.done)} left"
        return text

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty:
            if now - self._last_print >= 0.5 or self.done >= self.total:
                self.stream.write("\r" + self.line() + "\033[K")
                self.stream.flush()
                self._last_print = now
            return
        tenth = 10 * self.done // self.total
        if tenth > self._last_tenth or now - self._last_print >= 60:
            self._last_tenth = tenth
            self._last_print = now
            self._printed = self.done
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\r" + self.line() + "\033[K\n")
        elif self._printed != self.done:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


class ProgressCallback:
    """A progress callback `(done, total)` for a run that learns its total as it goes (the
    dmatest and raid6test ports' `on_progress`): the first call starts the line."""

    def __init__(self, what: str, unit: str) -> None:
        self.what, self.unit = what, unit
        self.progress: Progress | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None:
            self.progress = Progress(self.what, total, unit=self.unit)
        self.progress.advance(done - self.progress.done)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.finish()

"""Where the checking modes put what they find: the kernel's WARN to dmesg, kept.

The DMA-API debug mode (`pydma.dma_debug`) and the strict mode (`pydma.strict`) file a
`Report` for each bug they see. A report is logged at once as an error; the test
environment fails the test at its end if any report is left (`check()`), and a test that
provokes a bug on purpose takes the reports it expects (`take()`). Reports of the kinds a
test says it provokes (`with reporter.provoking(kind):`) are logged at info, as what the
test did on purpose, so a passing run prints no error.

Bugs seen at a client's own call (an unmap with the wrong size, CPU access to a buffer the
device owns) also raise `DmaDebugError` there, so the traceback points at the buggy line.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydma.errors import DmaApiMisuse

log = logging.getLogger("pydma.debug")

# report kinds
UNMAP_NOT_MAPPED = "unmap-not-mapped"  # unmap of memory never mapped, or already unmapped
UNMAP_MISMATCH = "unmap-mismatch"  # unmap with another size, direction, entry count or function
SYNC_MISMATCH = "sync-mismatch"  # sync outside a mapping or with another direction
CPU_ACCESS = "cpu-access"  # CPU touched a buffer mapped to the device without a sync
DEVICE_ACCESS = "device-access"  # the device touched memory outside any live mapping
LEAK = "leak"  # mappings left at the end of a test
FREE_MAPPED = "free-mapped"  # kfree of a buffer that is still mapped
CALLBACK_AFTER_SYNC = "callback-after-synchronize"
COOKIE_ORDER = "cookie-order"
MISSING_FENCE = "missing-fence"  # a transaction reads what an unfenced one before it writes
DOUBLE_FREE = "descriptor-double-free"  # a provider freed a descriptor it had freed already
SLEEP_IN_ATOMIC = "sleep-in-atomic"  # a sleeping call (a coroutine) made from a callback or IRQ handler
NEVER_AWAITED = "never-awaited"  # a sleeping call made and never awaited: it did nothing
FOREIGN_COOKIE = "foreign-cookie"  # a wait on a cookie its channel never assigned

# what the driver logs as an error (its dev_err), tagged so that a test that provokes it can
# say so (`provoking`, `provoke_for_test`): a bus error that halted a channel, a prep or
# configuration the driver refused
BUS_ERROR = "bus-error"
REFUSED = "refused"


class DmaDebugError(DmaApiMisuse):
    """A bug the DMA-API debug or strict mode found (see `pydma.reports`)."""


@dataclass(frozen=True)
class Report:
    kind: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


class Reporter:
    def __init__(self) -> None:
        self.reports: list[Report] = []
        # what else holds reports back until asked: called with True before check() (report
        # what is still pending now), with False before take() of everything (forget it);
        # pydma.kcontext's sleeping calls made and not awaited yet
        self.pending: list[Callable[[bool], None]] = []
        self.provoked: frozenset[str] = frozenset()  # kinds the running test provokes on purpose
        self.provoked_for_test: set[str] = set()  # ... for the rest of the test (take() of all ends it)

    def provoke_for_test(self, *kinds: str) -> None:
        """From now until the test ends, reports and driver errors of `kinds` are the test's
        own doing (a fault injector armed: the channel halts it causes)."""
        self.provoked_for_test.update(kinds)

    def is_provoked(self, kind: str) -> bool:
        return kind in self.provoked or kind in self.provoked_for_test

    @contextlib.contextmanager
    def provoking(self, *kinds: str) -> Iterator[None]:
        """Inside, reports of `kinds` are the test's own doing: logged at info. They are still
        kept until the test takes them."""
        before = self.provoked
        self.provoked = before | set(kinds)
        try:
            yield
        finally:
            self.provoked = before

    def report(self, kind: str, message: str, *, raise_now: bool = False) -> Report:
        rep = Report(kind, message)
        self.reports.append(rep)
        if self.is_provoked(kind):
            log.info("DMA-API (provoked by the test on purpose): %s", rep)
        else:
            log.error("DMA-API: %s", rep)
        if raise_now:
            raise DmaDebugError(str(rep))
        return rep

    def take(self, kind: str | None = None) -> list[Report]:
        """Remove and return the reports of `kind` (all when None: what is still pending is
        forgotten too, as a new test starts with nothing of an earlier one)."""
        if kind is None:
            for sweep in self.pending:
                sweep(False)
            self.provoked_for_test.clear()
        taken = [r for r in self.reports if kind is None or r.kind == kind]
        self.reports = [r for r in self.reports if r not in taken]
        return taken

    def check(self) -> None:
        """Raise if any report is left: what a test ends with."""
        for sweep in self.pending:
            sweep(True)
        if self.reports:
            left, self.reports = self.reports, []
            lines = "\n".join(f"  {r}" for r in left[:20])
            more = f"\n  ... and {len(left) - 20} more" if len(left) > 20 else ""
            raise DmaDebugError(f"{len(left)} DMA-API debug/strict report(s):\n{lines}{more}")


# one for the process, as dmesg is one for the machine
reporter = Reporter()


class ProvokedFilter(logging.Filter):
    """On a driver logger: an error record tagged `extra={"pydma_tag": kind}` that the test
    provokes on purpose is logged at info, saying so (a passing run prints no error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        tag = getattr(record, "pydma_tag", None)
        if tag is not None and record.levelno > logging.INFO and reporter.is_provoked(tag):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = f"(provoked by the test on purpose) {record.msg}"
        return True


def driver_logger(name: str) -> logging.Logger:
    """A driver's logger, whose tagged errors a provoking test sees at info."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, ProvokedFilter) for f in logger.filters):
        logger.addFilter(ProvokedFilter())
    return logger

"""The hang detector every test runs with (DmaTb starts it at start() and stops it at stop()).

A client that submits and then waits without issue_pending(), or that issued work the
controller never takes or cannot move (a paced transfer whose peripheral never asks), waits
until some outer timeout kills the test, with no word about why. The watchdog looks every
quarter of its limit at what would change if anything moved: per channel the cookies the
driver completed, its interrupts, its lists, the controller's DONE_CNT and XFERRED and its
busy and halted lines. When none of it changed for the limit (PYDMA_WATCHDOG_US of simulated
time, 2000 us by default) while some channel still holds work, the test fails with a
diagnosis per such channel: cookies submitted but never issued, issued but the controller is
idle, running but moving nothing (the request line it waits on), halted or paused; and per
dma_sync_wait in progress on a cookie that cannot complete (terminated: no descriptor
carries it any more); with the virt-dma lists and the controller's registers (the
debugfs summary, read over the bus).

Work that is merely slow keeps moving and never trips it; a test that holds work on purpose
longer than the limit sets `tb.watchdog.limit_ns` (or PYDMA_WATCHDOG_US=0 turns it off).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import cocotb
from cocotb.triggers import Timer

from pydma import dmaengine, sysfs
from pydma.drivers.pydma_dmac.chan import ChanState
from pydma.enums import DmaStatus


class WatchdogHang(AssertionError):
    """No progress for the watchdog's limit while work was pending: the diagnosis."""


def _cookies(descs: list) -> str:
    return " ".join(str(d.cookie) for d in descs[:8]) + (" ..." if len(descs) > 8 else "")


class Watchdog:
    def __init__(self, tb: Any, on_hang: Callable[[str], None] | None = None) -> None:
        self.tb = tb
        self.limit_ns = int(float(os.environ.get("PYDMA_WATCHDOG_US", "2000")) * 1000)
        self.on_hang = on_hang  # None: fail the test (raise WatchdogHang in its task)
        self.task = None
        self.hangs: list[str] = []

    def start(self) -> None:
        if self.limit_ns > 0 and self.task is None:
            self.task = cocotb.start_soon(self._run())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    # -- what moves ----------------------------------------------------------------------------
    def _devices(self) -> list[tuple[Any, Any]]:
        """(driver device, controller handle) for each probed controller."""
        pairs = [(self.tb.dma, self.tb.core), (self.tb.dma1, self.tb.core1)]
        return [(d, core) for d, core in pairs if d is not None]

    def _signature(self) -> tuple:
        sig: list[Any] = []
        for dev, core in self._devices():
            sig.append((core.ch_busy.value.to_unsigned(), core.ch_halted.value.to_unsigned()))
            for chan in dev.channels:
                scope = dev.backend.chan_scope(chan.index)
                sig.append((
                    chan.completed_cookie, chan.cookie, chan.stats["irqs"], len(chan.desc_submitted),
                    len(chan.desc_issued), chan.state, chan.paused,
                    scope.done_cnt.value.to_unsigned(), scope.xferred_rd.value.to_unsigned(),
                ))  # fmt: skip
        return tuple(sig)

    def stuck(self) -> list[str]:
        """One line per channel holding work that cannot go on by itself, as things stand."""
        out = []
        for dev, core in self._devices():
            busy, halted = core.ch_busy.value.to_unsigned(), core.ch_halted.value.to_unsigned()
            for chan in dev.channels:
                why = []
                if chan.desc_submitted:
                    why.append(
                        f"cookies {_cookies(chan.desc_submitted)} submitted but never issued "
                        "(no dma_async_issue_pending() since their submit)"
                    )
                if chan.desc_issued:
                    running = busy >> chan.index & 1
                    line = f" (paced by request line {chan.req_line}: does its peripheral ask?)"
                    state = (
                        "paused (dmaengine_pause, no resume)" if chan.paused
                        else "halted" if halted >> chan.index & 1
                        else f"{chan.state.value} but the controller is idle" if not running
                        else "running but moving nothing" + (line if chan.req_line is not None else "")
                    )  # fmt: skip
                    if chan.state is ChanState.ABORTING:
                        state = "aborting: the abort never completed"
                    why.append(f"cookies {_cookies(chan.desc_issued)} issued; the channel is {state}")
                if why:
                    out.append(f"{chan.name}: " + "; ".join(why))
        for chan, cookie in dmaengine.sync_waits:
            held = [d for lst in chan.lists().values() for d in lst if d.cookie == cookie]
            if not held and chan.tx_status(cookie) == DmaStatus.DMA_IN_PROGRESS:
                why = "was terminated" if cookie <= chan.terminated_upto else "no descriptor of the channel carries"
                out.append(
                    f"a dma_sync_wait on cookie {cookie} of {chan.name}, which {why}: it never completes "
                    "(tx_status says in progress until a later cookie of the channel completes)"
                )
        return out

    async def _run(self) -> None:
        step = max(self.limit_ns // 4, 1)
        last, quiet = None, 0
        while True:
            await Timer(step, "ns")
            sig = self._signature()
            if sig != last:
                last, quiet = sig, 0
                continue
            quiet += step
            if quiet < self.limit_ns:
                continue
            lines = self.stuck()
            if not lines:  # idle with nothing held: a test that waits on its own
                quiet = 0
                continue
            summary = await sysfs.debugfs_summary_async()
            report = (
                f"watchdog: nothing moved for {quiet / 1000:.0f} us of simulated time while work was held\n  "
                + "\n  ".join(lines)
                + "\n"
                + summary
            )
            self.hangs.append(report)
            if self.on_hang is None:
                raise WatchdogHang(report)
            self.tb.log.info("%s\n(handed to the test's own handler)", report)
            self.on_hang(report)
            quiet = 0

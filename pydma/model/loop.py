"""An asyncio event loop on virtual time, for tests over the controller model.

The loop's clock starts at 0 and moves only when every task waits: it then jumps to the
next timer instead of sleeping. The model spends virtual time per burst (`asyncio.sleep`),
so a copy "takes" microseconds of loop time however long Python needs, and a timeout means
that much modelled time passed, not that the machine was slow.

A loop where every task waits and no timer is pending can never wake again (no I/O, no other
thread in these tests): it raises `VirtualTimeDeadlock` instead of hanging the test. A loop
whose clock passes `limit_s` of modelled time (0.1 s by default, ten times what the
longest model test takes) is a test polling for something that never comes (`while
len(calls) < n: await asyncio.sleep(...)` with a driver that lost the callbacks): it
raises `VirtualTimeLimit` instead of polling forever.

A task spawned through the runtime that ends with an exception nobody awaits (a callback
raised in the tasklet, the interrupt handler raised) stops the main coroutine, and `run`
raises that exception (`pydma.model.runtime`): a test fails with it, as under cocotb.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class VirtualTimeDeadlock(RuntimeError):
    """Every task waits on something that no timer or task can set."""


class VirtualTimeLimit(RuntimeError):
    """The modelled time passed the run's limit: a wait for something that never comes."""


class _Clock:
    def __init__(self, limit_s: float) -> None:
        self.now = 0.0
        self.limit_s = limit_s


class _VirtualSelector(selectors.DefaultSelector):
    """The loop sleeps in select(timeout): advance the clock by it and poll instead."""

    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list:
        if timeout is None:
            raise VirtualTimeDeadlock("every task waits and no timer is pending")
        if timeout > 0:
            self._clock.now += timeout
            if self._clock.now > self._clock.limit_s:
                raise VirtualTimeLimit(
                    f"{self._clock.now:.3f} s of modelled time passed (limit {self._clock.limit_s} s): "
                    "a wait for something that never comes?"
                )
        return super().select(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, limit_s: float = 0.1) -> None:
        self._clock = _Clock(limit_s)
        super().__init__(selector=_VirtualSelector(self._clock))

    def time(self) -> float:
        return self._clock.now

    # run()'s main task, and the first exception of a task nobody awaited
    main: asyncio.Task | None = None
    failure: BaseException | None = None

    def fail(self, exc: BaseException, why: str) -> bool:
        """A spawned task ended with `exc` and nothing awaits it: stop the main task (run()
        raises `exc`). False when there is no main task to stop."""
        if self.main is None or self.main.done():
            return False
        if self.failure is None:
            self.failure = exc
            self.main.cancel(why)
        return True


def run(main: Coroutine[Any, Any, T], limit_s: float = 0.1) -> T:
    """asyncio.run(main) on a fresh `VirtualTimeLoop` (asyncio.Runner's loop_factory needs
    Python 3.11) whose clock may run to `limit_s` of modelled time: tasks left at the end are
    cancelled, then the loop is closed."""
    loop = VirtualTimeLoop(limit_s)
    try:
        loop.main = loop.create_task(main)
        try:
            result = loop.run_until_complete(loop.main)
        except BaseException:
            if loop.failure is not None:
                raise loop.failure from None  # what stopped the main task, not the cancellation
            raise
        if loop.failure is not None:  # the main task went on regardless
            raise loop.failure
        return result
    finally:
        try:
            tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in tasks:
                t.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

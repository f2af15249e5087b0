"""An asyncio event loop on virtual time, for tests over the controller model.

The loop's clock starts at 0 and moves only when every task waits: it then jumps to the
next timer instead of sleeping. The model spends virtual time per burst (`asyncio.sleep`),
so a copy "takes" microseconds of loop time however long Python needs, and a timeout means
that much modelled time passed, not that the machine was slow.

A loop where every task waits and no timer is pending can never wake again (no I/O, no other
thread in these tests): it raises `VirtualTimeDeadlock` instead of hanging the test.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class VirtualTimeDeadlock(RuntimeError):
    """Every task waits on something that no timer or task can set."""


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0


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
        return super().select(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._clock = _Clock()
        super().__init__(selector=_VirtualSelector(self._clock))

    def time(self) -> float:
        return self._clock.now


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(main) on a fresh `VirtualTimeLoop` (asyncio.Runner's loop_factory needs
    Python 3.11): tasks left at the end are cancelled, then the loop is closed."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main)
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

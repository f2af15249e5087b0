"""The kernel execution contexts a DMA driver lives in, modelled on the runtime's tasks
(`pydma.runtime`: cocotb tasks in a simulation, asyncio tasks over the model).

- process context: the test coroutine (may sleep: `await`);
- hard IRQ: each channel's interrupt task, running the driver's handler;
- tasklet: a deferred task that runs completion callbacks after the handler returns.

Sections that run in IRQ or tasklet context are synchronous Python, so "sleeping" there is
impossible by construction; `might_sleep()` makes a call that would sleep in the kernel fail
loudly when made from them. `SpinLock` is not reentrant: taking it twice is the deadlock the
kernel would hit (for example a provider calling a callback with its lock held).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from pydma.errors import DeadlockError, DmaApiMisuse
from pydma.runtime import Runtime

PROCESS, HARDIRQ, TASKLET = "process", "hardirq", "tasklet"
_context: list[str] = [PROCESS]


def current_context() -> str:
    return _context[-1]


def in_atomic() -> bool:
    return current_context() != PROCESS


@contextlib.contextmanager
def running_in(ctx: str) -> Iterator[None]:
    _context.append(ctx)
    try:
        yield
    finally:
        _context.pop()


def might_sleep(what: str) -> None:
    if in_atomic():
        raise DmaApiMisuse(f"{what}() may sleep and was called from {current_context()} context")


class SpinLock:
    """spin_lock_irqsave without the spinning: re-acquiring is a deadlock, reported."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.held = False

    def __enter__(self) -> SpinLock:
        if self.held:
            raise DeadlockError(f"{self.name} taken while already held (deadlock)")
        self.held = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.held = False

    def assert_held(self) -> None:
        if not self.held:
            raise DmaApiMisuse(f"{self.name} must be held here")


class Tasklet:
    """tasklet_struct: `schedule()` from any context; `func` runs later in its own task, in
    tasklet context, once per batch of schedules. `kill()` waits until it is neither
    scheduled nor running (tasklet_kill)."""

    def __init__(self, name: str, func: Callable[[], None], runtime: Runtime) -> None:
        self.name = name
        self.func = func
        self.scheduled = False
        self.running = False
        self._wake = runtime.event()
        self._idle = runtime.event()
        self._idle.set()
        self._task = runtime.spawn(self._run())

    def schedule(self) -> None:
        if not self.scheduled:
            self.scheduled = True
            self._idle.clear()
            self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            self.scheduled = False
            self.running = True
            try:
                with running_in(TASKLET):
                    self.func()
            finally:
                self.running = False
                if not self.scheduled:
                    self._idle.set()

    async def kill(self) -> None:
        while self.scheduled or self.running:
            await self._idle.wait()

    def stop(self) -> None:
        self._task.cancel()

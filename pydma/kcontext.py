"""The kernel execution contexts a DMA driver lives in, modelled on the runtime's tasks
(`pydma.runtime`: cocotb tasks in a simulation, asyncio tasks over the model).

- process context: the test coroutine (may sleep: `await`);
- hard IRQ: each channel's interrupt task, running the driver's handler;
- tasklet: a deferred task that runs completion callbacks after the handler returns.

Sections that run in IRQ or tasklet context are synchronous Python, so "sleeping" there is
impossible by construction. A call that sleeps in the kernel is a coroutine function here,
made with `@sleeping(...)`: calling it checks the context at once (`might_sleep`: from IRQ or
tasklet context it raises `DmaApiMisuse` right at the call, and strict mode files a
`sleep-in-atomic` report), and returns a `SleepingCall` that strict mode reports
(`never-awaited`) if it is dropped, or still not started at the end of the test, without
ever having been awaited: a C line ported without its `await` would otherwise do nothing and
say nothing. `SpinLock` is not reentrant: taking it twice is the deadlock the kernel would
hit (for example a provider calling a callback with its lock held).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import warnings
import weakref
from collections.abc import Callable, Coroutine, Generator, Iterator
from typing import Any, Generic, TypeVar

from pydma import jitter as _jitter
from pydma import reports, strict
from pydma.errors import DeadlockError, DmaApiMisuse
from pydma.runtime import Runtime

T = TypeVar("T")

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


# what runs in each atomic context, for the reports
_RUNS_THERE = {HARDIRQ: "an interrupt handler", TASKLET: "a completion callback, run by the channel's tasklet"}
_WHO = {HARDIRQ: "an interrupt handler", TASKLET: "a callback"}
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _where(filename: str, lineno: int) -> str:
    """file:line, relative to the repository when the file is in it."""
    path = os.path.abspath(filename)
    if path.startswith(_ROOT + os.sep):
        path = os.path.relpath(path, _ROOT)
    return f"{path}:{lineno}"


def might_sleep(what: str, where: str | None = None, hint: str | None = None, kernel_sleeps: bool = True) -> None:
    """A call that sleeps, made from `where`: refused in IRQ or tasklet context, where it could
    not be awaited (the kernel's "BUG: sleeping function called from invalid context").
    Raises `DmaApiMisuse` whatever the mode; with strict mode on the misuse is also a
    `sleep-in-atomic` report, so the test fails even if the exception is caught or lost."""
    if not in_atomic():
        return
    ctx = current_context()
    what = what if what.endswith(")") else f"{what}()"
    at = f" at {where}" if where else ""
    if kernel_sleeps:
        what_it_is = f"{what} sleeps and was called from {ctx} context ({_RUNS_THERE[ctx]}){at}"
        kernel = "the kernel says 'BUG: sleeping function called from invalid context'"
    else:
        what_it_is = (
            f"{what} is a coroutine in pydma (it awaits where the kernel's busy-waits or spins) and was called "
            f"from {ctx} context ({_RUNS_THERE[ctx]}){at}"
        )
        kernel = "C may make this call there, pydma cannot"
    msg = (
        f"{what_it_is}: {kernel}; {_WHO[ctx]} cannot await, so the call would do nothing. "
        f"{hint or 'Make it from process context (a test coroutine, or a task it spawns).'}"
    )
    if strict.enabled:
        reports.reporter.report(reports.SLEEP_IN_ATOMIC, msg, raise_now=True)
    raise DmaApiMisuse(msg)


_CREATED, _STARTED, _CLOSED, _DONE_WITH = range(4)  # SleepingCall states
_pending: weakref.WeakSet[SleepingCall] = weakref.WeakSet()  # made, not started yet


class SleepingCall(Coroutine[Any, Any, T], Generic[T]):
    """What a `@sleeping` call returns: the call's coroutine, watched. It is one, for `await`,
    `asyncio.create_task`, `asyncio.wait_for` and cocotb's `start_soon` / `with_timeout` (all
    of which start it: `send` or `throw`); `close()` before it starts is a deliberate drop.
    Dropped, or still unstarted when the test ends, without having started: a report."""

    __slots__ = ("__weakref__", "_coro", "_file", "_line", "_state", "_what")

    def __init__(self, coro: Coroutine[Any, Any, T], what: str, filename: str, lineno: int) -> None:
        self._coro = coro
        self._what = what
        self._file = filename
        self._line = lineno
        self._state = _CREATED
        _pending.add(self)

    def _start(self) -> None:
        if self._state == _CREATED:
            self._state = _STARTED
            _pending.discard(self)

    def __await__(self) -> Generator[Any, None, T]:
        self._start()
        return self._coro.__await__()

    def send(self, value: Any) -> Any:
        self._start()
        return self._coro.send(value)

    def throw(self, *exc: Any) -> Any:
        self._start()
        return self._coro.throw(*exc)

    def close(self) -> None:
        if self._state == _CREATED:
            self._state = _CLOSED
            _pending.discard(self)
        self._coro.close()

    # what asyncio and cocotb look at to name and trace a task
    @property
    def __name__(self) -> str:
        return self._what.partition("(")[0]

    @property
    def cr_await(self) -> Any:
        return self._coro.cr_await

    @property
    def cr_frame(self) -> Any:
        return self._coro.cr_frame

    @property
    def cr_running(self) -> bool:
        return self._coro.cr_running

    @property
    def cr_code(self) -> Any:
        return self._coro.cr_code

    @property
    def where(self) -> str:
        """Where the call was made (file:line)."""
        return _where(self._file, self._line)

    def __repr__(self) -> str:
        state = ("made, not awaited", "awaited", "closed", "reported or forgotten")[self._state]
        return f"<SleepingCall {self._what} at {self.where}, {state}>"

    def _report(self, until: str) -> None:
        """Never started: the call did nothing. Filed once; the coroutine is closed (it will
        not run now, and its own "never awaited" warning would say it again)."""
        self._state = _DONE_WITH
        _pending.discard(self)
        self._coro.close()
        msg = (
            f"{self._what} called at {self.where} and {until}: it did nothing "
            "(it is a coroutine: `await` it, from process context)"
        )
        if strict.enabled:
            reports.reporter.report(reports.NEVER_AWAITED, msg)
        else:  # what Python says of a dropped coroutine, at the line that made it
            warnings.warn_explicit(msg, RuntimeWarning, self._file, self._line)

    def __del__(self) -> None:
        if self._state == _STARTED:
            return
        try:
            self._coro.close()  # it never ran: no RuntimeWarning of its own, this report instead
            if self._state == _CREATED:
                self._report("never awaited")
        except Exception:  # at interpreter shutdown, with modules half gone: nothing to tell
            pass


def _sweep_pending(judge: bool) -> None:
    """The reporter's look at calls made and not started yet: at the end of a test each is
    reported; when the reports are all taken (a new test starts) they are forgotten."""
    for call in list(_pending):
        if call._state != _CREATED:
            continue
        if judge:
            call._report("not awaited by the end of the test")
        else:  # (not closed: one made before a take() in the middle of a test may still run)
            call._state = _DONE_WITH
            _pending.discard(call)


reports.reporter.pending.append(_sweep_pending)

# every @sleeping call, by qualified name (for tests and docs)
SLEEPING_CALLS: dict[str, Callable[..., SleepingCall[Any]]] = {}


def sleeping(
    what: str, *, spelled: str | None = None, hint: str | None = None, kernel_sleeps: bool = True
) -> Callable[[Callable[..., Coroutine[Any, Any, T]]], Callable[..., SleepingCall[T]]]:
    """Make a coroutine function a call that sleeps: calling it checks the context there and
    then (`might_sleep`) and returns a `SleepingCall` that remembers the caller's file:line.

    `what` is the kernel's name (`dmaengine_synchronize`); `spelled` how the call is written
    when it differs (`chan.synchronize`); `hint` what to do instead in atomic context;
    `kernel_sleeps=False` for calls that do not sleep in the kernel and are coroutines in
    pydma because they wait (the kernel busy-waits in dma_sync_wait, may spin in the async_tx
    operations): C may make them in atomic context, pydma cannot."""
    name = f"{spelled}() ({what})" if spelled else f"{what}()"

    def wrap(fn: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., SleepingCall[T]]:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"@sleeping({what!r}) on {fn.__qualname__}, which is not an async def")

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> SleepingCall[T]:
            caller = sys._getframe(1)
            if _context[-1] != PROCESS:
                might_sleep(name, _where(caller.f_code.co_filename, caller.f_lineno), hint, kernel_sleeps)
            return SleepingCall(fn(*args, **kwargs), name, caller.f_code.co_filename, caller.f_lineno)

        call.sleeping = what  # type: ignore[attr-defined]
        call.kernel_sleeps = kernel_sleeps  # type: ignore[attr-defined]
        SLEEPING_CALLS[f"{fn.__module__}.{fn.__qualname__}"] = call
        return call

    return wrap


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
        self.runtime = runtime
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
            if _jitter.jitter is not None:  # a busy CPU runs it later (still scheduled meanwhile)
                delay = _jitter.jitter.tasklet_ns()
                if delay:
                    await self.runtime.sleep_ns(delay)
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

"""`Runtime` on asyncio: tasks are asyncio tasks, events asyncio Events, and time is the
event loop's clock (`loop.time()`), in nanoseconds.

On a stock loop that is wall time, as it would be on a real machine. On the model's
`VirtualTimeLoop` (`pydma.model.loop`) it is virtual time: the controller model spends it per
burst and the loop jumps over idle stretches, so a test runs as fast as Python does and the
same times come out on a fast and on a loaded machine.

A spawned task that ends with an exception nobody awaits (a callback or an interrupt handler
raised: the tasklet or the interrupt task dies) fails the test with that exception, as cocotb
does with its tasks: on `VirtualTimeLoop` `pydma.model.run` raises it; on another loop the
task that spawned it is cancelled with the exception named, and the loop's exception handler
logs it. Without that an asyncio task's exception waits, unseen, for the task to be
garbage-collected, and the test goes on with a dead tasklet.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

NS = 1e-9  # asyncio counts seconds


class AsyncioRuntime:
    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        loop = asyncio.get_running_loop()
        task = loop.create_task(coro)
        task.add_done_callback(functools.partial(_ended, asyncio.current_task(loop)))
        return task

    def event(self) -> asyncio.Event:
        return asyncio.Event()

    def now_ns(self) -> float:
        return asyncio.get_running_loop().time() / NS

    async def sleep_ns(self, ns: float) -> None:
        await asyncio.sleep(ns * NS)

    async def wait_for(self, aw: Awaitable[T], timeout_ns: float) -> T:
        try:
            return await asyncio.wait_for(aw, timeout_ns * NS)
        except asyncio.TimeoutError as exc:  # a distinct class before Python 3.11
            raise TimeoutError(f"no result within {timeout_ns:.0f} ns") from exc


def _ended(parent: asyncio.Task | None, task: asyncio.Task) -> None:
    # a task awaiting this one is woken by a done-callback added after this one: look once
    # those ran, so that an exception it took (`await task`, gather) is its own business
    task.get_loop().call_soon(_unawaited_failure, parent, task)


def _unawaited_failure(parent: asyncio.Task | None, task: asyncio.Task) -> None:
    if not task._log_traceback:  # finished, cancelled, or its exception was taken
        return
    exc = task.exception()  # (taken now: asyncio will not log it again at collection)
    why = f"task {task.get_name()} ({task.get_coro()!r}) ended with {exc!r} and nothing awaits it"
    loop = task.get_loop()
    fail = getattr(loop, "fail", None)  # VirtualTimeLoop: run() raises exc
    if fail is not None and fail(exc, why):
        return
    loop.call_exception_handler({"message": why, "exception": exc, "task": task})
    if parent is not None and not parent.done():
        parent.cancel(why)

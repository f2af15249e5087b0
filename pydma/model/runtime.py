"""`Runtime` on asyncio: tasks are asyncio tasks, events asyncio Events, and time is the
event loop's clock (`loop.time()`), in nanoseconds.

On a stock loop that is wall time, as it would be on a real machine. On the model's
`VirtualTimeLoop` (`pydma.model.loop`) it is virtual time: the controller model spends it per
burst and the loop jumps over idle stretches, so a test runs as fast as Python does and the
same times come out on a fast and on a loaded machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

NS = 1e-9  # asyncio counts seconds


class AsyncioRuntime:
    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        return asyncio.get_running_loop().create_task(coro)

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

"""What the driver stack needs from the machine it runs on besides registers and memory:
a scheduler. In the kernel that is the CPU, workqueues and jiffies; here it is whatever runs
the coroutines: cocotb's scheduler in a simulation (`pydma.sim.runtime.CocotbRuntime`),
asyncio over a model (`pydma.model.runtime.AsyncioRuntime`), or asyncio on a real machine.

A backend carries its runtime (`DmaBackend.runtime`); a provider hands it to its channels
(`DmaDevice.runtime`), so the driver core never imports a scheduler itself. Time is in
nanoseconds of whatever clock the runtime keeps (simulated time in a simulation).
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class RtEvent(Protocol):
    """A level-triggered flag coroutines wait on (asyncio.Event, cocotb's Event)."""

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def is_set(self) -> bool: ...

    async def wait(self) -> Any: ...


class RtTask(Protocol):
    """A running coroutine: awaitable for its result, cancellable."""

    def cancel(self) -> Any: ...

    def __await__(self) -> Any: ...


class Runtime(Protocol):
    def spawn(self, coro: Coroutine[Any, Any, T]) -> RtTask:
        """Start `coro` as its own task; it first runs after the caller yields."""

    def event(self) -> RtEvent:
        """A new, clear event."""

    def now_ns(self) -> float:
        """The runtime's clock."""

    async def sleep_ns(self, ns: float) -> None:
        """msleep/usleep: give up the CPU for `ns` of the runtime's clock."""

    async def wait_for(self, aw: Awaitable[T], timeout_ns: float) -> T:
        """`aw`'s result, or the built-in TimeoutError once `timeout_ns` have passed (an
        asyncio runtime on Python 3.10 converts asyncio.TimeoutError)."""

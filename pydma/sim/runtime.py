"""`Runtime` on cocotb's scheduler: tasks are cocotb tasks, events cocotb Events, and time
is simulated time."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

import cocotb
from cocotb.task import Task
from cocotb.triggers import Event, Timer, with_timeout
from cocotb.utils import get_sim_steps, get_sim_time

T = TypeVar("T")


class CocotbRuntime:
    def spawn(self, coro: Coroutine[Any, Any, T]) -> Task[T]:
        return cocotb.start_soon(coro)

    def event(self) -> Event:
        return Event()

    def now_ns(self) -> float:
        return get_sim_time("ns")

    async def sleep_ns(self, ns: float) -> None:
        await Timer(get_sim_steps(ns, "ns", round_mode="ceil"), "step")

    async def wait_for(self, aw: Awaitable[T], timeout_ns: float) -> T:
        # whole simulator steps: a time computed from now_ns() is a whole number of steps but
        # for the float's rounding, so rounding to the nearest step gives it back exactly
        return await with_timeout(aw, max(1, get_sim_steps(timeout_ns, "ns", round_mode="round")), "step")

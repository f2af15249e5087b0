"""The driver on the controller model (pydma.model), set up as the simulation's testbench
sets it up (tb/dma_tb.py): memory, controller, backend, the DMA-API debug and strict modes on,
the device probed; any report fails the test at the end. No simulator, no cocotb."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
from collections.abc import AsyncIterator, Callable

from pydma import (
    Device,
    MemView,
    channel_table,
    dma_debug,
    dma_map_single,
    dma_sync_single_for_cpu,
    dma_sync_single_for_device,
    dma_unmap_single,
    dmaengine,
    kcontext,
    kfree,
    kmalloc,
    reports,
    strict,
)
from pydma.drivers.pydma_dmac import PydmaDevice
from pydma.model import ControllerModel, ModelBackend, ModelMemory

GUARD = 64


class ModelEnv:
    """The model's counterpart of tb.dma_tb.DmaTb: memory, controller, backend, the checking
    modes on, and the device probed (dma0); with `second`, a second controller with those
    model arguments on the same memory (dma1, its own struct device)."""

    def __init__(
        self, backend_cls: type[ModelBackend] = ModelBackend, second: dict | None = None, **model_args
    ) -> None:
        self.memory = ModelMemory()
        self.reports = reports.reporter
        self.reports.take()  # what an earlier test left behind is not ours
        self.dma_debug = dma_debug.enable(self.memory)
        self.model, self.backend, self.dev = self._controller(backend_cls, "pydma-model", model_args)
        self.second = None if second is None else self._controller(backend_cls, "pydma-model1", second)
        strict.enable()
        self.dma: PydmaDevice | None = None
        self.dma1: PydmaDevice | None = None

    def _controller(self, backend_cls, name: str, model_args: dict):
        """A controller on the memory, and its struct device, which sees memory at the
        controller's bus offset (dma-ranges)."""
        model = ControllerModel(self.memory, **model_args)
        dev = Device(name, self.memory, dma_offset=model.bus_offset)
        model.watch_accesses(functools.partial(self.dma_debug.device_access, dev=dev))
        return model, backend_cls(model), dev

    def _devices(self) -> list[PydmaDevice]:
        return [d for d in (self.dma, self.dma1) if d is not None]

    def descriptors_at(self, addr: int) -> list[str]:
        return [line for d in self._devices() for line in d.descriptors_at(addr)]

    async def start(self, **probe_args) -> PydmaDevice:
        assert kcontext.current_context() == kcontext.PROCESS
        for stale in dmaengine.dma_devices():  # a failed test's device
            dmaengine.dma_async_device_unregister(stale)
        self.dma = await PydmaDevice.probe(self.dev, self.backend, "dma0", **probe_args)
        if self.second is not None:
            _, backend, dev = self.second
            self.dma1 = await PydmaDevice.probe(dev, backend, "dma1", **probe_args)
        self.dma_debug.describe = self.descriptors_at
        return self.dma

    async def stop(self) -> None:
        for d in self._devices():
            await d.remove()
        self.dma = self.dma1 = None
        self.dma_debug.check_leaks()
        self.reports.check()
        self.model.check()
        if self.second is not None:
            self.second[0].check()
        assert self.memory.allocations() == 0, "memory left allocated"

    def close(self) -> None:
        """After a failure: leave no module state behind, judge nothing."""
        channel_table.reset()
        for d in self._devices():
            with contextlib.suppress(Exception):
                dmaengine.dma_async_device_unregister(d)
                for chan in d.channels:
                    chan.irq_task.cancel()
                    chan.tasklet.stop()
        self.reports.take()

    def now_ns(self) -> float:
        return self.backend.runtime.now_ns()


@contextlib.asynccontextmanager
async def started(
    backend_cls: type[ModelBackend] = ModelBackend,
    second: dict | None = None,
    probe: dict | None = None,
    **model_args,
) -> AsyncIterator[ModelEnv]:
    """The environment with the device probed (`probe`: PydmaDevice.probe's arguments, such
    as max_hw_desc) and checked at the end; `model_args` go to ControllerModel."""
    env = ModelEnv(backend_cls, second, **model_args)
    try:
        await env.start(**(probe or {}))
        yield env
    except BaseException:
        env.close()
        raise
    else:
        await env.stop()
    finally:
        dma_debug.disable()
        strict.disable()


class Guarded:
    """kmalloc'd bytes with GUARD random bytes each side, mapped whole; the DMA may touch only
    the middle."""

    def __init__(self, env: ModelEnv, size: int, direction, rng: random.Random, data: bytes | None = None) -> None:
        self.env, self.size, self.direction = env, size, direction
        self.view: MemView = kmalloc(env.dev, size + 2 * GUARD)
        self.fill = rng.randbytes(size + 2 * GUARD)
        if data is not None:  # the middle's bytes given
            self.fill = self.fill[:GUARD] + data + self.fill[GUARD + size :]
        self.view.write(0, self.fill)
        self.dma = dma_map_single(env.dev, self.view, size + 2 * GUARD, direction)
        self.addr = self.dma + GUARD

    def poke(self, offset: int, data: bytes) -> None:
        """The CPU changes bytes of the middle, handing the buffer over as the API wants."""
        dma_sync_single_for_cpu(self.env.dev, self.dma, self.size + 2 * GUARD, self.direction)
        self.view.write(GUARD + offset, data)
        dma_sync_single_for_device(self.env.dev, self.dma, self.size + 2 * GUARD, self.direction)

    def finish(self) -> bytes:
        """Unmap, check the guards, free; the middle's bytes."""
        dma_unmap_single(self.env.dev, self.dma, self.size + 2 * GUARD, self.direction)
        raw = self.view.read()
        kfree(self.view)
        assert raw[:GUARD] == self.fill[:GUARD], "bytes before the buffer changed"
        assert raw[GUARD + self.size :] == self.fill[GUARD + self.size :], "bytes after the buffer changed"
        return raw[GUARD : GUARD + self.size]

    @property
    def original(self) -> bytes:
        return self.fill[GUARD : GUARD + self.size]


async def until(cond: Callable[[], bool], what: str, limit_ns: float = 2_000_000) -> None:
    """Poll `cond` every microsecond of modelled time; fail the test after `limit_ns` (2 ms,
    more than any model test needs) instead of polling forever when a driver bug means it
    never comes (callbacks lost, a ring that never turns)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_ns * 1e-9
    while not cond():
        if loop.time() >= deadline:
            raise AssertionError(f"still waiting, after {limit_ns / 1e6:g} ms of modelled time, for {what}")
        await asyncio.sleep(1e-6)

"""Sleeping calls made where they cannot sleep, or never awaited: what a driver author porting
C gets wrong, reported at the call (pydma.kcontext.sleeping, docs/debug.md).

In C, `dmaengine_terminate_sync(chan);` in a completion callback is a kernel BUG; here the
call is a coroutine and a callback cannot await, so the same line would create a coroutine
that never runs. Every call made with `@sleeping` is tried, through a buggy client on the
model backend:

- from a completion callback (tasklet context) and from the interrupt handler (hardirq
  context: a provider's handler, the only code that runs there): refused at the call with
  the call, the context and the line named; a callback that lets it escape fails the test
  with that message, one that swallows it fails the test at its end with the report;
- from process context without `await`: the never-awaited report, with the caller's line,
  whether the call is dropped at once or kept and forgotten until the test ends;
- and the right uses (awaited, handed to a task, cancelled, closed, deferred from a callback
  to a task) report nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import random
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_TO_DEVICE,
    DmaApiMisuse,
    DmaCapMask,
    DmaDebugError,
    DmaStatus,
    dma_release_channel,
    dma_request_channel,
    dma_sync_wait,
    dmaengine_put,
    dmaengine_synchronize,
    dmaengine_terminate_sync,
    kcontext,
    reports,
    strict,
)
from pydma.async_tx import (
    AsyncSubmitCtl,
    async_gen_syndrome,
    async_memcpy,
    async_raid6_2data_recov,
    async_raid6_datap_recov,
    async_syndrome_val,
    async_trigger_callback,
    async_tx_quiesce,
    async_xor,
    async_xor_offs,
    async_xor_val,
    async_xor_val_offs,
    dma_wait_for_async_tx,
)
from pydma.drivers.pydma_dmac import irq
from pydma.model import run
from tb.model_env import Guarded, ModelEnv, started


@dataclass
class Ctx:
    """What a buggy client has at hand where it makes the call."""

    chan: Any
    tx: Any = None
    cookie: int = 1


S = AsyncSubmitCtl()
# Every @sleeping call, as a client would write it. Each call starts on its lambda's line:
# that is where the call is made, so it is the line the reports must name. (Arguments need only the
# right shape: a refused call never runs, a dropped one never starts.)
CALLS: dict[str, Callable[[Ctx], Any]] = {
    "pydma.dmaengine.channel.DmaChan.synchronize": lambda c: c.chan.synchronize(),
    "pydma.dmaengine.channel.DmaChan.terminate_sync": lambda c: c.chan.terminate_sync(),
    "pydma.dmaengine.channel.DmaChan.sync_wait": lambda c: c.chan.sync_wait(c.cookie),
    "pydma.dmaengine.channel.DmaChan.release": lambda c: c.chan.release(),
    "pydma.dmaengine.request.dma_release_channel": lambda c: dma_release_channel(c.chan),
    "pydma.dmaengine.waits.dma_sync_wait": lambda c: dma_sync_wait(c.chan, c.cookie),
    "pydma.dmaengine.wrappers.dmaengine_terminate_sync": lambda c: dmaengine_terminate_sync(c.chan),
    "pydma.dmaengine.wrappers.dmaengine_synchronize": lambda c: dmaengine_synchronize(c.chan),
    "pydma.channel_table.dmaengine_put": lambda c: dmaengine_put(),
    "pydma.async_tx.async_tx.dma_wait_for_async_tx": lambda c: dma_wait_for_async_tx(c.tx),
    "pydma.async_tx.async_tx.async_tx_quiesce": lambda c: async_tx_quiesce(c.tx),
    "pydma.async_tx.async_tx.async_trigger_callback": lambda c: async_trigger_callback(S),
    "pydma.async_tx.async_memcpy.async_memcpy": lambda c: async_memcpy(None, None, 0, 0, 64, S),
    "pydma.async_tx.async_xor.async_xor_offs": lambda c: async_xor_offs(None, 0, [], None, 0, 64, S),
    "pydma.async_tx.async_xor.async_xor": lambda c: async_xor(None, [], 0, 0, 64, S),
    "pydma.async_tx.async_xor.async_xor_val_offs": lambda c: async_xor_val_offs(None, 0, [], None, 0, 64, None, S),
    "pydma.async_tx.async_xor.async_xor_val": lambda c: async_xor_val(None, [], 0, 0, 64, None, S),
    "pydma.async_tx.async_pq.async_gen_syndrome": lambda c: async_gen_syndrome([], [], 4, 64, S),
    "pydma.async_tx.async_pq.async_syndrome_val": lambda c: async_syndrome_val([], [], 4, 64, None, None, 0, S),
    "pydma.async_tx.async_raid6_recov.async_raid6_2data_recov": lambda c: async_raid6_2data_recov(
        4, 64, 0, 1, [], [], S
    ),
    "pydma.async_tx.async_raid6_recov.async_raid6_datap_recov": lambda c: async_raid6_datap_recov(4, 64, 0, [], [], S),
    "pydma.virt_dma.VirtDmaChan.vchan_synchronize": lambda c: c.chan.vchan_synchronize(),
}
KERNEL_NAME = {key: call.sleeping for key, call in kcontext.SLEEPING_CALLS.items()}


def line_of(key: str) -> str:
    """tests/test_sleeping_calls.py:<n>, the line of the call in CALLS."""
    return f"tests/test_sleeping_calls.py:{CALLS[key].__code__.co_firstlineno}"


def memcpy_channel():
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    assert chan is not None
    return chan


class Buffers:
    def __init__(self, env: ModelEnv, rng: random.Random, n: int = 64) -> None:
        self.src = Guarded(env, n, DMA_TO_DEVICE, rng)
        self.dst = Guarded(env, n, DMA_FROM_DEVICE, rng)

    def finish(self) -> None:
        self.src.finish()
        self.dst.finish()


# -- every call is in the table, every client coroutine is a sleeping call ----------------------


def test_the_table_has_every_sleeping_call() -> None:
    assert set(CALLS) == set(kcontext.SLEEPING_CALLS)


# coroutines of these modules that are not client calls: provider hooks the core awaits,
# and the async_tx machinery the operations await
NOT_CLIENT_CALLS = {
    "pydma.dmaengine.device.DmaDevice.device_synchronize",
    "pydma.async_tx.async_tx.async_tx_channel_switch",
    "pydma.async_tx.async_tx.async_tx_submit",
    "pydma.async_tx.async_tx.prep_until_done",
    "pydma.async_tx.async_raid6_recov.async_sum_product",
    "pydma.async_tx.async_raid6_recov.async_mult",
}


def test_every_coroutine_of_the_client_api_is_a_sleeping_call() -> None:
    """A new public `async def` in the API must be made with @sleeping (or be listed here as
    not a client call)."""
    import pydma.async_tx.async_memcpy
    import pydma.async_tx.async_pq
    import pydma.async_tx.async_raid6_recov
    import pydma.async_tx.async_tx
    import pydma.async_tx.async_xor
    import pydma.channel_table
    import pydma.dmaengine
    import pydma.virt_dma

    modules = [
        # the package's modules (pydma.dmaengine itself only re-exports what they define)
        *(importlib.import_module(m.name) for m in pkgutil.iter_modules(pydma.dmaengine.__path__, "pydma.dmaengine.")),
        pydma.channel_table,
        pydma.virt_dma,
        pydma.async_tx.async_tx,
        pydma.async_tx.async_memcpy,
        pydma.async_tx.async_xor,
        pydma.async_tx.async_pq,
        pydma.async_tx.async_raid6_recov,
    ]
    plain = []
    for mod in modules:
        for obj in vars(mod).values():
            for fn in vars(obj).values() if isinstance(obj, type) else [obj]:
                if not isinstance(fn, types.FunctionType) or fn.__module__ != mod.__name__:
                    continue
                name = f"{fn.__module__}.{fn.__qualname__}"
                private = fn.__name__.startswith("_")
                if inspect.iscoroutinefunction(fn) and not private and name not in NOT_CLIENT_CALLS:
                    plain.append(name)
    assert plain == [], f"coroutines of the API not made with @sleeping: {plain}"


# -- atomic context ---------------------------------------------------------------------------------


def expect_refusal(message: str, key: str, ctx: str) -> None:
    name = KERNEL_NAME[key]
    assert f"{name})" in message or f"{name}()" in message, message
    assert f"called from {ctx} context" in message, message
    assert f"at {line_of(key)}:" in message, message
    assert "cannot await, so the call would do nothing" in message, message
    if not kcontext.SLEEPING_CALLS[key].kernel_sleeps:  # the kernel's busy-waits or spins
        assert "is a coroutine in pydma" in message and "C may make this call there" in message, message
    else:
        assert "sleeps" in message and "BUG: sleeping function called from invalid context" in message, message


def test_refused_at_the_call_in_a_callback(seed: int) -> None:
    """Each call, made from a completion callback that catches what it raises: refused right
    there (before anything happens), with the call, 'tasklet context' and the line; and a
    sleep-in-atomic report each, which this test takes (it provokes them on purpose)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            bufs = Buffers(env, rng)
            refused: dict[str, BaseException | None] = {}
            for key, call in CALLS.items():
                tx = chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT)

                def callback(ctx: Ctx, key: str = key, call=call) -> None:
                    assert kcontext.current_context() == kcontext.TASKLET
                    refused[key] = None
                    try:
                        call(ctx)
                    except DmaApiMisuse as exc:
                        refused[key] = exc

                ctx = Ctx(chan, tx)
                tx.callback, tx.callback_param = callback, ctx
                ctx.cookie = tx.submit()
                assert await chan.sync_wait(ctx.cookie) == DmaStatus.DMA_COMPLETE
                await asyncio.sleep(1e-6)  # the tasklet runs the callback
            assert set(refused) == set(CALLS)
            for key, exc in refused.items():
                assert isinstance(exc, DmaDebugError), f"{key}: not refused in the callback"
                expect_refusal(str(exc), key, "tasklet")
            reps = env.reports.take(reports.SLEEP_IN_ATOMIC)
            assert [f"[{r.kind}] {r.message}" for r in reps] == [
                exc.args[0].removesuffix(" (EINVAL)") for exc in refused.values()
            ]
            assert chan.client_count == 1, "a refused release released"
            bufs.finish()
            await chan.release()

    run(body())


@pytest.mark.parametrize("key", sorted(CALLS))
def test_a_callback_making_it_fails_the_test_with_the_report(seed: int, key: str) -> None:
    """The line ported from C as it was: the call in the callback, nothing caught. The test
    fails with the refusal itself (the tasklet dies of it), naming the call and the context."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            bufs = Buffers(env, rng)
            tx = chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT)
            ctx = Ctx(chan, tx)
            tx.callback, tx.callback_param = CALLS[key], ctx
            ctx.cookie = tx.submit()
            await chan.sync_wait(ctx.cookie)
            await asyncio.sleep(1e-3)
            raise AssertionError("the test went on")

    with pytest.raises(DmaDebugError) as info:
        run(body())
    assert str(info.value).startswith(f"[{reports.SLEEP_IN_ATOMIC}] ")
    expect_refusal(str(info.value), key, "tasklet")


def test_a_callback_swallowing_the_refusal_still_fails_the_test(seed: int) -> None:
    """A sloppy callback that catches everything: the report fails the test at its end."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            bufs = Buffers(env, rng)
            tx = chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT)

            def callback(_param) -> None:
                try:
                    dmaengine_terminate_sync(chan)
                except Exception:  # the bug under test
                    pass

            tx.callback = callback
            await chan.sync_wait(tx.submit())
            await asyncio.sleep(1e-6)
            bufs.finish()
            await chan.release()

    with pytest.raises(
        DmaDebugError,
        match=r"1 DMA-API debug/strict report\(s\):\n  \[sleep-in-atomic\] dmaengine_terminate_sync\(\) sleeps and "
        "was called from tasklet context",
    ):
        run(body())


@pytest.mark.parametrize("key", sorted(CALLS))
def test_an_interrupt_handler_making_it_fails_the_test_with_the_report(
    seed: int, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider's interrupt handler (the code that runs in hardirq context; no client code
    runs there) that makes the call after handling the interrupt, as a driver author might
    terminate a channel on an error: the test fails with the refusal, naming 'hardirq'."""
    handler = irq.irq_handler_locked

    def buggy_handler(chan, status: int, done_cnt: int, frame_cnt: int | None = None) -> None:
        handler(chan, status, done_cnt, frame_cnt)
        assert kcontext.current_context() == kcontext.HARDIRQ
        CALLS[key](Ctx(chan))

    monkeypatch.setattr(irq, "irq_handler_locked", buggy_handler)

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            bufs = Buffers(env, rng)
            chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT).submit()
            chan.issue_pending()
            await asyncio.sleep(1e-3)
            raise AssertionError("the test went on")

    with pytest.raises(DmaDebugError) as info:
        run(body())
    expect_refusal(str(info.value), key, "hardirq")
    assert "(an interrupt handler)" in str(info.value)


# -- never awaited ------------------------------------------------------------------------------------


def test_never_awaited_from_process_context(seed: int) -> None:
    """Each call made without `await` in the test coroutine, the result dropped at once: a
    never-awaited report each, naming the call and the line; and nothing was done."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            bufs = Buffers(env, rng)
            tx = chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT)
            ctx = Ctx(chan, tx, tx.submit())
            for key, call in CALLS.items():
                assert kcontext.current_context() == kcontext.PROCESS
                call(ctx)  # the bug: no await
                reps = env.reports.take(reports.NEVER_AWAITED)
                assert len(reps) == 1, f"{key}: {reps}"
                msg = reps[0].message
                assert KERNEL_NAME[key] in msg, msg
                assert f"called at {line_of(key)} and never awaited: it did nothing" in msg, msg
                assert "`await` it" in msg, msg
            assert chan.client_count == 1, "an un-awaited release released"
            assert await chan.sync_wait(ctx.cookie) == DmaStatus.DMA_COMPLETE
            bufs.finish()
            await chan.release()

    run(body())


def test_synchronize_without_await_fails_the_test() -> None:
    """The one-line mistake, left in: the test fails at its end with the report and the line."""
    line: list[int] = []

    async def body() -> None:
        async with started():
            chan = memcpy_channel()
            chan.terminate_async()
            chan.synchronize()  # the bug
            line.append(inspect.currentframe().f_lineno - 1)
            await chan.release()

    with pytest.raises(DmaDebugError) as info:
        run(body())
    assert (
        f"[never-awaited] chan.synchronize() (dmaengine_synchronize) called at tests/test_sleeping_calls.py:{line[0]} "
        "and never awaited: it did nothing" in str(info.value)
    )


def test_kept_and_never_awaited_is_reported_at_the_end() -> None:
    """A call kept in a variable and forgotten is still alive when the test ends: reported
    then, as not awaited by the end of the test."""
    line: list[int] = []

    async def body() -> None:
        async with started():
            chan = memcpy_channel()
            waiting = dmaengine_synchronize(chan)  # the bug: kept for later, never awaited
            line.append(inspect.currentframe().f_lineno - 1)
            await chan.release()
            assert waiting is not None

    with pytest.raises(DmaDebugError) as info:
        run(body())
    assert re.search(
        rf"\[never-awaited\] dmaengine_synchronize\(\) called at tests/test_sleeping_calls.py:{line[0]} and not "
        "awaited by the end of the test: it did nothing",
        str(info.value),
    )


# -- the right uses ---------------------------------------------------------------------------------


def test_the_right_uses_report_nothing(seed: int) -> None:
    """Awaited directly, through asyncio.wait_for, create_task and gather, a task cancelled
    before it starts, a call closed unstarted, and the kernel's pattern for a callback that
    wants to stop its channel: terminate_async() there, synchronize() later in process
    context, or from a task the callback spawns (deferred work). No report."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            bufs = Buffers(env, rng)
            rt = chan.device.runtime

            def copy() -> int:
                return chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT).submit()

            assert await chan.sync_wait(copy()) == DmaStatus.DMA_COMPLETE
            assert await asyncio.wait_for(dma_sync_wait(chan, copy()), 1) == DmaStatus.DMA_COMPLETE
            assert await asyncio.create_task(chan.sync_wait(copy())) == DmaStatus.DMA_COMPLETE
            assert await asyncio.gather(chan.synchronize(), dmaengine_synchronize(chan)) == [None, None]
            task = asyncio.create_task(chan.terminate_sync())
            task.cancel()  # before it started
            with pytest.raises(asyncio.CancelledError):
                await task
            chan.synchronize().close()  # made and dropped on purpose

            # a callback stops its channel: terminate_async there, synchronize in process context
            tx = chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT)
            tx.callback = lambda _p: chan.terminate_async()
            await chan.sync_wait(tx.submit())
            await asyncio.sleep(1e-6)
            await chan.synchronize()

            # ... or defers the sleeping part to a task (a work item), which runs in process context
            done = asyncio.Event()

            async def work() -> None:
                assert kcontext.current_context() == kcontext.PROCESS
                assert await dmaengine_terminate_sync(chan) == 0
                done.set()

            tx = chan.prep_dma_memcpy(bufs.dst.addr, bufs.src.addr, 64, DMA_PREP_INTERRUPT)
            tx.callback = lambda _p: rt.spawn(work())
            await chan.sync_wait(tx.submit())
            await asyncio.wait_for(done.wait(), 1)

            assert env.reports.reports == []
            bufs.finish()
            await chan.release()

    run(body())


def test_without_strict_mode() -> None:
    """Strict mode off: a refusal is still raised at the call (DmaApiMisuse, no report), and
    a dropped call is Python's RuntimeWarning, at the caller's line."""

    async def body() -> None:
        async with started():
            strict.disable()
            chan = memcpy_channel()
            with kcontext.running_in(kcontext.TASKLET), pytest.raises(DmaApiMisuse, match="tasklet context") as info:
                chan.synchronize()
            assert not isinstance(info.value, DmaDebugError)
            with pytest.warns(RuntimeWarning, match=r"chan.release\(\) \(dma_release_channel\) called at") as rec:
                chan.release()
            assert rec[0].filename == __file__ and rec[0].lineno == inspect.currentframe().f_lineno - 1
            assert reports.reporter.reports == []
            strict.enable()
            await chan.release()

    run(body())

"""Tests written to kill mutants that `make mutate` (tools/mutate.py) found surviving: each
checks a rule of the driver stack that no other test checked."""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

import pytest

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_PREP_FENCE,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaengineTxResult,
    DmaSlaveConfig,
    dma_request_channel,
    reports,
)
from pydma import cookie as _cookie
from pydma.async_tx import (
    AsyncTxFlags,
    async_memcpy,
    async_tx_issue_pending_all,
    async_xor,
    init_async_submit,
)
from pydma.backend import DmaBackendCaps
from pydma.channel_table import dmaengine_get, dmaengine_put
from pydma.dma_mapping import kfree, kmalloc
from pydma.dmaengine import DmaChanPercpu, DmaTxState, dmaengine_desc_callback_invoke
from pydma.drivers.pydma_dmac import ChanState, pydma_filter
from pydma.drivers.pydma_dmac.hw_desc import OFF
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaStatus
from pydma.errors import EPERM, DmaApiMisuse
from pydma.hw import layout
from pydma.model import ModelBackend, TxFifo, run
from tb.model_env import Guarded, started, until


def _chan_and_tx() -> tuple[SimpleNamespace, SimpleNamespace]:
    chan = SimpleNamespace(cookie=0, completed_cookie=0, local=DmaChanPercpu(), name="fake0chan0")
    _cookie.dma_cookie_init(chan)
    tx = SimpleNamespace(chan=chan, cookie=-22, last_cookie=0, memcpy_len=None)
    return chan, tx


def test_a_completed_descriptor_has_no_cookie_any_more() -> None:
    """dma_cookie_complete: the channel's completed cookie moves to the descriptor's, and the
    descriptor's is zeroed (it is no longer in flight; completing it again is a bug)."""
    chan, tx = _chan_and_tx()
    cookie = _cookie.dma_cookie_assign(tx)
    assert tx.cookie == cookie == chan.cookie
    _cookie.dma_cookie_complete(tx)
    assert chan.completed_cookie == cookie
    assert tx.cookie == 0 and tx.last_cookie == cookie


def test_tx_status_of_a_completed_cookie_resets_the_callers_state() -> None:
    """dma_cookie_status fills every field of the caller's dma_tx_state: a state reused from
    an earlier call must not keep that call's residue."""
    chan, tx = _chan_and_tx()
    cookie = _cookie.dma_cookie_assign(tx)
    _cookie.dma_cookie_complete(tx)
    state = DmaTxState(last=0, used=0, residue=4096, in_flight_bytes=64)
    assert _cookie.dma_cookie_status(chan, cookie, state) == DmaStatus.DMA_COMPLETE
    assert state == DmaTxState(last=cookie, used=cookie, residue=0, in_flight_bytes=0)


# -- on the controller model (the driver as the simulation runs it) -----------------------------


def _memcpy_channel():
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    assert chan is not None
    return chan


def test_a_second_submit_of_the_same_descriptor_is_refused(seed: int) -> None:
    """tx_submit of a descriptor already submitted is the client's bug: refused with
    DmaApiMisuse (and the lists left as they were: the first submit still completes)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            src = Guarded(env, 256, DMA_TO_DEVICE, rng)
            dst = Guarded(env, 256, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, 256, DMA_PREP_INTERRUPT)
            cookie = tx.submit()
            with pytest.raises(DmaApiMisuse, match="double submit"):
                tx.submit()
            assert chan.tx_status(cookie).name == "DMA_IN_PROGRESS"
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            src.finish()
            assert dst.finish() == src.original
            await chan.release()

    run(body())


def test_tasklet_kill_waits_for_a_scheduled_tasklet() -> None:
    """tasklet_kill returns only once the tasklet is neither scheduled nor running: a tasklet
    scheduled but not yet started runs first (what dmaengine_synchronize relies on)."""
    from pydma.kcontext import Tasklet
    from pydma.model import AsyncioRuntime

    async def body() -> list[str]:
        ran: list[str] = []
        tasklet = Tasklet("t", lambda: ran.append("ran"), AsyncioRuntime())
        await asyncio.sleep(0)  # its task waits for a schedule
        tasklet.schedule()
        await tasklet.kill()
        assert ran == ["ran"], "tasklet_kill returned before the scheduled tasklet ran"
        tasklet.stop()
        return ran

    run(body())


def test_terminate_frees_submitted_and_issued_work_not_yet_on_the_hardware(seed: int) -> None:
    """terminate_all takes every list: work submitted but not issued, and work issued while the
    channel was still aborting an earlier terminate (not handed to the hardware yet), is freed,
    never run, its callback never called; the channel then runs new work alone."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            n = 64 * 1024
            src = Guarded(env, n, DMA_TO_DEVICE, rng)
            dsts = [Guarded(env, n, DMA_FROM_DEVICE, rng) for _ in range(4)]
            called: list[str] = []

            def prep(k: int):
                tx = chan.prep_dma_memcpy(dsts[k].addr, src.addr, n, DMA_PREP_INTERRUPT)
                tx.callback, tx.callback_param = called.append, "abcd"[k]
                return tx

            prep(0).submit()
            chan.issue_pending()
            await asyncio.sleep(2e-6)  # A runs
            assert chan.terminate_async() == 0
            assert chan.state is ChanState.ABORTING
            prep(1).submit()
            chan.issue_pending()  # B: issued, waits for the abort to end
            prep(2).submit()  # C: submitted only
            assert chan.terminate_async() == 0
            await chan.synchronize()
            d = prep(3)
            assert await chan.sync_wait(d.submit()) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(20e-6)
            assert called == ["d"], f"callbacks run: {called} (only the copy issued after the terminates)"
            got = [g.finish() for g in dsts]
            assert got[3] == src.original
            assert got[1] == dsts[1].original, "a copy issued before the terminate ran after it"
            assert got[2] == dsts[2].original, "a copy submitted before the terminate ran after it"
            src.finish()
            await chan.release()

    run(body())


def test_a_period_pending_when_the_cyclic_transfer_is_terminated_has_no_callback(seed: int) -> None:
    """A period interrupt that arrives just before terminate_all (its callback not run yet, the
    tasklet only scheduled) must not call the terminated cyclic descriptor's callback: the
    provider forgets vc->cyclic in the terminate (the 2017 stale-pointer crash)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dev = env.model.attach_device(1, TxFifo(0x0800_0000, width=4, maxburst=8, depth=32, ns_per_element=20))
            chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=1))
            assert chan.slave_config(DmaSlaveConfig(dst_addr=dev.addr, dst_addr_width=4, dst_maxburst=8)) == 0
            period, periods = 128, 4
            ring = Guarded(env, period * periods, DMA_TO_DEVICE, rng)
            dev.expect(ring.original * 40)
            tx = chan.prep_dma_cyclic(ring.addr, ring.size, period, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
            calls: list[int] = []
            tx.callback = lambda param: calls.append(1)
            tx.submit()
            chan.issue_pending()
            await until(lambda: len(calls) >= 3, "3 callbacks")
            with chan.lock:  # a period elapsed: the interrupt handler's part, the tasklet not run yet
                chan.vchan_cyclic_callback(tx)
            n_calls = len(calls)
            assert chan.terminate_async() == 0
            await chan.synchronize()
            await asyncio.sleep(5e-6)
            assert len(calls) == n_calls, "the terminated cyclic descriptor's period callback ran"
            ring.finish()
            await chan.release()

    run(body())


def test_descriptor_reuse_rules(seed: int) -> None:
    """DMA_CTRL_REUSE: refused by a provider without descriptor_reuse; dmaengine_desc_free
    refuses a descriptor not marked for reuse; a reusable descriptor still held at release is
    freed by free_chan_resources (which clears the flag first), so nothing leaks."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            src = Guarded(env, 512, DMA_TO_DEVICE, rng)
            dst = Guarded(env, 512, DMA_FROM_DEVICE, rng)
            plain = chan.prep_dma_memcpy(dst.addr, src.addr, 512, DMA_PREP_INTERRUPT)
            assert plain.free() == EPERM, "dmaengine_desc_free of a descriptor not marked for reuse"
            assert not plain.freed
            chan.device.descriptor_reuse = False
            try:
                assert plain.set_reuse() == EPERM, "reuse on a provider without descriptor_reuse"
                assert not plain.test_reuse()
            finally:
                chan.device.descriptor_reuse = True
            assert plain.set_reuse() == 0
            for _ in range(2):
                assert await chan.sync_wait(plain.submit()) == DmaStatus.DMA_COMPLETE
                await asyncio.sleep(0)
            assert dst.finish() == src.finish()
            ring = chan.ring
            await chan.release()  # the reusable descriptor is still the client's: freed here
            assert plain.freed and ring.in_use == 0

    run(body())


def test_release_right_after_terminate_async_synchronizes_first(seed: int) -> None:
    """dma_release_channel calls dmaengine_synchronize before freeing the channel's resources:
    released right after terminate_async (the abort still draining), it waits for the abort
    instead of freeing descriptors the controller may still walk."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            n = 64 * 1024
            src = Guarded(env, n, DMA_TO_DEVICE, rng)
            dst = Guarded(env, n, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, n, DMA_PREP_INTERRUPT)
            tx.submit()
            chan.issue_pending()
            await asyncio.sleep(2e-6)
            assert chan.terminate_async() == 0
            assert chan.state is ChanState.ABORTING
            await chan.release()
            assert chan.client_count == 0 and chan.state is ChanState.IDLE
            src.finish()
            dst.finish()

    run(body())


def test_a_chain_switching_channels_completes_without_a_wait(seed: int) -> None:
    """async_tx across a channel switch, waited for by its callback only (no dma_sync_wait,
    which would issue pending work itself): the dependent that the switch's interrupt
    descriptor submits must be issued by dma_run_dependencies too."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(second={}, max_xor=0, max_pq=0, fill=False) as env:
            dmaengine_get()
            size = 4096
            src, other, tmp = (kmalloc(env.dev, size, 64) for _ in range(3))
            for p in (src, other, tmp):
                p.write(0, rng.randbytes(size))
            done: list[str] = []
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None)
            tx1 = await async_memcpy(tmp, src, 0, 0, size, submit)
            flags = AsyncTxFlags.ASYNC_TX_XOR_DROP_DST | AsyncTxFlags.ASYNC_TX_ACK
            init_async_submit(submit, flags, tx1, done.append, "xor")
            tx2 = await async_xor(tmp, [tmp, other], 0, 2, size, submit)
            assert tx2.chan.device is env.dma1, "the XOR runs on the other device (a channel switch)"
            assert tx1.test_ack(), "async_tx_submit acks the dependency once a dependent is attached"
            async_tx_issue_pending_all()
            for _ in range(1000):
                if done:
                    break
                await env.backend.runtime.sleep_ns(1000)
            assert done == ["xor"], "the dependent on the other channel never ran (submitted, not issued)"
            await dmaengine_put()
            for p in (src, other, tmp):
                kfree(p)

    run(body())


def test_strict_mode_reports_a_callback_run_after_synchronize(seed: int) -> None:
    """The strict-mode check of the provider rule terminate_sync relies on: a callback of a
    transaction submitted before the terminate, run after dmaengine_synchronize returned (as a
    buggy provider would), is reported."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            n = 64 * 1024
            src = Guarded(env, n, DMA_TO_DEVICE, rng)
            dst = Guarded(env, n, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, n, DMA_PREP_INTERRUPT)
            tx.callback = lambda param: None
            tx.submit()
            chan.issue_pending()
            await asyncio.sleep(2e-6)
            assert await chan.terminate_sync() == 0
            with env.reports.provoking(reports.CALLBACK_AFTER_SYNC):
                dmaengine_desc_callback_invoke(tx, None)  # the buggy provider's late callback
            assert env.reports.take(reports.CALLBACK_AFTER_SYNC), "callback after synchronize not reported"
            src.finish()
            dst.finish()
            await chan.release()

    run(body())


class NoPeekBackend(ModelBackend):
    """A backend that cannot read registers from atomic context (the simulator's Python
    memory model): the driver's residue is segment granular, from the written-back status."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.caps = DmaBackendCaps.NONE


def test_a_reused_transaction_starts_over(seed: int) -> None:
    """DMA_CTRL_REUSE: a resubmitted transaction's written-back status words are zeroed and its
    byte count reset, so its residue (segment granular here) is the whole length until it
    runs, and each completion reports residue 0."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(NoPeekBackend) as env:
            chan = _memcpy_channel()
            n = 3000
            src = Guarded(env, n, DMA_TO_DEVICE, rng)
            dst = Guarded(env, n, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, n, DMA_PREP_INTERRUPT)
            assert tx.set_reuse() == 0
            results = []
            tx.callback_result = lambda param, result: results.append((result.result, result.residue))
            for run_no in range(3):
                cookie = tx.submit()
                chan.issue_pending()
                state = DmaTxState()
                assert chan.tx_status(cookie, state) == DmaStatus.DMA_IN_PROGRESS
                assert state.residue == n, f"run {run_no}: residue {state.residue} before the copy moved anything"
                assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
                await asyncio.sleep(0)
            assert results == [(DmaengineTxResult.DMA_TRANS_NOERROR, 0)] * 3
            assert dst.finish() == src.finish()
            assert tx.free() == 0
            await chan.release()

    run(body())


def test_the_descriptor_encoder_sets_ioc_and_fence_on_the_last_descriptor(seed: int) -> None:
    """DMA_PREP_FENCE is written into the hardware descriptor (CTRL.FENCE on the last one),
    and only when asked; the last descriptor interrupts (CTRL.IOC)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            src = Guarded(env, 100, DMA_TO_DEVICE, rng)
            dst = Guarded(env, 100, DMA_FROM_DEVICE, rng)

            def ctrl(tx) -> int:
                return int.from_bytes(tx.hw[-1].view.read(OFF["CTRL"], 4), "little")

            fenced = chan.prep_dma_memcpy(dst.addr, src.addr, 100, DMA_PREP_INTERRUPT | DMA_PREP_FENCE)
            plain = chan.prep_dma_memcpy(dst.addr, src.addr, 100, DMA_PREP_INTERRUPT)
            assert ctrl(fenced) & layout.DescCtrl.FENCE, "DMA_PREP_FENCE not in the descriptor"
            assert not ctrl(plain) & layout.DescCtrl.FENCE
            assert ctrl(fenced) & ctrl(plain) & layout.DescCtrl.IOC
            src.finish()
            dst.finish()
            await chan.release()

    run(body())


def test_work_with_another_setup_waits_for_the_running_chain(seed: int) -> None:
    """A memcpy issued on a slave channel while its paced transmit runs is not appended to the
    running chain (whose SLAVE_CFG and DEV_ADDR are the peripheral's): it starts once the
    channel is idle, as a copy, and the peripheral gets only its own bytes."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            uart = env.model.attach_device(3, TxFifo(0x0800_0000, width=4, maxburst=8, depth=16, ns_per_element=40))
            chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=3))
            assert chan.slave_config(DmaSlaveConfig(dst_addr=uart.addr, dst_addr_width=4, dst_maxburst=8)) == 0
            msg = Guarded(env, 4 * 200, DMA_TO_DEVICE, rng)
            uart.expect(msg.original)
            cookie = chan.prep_slave_single(msg.addr, msg.size, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT).submit()
            chan.issue_pending()
            await asyncio.sleep(1e-6)
            assert chan.tx_status(cookie) == DmaStatus.DMA_IN_PROGRESS
            src = Guarded(env, 512, DMA_TO_DEVICE, rng)
            dst = Guarded(env, 512, DMA_FROM_DEVICE, rng)
            copy = chan.prep_dma_memcpy(dst.addr, src.addr, 512, DMA_PREP_INTERRUPT)
            assert await chan.sync_wait(copy.submit()) == DmaStatus.DMA_COMPLETE
            assert chan.tx_status(cookie) == DmaStatus.DMA_COMPLETE
            assert bytes(uart.received) == msg.original, "the peripheral got bytes of the copy"
            assert dst.finish() == src.finish()
            msg.finish()
            await chan.release()

    run(body())


def test_a_write_error_is_reported_as_a_write_failure(seed: int) -> None:
    """A bus error on the destination completes the transaction with DMA_TRANS_WRITE_FAILED
    (not READ_FAILED: a client retries or reports the side that failed), tx_status DMA_ERROR."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            src = Guarded(env, 3000, DMA_TO_DEVICE, rng)
            dst = Guarded(env, 3000, DMA_FROM_DEVICE, rng)
            env.model.inject_fault("write", dst.addr + 100, dst.addr + 101, once=True)
            results = []
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, 3000, DMA_PREP_INTERRUPT)
            tx.callback_result = lambda param, r: results.append(r.result)
            with env.reports.provoking(reports.BUS_ERROR):
                cookie = tx.submit()
                assert await chan.sync_wait(cookie) == DmaStatus.DMA_ERROR
                await asyncio.sleep(1e-6)
            assert results == [DmaengineTxResult.DMA_TRANS_WRITE_FAILED]
            src.finish()
            dst.finish()
            s2, d2 = Guarded(env, 64, DMA_TO_DEVICE, rng), Guarded(env, 64, DMA_FROM_DEVICE, rng)
            t = chan.prep_dma_memcpy(d2.addr, s2.addr, 64, DMA_PREP_INTERRUPT)
            assert await chan.sync_wait(t.submit()) == DmaStatus.DMA_COMPLETE
            assert d2.finish() == s2.finish()
            await chan.release()

    run(body())


def test_dma_pool_blocks_never_cross_the_boundary_and_a_double_free_is_refused() -> None:
    """dma_pool_create(boundary): no block straddles a boundary, even when the block size does
    not divide it and several boundaries fall inside one of the pool's pages."""
    from pydma import Device
    from pydma.dma_mapping import dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free
    from pydma.model import ModelMemory

    dev = Device("pool-test", ModelMemory())
    size, boundary = layout.OPND_SIZE, 512
    pool = dma_pool_create("opnd", dev, size, layout.OPND_ALIGN, boundary)
    got = [dma_pool_alloc(pool) for _ in range(3 * boundary // size)]
    for view, handle in got:
        assert view is not None
        assert handle // boundary == (handle + size - 1) // boundary, f"block 0x{handle:x}+{size} crosses a boundary"
        assert handle % layout.OPND_ALIGN == 0
    for view, handle in got:
        dma_pool_free(pool, view, handle)
    with pytest.raises(DmaApiMisuse, match="did not hand out"):
        dma_pool_free(pool, *got[0])  # a double free
    dma_pool_destroy(pool)


def test_a_spinlock_taken_twice_is_a_deadlock() -> None:
    """spin_lock on a lock already held (a provider invoking a callback with its lock held, the
    callback resubmitting: the PL08x deadlock) raises instead of going on."""
    from pydma.kcontext import DeadlockError, SpinLock

    lock = SpinLock("chan.lock")
    with lock:
        lock.assert_held()
        with pytest.raises(DeadlockError, match="already held"), lock:
            pass
    with pytest.raises(DmaApiMisuse, match="must be held"):
        lock.assert_held()

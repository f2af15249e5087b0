"""async_tx on the controller model: offload and the synchronous fallback give the same
bytes, dependency chains across channels and devices (with the interrupt descriptor at the
switch), unmap data unmapped exactly once after the chain's last operation, a terminated
dependency aborting its dependents, and a bounded raid6test run."""

from __future__ import annotations

import random

import pytest

from pydma import (
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_MEMCPY,
    DMA_PREP_FENCE,
    DMA_TO_DEVICE,
    DMA_TRANS_ABORTED,
    DmaApiMisuse,
    DmaCapMask,
    DmaStatus,
    SumCheckResult,
    dma_find_channel,
    dma_map_single,
    dma_request_channel,
    dma_unmap_single,
    dmaengine_get,
    dmaengine_put,
    kfree,
    kmalloc,
)
from pydma.async_tx import (
    AsyncTxFlags,
    async_gen_syndrome,
    async_memcpy,
    async_trigger_callback,
    async_tx_issue_pending_all,
    async_tx_quiesce,
    async_xor,
    async_xor_val,
    dma_wait_for_async_tx,
    init_async_submit,
)
from pydma.enums import DmaTransactionType as T
from pydma.model import run
from pydma.raid import xor_blocks
from pydma.raid6test import raid6test
from tb.model_env import started

MEMCPY_ONLY = {"max_xor": 0, "max_pq": 0, "fill": False}


def _streaming(env) -> list:
    """The live streaming mappings (the descriptor pools' coherent memory aside)."""
    return [m for m in env.dma_debug.live() if m.kind != "coherent"]


def _pages(env, rng, n, size):
    pages = [kmalloc(env.dev, size, 64) for _ in range(n)]
    for p in pages:
        p.write(0, rng.randbytes(size))
    return pages


async def _xor_twice(env, rng, offload: bool) -> bytes:
    """dest = XOR of 5 pages, then dest ^= one more (DROP_DST), then a check."""
    size = 3000
    srcs = _pages(env, rng, 6, size)
    dest = kmalloc(env.dev, size, 64)
    dest.write(0, rng.randbytes(size))
    if offload:
        dmaengine_get()
    called = []
    # the next XOR reads dest: FENCE (strict mode reports it missing)
    flags = AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST | AsyncTxFlags.ASYNC_TX_FENCE
    submit = init_async_submit(None, flags, None, None, None, [0] * 8)
    tx = await async_xor(dest, srcs[:5], 0, 5, size, submit)
    assert (tx is not None) == offload
    init_async_submit(
        submit, AsyncTxFlags.ASYNC_TX_XOR_DROP_DST | AsyncTxFlags.ASYNC_TX_ACK, tx, called.append, "cb", None
    )
    tx = await async_xor(dest, [dest, srcs[5]], 0, 2, size, submit)
    async_tx_issue_pending_all()
    if tx is not None:
        assert await dma_wait_for_async_tx(tx) == DmaStatus.DMA_COMPLETE
        await env.backend.runtime.sleep_ns(100)
    assert called == ["cb"], "the callback runs once, after the last operation"
    got = dest.read()
    want = xor_blocks([s.read() for s in srcs])
    assert got == want
    # the check: the XOR of the sources and the result is zero; change one byte, it is not
    result = SumCheckResult()
    submit = init_async_submit(None, 0, None, None, None, None)
    tx = await async_xor_val(dest, [dest, *srcs], 0, 7, size, result, submit)
    await async_tx_quiesce(tx)
    assert result.value == 0
    if offload:
        await dmaengine_put()
    for p in [*srcs, dest]:
        kfree(p)
    return got


def test_offload_and_software_give_the_same_bytes(seed: int) -> None:
    async def body() -> None:
        results = []
        for offload in (True, False):
            async with started() as env:
                results.append(await _xor_twice(env, random.Random(seed), offload))
                assert env.dma_debug.device_reads > 0 if offload else env.dma_debug.device_reads == 0
        assert results[0] == results[1]

    run(body())


@pytest.mark.parametrize("offset", [0, 0x4000_0000])
def test_chain_across_devices(seed: int, offset: int) -> None:
    """A copy on the memcpy-only device, an XOR that depends on it on the RAID device (a
    channel switch: an interrupt descriptor on the first device submits the XOR from its
    completion), a copy that depends on the XOR (stays on its channel). Each operation maps
    the pages for its own device (which sees memory at `offset`: a wrong device's address
    would read the wrong bytes); every mapping is unmapped once, after its operation."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(second={"bus_offset": offset}, **MEMCPY_ONLY) as env:
            dmaengine_get()
            assert dma_find_channel(T.DMA_MEMCPY).device is env.dma
            assert dma_find_channel(T.DMA_XOR).device is env.dma1
            size = 5000
            src, other, tmp, out = _pages(env, rng, 4, size)
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None, [0] * 4)
            tx1 = await async_memcpy(tmp, src, 0, 0, size, submit)
            assert tx1.chan.device is env.dma
            init_async_submit(
                submit, AsyncTxFlags.ASYNC_TX_XOR_DROP_DST | AsyncTxFlags.ASYNC_TX_FENCE, tx1, None, None, [0] * 4
            )
            tx2 = await async_xor(tmp, [tmp, other], 0, 2, size, submit)
            assert tx2.chan.device is env.dma1 and tx2.cookie < 0, "waits for the switch"
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_ACK, tx2, None, None, None)
            tx3 = await async_memcpy(out, tmp, 0, 0, size, submit)
            assert tx3.chan is tx2.chan
            assert _streaming(env), "the operations' pages are mapped"
            async_tx_issue_pending_all()
            assert await dma_wait_for_async_tx(tx3) == DmaStatus.DMA_COMPLETE
            await env.backend.runtime.sleep_ns(100)
            assert out.read() == xor_blocks([src.read(), other.read()])
            assert _streaming(env) == [], "every operation's pages unmapped at its completion"
            await dmaengine_put()
            for p in (src, other, tmp, out):
                kfree(p)

    run(body())


def test_terminated_dependency_aborts_dependents(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started(second={}, **MEMCPY_ONLY) as env:
            dmaengine_get()
            size = 60000
            src, dst, other = _pages(env, rng, 3, size)
            submit = init_async_submit(None, 0, None, None, None, [0] * 4)
            tx1 = await async_memcpy(dst, src, 0, 0, size, submit)
            results = []
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_XOR_DROP_DST, tx1, None, None, [0] * 4)
            tx2 = await async_xor(dst, [dst, other], 0, 2, size, submit)
            tx2.callback_result = lambda param, res: results.append(res.result)
            async_tx_issue_pending_all()
            await env.backend.runtime.sleep_ns(2000)
            assert await tx1.chan.terminate_sync() == 0
            assert results == [DMA_TRANS_ABORTED], "the dependent is told, once"
            assert await dma_wait_for_async_tx(tx2) == DmaStatus.DMA_ERROR, "nothing waits for it"
            assert _streaming(env) == [], "the aborted chain's mappings are released"
            assert env.dma1.channels[0].ring.in_use == 0, "the dependent's descriptors are freed"
            await dmaengine_put()
            for p in (src, dst, other):
                kfree(p)

    run(body())


def test_raid6test_slice(seed: int) -> None:
    async def body() -> None:
        async with started() as env:
            tests, failures = await raid6test(env.dev, env.backend.runtime, [4, 5, 8], page_size=1024, seed=seed)
            assert (tests, failures) == (6 + 10 + 28, 0)
            assert env.dma_debug.device_reads > 0, "offloaded"
        async with started(max_pq=4) as env:  # continuation: 12 disks on 4-source PQ
            tests, failures = await raid6test(env.dev, env.backend.runtime, [12], page_size=512, seed=seed)
            assert (tests, failures) == (66, 0)

    run(body())


def test_debug_reports_another_devices_address(seed: int) -> None:
    """A dma_addr_t mapped for one device in another device's descriptor: with both seeing
    memory alike the bytes would even be right, and the DMA-API debug mode reports it; with
    an offset the access lands elsewhere and is reported as outside any mapping."""

    async def body() -> None:
        for offset, why in ((0, "a mapping for another device"), (0x2000, "kmalloc memory that no live mapping")):
            rng = random.Random(seed)
            async with started(second={"bus_offset": offset}) as env:
                chan = env.dma1.channels[0]
                assert dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, want: c is want, chan) is chan
                pad = kmalloc(env.dev, 0x2000, 64)  # dma1 reads it where it takes dma0's address of src
                src, dst = _pages(env, rng, 2, 4096)
                s_dma = dma_map_single(env.dev, src, 4096, DMA_TO_DEVICE)  # mapped for dma0's device
                d_dma = dma_map_single(env.second[2], dst, 4096, DMA_FROM_DEVICE)
                tx = chan.prep_dma_memcpy(d_dma, s_dma, 4096, 0)
                await chan.sync_wait(tx.submit())
                found = env.reports.take("device-access")
                assert found and why in str(found[0]), found
                dma_unmap_single(env.dev, s_dma, 4096, DMA_TO_DEVICE)
                dma_unmap_single(env.second[2], d_dma, 4096, DMA_FROM_DEVICE)
                await chan.release()
                for p in (pad, src, dst):
                    kfree(p)

    run(body())


def test_debug_reports_unmap_before_a_dependent_reads(seed: int) -> None:
    """A client that unmaps a source while the operation that reads it still waits for its
    dependency: the read is reported when it happens."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = env.dma.channels[0]
            assert dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, want: c is want, chan) is chan
            a, b, c = _pages(env, rng, 3, 30000)
            a_dma = dma_map_single(env.dev, a, 30000, DMA_TO_DEVICE)
            b_dma = dma_map_single(env.dev, b, 30000, DMA_BIDIRECTIONAL)
            c_dma = dma_map_single(env.dev, c, 30000, DMA_FROM_DEVICE)
            first = chan.prep_dma_memcpy(b_dma, a_dma, 30000, DMA_PREP_FENCE)
            second = chan.prep_dma_memcpy(c_dma, b_dma, 30000, 0)
            first.submit()
            cookie = second.submit()
            chan.issue_pending()
            dma_unmap_single(env.dev, b_dma, 30000, DMA_BIDIRECTIONAL)  # too early: second reads it
            await chan.sync_wait(cookie)
            found = env.reports.take("device-access")
            assert found and "outside any live mapping" in str(found[0]), found
            dma_unmap_single(env.dev, a_dma, 30000, DMA_TO_DEVICE)
            dma_unmap_single(env.dev, c_dma, 30000, DMA_FROM_DEVICE)
            await chan.release()
            for p in (a, b, c):
                kfree(p)

    run(body())


def test_strict_mode_reports_a_missing_fence(seed: int) -> None:
    """The same two XORs with the fence left out: the second reads what the first writes,
    and the controller may get there first; reported as the work is handed over."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dmaengine_get()
            size = 2048
            srcs, dest = _pages(env, rng, 3, size), kmalloc(env.dev, size, 64)
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST, None, None, None, [0] * 4)
            tx = await async_xor(dest, srcs[:2], 0, 2, size, submit)
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_XOR_DROP_DST, tx, None, None, [0] * 4)
            tx = await async_xor(dest, [dest, srcs[2]], 0, 2, size, submit)
            async_tx_issue_pending_all()
            found = env.reports.take("missing-fence")
            assert len(found) == 1 and "without DMA_PREP_FENCE" in str(found[0]), found
            await async_tx_quiesce(tx)
            await dmaengine_put()
            for p in (*srcs, dest):
                kfree(p)

    run(body())


def test_trigger_callback_after_a_dependency_and_without_one(seed: int) -> None:
    """async_trigger_callback: behind a dependency an interrupt descriptor on its channel runs
    the callback when the channel gets there; with no dependency it runs at once."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dmaengine_get()
            src, dst = _pages(env, rng, 2, 8192)
            order = []
            submit = init_async_submit(None, 0, None, None, None, None)
            tx = await async_memcpy(dst, src, 0, 0, 8192, submit)
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_ACK, tx, order.append, "after the copy", None)
            irq = await async_trigger_callback(submit)
            assert irq is not None and irq.chan is tx.chan and order == []
            async_tx_issue_pending_all()
            await dma_wait_for_async_tx(irq)
            await env.backend.runtime.sleep_ns(100)
            assert order == ["after the copy"] and dst.read() == src.read()
            init_async_submit(submit, 0, None, order.append, "now", None)
            assert await async_trigger_callback(submit) is None
            assert order == ["after the copy", "now"]
            await dmaengine_put()
            for p in (src, dst):
                kfree(p)

    run(body())


def test_gen_syndrome_without_q_longer_than_max_pq(seed: int) -> None:
    """Q omitted and more sources than one PQ takes: the continuation carries P only."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(max_pq=4) as env:
            dmaengine_get()
            data = _pages(env, rng, 7, 1024)
            p = kmalloc(env.dev, 1024, 64)
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_ACK, None, None, None, [0] * 9)
            tx = await async_gen_syndrome([*data, p, None], [0] * 9, 9, 1024, submit)
            async_tx_issue_pending_all()
            assert await dma_wait_for_async_tx(tx) == DmaStatus.DMA_COMPLETE
            assert p.read() == xor_blocks([d.read() for d in data])
            await dmaengine_put()
            for page in (*data, p):
                kfree(page)

    run(body())


def test_a_freed_dependency_and_a_split_xor_keep_the_kernel_rules(seed: int) -> None:
    """A dependency that completed (freed by the provider) cannot take a dependent; the
    last operation of a split XOR keeps the FENCE the first one had (flags accumulate)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(max_xor=2) as env:
            dmaengine_get()
            srcs, dest = _pages(env, rng, 4, 512), kmalloc(env.dev, 512, 64)
            flags = AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST | AsyncTxFlags.ASYNC_TX_FENCE
            submit = init_async_submit(None, flags, None, None, None, [0] * 5)
            tx = await async_xor(dest, srcs, 0, 4, 512, submit)  # 3 operations of 2 sources
            assert tx.flags & DMA_PREP_FENCE
            async_tx_issue_pending_all()
            await dma_wait_for_async_tx(tx)
            await env.backend.runtime.sleep_ns(100)  # the tasklet freed it
            assert dest.read() == xor_blocks([s.read() for s in srcs])
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_XOR_DROP_DST, tx, None, None, [0] * 5)
            with pytest.raises(DmaApiMisuse, match="completed and was freed"):
                await async_xor(dest, [dest, srcs[0]], 0, 2, 512, submit)
            await dmaengine_put()
            for page in (*srcs, dest):
                kfree(page)

    run(body())


def test_terminating_the_waiting_dependents_channel(seed: int) -> None:
    """The dependent waits on dma1 for a copy on dma0; dma1 is terminated: the dependent is
    taken out of the chain and aborted (a legacy callback does not run), and the copy's
    completion later submits nothing."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(second={}, **MEMCPY_ONLY) as env:
            dmaengine_get()
            src, dst, other = _pages(env, rng, 3, 40000)
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None, [0] * 4)
            tx1 = await async_memcpy(dst, src, 0, 0, 40000, submit)
            called = []
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_XOR_DROP_DST, tx1, called.append, "cb", [0] * 4)
            tx2 = await async_xor(dst, [dst, other], 0, 2, 40000, submit)
            assert tx2.cookie < 0 and tx2.chan.device is env.dma1
            async_tx_issue_pending_all()
            assert await tx2.chan.terminate_sync() == 0
            assert tx2.aborted and called == []
            assert await dma_wait_for_async_tx(tx1) == DmaStatus.DMA_COMPLETE
            await env.backend.runtime.sleep_ns(1000)
            assert dst.read() == src.read(), "the copy ran; the XOR did not"
            assert _streaming(env) == []
            await dmaengine_put()
            for page in (src, dst, other):
                kfree(page)

    run(body())


def test_a_released_private_channel_makes_the_device_public_again(seed: int) -> None:
    async def body() -> None:
        async with started() as env:
            chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            assert T.DMA_PRIVATE in env.dma.cap_mask
            await chan.release()
            assert T.DMA_PRIVATE not in env.dma.cap_mask
            dmaengine_get()
            assert dma_find_channel(T.DMA_XOR) is not None, "async_tx would run in software"
            assert dma_request_channel(DmaCapMask(DMA_MEMCPY)) is None, "a public device's channels are not private"
            await dmaengine_put()

    run(body())

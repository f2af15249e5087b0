"""The RAID half of dmaengine on the controller, through the driver: every operation from
its prep call against pydma.raid with guard bytes, XOR and PQ on two channels at once (the
data mover's groups interleave), DMA_PREP_FENCE ordering a copy that reads what the one
before it wrote, and async_tx: a chain across channels and a raid6test slice (4, 5 and 12
disks: the 12-disk syndrome needs a continuation on an 8-source PQ)."""

from __future__ import annotations

import logging

import cocotb

from pydma import (
    DMA_MEMCPY,
    DMA_PQ,
    DMA_PREP_FENCE,
    DMA_PREP_PQ_DISABLE_P,
    DMA_XOR,
    SUM_CHECK_P_RESULT,
    SUM_CHECK_Q_RESULT,
    DmaCapMask,
    DmaStatus,
    DmaTxState,
    SumCheckResult,
    dma_request_channel,
)
from pydma.raid import pq_blocks, xor_blocks
from pydma.raid6test import raid6test
from tb.testenv import callbacks_ran, started, wait_paused


def _chan(*caps):
    chan = dma_request_channel(DmaCapMask(*caps))
    assert chan is not None
    return chan


async def _done(chan, tx) -> None:
    assert tx is not None, "prep refused"
    assert await chan.sync_wait(tx.submit(), 50_000_000) == DmaStatus.DMA_COMPLETE


@cocotb.test()
async def test_every_operation_through_the_driver(dut):
    tb = await started(dut)
    rng = tb.rng
    xor_chan, pq_chan = _chan(DMA_XOR), _chan(DMA_PQ)
    length = 6000 + rng.randrange(64)
    srcs = [tb.alloc_guarded(length + 8) for _ in range(5)]
    offs = [rng.randrange(8) for _ in srcs]
    data = [s.view.read(o, length) for s, o in zip(srcs, offs, strict=True)]
    addrs = [s.addr + o for s, o in zip(srcs, offs, strict=True)]
    x, p, q = (tb.alloc_guarded(length + 8, fill=bytes(length + 8)) for _ in range(3))
    coefs = [rng.randrange(1, 256) for _ in srcs]
    # XOR on one channel and PQ on another at the same time: their groups interleave
    tx_x = xor_chan.prep_dma_xor(x.addr + 3, addrs, 5, length, 0)
    tx_pq = pq_chan.prep_dma_pq([p.addr + 1, q.addr + 6], addrs, 5, coefs, length, 0)
    c_x, c_pq = tx_x.submit(), tx_pq.submit()
    xor_chan.issue_pending()
    pq_chan.issue_pending()
    assert await xor_chan.sync_wait(c_x, 50_000_000) == DmaStatus.DMA_COMPLETE
    assert await pq_chan.sync_wait(c_pq, 50_000_000) == DmaStatus.DMA_COMPLETE
    want_p, want_q = pq_blocks(data, coefs)
    assert x.view.read(3, length) == xor_blocks(data)
    assert p.view.read(1, length) == want_p and q.view.read(6, length) == want_q
    # the checks: right, then Q corrupted (P disabled, so only Q is looked at)
    res = SumCheckResult()
    await _done(pq_chan, pq_chan.prep_dma_pq_val([p.addr + 1, q.addr + 6], addrs, 5, coefs, length, res, 0))
    assert res.value == 0
    q.view.write(6 + length - 1, bytes([want_q[-1] ^ 1]))
    flags = DMA_PREP_PQ_DISABLE_P
    await _done(pq_chan, pq_chan.prep_dma_pq_val([p.addr + 1, q.addr + 6], addrs, 5, coefs, length, res, flags))
    assert res.value == SUM_CHECK_Q_RESULT
    await _done(xor_chan, xor_chan.prep_dma_xor_val([x.addr + 3, *addrs], 6, length, res, 0))
    assert res.value == 0
    await _done(xor_chan, xor_chan.prep_dma_xor_val(addrs[:2], 2, length, res, 0))
    assert res.value == SUM_CHECK_P_RESULT
    # memset and an interrupt: the fill lands exactly where asked, the rest of x is untouched
    before = x.view.read()
    await _done(xor_chan, xor_chan.prep_dma_memset(x.addr + 5, 0x5A, length - 9, 0))
    assert x.view.read() == before[:5] + b"\x5a" * (length - 9) + before[length - 4 :]
    called = []
    irq = xor_chan.prep_dma_interrupt(0)
    irq.callback, irq.callback_param = called.append, "irq"
    await _done(xor_chan, irq)
    await callbacks_ran(xor_chan)
    assert called == ["irq"]
    for b in (*srcs, x, p, q):
        b.check_guards()
    await xor_chan.release()
    await pq_chan.release()
    await tb.stop()


@cocotb.test()
async def test_fence_orders_a_dependent_copy(dut):
    """B = A, then C = the last bytes of B, in one chain, several times over: with
    DMA_PREP_FENCE on the first the second reads B only after B's writes are acknowledged
    (without it the controller prefetches the second and reads B's end too early: with the
    writes stalled, as here, it does every time)."""
    tb = await started(dut, stalls=0.3)
    chan = _chan(DMA_MEMCPY)
    n, tail = 8192, 64
    for i in range(4):
        a = tb.alloc_guarded(n)
        b, c = tb.alloc_guarded(n, fill=bytes(n)), tb.alloc_guarded(tail, fill=bytes(tail))
        first = chan.prep_dma_memcpy(b.addr, a.addr, n, DMA_PREP_FENCE)
        second = chan.prep_dma_memcpy(c.addr, b.addr + n - tail, tail, 0)
        first.submit()
        await _done(chan, second)
        assert c.view.read() == a.view.read(n - tail, tail), f"round {i}: the copy read B before it was written"
        for buf in (a, b, c):
            buf.check_guards()
            buf.free()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_pause_and_resume_in_a_pq(dut):
    """A long PQ paused in the middle: the channel holds at a group boundary (PAUSED with
    nothing in flight, tx_status DMA_PAUSED, residue still), resumes, and P and Q come out
    whole; with a copy on another channel running beside it all the time."""
    tb = await started(dut)
    chan, other = _chan(DMA_PQ), _chan(DMA_MEMCPY)
    n, length = 4, 48 * 1024
    srcs = [tb.alloc_guarded(length) for _ in range(n)]
    p, q = (tb.alloc_guarded(length, fill=bytes(length)) for _ in range(2))
    a, b = tb.alloc_guarded(length), tb.alloc_guarded(length, fill=bytes(length))
    coefs = [tb.rng.randrange(1, 256) for _ in range(n)]
    tx = chan.prep_dma_pq([p.addr, q.addr], [s.addr for s in srcs], n, coefs, length, 0)
    cookie = tx.submit()
    copy = other.prep_dma_memcpy(b.addr, a.addr, length, 0)
    copy_cookie = copy.submit()
    chan.issue_pending()
    other.issue_pending()
    await tb.idle_cycles(3000)
    chan.pause()
    await wait_paused(tb, chan)
    state = DmaTxState()
    assert chan.tx_status(cookie, state) == DmaStatus.DMA_PAUSED
    held = state.residue
    assert 0 < held < length, f"paused at residue {held} of {length}"
    await tb.idle_cycles(2000)
    assert chan.tx_status(cookie, state) == DmaStatus.DMA_PAUSED and state.residue == held, "moved while paused"
    chan.resume()
    assert await chan.sync_wait(cookie, 50_000_000) == DmaStatus.DMA_COMPLETE
    assert await other.sync_wait(copy_cookie, 50_000_000) == DmaStatus.DMA_COMPLETE
    want_p, want_q = pq_blocks([s.view.read() for s in srcs], coefs)
    assert p.view.read() == want_p and q.view.read() == want_q
    assert b.view.read() == a.view.read()
    for buf in (*srcs, p, q, a, b):
        buf.check_guards()
    await chan.release()
    await other.release()
    await tb.stop()


@cocotb.test()
async def test_raid6test_slice(dut):
    logging.getLogger("pydma.raid6test").setLevel(logging.INFO)  # its lines, as the kernel prints them
    tb = await started(dut)
    tests, failures = await raid6test(tb.dev, tb.backend.runtime, [4, 5, 12], page_size=512, seed=tb.seed)
    assert (tests, failures) == (6 + 10 + 66, 0)
    assert tb.dma_debug is None or tb.dma_debug.device_reads > 0, "offloaded to the controller"
    await tb.stop()

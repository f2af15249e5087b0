"""The operations beyond copies on the controller model, through the driver: XOR, XOR_VAL,
PQ (both disable flags, continuation), PQ_VAL, MEMSET, MEMSET_SG, INTERRUPT, checked against
the software reference (pydma.raid) with guard bytes; bad arguments refused with nothing
queued or leaked; capabilities read from OPS_CONFIG. No simulator: the same checks run on
the RTL in tests/hdl/hdl_ops.py."""

from __future__ import annotations

import random

import pytest

from pydma import (
    DMA_BIDIRECTIONAL,
    DMA_FROM_DEVICE,
    DMA_INTERRUPT,
    DMA_MEMSET,
    DMA_PQ,
    DMA_PREP_CONTINUE,
    DMA_PREP_FENCE,
    DMA_PREP_INTERRUPT,
    DMA_PREP_PQ_DISABLE_P,
    DMA_PREP_PQ_DISABLE_Q,
    DMA_TO_DEVICE,
    DMA_XOR,
    DMA_XOR_VAL,
    SUM_CHECK_P_RESULT,
    SUM_CHECK_Q_RESULT,
    DmaCapMask,
    DmaStatus,
    SumCheckResult,
    dma_maxpq,
    dma_request_channel,
    sg_init_table,
)
from pydma.model import run
from pydma.raid import pq_blocks, xor_blocks
from pydma.raid.gf import raid6_gfexp
from tb.model_env import Guarded, started


def _chan(*caps):
    chan = dma_request_channel(DmaCapMask(*caps))
    assert chan is not None
    return chan


async def _run(chan, tx) -> DmaStatus:
    assert tx is not None, "prep refused"
    cookie = tx.submit()
    return await chan.sync_wait(cookie)


def test_capabilities_from_ops_config() -> None:
    async def body() -> None:
        async with started(max_xor=5, max_pq=6) as env:
            dma = env.dma
            assert dma.max_xor == 5 and dma_maxpq(dma, 0) == 6
            assert dma_maxpq(dma, DMA_PREP_CONTINUE) == 3  # no native continuation
            assert dma_maxpq(dma, DMA_PREP_CONTINUE | DMA_PREP_PQ_DISABLE_P) == 5
            for cap in (DMA_XOR, DMA_XOR_VAL, DMA_PQ, DMA_MEMSET, DMA_INTERRUPT):
                assert cap in dma.cap_mask
        async with started(max_xor=0, max_pq=0, fill=False) as env:
            assert DMA_XOR not in env.dma.cap_mask and DMA_PQ not in env.dma.cap_mask
            assert DMA_MEMSET not in env.dma.cap_mask and DMA_INTERRUPT in env.dma.cap_mask

    run(body())


@pytest.mark.parametrize("nsrc", [2, 3, 8])
def test_xor(seed: int, nsrc: int) -> None:
    async def body() -> None:
        rng = random.Random(seed + nsrc)
        async with started() as env:
            chan = _chan(DMA_XOR)
            length = rng.randrange(5000, 12000)  # crosses 4 KiB accumulator blocks
            srcs = [Guarded(env, length + 16, DMA_TO_DEVICE, rng) for _ in range(nsrc)]
            offs = [rng.randrange(16) for _ in range(nsrc)]
            dst = Guarded(env, length + 16, DMA_FROM_DEVICE, rng)
            d_off = rng.randrange(16)
            tx = chan.prep_dma_xor(dst.addr + d_off, [s.addr + o for s, o in zip(srcs, offs)], nsrc, length, 0)
            assert await _run(chan, tx) == DmaStatus.DMA_COMPLETE
            want = xor_blocks([s.original[o : o + length] for s, o in zip(srcs, offs)])
            got = dst.finish()
            assert got[d_off : d_off + length] == want, f"XOR of {nsrc} sources (seed {seed})"
            assert got[:d_off] == dst.original[:d_off] and got[d_off + length :] == dst.original[d_off + length :]
            for s in srcs:
                assert s.finish() == s.original
            await chan.release()

    run(body())


def test_xor_val(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _chan(DMA_XOR_VAL)
            n, length = 4, 6000
            blocks = [rng.randbytes(length) for _ in range(n - 1)]
            blocks.append(xor_blocks(blocks))  # the parity: the XOR of all is zero
            bufs = [Guarded(env, length, DMA_TO_DEVICE, rng, data) for data in blocks]
            result = SumCheckResult()
            result.value = SUM_CHECK_Q_RESULT  # stale: the completion must overwrite it
            tx = chan.prep_dma_xor_val([b.addr for b in bufs], n, length, result, 0)
            assert await _run(chan, tx) == DmaStatus.DMA_COMPLETE
            assert result.value == 0, "a zero XOR reported non-zero"
            bufs[2].poke(4097, bytes([blocks[2][4097] ^ 0x10]))  # one bit, in the second block
            tx = chan.prep_dma_xor_val([b.addr for b in bufs], n, length, result, 0)
            assert await _run(chan, tx) == DmaStatus.DMA_COMPLETE
            assert result.value == SUM_CHECK_P_RESULT
            for b in bufs:
                b.finish()
            await chan.release()

    run(body())


@pytest.mark.parametrize("flags", [0, DMA_PREP_PQ_DISABLE_P, DMA_PREP_PQ_DISABLE_Q])
def test_pq(seed: int, flags: int) -> None:
    async def body() -> None:
        rng = random.Random(seed + flags)
        async with started() as env:
            chan = _chan(DMA_PQ)
            n, length = 6, rng.randrange(4000, 9000)
            srcs = [Guarded(env, length, DMA_TO_DEVICE, rng) for _ in range(n)]
            coefs = [rng.randrange(256) for _ in range(n)]
            p, q = Guarded(env, length, DMA_FROM_DEVICE, rng), Guarded(env, length, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_pq([p.addr, q.addr], [s.addr for s in srcs], n, bytes(coefs), length, flags)
            assert await _run(chan, tx) == DmaStatus.DMA_COMPLETE
            want_p, want_q = pq_blocks([s.original for s in srcs], coefs)
            assert p.finish() == (p.original if flags & DMA_PREP_PQ_DISABLE_P else want_p)
            assert q.finish() == (q.original if flags & DMA_PREP_PQ_DISABLE_Q else want_q)
            for s in srcs:
                s.finish()
            await chan.release()

    run(body())


def test_pq_continue(seed: int) -> None:
    """A syndrome of more disks than max_pq, as async_gen_syndrome splits it: the second
    operation continues from the first's P and Q (carried as extra sources)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(max_pq=4) as env:
            chan = _chan(DMA_PQ)
            length, disks = 3000, 6
            srcs = [Guarded(env, length, DMA_TO_DEVICE, rng) for _ in range(disks)]
            # P and Q are read back by the continuation: bidirectional, as async_pq maps them
            p, q = Guarded(env, length, DMA_BIDIRECTIONAL, rng), Guarded(env, length, DMA_BIDIRECTIONAL, rng)
            addrs, coefs = [s.addr for s in srcs], [raid6_gfexp[i] for i in range(disks)]
            fence = DMA_PREP_FENCE  # each reads the P and Q the one before wrote
            first = chan.prep_dma_pq([p.addr, q.addr], addrs[:4], 4, coefs[:4], length, fence)
            assert chan.prep_dma_pq([p.addr, q.addr], addrs[4:], 2, coefs[4:], length, DMA_PREP_CONTINUE) is None, (
                "2 sources + 3 for the continuation exceed max_pq 4"
            )
            rest = [
                chan.prep_dma_pq([p.addr, q.addr], [a], 1, [c], length, DMA_PREP_CONTINUE | fence)
                for a, c in zip(addrs[4:], coefs[4:])
            ]
            first.submit()
            for tx in rest[:-1]:
                tx.submit()
            assert await _run(chan, rest[-1]) == DmaStatus.DMA_COMPLETE
            want_p, want_q = pq_blocks([s.original for s in srcs], coefs)
            assert p.finish() == want_p and q.finish() == want_q
            for s in srcs:
                s.finish()
            await chan.release()

    run(body())


def test_pq_val(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _chan(DMA_PQ)
            n, length = 5, 5000
            data = [rng.randbytes(length) for _ in range(n)]
            coefs = [raid6_gfexp[i] for i in range(n)]
            p_data, q_data = pq_blocks(data, coefs)
            bufs = [Guarded(env, length, DMA_TO_DEVICE, rng, d) for d in [*data, p_data, q_data]]
            src, p, q = [b.addr for b in bufs[:n]], bufs[n], bufs[n + 1]
            result = SumCheckResult()
            for corrupt, flags, want in (
                (None, 0, 0),
                (p, 0, SUM_CHECK_P_RESULT),
                (q, 0, SUM_CHECK_P_RESULT | SUM_CHECK_Q_RESULT),  # P still corrupt
                (None, DMA_PREP_PQ_DISABLE_P, SUM_CHECK_Q_RESULT),
                (None, DMA_PREP_PQ_DISABLE_Q, SUM_CHECK_P_RESULT),
            ):
                if corrupt is not None:
                    corrupt.poke(4500, b"\xa5")
                tx = chan.prep_dma_pq_val([p.addr, q.addr], src, n, coefs, length, result, flags)
                assert await _run(chan, tx) == DmaStatus.DMA_COMPLETE
                assert result.value == want, f"corrupt {corrupt} flags {flags}: {result.value!r}"
            for b in bufs:
                b.finish()
            await chan.release()

    run(body())


def test_memset_and_interrupt(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _chan(DMA_MEMSET)
            dst = Guarded(env, 9000, DMA_FROM_DEVICE, rng)
            called = []
            tx = chan.prep_dma_memset(dst.addr + 3, 0x1A5, 8191, 0)  # the int's low byte
            tx.submit()
            sg = sg_init_table(2)
            for s, (off, n) in zip(sg, ((8195, 1), (8200, 777))):
                s.dma_address, s.dma_length, s.length = dst.addr + off, n, n
            tx = chan.prep_dma_memset_sg(sg, 2, 0x3C, DMA_PREP_INTERRUPT)
            tx.submit()
            irq = chan.prep_dma_interrupt(DMA_PREP_INTERRUPT)
            irq.callback = called.append
            irq.callback_param = "irq"
            assert await _run(chan, irq) == DmaStatus.DMA_COMPLETE
            await env.backend.runtime.sleep_ns(100)  # the tasklet
            assert called == ["irq"]
            want = bytearray(dst.original)
            want[3 : 3 + 8191] = b"\xa5" * 8191
            want[8195] = 0x3C
            want[8200 : 8200 + 777] = b"\x3c" * 777
            assert dst.finish() == bytes(want)
            await chan.release()

    run(body())


def test_bad_arguments_are_refused(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started(max_xor=4, max_pq=4) as env:
            chan = _chan(DMA_XOR, DMA_PQ)
            bufs = [Guarded(env, 256, DMA_TO_DEVICE, rng) for _ in range(6)]
            a = [b.addr for b in bufs]
            held = chan.ring.in_use
            refused = [
                chan.prep_dma_xor(a[0], a[1:6], 5, 128, 0),  # more than max_xor
                chan.prep_dma_xor(a[0], a[1:2], 1, 128, 0),  # one source
                chan.prep_dma_xor(a[0], a[1:3], 2, 0, 0),  # zero length
                chan.prep_dma_xor(a[1] + 8, a[1:3], 2, 128, 0),  # destination partly over a source
                chan.prep_dma_xor(a[0], a[1:3], 3, 128, 0),  # fewer addresses than src_cnt
                chan.prep_dma_pq([a[0], a[1]], a[2:4], 2, [1, 2], 128, DMA_PREP_PQ_DISABLE_P | DMA_PREP_PQ_DISABLE_Q),
                chan.prep_dma_pq([a[0], a[1]], a[2:4], 2, [1], 128, 0),  # a coefficient missing
            ]
            assert refused == [None] * len(refused)
            assert chan.ring.in_use == held, "a refused prep kept descriptors"
            env.reports.take()  # the refusals are logged, not reported as misuse
            for b in bufs:
                b.finish()
            await chan.release()

    run(body())

"""An md-raid-like client on async_tx: a RAID-5 and a RAID-6 stripe written and then read
degraded, the way drivers/md/raid5.c drives the offload engines.

Run it with:  make sim TEST=examples/raid_stripe.py DEVICES=2

With two controllers (DEVICES=2) the copies land on dma0, which can only copy, and the
parity on dma1, which has XOR and PQ: async_tx switches channels where a chain moves from
one to the other (an interrupt descriptor on dma0 submits the XOR from its completion), and
each operation maps its pages for its own device, which sees memory at another bus offset.
With one controller everything runs on it. Each operation's pages are unmapped once, when
it completes (reference-counted unmap data); nothing is mapped when the stripe is done.
"""

import cocotb
from cocotb.triggers import with_timeout

from pydma import dmaengine_get, dmaengine_put, kfree, kmalloc
from pydma.async_tx import (
    AsyncTxFlags,
    async_gen_syndrome,
    async_memcpy,
    async_raid6_2data_recov,
    async_tx_issue_pending_all,
    async_xor,
    init_async_submit,
)
from pydma.raid import gen_syndrome, xor_blocks
from tb.dma_tb import DmaTb

PAGE = 4096
DATA_DISKS = 4
FENCE, ACK = AsyncTxFlags.ASYNC_TX_FENCE, AsyncTxFlags.ASYNC_TX_ACK


def pages(tb, n, random=True):
    out = [kmalloc(tb.dev, PAGE, 64) for _ in range(n)]
    for p in out:
        p.write(0, tb.rng.randbytes(PAGE) if random else bytes(PAGE))
    return out


async def run_chain(tb, last_submit, build):
    """Build a chain with `build(submit)`; the last operation's callback ends the wait."""
    done = tb.backend.runtime.event()
    tx = await build(last_submit(lambda _p: done.set()))
    async_tx_issue_pending_all()
    await with_timeout(done.wait(), 10, "ms")
    return tx


@cocotb.test()
async def raid5_and_raid6_stripes(dut):
    tb = DmaTb(dut)
    await tb.start()
    dmaengine_get()  # async_tx takes the public channels (md's async_tx_init does this)
    log = tb.log

    # ---- RAID-5: write a full stripe (drain the new data into the stripe cache, compute P) ----
    bio = pages(tb, DATA_DISKS)  # the data the upper layer writes
    stripe = pages(tb, DATA_DISKS, random=False)  # the stripe cache pages (one per data disk)
    parity = pages(tb, 1, random=False)[0]
    scribble = [0] * (DATA_DISKS + 2)

    copies = []

    async def write5(cb):
        tx = None
        for i in range(DATA_DISKS):  # biodrain: each copy fenced, the XOR reads what it wrote
            submit = init_async_submit(None, FENCE, tx, None, None, scribble)
            tx = await async_memcpy(stripe[i], bio[i], 0, 0, PAGE, submit)
            copies.append(tx)
        submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST | ACK, tx, cb, None, scribble)
        return await async_xor(parity, stripe, 0, DATA_DISKS, PAGE, submit)

    xor_tx = await run_chain(tb, lambda cb: cb, write5)
    where = [t.chan.name if t is not None else "the CPU" for t in (copies[0], xor_tx)]
    log.info("RAID-5 write: copies on %s, parity on %s", *where)
    assert parity.read() == xor_blocks([b.read() for b in bio])

    # ---- RAID-5: read with disk 2 lost (rebuild it from the others and P, copy it out) ----
    lost = 2
    rebuilt, user = pages(tb, 2, random=False)

    async def read5(cb):
        survivors = [stripe[i] for i in range(DATA_DISKS) if i != lost] + [parity]
        submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST | FENCE, None, None, None, scribble)
        tx = await async_xor(rebuilt, survivors, 0, len(survivors), PAGE, submit)
        submit = init_async_submit(None, ACK, tx, cb, None, scribble)
        return await async_memcpy(user, rebuilt, 0, 0, PAGE, submit)

    await run_chain(tb, lambda cb: cb, read5)
    assert user.read() == bio[lost].read(), "degraded RAID-5 read"
    log.info("RAID-5 degraded read of disk %d: rebuilt from %d blocks", lost, DATA_DISKS)

    # ---- RAID-6: the syndrome of the stripe, then a read with two data disks lost ----
    p6, q6 = pages(tb, 2, random=False)
    blocks = [*stripe, p6, q6]
    offs = [0] * len(blocks)

    async def write6(cb):
        submit = init_async_submit(None, ACK, None, cb, None, scribble)
        return await async_gen_syndrome(blocks, offs, len(blocks), PAGE, submit)

    await run_chain(tb, lambda cb: cb, write6)
    want_p, want_q = gen_syndrome([b.read() for b in bio])
    assert (p6.read(), q6.read()) == (want_p, want_q), "RAID-6 P and Q"

    faila, failb = 1, 3
    lost_pages = pages(tb, 2, random=False)  # the failed disks' blocks come back here
    degraded = list(blocks)
    degraded[faila], degraded[failb] = lost_pages

    async def read6(cb):
        submit = init_async_submit(None, ACK, None, cb, None, scribble)
        return await async_raid6_2data_recov(len(blocks), PAGE, faila, failb, degraded, offs, submit)

    await run_chain(tb, lambda cb: cb, read6)
    assert lost_pages[0].read() == bio[faila].read() and lost_pages[1].read() == bio[failb].read()
    log.info("RAID-6 degraded read of disks %d and %d: both rebuilt", faila, failb)

    await dmaengine_put()  # synchronizes the channels: every completion has been cleaned up
    if tb.dma_debug is not None:
        assert not [m for m in tb.dma_debug.live() if m.kind != "coherent"], "a page is still mapped"
    for p in (*bio, *stripe, parity, rebuilt, user, p6, q6, *lost_pages):
        kfree(p)
    await tb.stop()

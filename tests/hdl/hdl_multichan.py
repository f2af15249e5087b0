"""Several channels at once: concurrent chains on every channel, and fairness (a long
transfer on one channel does not hold back short work on another)."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles, gather

from pydma import DMA_MEMCPY, DmaCapMask, DmaStatus, dma_request_channel
from pydma.dmaengine import DmaChan
from tb.dma_tb import DmaTb
from tb.testenv import Arena, Copy, run_copies, started, wait_complete


def every_channel(tb: DmaTb) -> list[DmaChan]:
    """Every memcpy channel of the controller, each handed out once."""
    chans = []
    while (chan := dma_request_channel(DmaCapMask(DMA_MEMCPY))) is not None:
        chans.append(chan)
    assert len(chans) == tb.num_ch, f"got {len(chans)} of {tb.num_ch} channels"
    assert dma_request_channel(DmaCapMask(DMA_MEMCPY)) is None, "a taken channel was handed out twice"
    return chans


@cocotb.test()
async def test_all_channels_concurrently(dut):
    tb = await started(dut)
    chans = every_channel(tb)
    rng = tb.rng

    async def worker(chan, arena):
        copies, pos = [], 64
        for _ in range(40):
            n = rng.choice([rng.randint(1, 100), rng.randint(100, 5000)])
            copies.append(Copy(pos + rng.randrange(16), pos + rng.randrange(16), n))
            pos += n + 96
        await run_copies(chan, arena, copies, batch=10, timeout_us=100_000)

    arenas = [Arena(tb, 1 << 18) for _ in chans]
    await gather(*(worker(c, a) for c, a in zip(chans, arenas)))
    for chan in chans:
        assert chan.stats["irqs"] > 0
        await chan.release()
    await tb.stop()


@cocotb.test()
async def test_fair_arbitration(dut):
    """A 1 MiB copy on one channel, then short copies on the others: they finish long before
    the big one, so the big chain cannot starve them."""
    tb = await started(dut)
    chans = every_channel(tb)
    big_arena = Arena(tb, 1 << 21)
    big = chans[0].prep_dma_memcpy(big_arena.dst.addr, big_arena.src.addr, 1 << 20, 0)
    big_cookie = big.submit()
    chans[0].issue_pending()
    await ClockCycles(dut.clk, 300)
    small = []
    for chan in chans[1:]:
        arena = Arena(tb, 1 << 14)
        d = chan.prep_dma_memcpy(arena.dst.addr + 1, arena.src.addr + 2, 5000, 0)
        small.append((chan, d.submit(), arena))
        arena.expect(Copy(2, 1, 5000))
        chan.issue_pending()
    for chan, cookie, arena in small:
        await wait_complete(chan, cookie, 2_000)
        assert chans[0].tx_status(big_cookie) == DmaStatus.DMA_IN_PROGRESS, "short copy waited for the long one"
        arena.check([])
    await wait_complete(chans[0], big_cookie, 100_000)
    big_arena.expect(Copy(0, 0, 1 << 20))
    big_arena.check([])
    for chan in chans:
        await chan.release()
    await tb.stop()

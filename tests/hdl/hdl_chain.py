"""Descriptor chains, appending to a running channel, reuse, cookies, residue, prep failure
and bad input, through the driver on the real controller."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles

from pydma import (
    DMA_MEM_TO_DEV,
    DMA_MEMCPY_SG,
    DMA_PREP_INTERRUPT,
    DMA_TRANS_NOERROR,
    DmaApiMisuse,
    DmaStatus,
    DmaTxState,
    dma_async_is_complete,
    dma_map_single,
    reports,
    sg_init_table,
)
from pydma.cookie import DMA_MAX_COOKIE
from pydma.errors import EPERM
from pydma.hw import layout
from tb.testenv import Arena, Copy, callbacks_ran, memcpy_channel, sg_over, started, wait_complete

STATUS_OFF = layout.desc_field("STATUS").offset


def pieces_of(rng, total: int, count: int, start: int = 0, gap: int = 0) -> list[tuple[int, int]]:
    cuts = sorted(rng.sample(range(1, total), count - 1)) if count > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
    out, pos = [], start
    for n in sizes:
        out.append((pos, n))
        pos += n + gap
    return out


@cocotb.test()
async def test_sg_chains(dut):
    """Scatterlist-to-scatterlist copies of 1 to 1000 hardware descriptors."""
    tb = await started(dut)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    rng = tb.rng
    for count in (1, 2, 7, 100, 1000):
        total = count * 37 + rng.randrange(50)
        arena = Arena(tb, 1 << (3 * total + 4 * count + 64).bit_length())
        # source pieces scattered with gaps, destination pieces packed at an odd offset
        src_pieces = pieces_of(rng, total, count, start=5, gap=3)
        dst_pieces = pieces_of(rng, total, max(1, count // 3), start=total * 2 + 1)
        src_sg = sg_over(arena.src, src_pieces)
        dst_sg = sg_over(arena.dst, dst_pieces)
        desc = chan.prep_dma_memcpy_sg(dst_sg, len(dst_sg), src_sg, len(src_sg), DMA_PREP_INTERRUPT)
        assert desc is not None
        assert len(desc.hw) >= count
        results = []
        desc.callback_result = lambda p, r, results=results: results.append((p, r.result, r.residue))
        desc.callback_param = count
        await wait_complete(chan, desc.submit())
        await callbacks_ran(chan)
        assert results == [(count, DMA_TRANS_NOERROR, 0)]
        arena.expect_sg(src_pieces, dst_pieces)
        arena.check([])
        arena.free()
        tb.log.info("chain of %d hardware descriptors (%d bytes) ok", len(desc.hw) if desc.hw else count, total)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_many_transactions(dut):
    """1000 transactions issued at once complete in cookie order with their callbacks."""
    tb = await started(dut)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    arena = Arena(tb, 1 << 17)
    order = []
    cookies = []
    for i in range(1000):
        c = Copy(i * 97, i * 97 + 3, 1 + i % 90)
        desc = chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, DMA_PREP_INTERRUPT)
        desc.callback = order.append
        desc.callback_param = i
        cookies.append(desc.submit())
        arena.expect(c)
    assert cookies == list(range(cookies[0], cookies[0] + 1000)), "cookies must increase by one"
    chan.issue_pending()
    await wait_complete(chan, cookies[-1], 200_000)
    await callbacks_ran(chan)
    assert order == list(range(1000)), "callbacks out of order"
    arena.check([])
    # the controller may still re-read the NEXT word of the descriptor it retired last
    last = chan.ring.last_retired
    assert last is not None and last.phys not in chan.ring.pool._free, "last retired descriptor back in the pool"
    assert last.phys in chan.ring.pool._used
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_append_to_running(dut):
    """Work issued while the channel runs is appended (no restart) and the race between
    linking a new descriptor and the hardware finishing the old tail is closed: append at
    every delay after the tail started."""
    tb = await started(dut)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    arena = Arena(tb, 1 << 20)
    # a long copy, then appends while it runs
    big = Copy(0, 0, 200_000)
    d = chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, big.length, 0)
    first = d.submit()
    arena.expect(big)
    chan.issue_pending()
    await ClockCycles(dut.clk, 500)
    assert chan.tx_status(first) == DmaStatus.DMA_IN_PROGRESS
    starts = chan.stats["starts"]
    more = []
    for i in range(5):
        c = Copy(300_000 + i * 5000, 300_000 + i * 5000 + 1, 4000)
        more.append(chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, 0).submit())
        arena.expect(c)
        chan.issue_pending()
        await ClockCycles(dut.clk, 50)
    assert chan.stats["starts"] == starts, "appending restarted the channel"
    assert chan.stats["appends"] >= 5
    await wait_complete(chan, more[-1], 200_000)
    assert chan.tx_status(first) == DmaStatus.DMA_COMPLETE
    # sweep the append instant across the end of a short tail descriptor
    for delay in range(0, 120, 3):
        a = Copy(500_000 + delay * 300, 500_000 + delay * 300 + 2, 64)
        b = Copy(700_000 + delay * 300, 700_000 + delay * 300 + 5, 48)
        ca = chan.prep_dma_memcpy(arena.dst.addr + a.dst, arena.src.addr + a.src, a.length, 0).submit()
        chan.issue_pending()
        if delay:
            await ClockCycles(dut.clk, delay)
        cb = chan.prep_dma_memcpy(arena.dst.addr + b.dst, arena.src.addr + b.src, b.length, 0).submit()
        chan.issue_pending()
        arena.expect(a)
        arena.expect(b)
        await wait_complete(chan, cb)
        assert chan.tx_status(ca) == DmaStatus.DMA_COMPLETE
    arena.check([])
    tb.log.info("starts %d appends %d irqs %d", chan.stats["starts"], chan.stats["appends"], chan.stats["irqs"])
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_reuse(dut):
    """A chain marked DMA_CTRL_REUSE is resubmitted without rebuilding it, also behind
    other work; then freed. Without the flag, free is refused."""
    tb = await started(dut)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    rng = tb.rng
    arena = Arena(tb, 1 << 16)
    src_pieces = pieces_of(rng, 20000, 50, start=3, gap=1)
    dst_pieces = pieces_of(rng, 20000, 9, start=30001)
    src_sg = sg_over(arena.src, src_pieces)
    dst_sg = sg_over(arena.dst, dst_pieces)
    desc = chan.prep_dma_memcpy_sg(dst_sg, len(dst_sg), src_sg, len(src_sg), DMA_PREP_INTERRUPT)
    assert desc.set_reuse() == 0 and desc.test_reuse()
    hw_addrs = [h.phys for h in desc.hw]
    runs = []
    desc.callback = runs.append
    for run in range(4):
        new_src = rng.randbytes(arena.size)
        arena.src.write(0, new_src)
        arena.src_bytes = new_src
        desc.callback_param = run
        if run == 2:  # resubmit behind other work on the channel
            other = chan.prep_dma_memcpy(arena.dst.addr + 60000, arena.src.addr + 60000, 3000, 0)
            other.submit()
            arena.model[60000:63000] = new_src[60000:63000]
        cookie = desc.submit()
        chan.issue_pending()
        # handed over with every status word cleared (the last run left them DONE), so a
        # descriptor the controller counted without writing its status would be caught
        stale = [h.phys for h in desc.hw if tb.memory.read(h.phys + STATUS_OFF, 8) != bytes(8)]
        assert not stale, f"run {run}: {len(stale)} of {len(desc.hw)} status words not cleared"
        await wait_complete(chan, cookie)
        await callbacks_ran(chan)
        assert all(tb.memory.read(h.phys + STATUS_OFF, 4)[0] & 1 for h in desc.hw), "a status not written back"
        assert [h.phys for h in desc.hw] == hw_addrs, "reuse must not rebuild the chain"
        arena.expect_sg(src_pieces, dst_pieces)
        arena.check([])
    assert runs == [0, 1, 2, 3]
    in_use = chan.ring.in_use
    assert desc.free() == 0
    assert chan.ring.in_use == in_use - len(hw_addrs)
    with_no_reuse = chan.prep_dma_memcpy(arena.dst.addr, arena.src.addr, 16, 0)
    assert with_no_reuse.free() == EPERM
    await wait_complete(chan, with_no_reuse.submit())
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_cookie_wraparound(dut):
    """Cookies wrap from 2**31-1 to 1; status and completion follow through the wrap."""
    tb = await started(dut)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    arena = Arena(tb, 1 << 14)
    chan.cookie = chan.completed_cookie = DMA_MAX_COOKIE - 3
    cookies = []
    for i in range(8):
        c = Copy(i * 100, i * 100, 50)
        cookies.append(chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, 0).submit())
        arena.expect(c)
    assert cookies == [DMA_MAX_COOKIE - 2, DMA_MAX_COOKIE - 1, DMA_MAX_COOKIE, 1, 2, 3, 4, 5]
    for c in cookies:
        assert chan.tx_status(c) == DmaStatus.DMA_IN_PROGRESS
    chan.issue_pending()
    await wait_complete(chan, cookies[-1])
    for c in cookies:
        assert chan.tx_status(c) == DmaStatus.DMA_COMPLETE
    state = DmaTxState()
    chan.tx_status(cookies[-1], state)
    assert (state.last, state.used) == (5, 5)
    # the kernel's comparison, across the wrap
    assert dma_async_is_complete(DMA_MAX_COOKIE, 2, 5) == DmaStatus.DMA_COMPLETE
    assert dma_async_is_complete(3, 2, 5) == DmaStatus.DMA_IN_PROGRESS
    assert dma_async_is_complete(DMA_MAX_COOKIE, DMA_MAX_COOKIE - 1, 2) == DmaStatus.DMA_IN_PROGRESS
    arena.check([])
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_residue(dut):
    """Residue has burst granularity (for a memory copy: chunks, which end on
    CHUNK_BYTES-aligned destination addresses): while
    running it is the segments not yet done minus what the current one has moved, it never
    increases, and it is 0 when complete."""
    tb = await started(dut)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    caps = chan.get_slave_caps()
    assert caps.residue_granularity == 2  # DMA_RESIDUE_GRANULARITY_BURST
    arena = Arena(tb, 1 << 18)
    pieces = [(i * 10000, 9000) for i in range(20)]
    src_sg = sg_over(arena.src, pieces)
    dst_sg = sg_over(arena.dst, pieces)
    desc = chan.prep_dma_memcpy_sg(dst_sg, len(dst_sg), src_sg, len(src_sg), 0)
    cookie = desc.submit()
    state = DmaTxState()
    assert chan.tx_status(cookie, state) == DmaStatus.DMA_IN_PROGRESS and state.residue == 180_000
    chan.issue_pending()
    seen = []
    while chan.tx_status(cookie, state) == DmaStatus.DMA_IN_PROGRESS:
        seen.append(state.residue)
        await ClockCycles(dut.clk, 97)
    assert seen == sorted(seen, reverse=True), "residue increased"
    chunk = 4096  # chunks end on chunk-aligned destination addresses

    def chunk_ends(i: int) -> set[int]:
        first = chunk - (arena.dst.addr + pieces[i][0]) % chunk
        return {0} | set(range(first, 9000, chunk))

    for r in seen:
        done = 180_000 - r
        assert done % 9000 in chunk_ends(min(done // 9000, len(pieces) - 1)), f"residue {r} is not at a chunk end"
    assert any(r % 9000 for r in seen), "residue never showed a partly moved segment"
    assert len(set(seen)) > 5, "residue never moved while running"
    assert chan.tx_status(cookie, state) == DmaStatus.DMA_COMPLETE and state.residue == 0
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_prep_failure_when_descriptors_run_out(dut):
    """Prep is all or nothing: when hardware descriptors run out mid-chain it returns None
    and leaves nothing allocated or queued; after completions free some, prep works again."""
    tb = await started(dut, max_hw_desc=16)
    chan = memcpy_channel(DMA_MEMCPY_SG)
    arena = Arena(tb, 1 << 14)
    ten = [(i * 100, 50) for i in range(10)]
    src_sg, dst_sg = sg_over(arena.src, ten), sg_over(arena.dst, ten)
    first = chan.prep_dma_memcpy_sg(dst_sg, 10, src_sg, 10, 0)
    assert first is not None and chan.ring.in_use == 10
    pool_used = len(chan.ring.pool._used)
    lists = {k: list(v) for k, v in chan.lists().items()}
    assert chan.prep_dma_memcpy_sg(dst_sg, 10, src_sg, 10, 0) is None
    assert chan.ring.in_use == 10 and len(chan.ring.pool._used) == pool_used
    assert {k: list(v) for k, v in chan.lists().items()} == lists, "failed prep left something queued"
    cookie = first.submit()
    chan.issue_pending()
    await wait_complete(chan, cookie)
    await callbacks_ran(chan)  # the tasklet frees the completed descriptor
    assert chan.ring.in_use == 0
    again = chan.prep_dma_memcpy_sg(dst_sg, 10, src_sg, 10, 0)
    assert again is not None
    await wait_complete(chan, again.submit())
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_bad_input(dut):
    """Invalid calls return None or raise a clear error and leave nothing queued or leaked."""
    tb = await started(dut)
    tb.reports.provoke_for_test(reports.REFUSED)  # the driver's refusals are what this test asks for
    chan = memcpy_channel(DMA_MEMCPY_SG)
    arena = Arena(tb, 1 << 14)
    allocations = tb.memory.allocations()
    src, dst = arena.src.addr, arena.dst.addr
    empty = {k: [] for k in chan.lists()}

    assert chan.prep_dma_memcpy(dst, src, 0, 0) is None, "zero length"
    assert chan.prep_dma_memcpy(dst, src, -5, 0) is None, "negative length"
    assert chan.prep_dma_memcpy(dst, (1 << tb.addr_w) - 8, 64, 0) is None, "source beyond the bus"
    assert chan.prep_dma_memcpy_sg([], 0, [], 0, 0) is None, "empty scatterlists"
    ok_sg = sg_over(arena.src, [(0, 100)])
    short_sg = sg_over(arena.dst, [(0, 99)])
    assert chan.prep_dma_memcpy_sg(short_sg, 1, ok_sg, 1, 0) is None, "lengths differ"
    unmapped = sg_init_table(2)
    assert chan.prep_dma_memcpy_sg(unmapped, 2, ok_sg, 1, 0) is None, "unmapped scatterlist"
    assert chan.prep_slave_sg(ok_sg, 1, DMA_MEM_TO_DEV, 0) is None, "no slave support: no prep"
    assert chan.prep_dma_memcpy(src + 64, src, 128, 0) is None, "source and destination overlap"
    assert chan.prep_dma_memcpy(src, src + 64, 128, 0) is None, "destination and source overlap"
    assert chan.prep_dma_memcpy(src + 128, src, 128, 0) is not None, "adjacent ranges are fine"
    twice = sg_over(arena.dst, [(0, 64), (32, 64)])
    assert chan.prep_dma_memcpy_sg(twice, 2, sg_over(arena.src, [(0, 128)]), 1, 0) is None, "overlapping destinations"
    into_src = sg_over(arena.src, [(4096, 100)])
    assert chan.prep_dma_memcpy_sg(into_src, 1, sg_over(arena.src, [(4000, 100)]), 1, 0) is None, "into its source"
    try:
        dma_map_single(None, arena.src, 16, 7)
        raise AssertionError("unknown direction accepted")
    except DmaApiMisuse:
        pass
    chan.lists()["allocated"][-1].set_reuse()  # the adjacent-ranges one: give it back
    assert chan.lists()["allocated"][-1].free() == 0
    assert {k: list(v) for k, v in chan.lists().items()} == empty
    assert chan.ring.in_use == 0

    desc = chan.prep_dma_memcpy(dst, src, 64, 0)
    cookie = desc.submit()
    try:
        desc.submit()
        raise AssertionError("double submit accepted")
    except DmaApiMisuse as exc:
        assert "double submit" in str(exc)
    assert chan.desc_submitted == [desc], "double submit queued twice"
    chan.issue_pending()
    try:
        await chan.release()
        raise AssertionError("released a channel with work on the hardware")
    except DmaApiMisuse as exc:
        assert "still on the hardware" in str(exc)
    assert chan.client_count == 1, "a refused release must leave the channel usable"
    await wait_complete(chan, cookie)
    await callbacks_ran(chan)
    assert chan.ring.in_use == 0

    await chan.release()
    for call in (lambda: chan.prep_dma_memcpy(dst, src, 8, 0), chan.issue_pending, lambda: chan.tx_status(1)):
        try:
            call()
            raise AssertionError("call on a released channel accepted")
        except DmaApiMisuse as exc:
            assert "not requested" in str(exc)
    arena.free()
    assert tb.memory.allocations() == allocations - 2, "memory leaked"
    await tb.stop()

"""`make sim`: the default demonstration.

A scatter-gather copy (scatterlist to scatterlist, unaligned pieces on both sides) through the
driver, then the same prepared chain resubmitted with DMA_CTRL_REUSE after the source changed;
every byte and the guard bytes around each buffer are checked after each run.
"""

import random

import cocotb
from cocotb.triggers import with_timeout

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEMCPY_SG,
    DMA_PREP_INTERRUPT,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaStatus,
    DmaTxState,
    dma_map_sg,
    dma_request_channel,
    dma_unmap_sg,
    sg_init_table,
    sg_set_buf,
)
from tb.dma_tb import DmaTb

TOTAL = 64 * 1024


def split(rng: random.Random, total: int, pieces: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), pieces - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


@cocotb.test()
async def demo_sg_copy_and_reuse(dut):
    tb = DmaTb(dut)
    await tb.start()
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY_SG))
    assert chan is not None, "no DMA_MEMCPY_SG channel"

    rng = tb.rng
    src_sizes = split(rng, TOTAL, 24)
    dst_sizes = split(rng, TOTAL, 17)
    # each piece lives in its own guarded buffer, at a random byte offset
    srcs = [tb.alloc_guarded(n + 7) for n in src_sizes]
    dsts = [tb.alloc_guarded(n + 7) for n in dst_sizes]
    src_off = [rng.randrange(8) for _ in srcs]
    dst_off = [rng.randrange(8) for _ in dsts]
    src_sg = sg_init_table(len(srcs))
    dst_sg = sg_init_table(len(dsts))
    for sg, buf, off, n in zip(src_sg, srcs, src_off, src_sizes):
        sg_set_buf(sg, buf.view.ptr(off, n), n)
    for sg, buf, off, n in zip(dst_sg, dsts, dst_off, dst_sizes):
        sg_set_buf(sg, buf.view.ptr(off, n), n)
    assert dma_map_sg(tb.dev, src_sg, len(src_sg), DMA_TO_DEVICE) == len(src_sg)
    assert dma_map_sg(tb.dev, dst_sg, len(dst_sg), DMA_FROM_DEVICE) == len(dst_sg)

    desc = chan.prep_dma_memcpy_sg(dst_sg, len(dst_sg), src_sg, len(src_sg), DMA_PREP_INTERRUPT)
    assert desc is not None, "prep failed"
    assert desc.set_reuse() == 0
    hw_descs = len(desc.hw)

    def gather_src() -> bytes:
        return b"".join(b.view.read(o, n) for b, o, n in zip(srcs, src_off, src_sizes))

    def gather_dst() -> bytes:
        return b"".join(b.view.read(o, n) for b, o, n in zip(dsts, dst_off, dst_sizes))

    results = []
    for run in ("first submit", "reused chain"):
        if run != "first submit":  # new source data, same prepared chain
            for b, o, n in zip(srcs, src_off, src_sizes):
                b.view.write(o, rng.randbytes(n))
        callbacks = []
        desc.callback = callbacks.append
        desc.callback_param = run
        start = tb.cycles()
        cookie = desc.submit()
        chan.issue_pending()
        status = await with_timeout(chan.sync_wait(cookie), 10, "ms")
        cycles = tb.cycles() - start
        await tb.idle_cycles(2)  # let the tasklet run the callback
        problems = []
        if status != DmaStatus.DMA_COMPLETE or chan.tx_status(cookie, DmaTxState()) != DmaStatus.DMA_COMPLETE:
            problems.append(f"status {status.name}")
        got, want = gather_dst(), gather_src()
        if got != want:
            first = next(i for i in range(len(want)) if got[i] != want[i])
            problems.append(f"data differs from byte {first} on")
        if callbacks != [run]:
            problems.append(f"callbacks {callbacks}")
        for b in srcs + dsts:
            b.check_guards()
        results.append((run, cycles, "; ".join(problems)))

    assert desc.free() == 0
    dma_unmap_sg(tb.dev, src_sg, len(src_sg), DMA_TO_DEVICE)
    dma_unmap_sg(tb.dev, dst_sg, len(dst_sg), DMA_FROM_DEVICE)
    await chan.release()
    await tb.stop()

    peak = tb.bus_bytes
    lines = [
        "",
        "pydma demo: scatter-gather copy, then the same chain resubmitted (DMA_CTRL_REUSE)",
        f"  controller: {tb.num_ch} channels, {tb.data_w}-bit data, {tb.addr_w}-bit addresses; "
        f"stalls {tb.stalls:.0%}; seed {tb.seed}",
        f"  chain: {len(src_sg)} source x {len(dst_sg)} destination pieces -> {hw_descs} hardware descriptors, "
        f"{TOTAL} bytes",
        f"  {'run':<14}{'cycles':>8}{'bytes/cycle':>13}{'of bus peak':>13}   result",
    ]
    for run, cycles, problems in results:
        bpc = TOTAL / cycles
        verdict = f"FAIL: {problems}" if problems else "PASS"
        lines.append(f"  {run:<14}{cycles:>8}{bpc:>13.2f}{bpc / peak:>12.1%}   {verdict}")
    lines.append(f"  bus peak: {peak} bytes/cycle (one {tb.data_w}-bit beat per clock)")
    dut._log.info("\n".join(lines))
    assert not any(problems for _, _, problems in results), "demo failed"

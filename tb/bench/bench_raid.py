"""The RAID benchmarks of `make bench` (tb/bench/run.py): XOR and PQ of 4 KiB stripes at
2, 4 and 8 sources against the bus-traffic limit, and the cycles from a dependency's
completion to its dependent's first data read, on the same channel (FENCE) and on another
channel (async_tx's channel switch: an interrupt descriptor, the tasklet, dma_run_dependencies,
issue_pending).

The limit of an operation over N sources of L bytes with K outputs is (N + K) * L bytes of
bus traffic at one beat per clock: (N + K) * L / bus_bytes cycles (K = 1 for XOR, 2 for PQ)."""

from __future__ import annotations

import cocotb
from cocotb.triggers import with_timeout

from pydma import DMA_MEMCPY, DMA_PQ, DMA_PREP_FENCE, DMA_PREP_INTERRUPT, DMA_XOR, DmaCapMask, dma_request_channel
from pydma.async_tx import AsyncSubmitCtl
from pydma.async_tx.async_tx import async_tx_submit
from pydma.memory import MemView
from pydma.raid import pq_blocks, xor_blocks
from tb.bench.bench_hdl import _first_data_ar, _irq_rise, record, setup, timed_issue

STRIPE = 4096


def _blocks(tb, n: int) -> list[MemView]:
    out = []
    for _ in range(n):
        v = MemView(tb.memory, tb.memory.alloc(STRIPE, 4096), STRIPE)
        v.write(0, tb.rng.randbytes(STRIPE))
        out.append(v)
    return out


@cocotb.test()
async def bench_raid(dut):
    tb = await setup(dut)
    chan = dma_request_channel(DmaCapMask(DMA_XOR, DMA_PQ))
    for op, outputs in (("xor", 1), ("pq", 2)):
        for n in (2, 4, 8):
            srcs, dsts = _blocks(tb, n), _blocks(tb, outputs)
            addrs = [s.addr for s in srcs]
            coefs = [tb.rng.randrange(1, 256) for _ in srcs]
            if op == "xor":
                tx = chan.prep_dma_xor(dsts[0].addr, addrs, n, STRIPE, DMA_PREP_INTERRUPT)
            else:
                tx = chan.prep_dma_pq([d.addr for d in dsts], addrs, n, coefs, STRIPE, DMA_PREP_INTERRUPT)
            tx.submit()
            cycles, _ = await timed_issue(tb, chan, tx)
            data = [s.read() for s in srcs]
            want = [xor_blocks(data)] if op == "xor" else list(pq_blocks(data, coefs))
            assert [d.read() for d in dsts] == want, f"{op} of {n}: wrong result"
            limit = (n + outputs) * STRIPE // tb.bus_bytes
            record(
                "raid",
                data_w=tb.data_w,
                op=op,
                sources=n,
                cycles=cycles,
                limit=limit,
                of_limit=round(limit / cycles, 4),
            )
            tb.log.info("%s of %d x 4 KiB: %d cycles, limit %d (%.1f%%)", op, n, cycles, limit, 100 * limit / cycles)
            for v in srcs + dsts:
                tb.memory.free(v.addr)
    await chan.release()

    # dependency to dependent: same channel (FENCE), another channel (a channel switch)
    a, b = dma_request_channel(DmaCapMask(DMA_XOR)), dma_request_channel(DmaCapMask(DMA_MEMCPY))
    for where in ("same channel", "other channel"):
        for trial in range(3):
            srcs, (mid, out) = _blocks(tb, 2), _blocks(tb, 2)
            dep = a.prep_dma_xor(mid.addr, [s.addr for s in srcs], 2, STRIPE, DMA_PREP_FENCE | DMA_PREP_INTERRUPT)
            target = a if where == "same channel" else b
            follower = target.prep_dma_memcpy(out.addr, mid.addr, STRIPE, DMA_PREP_INTERRUPT)
            dep.submit()
            await async_tx_submit(target, follower, AsyncSubmitCtl(depend_tx=dep))
            t_done = cocotb.start_soon(_irq_rise(tb, a.index))
            t_read = cocotb.start_soon(_dependent_read(tb, a.index))
            a.issue_pending()
            done_at = await with_timeout(t_done, 100, "us")
            read_at = await with_timeout(t_read, 100, "us")
            await b.sync_wait(follower.cookie) if where == "other channel" else await a.sync_wait(follower.cookie)
            assert out.read() == xor_blocks([s.read() for s in srcs])
            record("dependency", data_w=tb.data_w, where=where, trial=trial, cycles=read_at - done_at)
            tb.log.info("dependency, %s: completion -> first read of the dependent %d cycles", where, read_at - done_at)
            await tb.idle_cycles(50)
            for v in (*srcs, mid, out):
                tb.memory.free(v.addr)
    await a.release()
    await b.release()
    await tb.stop()


async def _dependent_read(tb, line: int) -> int:
    """The first data read request after the dependency's interrupt rises."""
    await _irq_rise(tb, line)
    return await _first_data_ar(tb.core)

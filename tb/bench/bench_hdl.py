"""The benchmarks of `make bench`, as cocotb tests (tb/bench/run.py runs them per build and
writes bench/results.md). Each measures in simulated cycles (or wall time where that is the
point), checks the data it moved, and appends records to $PYDMA_BENCH_OUT/<test>.jsonl.

Cycle counts are taken from the controller's own signals, without Python per cycle where
it matters: the start is the cycle the doorbell (TAIL_DESC_LO) lands in the channel, the
end the cycle its interrupt line rises (the last descriptor's status is written back).
PYDMA_BENCH_LATENCY sets the native memory's read and write latency (cycles).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cocotb
from cocotb.triggers import Event, RisingEdge, with_timeout

from pydma import (
    DMA_DEV_TO_MEM,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_MEMCPY_SG,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DmaCapMask,
    DmaSlaveConfig,
    Scatterlist,
    dma_request_channel,
)
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.memory import MemView
from tb.dma_tb import CLK_NS, DmaTb
from tb.peripherals import Pacing, element

OUT = Path(os.environ.get("PYDMA_BENCH_OUT", Path(__file__).resolve().parents[2] / "build" / "bench"))
LINE = 2


def record(name: str, **fields) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{name}.jsonl", "a") as f:
        f.write(json.dumps(fields) + "\n")


def now_cycles() -> int:
    return int(cocotb.simtime.get_sim_time("ns")) // CLK_NS


async def setup(dut) -> DmaTb:
    tb = DmaTb(dut)
    lat = int(os.environ.get("PYDMA_BENCH_LATENCY", "1"))
    tb.model.set_latency(lat)
    await tb.start()
    return tb


async def _rise(sig) -> int:
    await RisingEdge(sig)
    return now_cycles()


async def _irq_rise(tb: DmaTb, line: int) -> int:
    while not tb.backend.irq_asserted(line):
        await tb.backend.irq.value_change
    return now_cycles()


async def timed_issue(tb: DmaTb, chan, last_tx, timeout_us: int = 200_000) -> tuple[int, float]:
    """issue_pending on `chan`; cycles from the doorbell landing to the completion IRQ of
    the submitted work whose last transaction is `last_tx` (it must interrupt), and the
    wall time issue_pending itself took."""
    assert not tb.backend.irq_asserted(chan.index), "interrupt still high from earlier work"
    done = Event()
    last_tx.callback = lambda _p: done.set()
    start = cocotb.start_soon(_rise(tb.backend.chan_scope(chan.index).doorbell))
    end = cocotb.start_soon(_irq_rise(tb, chan.index))
    w0 = time.perf_counter()
    chan.issue_pending()
    issue_s = time.perf_counter() - w0
    await with_timeout(done.wait(), timeout_us, "us")
    t0, t1 = await start, await end
    await tb.idle_cycles(20)  # the handler has cleared the interrupt
    return t1 - t0, issue_s


def buffers(tb: DmaTb, size: int, src_off: int, dst_off: int) -> tuple[MemView, MemView]:
    src = MemView(tb.memory, tb.memory.alloc(size + 64, 4096), size + 64)
    dst = MemView(tb.memory, tb.memory.alloc(size + 64, 4096), size + 64)
    src.write(src_off, tb.rng.randbytes(size))
    return src.ptr(src_off, size), dst.ptr(dst_off, size)


# -- 1, 5: memcpy utilization, by size and alignment (and memory latency) -------------------------
SIZES = [64, 256, 1024, 4096, 16384, 65536, 262144, 1 << 20]


@cocotb.test()
async def bench_memcpy(dut):
    tb = await setup(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    lat = int(os.environ.get("PYDMA_BENCH_LATENCY", "1"))
    sizes = [int(s) for s in os.environ.get("PYDMA_BENCH_SIZES", ",".join(map(str, SIZES))).split(",")]
    for kind, (so, do) in (("aligned", (0, 0)), ("unaligned", (3, 5))):
        for size in sizes:
            src, dst = buffers(tb, size, so, do)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, size, DMA_PREP_INTERRUPT)
            tx.submit()
            cycles, _ = await timed_issue(tb, chan, tx)
            assert dst.read() == src.read(), f"{kind} {size}: data differs"
            util = size / (cycles * tb.bus_bytes)
            record(
                "memcpy",
                data_w=tb.data_w,
                mem=tb.mem_model,
                latency=lat,
                kind=kind,
                size=size,
                cycles=cycles,
                utilization=round(util, 5),
            )
            tb.log.info("memcpy %s %7d B: %7d cycles, %.2f%% of peak", kind, size, cycles, 100 * util)
            tb.memory.free(src.addr - so)
            tb.memory.free(dst.addr - do)
    await chan.release()
    await tb.stop()


# -- 2: scatter-gather chains of small segments ---------------------------------------------------
def chain_limit(seg: int, bus_bytes: int) -> float:
    """The utilization the descriptor traffic leaves: per segment the read channel also
    carries the 32-byte descriptor fetch, the write channel an 8-byte status write-back
    (one beat); the busier channel sets the limit."""
    beats = -(-seg // bus_bytes)
    read = beats + 32 // bus_bytes if bus_bytes <= 32 else beats + 1
    write = beats + max(1, 8 // bus_bytes)
    return seg / (max(read, write) * bus_bytes)


@cocotb.test()
async def bench_chain(dut):
    tb = await setup(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY_SG))
    total = int(os.environ.get("PYDMA_BENCH_CHAIN_BYTES", str(1 << 18)))
    for seg in (64, 256, 4096):
        n = total // seg
        stride = seg + 64  # gaps, so no two source segments are contiguous
        src = MemView(tb.memory, tb.memory.alloc(n * stride, 4096), n * stride)
        dst = MemView(tb.memory, tb.memory.alloc(total, 4096), total)
        data = tb.rng.randbytes(total)
        for i in range(n):
            src.write(i * stride, data[i * seg : (i + 1) * seg])
        src_sg = [Scatterlist(length=seg, dma_address=src.addr + i * stride, dma_length=seg) for i in range(n)]
        dst_sg = [Scatterlist(length=total, dma_address=dst.addr, dma_length=total)]
        tx = chan.prep_dma_memcpy_sg(dst_sg, 1, src_sg, n, DMA_PREP_INTERRUPT)
        assert tx is not None and len(tx.hw) == n, "one hardware descriptor per segment"
        tx.submit()
        cycles, _ = await timed_issue(tb, chan, tx)
        assert dst.read() == data, f"chain of {seg}-byte segments: data differs"
        util = total / (cycles * tb.bus_bytes)
        limit = chain_limit(seg, tb.bus_bytes)
        record(
            "chain",
            data_w=tb.data_w,
            mem=tb.mem_model,
            segment=seg,
            segments=n,
            cycles=cycles,
            utilization=round(util, 5),
            limit=round(limit, 5),
            of_limit=round(util / limit, 5),
        )
        tb.log.info(
            "chain of %d x %d B: %.1f%% of peak, %.1f%% of the %.1f%% limit",
            n,
            seg,
            100 * util,
            100 * util / limit,
            100 * limit,
        )
        tb.memory.free(src.addr)
        tb.memory.free(dst.addr)
    await chan.release()
    await tb.stop()


# -- 3: launch latency -------------------------------------------------------------------------------
async def _first_data_ar(core) -> int:
    """The first cycle with a data read request (ID 0; descriptors use ID 1) on the bus."""
    while True:
        await RisingEdge(core.clk)
        if int(core.m_axi_arvalid.value) and int(core.m_axi_arid.value) == 0:
            return now_cycles() - 1  # sampled at the edge after the cycle it was driven in


async def _first_ar(core) -> int:
    while True:
        await RisingEdge(core.clk)
        if int(core.m_axi_arvalid.value):
            return now_cycles() - 1


@cocotb.test()
async def bench_launch_latency(dut):
    tb = await setup(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    src, dst = buffers(tb, 256, 0, 0)
    for trial in range(5):
        tx = chan.prep_dma_memcpy(dst.addr, src.addr, 256, DMA_PREP_INTERRUPT)
        tx.submit()
        core = tb.core
        bell = cocotb.start_soon(_rise(tb.backend.chan_scope(chan.index).doorbell))
        fetch = cocotb.start_soon(_first_ar(core))
        data = cocotb.start_soon(_first_data_ar(core))
        done = Event()
        tx.callback = lambda _p, e=done: e.set()
        chan.issue_pending()
        await with_timeout(done.wait(), 1000, "us")
        # each happened before the interrupt: a missed edge fails here instead of hanging
        t_bell, t_fetch, t_data = [await with_timeout(t, 1, "us") for t in (bell, fetch, data)]
        # the doorbell flop rises at the edge ending its write cycle
        t_bell -= 1
        record(
            "launch",
            data_w=tb.data_w,
            mem=tb.mem_model,
            trial=trial,
            doorbell_to_fetch=t_fetch - t_bell,
            doorbell_to_data=t_data - t_bell,
        )
        tb.log.info(
            "launch: doorbell -> descriptor AR %d, -> first data AR %d cycles", t_fetch - t_bell, t_data - t_bell
        )
        await tb.idle_cycles(50)
    assert dst.read() == src.read()
    await chan.release()
    await tb.stop()


# -- 4: slave transfers with a peripheral that never stalls ----------------------------------------
@cocotb.test()
async def bench_slave(dut):
    tb = await setup(dut)
    width = min(4, tb.bus_bytes)
    count = int(os.environ.get("PYDMA_BENCH_SLAVE_ELEMS", "4096"))
    runs = [
        (pipelined, direction, every)
        for pipelined in (False, True)
        for every in (1, 4)
        for direction in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM)
    ]
    for pipelined, direction, pacing_every in runs:
        maxburst = 16
        pacing = Pacing.fixed(pacing_every)
        dev = (tb.add_tx_device if direction == DMA_MEM_TO_DEV else tb.add_rx_device)(
            LINE, width, maxburst, depth=4 * maxburst, pacing=pacing, pipelined=pipelined
        )
        chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(LINE, pipelined=pipelined))
        cfg = DmaSlaveConfig()
        if direction == DMA_MEM_TO_DEV:
            cfg.dst_addr, cfg.dst_addr_width, cfg.dst_maxburst = dev.data_addr, width, maxburst
        else:
            cfg.src_addr, cfg.src_addr_width, cfg.src_maxburst = dev.data_addr, width, maxburst
        assert chan.slave_config(cfg) == 0
        size = count * width
        buf = MemView(tb.memory, tb.memory.alloc(size, 4096), size)
        expect = b"".join(element(i, width) for i in range(count))
        if direction == DMA_MEM_TO_DEV:
            buf.write(0, expect)
            dev.expect(expect)
        tx = chan.prep_slave_single(buf.addr, size, direction, DMA_PREP_INTERRUPT)
        tx.submit()
        cycles, _ = await timed_issue(tb, chan, tx)
        if direction == DMA_DEV_TO_MEM:
            assert buf.read() == expect, "received data differs"
        tb.check_peripherals()
        ideal = count * pacing_every  # the device moves one element per pacing_every cycles
        name = "mem_to_dev" if direction == DMA_MEM_TO_DEV else "dev_to_mem"
        record(
            "slave",
            data_w=tb.data_w,
            mem=tb.mem_model,
            direction=name,
            handshake="pipelined" if pipelined else "four-phase",
            pacing=pacing_every,
            width=width,
            maxburst=maxburst,
            elements=count,
            cycles=cycles,
            of_pacing=round(ideal / cycles, 5),
        )
        tb.log.info(
            "slave %s (%s), one element per %d cycles: %d cycles for %d elements, %.1f%% of the pacing rate",
            name,
            "pipelined" if pipelined else "four-phase",
            pacing_every,
            cycles,
            count,
            100 * ideal / cycles,
        )
        dev.stop()
        await chan.release()
        tb.memory.free(buf.addr)
    await tb.stop()


# -- 6: simulation speed ----------------------------------------------------------------------------
def scattered_frame_copy(tb: DmaTb, chan, total: int, n: int):
    """A frame of random bytes gathered from `n` equal segments 64 bytes apart into one
    buffer: the prepared transaction (DMA_PREP_INTERRUPT), the destination and the frame."""
    seg = total // n
    stride = seg + 64
    src = MemView(tb.memory, tb.memory.alloc(n * stride, 4096), n * stride)
    dst = MemView(tb.memory, tb.memory.alloc(total, 4096), total)
    data = tb.rng.randbytes(total)
    for i in range(n):
        src.write(i * stride, data[i * seg : (i + 1) * seg])
    src_sg = [Scatterlist(length=seg, dma_address=src.addr + i * stride, dma_length=seg) for i in range(n)]
    dst_sg = [Scatterlist(length=total, dma_address=dst.addr, dma_length=total)]
    return chan.prep_dma_memcpy_sg(dst_sg, 1, src_sg, n, DMA_PREP_INTERRUPT), dst, data


@cocotb.test()
async def bench_sim_speed(dut):
    """A 4 MiB frame in 1024 scattered 4 KiB segments, memory to memory: simulated cycles
    per wall-clock second, on whichever memory model this build has. The native memory
    copies the frame 5 times through one reused chain and reports the median frame (one
    frame takes half a second there, so a single one is at the mercy of the machine's
    hiccups); the Python memory copies it once (about 70 s)."""
    tb = await setup(dut)
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY_SG))
    total = int(os.environ.get("PYDMA_BENCH_FRAME_BYTES", str(4 << 20)))
    frames = int(os.environ.get("PYDMA_BENCH_FRAMES", "5" if tb.mem_model == "native" else "1"))
    n = 1024
    tx, dst, data = scattered_frame_copy(tb, chan, total, n)
    assert tx.set_reuse() == 0
    runs = []  # (cycles, wall seconds) per frame
    for frame in range(frames):
        dst.write(0, bytes(total))  # each frame must land anew
        tx.submit()
        w0 = time.perf_counter()
        cycles, _ = await timed_issue(tb, chan, tx, timeout_us=10_000_000)
        runs.append((cycles, time.perf_counter() - w0))
        assert dst.read() == data, f"frame {frame} differs"
    runs.sort(key=lambda r: r[0] / r[1])  # slowest frame first
    cycles, wall = runs[len(runs) // 2]  # the median frame
    rates = [c / w for c, w in runs]
    record(
        "sim_speed",
        data_w=tb.data_w,
        mem=tb.mem_model,
        build=os.environ.get("PYDMA_BENCH_BUILD", "plain"),
        bytes=total,
        segments=n,
        frames=frames,
        cycles=cycles,
        wall_s=round(wall, 3),
        cycles_per_s=round(cycles / wall),
        min_cycles_per_s=round(rates[0]),
        max_cycles_per_s=round(rates[-1]),
    )
    tb.log.info(
        "sim speed (%s memory): median of %d frames %d cycles in %.2f s = %.0f cycles/s (%.0f-%.0f)",
        tb.mem_model,
        frames,
        cycles,
        wall,
        cycles / wall,
        rates[0],
        rates[-1],
    )
    assert tx.free() == 0
    await chan.release()
    await tb.stop()


# -- 6b: paced transfers with the native and the Python peripheral models -----------------------------
@cocotb.test()
async def bench_periph(dut):
    """A paced 3 MiB transfer each way (4-byte elements, one per cycle on the device's side,
    maxburst 16, four-phase handshake, segments of 64 KiB) with the native peripheral model
    (tb/native/native_periph.cpp), then the same with the Python one (tb/peripherals.py) on
    the same line in the same run on the native memory: simulated cycles per wall-clock
    second of each, doorbell to interrupt. The Python model moves 512 KiB (its rate does not
    depend on the size; 3 MiB takes it minutes): PYDMA_BENCH_PERIPH_PY_BYTES; it runs on the
    plain build only (the profile-guided one measures the native model alone)."""
    tb = await setup(dut)
    width, maxburst = min(4, tb.bus_bytes), 16
    sizes = {
        "native": int(os.environ.get("PYDMA_BENCH_PERIPH_BYTES", str(3 << 20))),
        "python": int(os.environ.get("PYDMA_BENCH_PERIPH_PY_BYTES", str(512 << 10))),
    }
    stream = b"".join(element(i, width) for i in range(max(sizes.values()) // width))
    # the Python model once, beside the plain build's native one (the regression's build)
    build = os.environ.get("PYDMA_BENCH_BUILD", "plain")
    default_models = "native,python" if build == "plain" else "native"
    for direction in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM):
        for model in os.environ.get("PYDMA_BENCH_PERIPH_MODELS", default_models).split(","):
            total = sizes[model]
            seg = min(total, 64 << 10)
            count = total // width
            data = stream[:total]
            mk = tb.add_tx_device if direction == DMA_MEM_TO_DEV else tb.add_rx_device
            dev = mk(LINE, width, maxburst, depth=4 * maxburst, pacing=Pacing.fixed(1), model=model)
            chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(LINE))
            cfg = DmaSlaveConfig()
            if direction == DMA_MEM_TO_DEV:
                cfg.dst_addr, cfg.dst_addr_width, cfg.dst_maxburst = dev.data_addr, width, maxburst
            else:
                cfg.src_addr, cfg.src_addr_width, cfg.src_maxburst = dev.data_addr, width, maxburst
            assert chan.slave_config(cfg) == 0
            buf = MemView(tb.memory, tb.memory.alloc(total, 4096), total)
            if direction == DMA_MEM_TO_DEV:
                buf.write(0, data)
                dev.expect(data)
            else:
                buf.write(0, bytes(total))
                dev.limit = count
            sgl = [Scatterlist(length=seg, dma_address=buf.addr + o, dma_length=seg) for o in range(0, total, seg)]
            tx = chan.prep_slave_sg(sgl, len(sgl), direction, DMA_PREP_INTERRUPT)
            tx.submit()
            w0, p0 = time.perf_counter(), time.process_time()
            cycles, _ = await timed_issue(tb, chan, tx, timeout_us=10_000_000)
            wall, cpu = time.perf_counter() - w0, time.process_time() - p0
            if direction == DMA_MEM_TO_DEV:
                assert dev.transfers == count and not dev.expected, f"{model}: {dev.transfers} of {count} elements"
            else:
                assert buf.read() == data, f"{model}: received data differs"
            tb.check_peripherals()
            name = "mem_to_dev" if direction == DMA_MEM_TO_DEV else "dev_to_mem"
            record(
                "periph",
                data_w=tb.data_w,
                mem=tb.mem_model,
                build=build,
                model=model,
                direction=name,
                bytes=total,
                width=width,
                maxburst=maxburst,
                cycles=cycles,
                wall_s=round(wall, 3),
                cycles_per_s=round(cycles / wall),
                # the simulator's own CPU time: the rate on a machine nothing else loads
                cpu_s=round(cpu, 3),
                cycles_per_cpu_s=round(cycles / cpu),
            )
            tb.log.info(
                "periph %s, %s model: %d bytes, %d cycles in %.2f s = %.0f cycles/s (%.0f per CPU second)",
                name,
                model,
                total,
                cycles,
                wall,
                cycles / wall,
                cycles / cpu,
            )
            dev.stop()
            await chan.release()
            tb.memory.free(buf.addr)
    await tb.stop()


# -- 7: driver cost ----------------------------------------------------------------------------------
@cocotb.test()
async def bench_driver(dut):
    """Wall time of prep_slave_sg for 4096 segments, and of resubmitting it with reuse
    (submit + issue_pending, which hands the chain to the hardware)."""
    tb = await setup(dut)
    width = min(8, tb.bus_bytes)
    n, seg = 4096, 64
    dev = tb.add_rx_device(LINE, width, 16, depth=64, pacing=Pacing.fixed(1))
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(LINE))
    assert chan.slave_config(DmaSlaveConfig(src_addr=dev.data_addr, src_addr_width=width, src_maxburst=16)) == 0
    buf = MemView(tb.memory, tb.memory.alloc(n * seg * 2, 4096), n * seg * 2)
    sgl = [Scatterlist(length=seg, dma_address=buf.addr + 2 * seg * i, dma_length=seg) for i in range(n)]
    t0 = time.perf_counter()
    tx = chan.prep_slave_sg(sgl, n, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
    prep_s = time.perf_counter() - t0
    assert tx is not None and tx.set_reuse() == 0
    submit_s = []  # submit + issue_pending: what a resubmit costs the client
    per_run = n * seg // width
    for run in range(3):
        t0 = time.perf_counter()
        tx.submit()
        t_submit = time.perf_counter() - t0
        _, issue_s = await timed_issue(tb, chan, tx, timeout_us=10_000_000)
        submit_s.append(t_submit + issue_s)
        got = b"".join(buf.read(2 * seg * i, seg) for i in range(n))
        assert got == b"".join(element(run * per_run + i, width) for i in range(per_run)), f"run {run}: data"
    record(
        "driver",
        data_w=tb.data_w,
        mem=tb.mem_model,
        segments=n,
        prep_ms=round(prep_s * 1e3, 3),
        first_submit_ms=round(submit_s[0] * 1e3, 3),
        resubmit_ms=round(min(submit_s[1:]) * 1e3, 3),
    )
    tb.log.info(
        "driver: prep_slave_sg(%d) %.2f ms, first submit %.2f ms, resubmit %.2f ms",
        n,
        prep_s * 1e3,
        submit_s[0] * 1e3,
        min(submit_s[1:]) * 1e3,
    )
    assert tx.free() == 0
    dev.stop()
    tb.check_peripherals()
    await chan.release()
    await tb.stop()

"""`make sim`: the default demonstration.

1. A scatter-gather copy (scatterlist to scatterlist, unaligned pieces on both sides) through
   the driver, then the same prepared chain resubmitted with DMA_CTRL_REUSE after the source
   changed; every byte and the guard bytes around each buffer are checked after each run.
2. Peripheral-paced (slave) transfers: a UART-like transmit FIFO fed through prep_slave_sg,
   and a receiver that ends its packets itself (device_fc), each checked element by element
   and against the request-line protocol.
3. With two controllers (`make sim DEVICES=2`): an async_tx chain across them, a copy on
   dma0, an XOR on dma1 that depends on it (a channel switch) and a copy of its result on
   dma1, each operation's pages mapped for its own device (dma1 sees memory at an offset).
"""

import random

import cocotb
from cocotb.triggers import Event, with_timeout

from pydma import (
    DMA_DEV_TO_MEM,
    DMA_FROM_DEVICE,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY_SG,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaSlaveConfig,
    DmaStatus,
    DmaTxState,
    Scatterlist,
    dma_map_sg,
    dma_request_channel,
    dma_sync_sg_for_cpu,
    dma_sync_sg_for_device,
    dma_unmap_sg,
    sg_init_table,
    sg_set_buf,
    sysfs,
)
from pydma.async_tx import (
    AsyncTxFlags,
    async_memcpy,
    async_tx_issue_pending_all,
    async_xor,
    dma_wait_for_async_tx,
    init_async_submit,
)
from pydma.channel_table import dma_find_channel, dmaengine_get, dmaengine_put
from pydma.dma_mapping import kfree, kmalloc
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaengineTxResult, DmaTransactionType
from pydma.raid import xor_blocks
from tb.dma_tb import DmaTb
from tb.memory_models import is_dual
from tb.peripherals import Pacing, element

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

    # The mappings live as long as the chain: between runs the CPU takes the buffers with
    # dma_sync_sg_for_cpu and hands them back with dma_sync_sg_for_device (the debug mode
    # reports a CPU access without them).
    results = []
    for run in ("first submit", "reused chain"):
        if run != "first submit":  # new source data, same prepared chain
            dma_sync_sg_for_cpu(tb.dev, src_sg, len(src_sg), DMA_TO_DEVICE)
            for b, o, n in zip(srcs, src_off, src_sizes):
                b.view.write(o, rng.randbytes(n))
            dma_sync_sg_for_device(tb.dev, src_sg, len(src_sg), DMA_TO_DEVICE)
            dma_sync_sg_for_device(tb.dev, dst_sg, len(dst_sg), DMA_FROM_DEVICE)
        callbacks, called = [], Event()
        desc.callback = lambda param, cbs=callbacks, ev=called: (cbs.append(param), ev.set())
        desc.callback_param = run
        start = tb.cycles()
        cookie = desc.submit()
        chan.issue_pending()
        status = await with_timeout(chan.sync_wait(cookie), 10, "ms")
        cycles = tb.cycles() - start
        # the callback runs in the tasklet, after the cookie completed (later on a busy machine)
        await with_timeout(called.wait(), 100, "us")
        problems = []
        if status != DmaStatus.DMA_COMPLETE or chan.tx_status(cookie, DmaTxState()) != DmaStatus.DMA_COMPLETE:
            problems.append(f"status {status.name}")
        dma_sync_sg_for_cpu(tb.dev, dst_sg, len(dst_sg), DMA_FROM_DEVICE)
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

    # plain memcpys on the same channel: what the kernel's per-channel counters count
    # (sysfs memcpy_count, bytes_transferred; scatter-gather copies are not memcpys there)
    a, b = tb.alloc_guarded(4096), tb.alloc_guarded(4096)
    for n in (4096, 1000):
        tx = chan.prep_dma_memcpy(b.addr, a.addr, n, DMA_PREP_INTERRUPT)
        cookie = tx.submit()
        chan.issue_pending()
        if await with_timeout(chan.sync_wait(cookie), 1, "ms") != DmaStatus.DMA_COMPLETE or b.view.read(
            0, n
        ) != a.view.read(0, n):
            results.append((f"memcpy of {n}", 0, "wrong data or status"))
    sysfs_dir = f"/sys/class/dma/{chan.name}"
    counters = {attr: sysfs.read(f"{sysfs_dir}/{attr}").strip() for attr in sysfs.listdir(sysfs_dir)}
    summary = await sysfs.read_async(sysfs.DEBUGFS_SUMMARY)
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
    lines.append(f"  {sysfs_dir}: " + ", ".join(f"{k} {v}" for k, v in counters.items()))
    lines.append(f"  {sysfs.DEBUGFS_SUMMARY} (before release):")
    lines += [f"    {line}" for line in summary.splitlines()]
    dut._log.info("\n".join(lines))
    assert counters["memcpy_count"] == "2" and counters["bytes_transferred"] == "5096", counters
    assert not any(problems for _, _, problems in results), "demo failed"


async def paced_run(tb: DmaTb, chan, direction, dev, segments: list[int], fc: bool = False):
    """One prep_slave_sg over guarded buffers of `segments` elements; returns (cycles,
    residue, problems)."""
    w = dev.width
    cfg = DmaSlaveConfig(device_fc=fc)
    if direction == DMA_MEM_TO_DEV:
        cfg.dst_addr, cfg.dst_addr_width, cfg.dst_maxburst = dev.data_addr, w, dev.maxburst
    else:
        cfg.src_addr, cfg.src_addr_width, cfg.src_maxburst = dev.data_addr, w, dev.maxburst
    assert chan.slave_config(cfg) == 0
    bufs = [tb.alloc_guarded(n * w, fill=bytes(n * w) if direction == DMA_DEV_TO_MEM else None) for n in segments]
    if direction == DMA_MEM_TO_DEV:
        dev.expect(b"".join(b.view.read() for b in bufs))
    sgl = [Scatterlist(length=b.size, dma_address=b.addr, dma_length=b.size) for b in bufs]
    tx = chan.prep_slave_sg(sgl, len(sgl), direction, DMA_PREP_INTERRUPT)
    done, outcome = Event(), []
    tx.callback_result = lambda param, result: (outcome.append(result), done.set())
    start = tb.cycles()
    tx.submit()
    chan.issue_pending()
    await with_timeout(done.wait(), 10, "ms")
    cycles = tb.cycles() - start
    problems = []
    if outcome[0].result != DmaengineTxResult.DMA_TRANS_NOERROR:
        problems.append(outcome[0].result.name)
    for b in bufs:
        b.check_guards()
    return bufs, cycles, outcome[0].residue, problems


@cocotb.test()
async def demo_paced_transfers(dut):
    tb = DmaTb(dut)
    await tb.start()
    rows = []

    # a UART transmitter: 1-byte register, 16-byte FIFO drained every 4 cycles, bursts of 8
    uart = tb.add_tx_device(2, 1, 8, depth=16, pacing=Pacing.fixed(4))
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=2))
    bufs, cycles, residue, problems = await paced_run(tb, chan, DMA_MEM_TO_DEV, uart, [100, 37, 120])
    if uart.expected or len(uart.received) != 257:
        problems.append(f"{len(uart.received)} of 257 bytes arrived")
    rows.append(("UART tx, 3 segments", 257, cycles, residue, problems))
    uart.stop()
    await chan.release()

    # a packet receiver: 4-byte register, ends each packet with LREQ (device_fc)
    width = min(4, tb.bus_bytes)
    rx = tb.add_rx_device(5, width, 8, depth=32, pacing=Pacing.random(tb.rng))
    packet = tb.rng.randint(30, 90)
    rx.send_packets([packet])
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=5))
    bufs, cycles, residue, problems = await paced_run(tb, chan, DMA_DEV_TO_MEM, rx, [40, 40, 40], fc=True)
    got = b"".join(b.view.read() for b in bufs)
    want = b"".join(element(i, width) for i in range(packet))
    if got[: packet * width] != want or any(got[packet * width :]):
        problems.append("received data differs from the device's packet")
    if residue != (120 - packet) * width:
        problems.append(f"residue {residue}, expected {(120 - packet) * width}")
    rows.append((f"packet rx of {packet} x {width} B (LREQ)", packet * width, cycles, residue, problems))
    rx.stop()
    await chan.release()
    try:
        tb.check_peripherals()
    except AssertionError as exc:
        rows.append(("device/protocol checks", 0, 0, 0, [str(exc)]))
    await tb.stop()

    lines = [
        "",
        "pydma demo: peripheral-paced transfers (request-line handshake, prep_slave_sg)",
        f"  {'transfer':<34}{'bytes':>7}{'cycles':>8}{'residue':>9}   result",
    ]
    for name, nbytes, cycles, residue, problems in rows:
        verdict = f"FAIL: {'; '.join(problems)}" if problems else "PASS"
        lines.append(f"  {name:<34}{nbytes:>7}{cycles:>8}{residue:>9}   {verdict}")
    monitor = tb.req_monitor
    lines.append(f"  request-line monitor: {len(monitor.handshakes)} handshakes, {len(monitor.errors)} protocol errors")
    dut._log.info("\n".join(lines))
    assert not any(problems for *_, problems in rows), "demo failed"


async def demo_two_devices(dut):
    tb = DmaTb(dut)
    await tb.start()
    rng = tb.rng
    size = 16384
    dmaengine_get()  # async_tx's channels: the least used capable one per operation type
    src, other, tmp, out = (kmalloc(tb.dev, size, 64) for _ in range(4))
    for p in (src, other, tmp, out):
        p.write(0, rng.randbytes(size))
    start = tb.cycles()
    submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None, [0] * 4)
    tx1 = await async_memcpy(tmp, src, 0, 0, size, submit)
    flags = AsyncTxFlags.ASYNC_TX_XOR_DROP_DST | AsyncTxFlags.ASYNC_TX_FENCE
    init_async_submit(submit, flags, tx1, None, None, [0] * 4)
    tx2 = await async_xor(tmp, [tmp, other], 0, 2, size, submit)
    init_async_submit(submit, AsyncTxFlags.ASYNC_TX_ACK, tx2, None, None, None)
    tx3 = await async_memcpy(out, tmp, 0, 0, size, submit)
    steps = [("copy src -> tmp", tx1), ("tmp ^= other (after the copy)", tx2), ("copy tmp -> out", tx3)]
    where = [(name, tx.chan.name) for name, tx in steps]
    async_tx_issue_pending_all()
    status = await with_timeout(dma_wait_for_async_tx(tx3), 10, "ms")
    cycles = tb.cycles() - start
    await tb.idle_cycles(20)  # the completion tasklet unmaps
    problems = []
    if status != DmaStatus.DMA_COMPLETE:
        problems.append(f"status {status.name}")
    if out.read() != xor_blocks([src.read(), other.read()]):
        problems.append("out differs from src ^ other")
    left = [m for m in tb.dma_debug.live() if m.kind != "coherent"] if tb.dma_debug is not None else []
    if left:
        problems.append(f"{len(left)} mappings left")
    shown = ("DMA_MEMCPY", "DMA_XOR", "DMA_PQ", "DMA_MEMSET", "DMA_SLAVE", "DMA_CYCLIC")
    caps = {
        d.name: ", ".join(t[4:].lower() for t in shown if DmaTransactionType[t] in d.cap_mask)
        for d in (tb.dma, tb.dma1)
    }
    assert dma_find_channel(DmaTransactionType.DMA_XOR).device is tb.dma1
    await dmaengine_put()
    for p in (src, other, tmp, out):
        kfree(p)
    await tb.stop()

    window = tb.memory.base + tb.dma1_offset
    lines = [
        "",
        "pydma demo: two controllers on one memory (an async_tx chain across them)",
        f"  dma0: {caps['dma0']}; DMA offset 0",
        f"  dma1: {caps['dma1']}; DMA offset 0x{tb.dma1_offset:x} (memory at bus 0x{window:x})",
        f"  {'operation':<32}{'channel':<12}",
    ]
    lines += [f"  {name:<32}{chan:<12}" for name, chan in where]
    verdict = f"FAIL: {'; '.join(problems)}" if problems else "PASS"
    lines.append(f"  {size} bytes through the chain in {cycles} cycles, every mapping unmapped: {verdict}")
    dut._log.info("\n".join(lines))
    assert not problems, "demo failed"


if is_dual(cocotb.top):  # make sim DEVICES=2: a test only where there are two controllers
    demo_two_devices = cocotb.test()(demo_two_devices)

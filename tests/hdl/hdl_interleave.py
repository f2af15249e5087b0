"""Interleaved (2D) transfers on the controller: random templates (memory to memory) against
the reference model of the kernel's semantics, every byte of the arena checked (the gaps
between rows keep their values); rows crossing 4 KiB pages and chunk seams; slave templates
whose requests span row ends, to and from paced devices, both handshakes; residue falling
through a frame, pause and terminate in the middle of one; malformed 2D descriptors.
Stalls on every AXI channel when the runner sets PYDMA_STALLS."""

from __future__ import annotations

import itertools
import random
import time

import cocotb
from cocotb.triggers import ClockCycles, Event, with_timeout

from pydma import DMA_DEV_TO_MEM, DMA_MEM_TO_DEV, DMA_MEM_TO_MEM, DMA_PREP_INTERRUPT, DmaStatus, DmaTxState
from pydma.dmaengine import DataChunk, DmaInterleavedTemplate, interleaved_chunks
from pydma.drivers.pydma_dmac.hw_desc import OFF
from pydma.enums import DmaCtrlFlags, DmaengineTxResult, DmaTransactionType
from pydma.hw import layout
from pydma.memory import MemView
from tb.dma_tb import CLK_NS
from tb.faults import Fault
from tb.peripherals import Pacing
from tb.testenv import (
    PIPELINED,
    callbacks_ran,
    configure,
    memcpy_channel,
    run_to_completion,
    started,
    stream,
)
from tb.testenv.raw import setup
from tb.testenv.report import update_report
from tb.testenv.slave import slave_channel, wait_paused
from tb.video import BYTES_PER_PIXEL, add_camera, add_display


def template(
    src: int, dst: int, chunks: list[DataChunk], numf: int, direction=DMA_MEM_TO_MEM
) -> DmaInterleavedTemplate:
    to_dev, from_dev = direction == DMA_MEM_TO_DEV, direction == DMA_DEV_TO_MEM
    return DmaInterleavedTemplate(
        src_start=src, dst_start=dst, dir=direction, src_inc=not from_dev, dst_inc=not to_dev,
        src_sgl=True, dst_sgl=True, numf=numf, frame_size=len(chunks), sgl=chunks,
    )  # fmt: skip


def random_chunks(rng: random.Random, b: int) -> list[DataChunk]:
    """One to three chunks: sizes around the bus width, the burst and the chunk seam."""
    size_of = lambda: rng.choice([rng.randint(1, 3 * b), rng.randint(1, 700), rng.randint(3000, 9000)])  # noqa: E731
    if rng.random() < 0.5:
        return [DataChunk(size=size_of(), icg=rng.randrange(0, 90), dst_icg=rng.randrange(0, 90))]
    return [
        DataChunk(size=size_of(), icg=rng.randrange(0, 90), dst_icg=rng.randrange(0, 90))
        for _ in range(rng.randint(1, 3))
    ]


class Frames:
    """A source and a destination arena of random bytes and a model of the destination."""

    def __init__(self, tb, size: int) -> None:
        self.size = size
        self.src = MemView(tb.memory, tb.memory.alloc(size, 4096), size)
        self.dst = MemView(tb.memory, tb.memory.alloc(size, 4096), size)
        self.src_bytes = tb.rng.randbytes(size)
        self.src.write(0, self.src_bytes)
        self.model = bytearray(tb.rng.randbytes(size))
        self.dst.write(0, bytes(self.model))

    def expect(self, xt: DmaInterleavedTemplate) -> None:
        for s, d, n in interleaved_chunks(xt):
            s, d = s - self.src.addr, d - self.dst.addr
            self.model[d : d + n] = self.src_bytes[s : s + n]

    def check(self, what: str) -> None:
        assert self.src.read() == self.src_bytes, "source arena was modified"
        got = self.dst.read()
        if got != self.model:
            bad = [i for i in range(self.size) if got[i] != self.model[i]]
            raise AssertionError(f"{what}: {len(bad)} bytes differ, first at arena offset {bad[0]:#x}")

    def free(self) -> None:
        self.src.mem.free(self.src.addr)
        self.dst.mem.free(self.dst.addr)


def xt_channel():
    return memcpy_channel(DmaTransactionType.DMA_INTERLEAVE)


@cocotb.test()
async def test_random_templates(dut):
    """Random memory-to-memory templates (one to three chunks per frame, 1 to 9 frames, any
    offsets), several in flight at once, each checked against the reference model."""
    tb = await started(dut)
    chan = xt_channel()
    rng, b = tb.rng, tb.bus_bytes
    arena = Frames(tb, 1 << 20)
    at = {"src": 64, "dst": 64}
    xts = []
    while len(xts) < (16 if tb.mem_model == "native" else 8):
        chunks, numf = random_chunks(rng, b), rng.randint(1, 9)
        xt = template(0, 0, chunks, numf)
        rows = interleaved_chunks(xt)
        s_span, d_span = max(s + n for s, _, n in rows), max(d + n for _, d, n in rows)
        if at["src"] + s_span > arena.size - 64 or at["dst"] + d_span > arena.size - 64:
            break
        xt.src_start = arena.src.addr + at["src"] + rng.randrange(b)
        xt.dst_start = arena.dst.addr + at["dst"] + rng.randrange(b)
        at["src"] += s_span + b + rng.randrange(64)
        at["dst"] += d_span + b + rng.randrange(64)
        xts.append(xt)
    for i in range(0, len(xts), 6):
        cookies = []
        for xt in xts[i : i + 6]:
            tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
            assert tx is not None, f"prep refused {xt}"
            cookies.append(tx.submit())
            arena.expect(xt)
        chan.issue_pending()
        assert await with_timeout(chan.sync_wait(cookies[-1]), 50_000, "us") == DmaStatus.DMA_COMPLETE
    arena.check(f"{len(xts)} templates")
    tb.log.info("%d random templates checked against the reference model", len(xts))
    arena.free()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_rows_across_pages_and_seams(dut):
    """A frame whose rows are longer than a chunk, at a pitch that walks every row start
    across 4 KiB pages and chunk seams; then rows of one byte, and rows of one bus word."""
    tb = await started(dut)
    chan = xt_channel()
    b = tb.bus_bytes
    arena = Frames(tb, 1 << 20)
    cases = [
        (arena.src.addr + 3, arena.dst.addr + 5, [DataChunk(size=5000, icg=632, dst_icg=1097)], 24),
        (arena.src.addr + 400_001, arena.dst.addr + 400_003, [DataChunk(size=1, icg=3, dst_icg=b)], 300),
        (arena.src.addr + 600_000, arena.dst.addr + 600_000 + b - 1, [DataChunk(size=b, icg=b, dst_icg=4096 - b)], 40),
    ]
    for src, dst, chunks, numf in cases:
        xt = template(src, dst, chunks, numf)
        tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
        result = await run_to_completion(tx, timeout_us=50_000)
        assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR and result.residue == 0
        arena.expect(xt)
        arena.check(f"rows of {chunks[0].size} at a pitch of {chunks[0].size + chunks[0].dst_icg}")
    arena.free()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_slave_rows(dut):
    """Rows to and from a paced device, both directions, fixed and random pacing: a frame of
    rows of 5 elements (one 2D descriptor; bursts of 4 and 8 span row ends) and a frame of
    rows of 5 and 3 (a descriptor per row, in order) and rows without gaps (one plain
    descriptor); every element checked at the device or
    in memory, every gap byte kept, every request moving its whole burst."""
    tb = await started(dut)
    chan = slave_channel()
    width = min(4, tb.bus_bytes)
    frames = (
        ("2D", [DataChunk(size=5 * width, icg=7)], 14),
        ("mixed", [DataChunk(size=5 * width, icg=7), DataChunk(size=3 * width, icg=width)], 9),
        ("packed", [DataChunk(size=5 * width, icg=0)], 6),
    )
    for direction in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM):
        for (maxburst, pacing), (kind, chunks, numf) in itertools.product(((4, "fixed"), (8, "random")), frames):
            to_dev = direction == DMA_MEM_TO_DEV
            mk = tb.add_tx_device if to_dev else tb.add_rx_device
            pace = Pacing.fixed(1) if pacing == "fixed" else Pacing.random(tb.rng)
            dev = mk(3, width, maxburst, depth=2 * maxburst, pacing=pace, pipelined=PIPELINED)
            buf = tb.alloc_guarded(numf * sum(c.size + c.icg for c in chunks) + 16)
            mem = buf.addr + 1
            xt = template(mem if to_dev else 0, 0 if to_dev else mem, chunks, numf, direction)
            rows = [((s if to_dev else d) - buf.addr, n) for s, d, n in interleaved_chunks(xt)]
            before = buf.view.read()
            total = sum(n for _, n in rows) // width
            if to_dev:
                dev.expect(b"".join(before[o : o + n] for o, n in rows))
            else:
                dev.limit = total
            configure(chan, direction, dev.data_addr, width, maxburst)
            tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
            assert tx is not None
            xt_ctrl = bool(int.from_bytes(tx.hw[0].view.read(OFF["CTRL"], 4), "little") & int(layout.DescCtrl.XT))
            assert xt_ctrl == (kind == "2D"), f"{kind} frame: CTRL.XT {xt_ctrl}"
            seen = len(tb.req_monitor.handshakes)
            done_cnt = layout.chan_reg_addr(chan.index, "DONE_CNT")
            descs = await tb.backend.readl(done_cnt)
            result = await run_to_completion(tx, timeout_us=20_000)
            descs = await tb.backend.readl(done_cnt) - descs
            assert descs == (len(rows) if kind == "mixed" else 1), f"{kind} frame as {descs} descriptors"
            assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR and result.residue == 0
            after = buf.view.read()
            # each request moved its whole burst (or element), across row ends too: the
            # requests served account for every element (the last burst maybe short)
            served = sum(maxburst if h.kind == "burst" else 1 for h in tb.req_monitor.handshakes[seen:])
            assert total <= served < total + maxburst, f"{served} elements requested for {total}"
            if to_dev:
                assert len(dev.received) == total and not dev.expected
                assert after == before
            else:
                expect, data, at = bytearray(before), stream(0, total, width), 0
                for o, n in rows:
                    expect[o : o + n] = data[at : at + n]
                    at += n
                assert after == bytes(expect), "received rows differ, or a gap byte changed"
            buf.check_guards()
            buf.free()
            dev.stop()
            tb.check_peripherals()
            tb.log.info(
                "%s maxburst %d %s pacing, %s frame: %d rows", direction.name, maxburst, pacing, kind, len(rows)
            )
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_residue_pause_and_terminate_in_a_frame(dut):
    """A large frame: the residue falls through it in bursts, never rises; a pause holds
    it; a terminate in the middle stops it with nothing written after
    dmaengine_terminate_sync, and a new frame on the channel then runs whole."""
    tb = await started(dut)
    chan = xt_channel()
    arena = Frames(tb, 1 << 21)
    rows = 120 if tb.mem_model == "native" else 60
    xt = template(arena.src.addr + 1, arena.dst.addr + 2, [DataChunk(size=3000, icg=100, dst_icg=500)], rows)
    tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
    cookie = tx.submit()
    chan.issue_pending()
    seen = []
    state = DmaTxState()
    while chan.tx_status(cookie, state) != DmaStatus.DMA_COMPLETE and len(seen) < 40:
        seen.append(state.residue)
        await ClockCycles(dut.clk, 500)
    assert seen == sorted(seen, reverse=True) and len(set(seen)) > 5, f"residue through the frame: {seen}"
    assert chan.pause() == 0
    await with_timeout(wait_paused(tb, chan), 1000, "us")  # what is on the bus lands first
    chan.tx_status(cookie, state)
    held = state.residue
    await ClockCycles(dut.clk, 2000)
    assert chan.tx_status(cookie, state) == DmaStatus.DMA_PAUSED and state.residue == held, "a pause holds the frame"
    assert chan.resume() == 0
    await ClockCycles(dut.clk, 1000)
    assert await chan.terminate_sync() == 0
    moved = arena.dst.read()
    await ClockCycles(dut.clk, 3000)
    assert arena.dst.read() == moved, "written after terminate_sync"
    # what landed is a prefix of the frame in the template's order: whole rows, then part
    # of one row, then rows untouched (and every gap untouched)
    got, rows, cut = bytes(moved), interleaved_chunks(xt), None
    for i, (s, d, n) in enumerate(rows):
        s, d = s - arena.src.addr, d - arena.dst.addr
        new, old = arena.src_bytes[s : s + n], arena.model[d : d + n]
        if cut is None and got[d : d + n] != new:
            cut = i
            p = next(p for p in range(n + 1) if got[d + p : d + n] == old[p:])
            assert got[d : d + p] == new[:p], f"row {i} is not a prefix of the source then the old bytes"
            arena.model[d : d + p] = new[:p]
        elif cut is None:
            arena.model[d : d + n] = new
    assert cut is not None and 0 < cut < len(rows), f"terminated in the middle of the frame, not at row {cut}"
    arena.check("after terminate")
    tb.log.info("terminated at row %d of %d", cut, len(rows))
    xt2 = template(arena.src.addr + 5, arena.dst.addr + 1_000_000, [DataChunk(size=777, icg=33, dst_icg=2)], 40)
    result = await run_to_completion(chan.prep_interleaved_dma(xt2, DMA_PREP_INTERRUPT), timeout_us=50_000)
    assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
    arena.expect(xt2)
    arena.check("a frame after terminate")
    await callbacks_ran(chan)
    arena.free()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_malformed_2d_descriptors(dut):
    """Without the driver: a 2D descriptor with ROW_LEN 0, or on a MEMSET, or marked REPEAT
    on a memory copy, completes with DESC and halts the channel, moving nothing; a bus error
    on its second half halts it with FETCH (the descriptor not written back), also behind a
    copy still in flight (which completes first); a slave 2D descriptor whose rows are not
    whole device elements completes with DESC (written back, nothing moved); after
    CTRL.RESET good 2D descriptors run, one whose last row is short and one shorter than a
    row."""
    tb, raw, descs, data = await setup(dut)
    ctrl = layout.reg("CTRL")
    run = ctrl.field("RUN").mask | ctrl.field("IOC_IRQ_EN").mask | ctrl.field("ERR_IRQ_EN").mask
    d = descs.ptr(0, 64)
    xt_bit = int(layout.DescCtrl.XT)
    memset = layout.desc_ctrl(layout.DescOp.MEMSET, flags=xt_bit)
    faults = tb.fault_injector()
    src, dst = data.addr, data.addr + 4096
    cases = [  # (name, SRC, CTRL, (ROW_LEN, SRC_STRIDE, DST_STRIDE), the error)
        ("ROW_LEN 0", src, xt_bit, (0, 32, 32), layout.ErrCode.DESC),
        ("XT MEMSET", 0x5A, memset, (16, 16, 32), layout.ErrCode.DESC),
        ("second half", src, xt_bit, (16, 32, 32), layout.ErrCode.FETCH),
        ("REPEAT on a copy", src, xt_bit | int(layout.DescCtrl.REPEAT), (16, 32, 32), layout.ErrCode.DESC),
    ]
    for name, d_src, d_ctrl, rows, code in cases:
        data.write(4096, bytes(256))
        raw.desc(d, 0, d_src, dst, 64, d_ctrl, rows)
        fault = faults.add(Fault("read", lo=d.addr + 32, hi=d.addr + 64)) if code == layout.ErrCode.FETCH else None
        await raw.ring(d.addr, d.addr)
        st = await raw.wait_idle()
        assert raw.field(st, "STATUS", "HALTED") and raw.field(st, "STATUS", "ERR_CODE") == code, name
        status, xferred = raw.status(d)
        if code == layout.ErrCode.DESC:
            assert status == layout.DescStatus.DONE | (code << layout.DescStatus.ERR_SHIFT) and xferred == 0, name
        else:
            assert status == 0 and fault.hits == 1, f"{name}: written back, or not fetched"
            faults.remove(fault)
        assert data.read(4096, 256) == bytes(256), f"{name}: data moved"
        tb.log.info("%s: the channel halted with %s, as it should", name, code.name)
        raw.write("CTRL", ctrl.field("RESET").mask)
        raw.write("STATUS", layout.reg("STATUS").field("ERR_IRQ").mask)
        raw.write("CTRL", run)
    # a slave 2D descriptor whose rows are not whole device elements: DESC, written back
    cfg = layout.reg("SLAVE_CFG")
    raw.write("DEV_ADDR_HI", 0)
    raw.write("DEV_ADDR_LO", dst)
    raw.write("SLAVE_CFG", (int(layout.Direction.MEM_TO_DEV) << cfg.field("DIR").lsb) | (2 << cfg.field("WIDTH").lsb))
    raw.desc(d, 0, src, 0, 64, xt_bit, (6, 32, 0))
    await raw.ring(d.addr, d.addr)
    st = await raw.wait_idle()
    assert raw.field(st, "STATUS", "HALTED") and raw.field(st, "STATUS", "ERR_CODE") == layout.ErrCode.DESC
    assert raw.status(d) == (layout.DescStatus.DONE | (layout.ErrCode.DESC << layout.DescStatus.ERR_SHIFT), 0)
    assert data.read(4096, 256) == bytes(256), "data moved to DEV_ADDR"
    tb.log.info("slave 2D rows of 6 bytes for 4-byte elements: the channel halted with DESC, as it should")
    raw.write("CTRL", ctrl.field("RESET").mask)
    raw.write("STATUS", layout.reg("STATUS").field("ERR_IRQ").mask)
    raw.write("SLAVE_CFG", 0)
    raw.write("CTRL", run)
    # the second half fails behind a copy still in flight: the copy completes, then the
    # channel halts with FETCH (the 2D descriptor not written back)
    data.write(4096, bytes(256))
    copy, xt_desc = descs.ptr(64, 64), descs.ptr(128, 64)
    big = MemView(tb.memory, tb.memory.alloc(2 * 16384, 4096), 2 * 16384)
    big.write(0, tb.rng.randbytes(16384))
    raw.desc(copy, xt_desc.addr, big.addr, big.addr + 16384, 16384, 0)
    raw.desc(xt_desc, 0, src, dst, 64, xt_bit, (16, 32, 32))
    fault = faults.add(Fault("read", lo=xt_desc.addr + 32, hi=xt_desc.addr + 64))
    await raw.ring(copy.addr, xt_desc.addr)
    st = await raw.wait_idle(20_000)
    assert raw.field(st, "STATUS", "HALTED") and raw.field(st, "STATUS", "ERR_CODE") == layout.ErrCode.FETCH
    assert raw.status(copy) == (layout.DescStatus.DONE, 16384), "the copy ahead completes"
    assert big.read(16384, 16384) == big.read(0, 16384), "the copy ahead moved its data"
    assert raw.status(xt_desc)[0] == 0 and fault.hits == 1 and data.read(4096, 256) == bytes(256)
    faults.remove(fault)
    tb.log.info("second half failing behind a copy in flight: the copy completed, then FETCH, as it should")
    raw.write("CTRL", ctrl.field("RESET").mask)
    raw.write("STATUS", layout.reg("STATUS").field("ERR_IRQ").mask)
    raw.write("CTRL", run)
    # good ones: rows of 16 bytes, source pitch 32, destination pitch 48; LEN 71 (the last
    # row 7 bytes), then LEN 10 (shorter than one row)
    src = data.read(0, 4096)
    for length in (71, 10):
        data.write(4096, bytes(256))
        raw.desc(d, 0, data.addr + 3, data.addr + 4096 + 5, length, xt_bit | int(layout.DescCtrl.IOC), (16, 32, 48))
        await raw.ring(d.addr, d.addr)
        st = await raw.wait_idle()
        assert not raw.field(st, "STATUS", "HALTED") and raw.status(d) == (layout.DescStatus.DONE, length)
        expect = bytearray(256)
        for r, at in enumerate(range(0, length, 16)):
            n = min(16, length - at)
            expect[5 + 48 * r : 5 + 48 * r + n] = src[3 + 32 * r : 3 + 32 * r + n]
        assert data.read(4096, 256) == bytes(expect), f"LEN {length}: rows at their pitches, gaps untouched"
    await tb.stop()


@cocotb.test()
async def test_scanout_repeat_load_eot(dut):
    """A display scans out a frame repeated with DMA_PREP_REPEAT; 50 times, at random
    moments, the test queues the next frame with DMA_PREP_LOAD_EOT. The display sees whole
    frames only, each entirely one buffer, in the order queued, every one shown, and never
    starves; each replaced frame completes; one queued without LOAD_EOT waits behind the
    repeating frame until the terminate. The display is the native model on the native
    memory (native_video.cpp), the Python one on the Python memory."""
    tb = await started(dut)
    chan = slave_channel()
    # the pixel rate: an element every 3 cycles; the four-phase handshake waits for each
    # burst's write response before the next request, so it feeds a slower display
    width, maxburst, every = min(4, tb.bus_bytes), 8, 3 if PIPELINED else 8
    swaps = 50 if tb.mem_model == "native" else 16  # (every beat is Python on the Python memory)
    line_bytes, pitch, lines = 32 * width, 48 * width, 8
    frame_bytes = line_bytes * lines
    display = add_display(tb, 3, width, maxburst, frame_bytes, every, pipelined=PIPELINED)
    configure(chan, DMA_MEM_TO_DEV, display.data_addr, width, maxburst)
    repeat, load_eot = DmaCtrlFlags.DMA_PREP_REPEAT, DmaCtrlFlags.DMA_PREP_LOAD_EOT
    bufs, cookies = [], []
    for i in range(swaps + 1):
        buf = tb.alloc_guarded(pitch * lines)
        bufs.append(buf)
        raw = buf.view.read()
        display.queue(b"".join(raw[r * pitch : r * pitch + line_bytes] for r in range(lines)))
        xt = template(buf.addr, 0, [DataChunk(size=line_bytes, icg=pitch - line_bytes)], lines, DMA_MEM_TO_DEV)
        irq = DMA_PREP_INTERRUPT if i % 4 else 0  # (frame 0 among them repeats without an interrupt)
        tx = chan.prep_interleaved_dma(xt, irq | repeat | (load_eot if i else 0))
        assert tx is not None
        cookies.append(tx.submit())
        chan.issue_pending()
        frame_cycles = frame_bytes // width * every
        await ClockCycles(dut.clk, tb.rng.randint(0, 2 * frame_cycles) if i else 3 * frame_cycles)
    for _ in range(200):  # the last one repeats (within 200,000 cycles: about 60 frames)
        if display.shown.count(swaps) >= 2:
            break
        await ClockCycles(dut.clk, 1000)
    # one prepared without DMA_PREP_LOAD_EOT waits behind the repeating frame until the
    # terminate (the kernel's rule: only a LOAD_EOT transaction ends a repetition)
    late = tb.alloc_guarded(pitch * lines)
    raw = late.view.read()
    late_at = display.queue(b"".join(raw[r * pitch : r * pitch + line_bytes] for r in range(lines)))
    xt = template(late.addr, 0, [DataChunk(size=line_bytes, icg=pitch - line_bytes)], lines, DMA_MEM_TO_DEV)
    late_cookie = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT | repeat).submit()
    chan.issue_pending()
    await ClockCycles(dut.clk, 3 * frame_bytes // width * every)
    assert late_at not in display.shown, "a transaction without LOAD_EOT took over a repeating one"
    assert not any(d.on_hw for d in chan.desc_issued if d.cookie == late_cookie), "handed to the hardware"
    bufs.append(late)
    tb.check_peripherals()  # no torn frame, no frame out of order, no underrun
    display.stop_scanning()
    missing = sorted(set(range(swaps + 1)) - set(display.shown))
    assert not missing, f"frames never shown: {missing}"
    for c in cookies[:-1]:
        assert chan.tx_status(c) == DmaStatus.DMA_COMPLETE, "a replaced frame completes"
    assert chan.tx_status(cookies[-1]) == DmaStatus.DMA_IN_PROGRESS, "the last frame repeats until terminated"
    assert await chan.terminate_sync() == 0
    tb.check_peripherals()  # no torn frame, no frame out of order, no underrun
    tb.log.info("%d frames scanned out, %d of them repeats", len(display.shown), len(display.shown) - swaps - 1)
    display.stop()
    for buf in bufs:
        buf.check_guards()
        buf.free()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_raw_repeat_without_ioc(dut):
    """Without the driver (which marks every transaction's last descriptor IOC): a repeating
    2D slave descriptor without IOC runs frame after frame while it is the tail, FRAME_CNT
    counting the repeats, and raises no interrupt; the display sees whole frames of the one
    buffer and never starves. ABORT stops it."""
    tb, raw, descs, data = await setup(dut)
    width, maxburst, every = min(4, tb.bus_bytes), 8, 3 if PIPELINED else 8
    line_bytes, pitch, lines = 16 * width, 24 * width, 4
    frame_bytes = line_bytes * lines
    display = add_display(tb, 3, width, maxburst, frame_bytes, every, pipelined=PIPELINED)
    pixels = data.read(0, pitch * lines)
    display.queue(b"".join(pixels[r * pitch : r * pitch + line_bytes] for r in range(lines)))
    cfg = layout.reg("SLAVE_CFG")
    raw.write("DEV_ADDR_HI", display.data_addr >> 32)
    raw.write("DEV_ADDR_LO", display.data_addr & 0xFFFF_FFFF)
    raw.write(
        "SLAVE_CFG",
        (int(layout.Direction.MEM_TO_DEV) << cfg.field("DIR").lsb)
        | ((width.bit_length() - 1) << cfg.field("WIDTH").lsb)
        | (3 << cfg.field("REQ_LINE").lsb)
        | (int(PIPELINED) << cfg.field("REQ_PIPE").lsb)
        | ((maxburst - 1) << cfg.field("BURST_M1").lsb),
    )
    d = descs.ptr(0, 64)
    repeat = int(layout.DescCtrl.XT) | int(layout.DescCtrl.REPEAT)  # (no IOC)
    raw.desc(d, 0, data.addr, 0, frame_bytes, repeat, (line_bytes, pitch, 0))
    await raw.ring(d.addr, d.addr)
    frame_cycles = frame_bytes // width * every
    await ClockCycles(dut.clk, 5 * frame_cycles)
    frames = await raw.read("FRAME_CNT")
    st = await raw.read("STATUS")
    assert frames >= 3, f"FRAME_CNT {frames} after five frames' time"
    assert not raw.field(st, "STATUS", "IOC_IRQ") and not int(tb.core.irq.value), "a frame without IOC interrupted"
    assert raw.field(st, "STATUS", "BUSY") and raw.status(d) == (0, 0), "a repeating frame was written back"
    raw.write("CTRL", layout.reg("CTRL").field("ABORT").mask)
    st = await raw.wait_idle()
    assert raw.field(st, "STATUS", "ABORT_IRQ") and not raw.field(st, "STATUS", "IOC_IRQ")
    display.stop_scanning()
    tb.check_peripherals()  # no torn frame, no underrun
    assert len(display.shown) >= 3 and set(display.shown) == {0}, display.shown
    tb.log.info("%d frames repeated without IOC, no interrupt; ABORT stopped them", frames)
    display.stop()
    await tb.stop()


@cocotb.test()
async def test_capture_frames(dut):
    """A camera (a pixel clock, blanking between lines and frames) writes 3 frames through
    one interleaved descriptor per frame into buffers whose pitch is larger than a line:
    every pixel lands, every pad byte between the lines keeps its value, the camera never
    overruns. 1280x720 at a pitch of 5632 bytes where the camera is the native model and
    the handshake the pipelined one without stalls; small frames elsewhere (a 720p frame
    paced for the four-phase handshake, or Python's camera, takes minutes). Each frame's
    cycles and wall time go to build/reports/video_frames.json (key interleaved_<memory>_<DATA_W>)."""
    tb = await started(dut)
    chan = slave_channel()
    big = tb.periph_model() == "native" and PIPELINED and not tb.stalls  # (the native camera)
    w, h, pitch = (1280, 720, 5632) if big else (64, 12, 64 * BYTES_PER_PIXEL + 40)
    line_bytes = w * BYTES_PER_PIXEL
    # a pixel every 2 cycles; the four-phase handshake (a burst's write response before the
    # next request) keeps up with one every 4; with stalls on the bus, half that
    every = (2 if PIPELINED else 4) * (2 if tb.stalls else 1)
    hblank, vblank = 24 * every, 150 * every
    camera = add_camera(tb, 3, 8, w, h, hblank=hblank, vblank=vblank, every=every, pipelined=PIPELINED)
    configure(chan, DMA_DEV_TO_MEM, camera.data_addr, BYTES_PER_PIXEL, 8)
    bufs, cookies, done, all_done = [], [], [], Event()

    def frame_done(param, result) -> None:
        assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR and result.residue == 0
        done.append((tb.cycles(), time.perf_counter()))
        if len(done) == 3:
            all_done.set()

    for _ in range(3):
        buf = tb.alloc_guarded(pitch * h)
        bufs.append((buf, buf.view.read()))
        xt = template(0, buf.addr, [DataChunk(size=line_bytes, icg=pitch - line_bytes)], h, DMA_DEV_TO_MEM)
        tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
        assert tx is not None and len(tx.hw) == 1, "a frame is one 2D descriptor"
        tx.callback_result = frame_done
        cookies.append(tx.submit())
    chan.issue_pending()
    camera.start(frames=3)
    start = (tb.cycles(), time.perf_counter())
    expected_cycles = 3 * (h * (w * every + hblank) + vblank)
    await with_timeout(all_done.wait(), 2 * expected_cycles * CLK_NS + 20_000, "ns")  # (twice the expected time)
    assert chan.tx_status(cookies[-1]) == DmaStatus.DMA_COMPLETE
    tb.check_peripherals()  # no overrun, request-line protocol
    for n, (buf, before) in enumerate(bufs):
        got, expect = buf.view.read(), bytearray(before)
        for y, line in enumerate(camera.frame(n)):
            expect[y * pitch : y * pitch + line_bytes] = line
        if got != bytes(expect):
            bad = next(i for i in range(len(got)) if got[i] != expect[i])
            what = "a pixel" if bad % pitch < line_bytes else "a pad byte"
            raise AssertionError(f"frame {n}: {what} differs at line {bad // pitch}, byte {bad % pitch}")
        buf.check_guards()
        buf.free()
    marks = [start, *done]
    frames = [{"cycles": c1 - c0, "wall_s": round(t1 - t0, 3)} for (c0, t0), (c1, t1) in itertools.pairwise(marks)]
    per_frame = ", ".join(f"{f['cycles']} cycles in {f['wall_s']} s" for f in frames)
    camera_model = "native" if getattr(camera, "native", False) else "python"
    tb.log.info("captured 3 frames of %dx%d (pitch %d), %s camera: %s", w, h, pitch, camera_model, per_frame)
    update_report(
        "video_frames.json",
        f"interleaved_{tb.mem_model}_{tb.data_w}",
        {"width": w, "height": h, "pitch": pitch, "camera": camera_model, "data_w": tb.data_w,
         "pixel_every": every, "frames": frames},
    )  # fmt: skip
    camera.stop()
    await chan.release()
    await tb.stop()

"""The register and descriptor contract, exercised directly (no driver): identification,
doorbell and tail semantics (a tail moved back onto the running descriptor and forward
again), EOC, interrupt status write-1-to-clear, descriptor errors, and answers to register
misuse."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles
from cocotbext.axi.constants import AxiProt, AxiResp

from pydma.hw import layout
from tb.dma_tb import DmaTb
from tb.testenv.raw import CH, setup


@cocotb.test()
async def test_identification(dut):
    tb = DmaTb(dut)
    await tb.reset()
    backend = tb.backend
    assert await backend.readl(layout.reg("ID").offset) == layout.ID_MAGIC
    assert await backend.readl(layout.reg("VERSION").offset) == layout.VERSION
    cfg = await backend.readl(layout.reg("CONFIG").offset)
    c = layout.reg("CONFIG")
    assert (cfg & c.field("NUM_CH").mask) >> c.field("NUM_CH").lsb == tb.num_ch
    assert (cfg & c.field("DATA_BYTES").mask) >> c.field("DATA_BYTES").lsb == tb.bus_bytes
    assert (cfg & c.field("ADDR_W").mask) >> c.field("ADDR_W").lsb == tb.addr_w


@cocotb.test()
async def test_eoc_stops_and_doorbell_resumes(dut):
    """d0 -> d1(EOC) -> d2 with TAIL = d2: the channel stops after d1; ringing the doorbell
    again resumes through d1's NEXT. Each completion counts in DONE_CNT; IOC is W1C."""
    tb, raw, descs, data = await setup(dut)
    d = [descs.ptr(i * 64, 64) for i in range(3)]
    src, dst = data.addr, data.addr + 4096
    raw.desc(d[0], d[1].addr, src, dst, 100, 0)
    raw.desc(d[1], d[2].addr, src + 100, dst + 100, 50, layout.DescCtrl.EOC | layout.DescCtrl.IOC)
    raw.desc(d[2], 0, src + 150, dst + 150, 30, layout.DescCtrl.IOC)
    await raw.ring(d[0].addr, d[2].addr)
    st = await raw.wait_idle()
    assert await raw.read("DONE_CNT") == 2, "EOC did not stop the channel"
    assert raw.field(st, "STATUS", "IOC_IRQ") and int(dut.irq.value) >> CH & 1
    assert raw.status(d[1]) == (layout.DescStatus.DONE, 50)
    assert raw.status(d[2]) == (0, 0)
    raw.write("STATUS", layout.reg("STATUS").field("IOC_IRQ").mask)  # W1C
    await tb.backend.flush()
    await ClockCycles(dut.clk, 2)
    assert not int(dut.irq.value) >> CH & 1, "W1C did not drop the interrupt"
    await raw.ring(None, d[2].addr)  # same tail: doorbell resumes via d1's NEXT
    await raw.wait_idle()
    assert await raw.read("DONE_CNT") == 3
    assert raw.status(d[2]) == (layout.DescStatus.DONE, 30)
    assert data.read(4096, 180) == data.read(0, 180)
    assert data.read(4096 + 180, 64) == bytes(64), "wrote past the last descriptor"
    # ringing again with nothing new does nothing
    await raw.ring(None, d[2].addr)
    await ClockCycles(dut.clk, 200)
    assert await raw.read("DONE_CNT") == 3


@cocotb.test()
async def test_tail_moved_back_and_forward(dut):
    """TAIL_DESC moved back onto the descriptor being issued (d0 of d0 -> d1) stops the chain
    after d0; moved forward to d1 again while d0's writes are still unanswered, the channel
    goes on to d1 from its wait for them (on the Python memory the test holds the write
    responses to make that wait; on the native one the tail moves after d0 completed, and the
    doorbell resumes through d0's NEXT). d1 runs once, its data exact, nothing beyond it."""
    tb, raw, descs, data = await setup(dut)
    d = [descs.ptr(i * 64, 64) for i in range(2)]
    src, dst = data.addr, data.addr + 4096
    n0, n1 = 3000, 100
    raw.desc(d[0], d[1].addr, src, dst, n0, 0)
    raw.desc(d[1], 0, src + n0, dst + n0, n1, layout.DescCtrl.IOC)
    hold = tb.mem_model == "python"
    b_channel = tb.model.slaves[0].channels()[2] if hold else None  # (AW, W, B, AR, R)
    last_read = cocotb.triggers.Event()

    def watch(addr: int, length: int, is_write: bool) -> None:
        if not is_write and addr <= src + n0 - 1 < addr + length and not last_read.is_set():
            b_channel.pause = True  # d0's last chunk is issued: hold its write responses
            last_read.set()

    if hold:
        tb.model.watch_accesses(watch)
    await raw.ring(d[0].addr, d[1].addr)
    await raw.ring(None, d[0].addr)  # back onto d0 while it is issued
    if hold:
        await last_read.wait()
        await ClockCycles(dut.clk, 20)
        assert await raw.read("DONE_CNT") == 0, "d0 completed with its write responses held"
        await raw.ring(None, d[1].addr)  # forward again, while the channel waits for d0
        await ClockCycles(dut.clk, 20)
        b_channel.pause = False
        tb.model.watch_accesses(None)
    else:
        for _ in range(500):
            if await raw.read("DONE_CNT") == 1:
                break
            await ClockCycles(dut.clk, 10)
        await raw.ring(None, d[1].addr)
    st = await raw.wait_idle()
    assert not raw.field(st, "STATUS", "HALTED"), hex(st)
    assert await raw.read("DONE_CNT") == 2
    assert raw.status(d[0]) == (layout.DescStatus.DONE, n0)
    assert raw.status(d[1]) == (layout.DescStatus.DONE, n1)
    assert data.read(4096, n0 + n1) == data.read(0, n0 + n1)
    assert data.read(4096 + n0 + n1, 64) == bytes(64), "wrote past d1"


@cocotb.test()
async def test_descriptor_errors_halt(dut):
    """A zero length, a reserved flag bit, a misaligned NEXT: the channel halts with
    ERR_CODE DESC and an error interrupt, writes the error into the descriptor where it
    can, moves no data, and works again after CTRL.RESET."""
    _tb, raw, descs, data = await setup(dut)
    ctrl = layout.reg("CTRL")
    run = ctrl.field("RUN").mask | ctrl.field("IOC_IRQ_EN").mask | ctrl.field("ERR_IRQ_EN").mask
    d = descs.ptr(0, 64)
    e = descs.ptr(64, 64)
    cases = [
        ("zero length", lambda: raw.desc(d, 0, data.addr, data.addr + 4096, 0, 0), True),
        ("reserved bit", lambda: raw.desc(d, 0, data.addr, data.addr + 4096, 16, 1 << 7), True),
        # met after a good descriptor (which still completes) and as the head of a run
        ("misaligned next", lambda: raw.desc(d, e.addr + 8, data.addr, data.addr + 4096, 16, 0), False),
        ("misaligned head", lambda: raw.desc(d, 0, data.addr, data.addr + 4096, 16, 0), False),
    ]
    for name, build, reported_in_desc in cases:
        data.write(4096, bytes(64))
        build()
        raw.desc(e, 0, data.addr, data.addr + 4096, 16, 0)
        tail = e.addr if name == "misaligned next" else d.addr
        await raw.ring(d.addr + 8 if name == "misaligned head" else d.addr, tail)
        st = await raw.wait_idle()
        assert raw.field(st, "STATUS", "HALTED"), name
        assert raw.field(st, "STATUS", "ERR_CODE") == layout.ErrCode.DESC, name
        assert raw.field(st, "STATUS", "ERR_IRQ") and int(dut.irq.value) >> CH & 1, name
        # a halted channel refuses a new chain until ABORT or RESET (it would be dropped)
        cur = await raw.read("CUR_DESC_LO")
        for reg, value in (("CUR_DESC_LO", e.addr & 0xFFFF_FFFF), ("CUR_DESC_HI", e.addr >> 32)):
            wr = await _tb.axil.write(raw.reg(reg), value.to_bytes(4, "little"))
            assert wr.resp == AxiResp.SLVERR, f"{name}: {reg} write to a halted channel answered {wr.resp}"
        assert await raw.read("CUR_DESC_LO") == cur, f"{name}: CUR_DESC changed while halted"
        if name == "misaligned head":  # nothing fetched, nothing moved, nothing counted
            assert data.read(4096, 64) == bytes(64) and await raw.read("DONE_CNT") == 0, name
        if reported_in_desc:
            status, xferred = raw.status(d)
            assert status == layout.DescStatus.DONE | (layout.ErrCode.DESC << layout.DescStatus.ERR_SHIFT), name
            assert xferred == 0
            assert data.read(4096, 64) == bytes(64), f"{name}: data moved"
        raw.write("CTRL", ctrl.field("RESET").mask)
        raw.write("STATUS", layout.reg("STATUS").field("ERR_IRQ").mask | layout.reg("STATUS").field("IOC_IRQ").mask)
        raw.write("CTRL", run)
        st = await raw.read("STATUS")
        assert not raw.field(st, "STATUS", "HALTED") and raw.field(st, "STATUS", "ERR_CODE") == 0
        assert await raw.read("DONE_CNT") == 0
    # and a good descriptor works after the resets
    raw.desc(d, 0, data.addr, data.addr + 4096, 64, 0)
    await raw.ring(d.addr, d.addr)
    await raw.wait_idle()
    assert data.read(4096, 64) == data.read(0, 64)


@cocotb.test()
async def test_register_misuse(dut):
    """Unmapped offsets, partial-strobe writes, writes to read-only registers and to a busy
    channel's set-up registers answer SLVERR and change nothing."""
    tb, raw, descs, data = await setup(dut)
    axil = tb.axil
    last_chan_reg = max(r.offset for r in layout.CHAN_REGS)
    past_globals = max(r.offset for r in layout.GLOBAL_REGS) + 4
    past_chans = layout.CHAN_BASE + tb.num_ch * layout.CHAN_STRIDE
    for addr in (past_globals, 0x0FC, past_chans, layout.CHAN_BASE + last_chan_reg + 4):
        resp = await axil.read(addr, 4)
        assert resp.resp == AxiResp.SLVERR, f"read of unmapped 0x{addr:x} answered {resp.resp}"
        wr = await axil.write(addr, b"\x01\x00\x00\x00")
        assert wr.resp == AxiResp.SLVERR, f"write of unmapped 0x{addr:x} answered {wr.resp}"
    wr = await axil.write(layout.reg("ID").offset, b"\x00\x00\x00\x00")
    assert wr.resp == AxiResp.SLVERR, "write to a read-only global register accepted"
    before = await raw.read("TAIL_DESC_HI")
    wr = await axil.write(raw.reg("TAIL_DESC_HI"), b"\xff\xff")  # 2 of 4 byte strobes
    assert wr.resp == AxiResp.SLVERR and await raw.read("TAIL_DESC_HI") == before
    # an address that is not word-aligned (the master sends it as given on the first beat)
    resp = await axil.read(raw.reg("TAIL_DESC_HI") + 2, 2)
    assert resp.resp == AxiResp.SLVERR, f"unaligned read answered {resp.resp}"
    wr = await axil.write(raw.reg("TAIL_DESC_HI") + 1, b"\x5a")
    assert wr.resp == AxiResp.SLVERR and await raw.read("TAIL_DESC_HI") == before
    # a busy channel refuses writes to its set-up: CUR_DESC, SLAVE_CFG, DEV_ADDR
    d = descs.ptr(0, 64)
    raw.desc(d, 0, data.addr, data.addr + 4096, 4000, 0)
    await raw.ring(d.addr, d.addr)
    for name, value in (("CUR_DESC_LO", 0x40), ("CUR_DESC_HI", 0), ("SLAVE_CFG", 0x0003_0011), ("DEV_ADDR_LO", 0x100)):
        before = await raw.read(name)
        wr = await axil.write(raw.reg(name), value.to_bytes(4, "little"))
        assert wr.resp == AxiResp.SLVERR, f"write to {name} of a busy channel answered {wr.resp}"
        assert await raw.read(name) == before, f"{name} changed while busy"
    assert await raw.read("STATUS") & layout.reg("STATUS").field("BUSY").mask, "the test needs the channel busy"
    await raw.wait_idle()
    # the channel's read-only registers (XFERRED reads 0 between descriptors)
    assert await raw.read("DONE_CNT") != 0, "the test needs DONE_CNT non-zero"
    for name in ("DONE_CNT", "XFERRED"):
        before = await raw.read(name)
        wr = await axil.write(raw.reg(name), (~before & 0xFFFF_FFFF).to_bytes(4, "little"))
        assert wr.resp == AxiResp.SLVERR, f"write to read-only {name} answered {wr.resp}"
        assert await raw.read(name) == before, f"{name} changed by a refused write"
    # the driver's zero-time backdoor reads what the bus reads
    for name in ("DONE_CNT", "XFERRED", "CUR_DESC_LO", "CUR_DESC_HI", "TAIL_DESC_LO", "TAIL_DESC_HI"):
        bus = await raw.read(name)
        assert tb.backend.peekl(raw.reg(name)) == bus, f"peekl({name}) differs from the bus read"
    assert data.read(4096, 4000) == data.read(0, 4000)


def read_back_mask(r: layout.Register) -> int:
    """The bits of a channel register that read back what was written (the register map:
    RW fields, or the whole word of an RW register without fields)."""
    if r.access != "RW":
        return 0
    if not r.fields:
        return 0xFFFF_FFFF
    return sum(f.mask for f in r.fields if f.access == "RW")


@cocotb.test()
async def test_register_bits(dut):
    """Every bit the register map calls read-write holds a one and a zero: walking ones and
    walking zeros on channel CH, and 0/~0/0xAAAAAAAA/0x55555555 on every channel with the
    other channels' registers checked unchanged (a decode that aliases channels or bits).
    The 64-bit registers' high words are held until their low word commits them (read back
    the old value before). Done on stopped channels (RUN = 0: the doorbells the TAIL_DESC_LO
    writes ring start nothing), which CTRL.RESET then clears."""
    tb = DmaTb(dut)
    await tb.reset()
    axil = tb.axil
    regs = [r for r in layout.CHAN_REGS if read_back_mask(r)]
    ctrl_mask = read_back_mask(layout.reg("CTRL"))
    assert {r.name for r in regs} >= {"CTRL", "SLAVE_CFG", "CUR_DESC_HI", "TAIL_DESC_LO", "DEV_ADDR_HI"}
    regs = [r for r in regs if r.name != "CTRL"]  # CTRL last: RUN stays 0 meanwhile

    async def write(ch: int, name: str, value: int) -> None:
        wr = await axil.write(layout.chan_reg_addr(ch, name), value.to_bytes(4, "little"))
        assert wr.resp == AxiResp.OKAY, f"ch{ch} {name} <- 0x{value:08x} answered {wr.resp}"

    async def read(ch: int, name: str) -> int:
        rd = await axil.read(layout.chan_reg_addr(ch, name), 4)
        assert rd.resp == AxiResp.OKAY, f"ch{ch} {name} read answered {rd.resp}"
        return int.from_bytes(rd.data, "little")

    async def put(ch: int, r: layout.Register, value: int) -> None:
        """Write `value` to `r` and check it reads back as the map says."""
        want = value & read_back_mask(r)
        if r.name.endswith("_HI"):
            lo = r.name[:-3] + "_LO"
            before = await read(ch, r.name)
            await write(ch, r.name, value)
            assert await read(ch, r.name) == before, f"ch{ch} {r.name} changed before {lo} was written"
            await write(ch, lo, await read(ch, lo))  # commit both halves
        else:
            await write(ch, r.name, value)
        got = await read(ch, r.name)
        assert got == want, f"ch{ch} {r.name}: wrote 0x{value:08x}, read 0x{got:08x}, want 0x{want:08x}"

    walk = [1 << b for b in range(32)] + [0xFFFF_FFFF ^ (1 << b) for b in range(32)]
    for r in regs:
        for value in walk:
            await put(CH, r, value)
    for value in (1 << b for b in range(32)):
        await put(CH, layout.reg("CTRL"), value & ~layout.reg("CTRL").field("RUN").mask)
    patterns = (0xFFFF_FFFF, 0xAAAA_AAAA, 0x5555_5555, 0)
    for i, value in enumerate(patterns):
        for ch in range(tb.num_ch):
            for r in regs:
                await put(ch, r, value ^ (0xFFFF_FFFF if ch % 2 else 0))
        for ch in range(tb.num_ch):  # each channel still holds its own value
            for r in regs:
                want = (value ^ (0xFFFF_FFFF if ch % 2 else 0)) & read_back_mask(r)
                assert await read(ch, r.name) == want, f"ch{ch} {r.name} after the other channels' writes ({i})"
    # AWPROT/ARPROT are not decoded: every protection attribute reads and writes alike
    tail = layout.chan_reg_addr(CH, "TAIL_DESC_LO")
    for prot in (AxiProt.PRIVILEGED, AxiProt.INSTRUCTION, AxiProt.PRIVILEGED | AxiProt.INSTRUCTION, AxiProt.NONSECURE):
        value = tb.rng.getrandbits(32)
        wr = await axil.write(tail, value.to_bytes(4, "little"), prot=prot)
        rd = await axil.read(tail, 4, prot=prot)
        assert (wr.resp, rd.resp) == (AxiResp.OKAY, AxiResp.OKAY), f"prot {prot}: {wr.resp}, {rd.resp}"
        assert int.from_bytes(rd.data, "little") == value, f"prot {prot}"
    # every offset bit of the port reaches the decode: the top of the offset space is
    # unmapped, and so is a byte or half-word off a register (SLVERR, nothing changes)
    before = await read(CH, "TAIL_DESC_LO")
    for addr, size in ((0x400, 4), (0x800, 4), (0xC00, 4), (0xFFC, 4), (tail + 1, 1), (tail + 2, 2)):
        rd = await axil.read(addr, size)
        wr = await axil.write(addr, b"\xa5" * size)
        assert (rd.resp, wr.resp) == (AxiResp.SLVERR, AxiResp.SLVERR), f"0x{addr:x}: {rd.resp}, {wr.resp}"
    assert await read(CH, "TAIL_DESC_LO") == before, "a refused write changed TAIL_DESC_LO"
    # the TAIL_DESC_LO writes rang doorbells, which a stopped channel holds (RUN = 1 would
    # start it): CTRL.RESET drops them with CUR_DESC and DONE_CNT, then CTRL's bits all at once
    for ch in range(tb.num_ch):
        await write(ch, "CTRL", layout.reg("CTRL").field("RESET").mask)
        await write(ch, "CTRL", ctrl_mask)
        assert await read(ch, "CTRL") == ctrl_mask
        await write(ch, "CTRL", 0)
        assert await read(ch, "CTRL") == 0
        st = await read(ch, "STATUS")
        assert st & (layout.reg("STATUS").field("BUSY").mask | layout.reg("STATUS").field("HALTED").mask) == 0
        assert (await read(ch, "CUR_DESC_LO"), await read(ch, "CUR_DESC_HI"), await read(ch, "DONE_CNT")) == (0, 0, 0)


@cocotb.test()
async def test_reserved_ctrl_bits(dut):
    """Each reserved bit of a descriptor's CTRL word (outside layout.DESC_CTRL_VALID_MASK)
    alone makes the descriptor malformed: the channel halts with ERR_CODE DESC, writes the
    error into the descriptor, moves nothing, and works again after CTRL.RESET."""
    _tb, raw, descs, data = await setup(dut)
    ctrl = layout.reg("CTRL")
    run = ctrl.field("RUN").mask | ctrl.field("IOC_IRQ_EN").mask | ctrl.field("ERR_IRQ_EN").mask
    reserved = [b for b in range(32) if not (layout.DESC_CTRL_VALID_MASK >> b) & 1]
    assert len(reserved) >= 16, reserved
    d = descs.ptr(0, 64)
    for bit in reserved:
        data.write(4096, bytes(64))
        raw.desc(d, 0, data.addr, data.addr + 4096, 16, 1 << bit)
        await raw.ring(d.addr, d.addr)
        st = await raw.wait_idle()
        assert raw.field(st, "STATUS", "HALTED"), f"CTRL bit {bit}: no halt"
        assert raw.field(st, "STATUS", "ERR_CODE") == layout.ErrCode.DESC, f"CTRL bit {bit}"
        want = layout.DescStatus.DONE | (layout.ErrCode.DESC << layout.DescStatus.ERR_SHIFT)
        assert raw.status(d) == (want, 0), f"CTRL bit {bit}: written back {raw.status(d)}"
        assert data.read(4096, 64) == bytes(64), f"CTRL bit {bit}: data moved"
        raw.write("CTRL", ctrl.field("RESET").mask)
        raw.write("STATUS", layout.reg("STATUS").field("ERR_IRQ").mask)
        raw.write("CTRL", run)
        d.write(0, bytes(64))
    raw.desc(d, 0, data.addr, data.addr + 4096, 64, 0)  # and a good one after the resets
    await raw.ring(d.addr, d.addr)
    st = await raw.wait_idle()
    assert not raw.field(st, "STATUS", "HALTED") and data.read(4096, 64) == data.read(0, 64)

"""Descriptor operations in the hardware (docs/raid-operations.md), driven with raw descriptors
at the register level (no driver): XOR, XOR_VAL, PQ, PQ_VAL, MEMSET and INTERRUPT, checked
against pydma.raid with guard bytes around every destination, at any byte alignment of every
source and destination and across the accumulator and 4 KiB seams; mixed chains; bus errors
on a source, a destination and the operand table; descriptor errors; an abort in the middle
of a long XOR chain; every channel's chains at once through the shared operand block (with
an abort and a table error among them); and the cycle counts of 4 KiB XOR and PQ against
the bus limit.

Random cases are drawn from the test seed DmaTb logs (rerun: SEED=<run seed>)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import cocotb
from cocotb.triggers import ClockCycles, RisingEdge
from cocotbext.axi import AxiResp

from pydma.hw import layout
from pydma.hw.layout import DescCtrl, DescOp, DescStatus, ErrCode
from pydma.memory import MemView
from pydma.raid import pq_blocks, xor_blocks
from tb.dma_tb import DmaTb
from tb.faults import Fault
from tb.guarded import GuardedBuffer

CH = 1
OPS = layout.reg("OPS_CONFIG")
ST = layout.reg("STATUS")
CTRL = layout.reg("CTRL")
RUN = CTRL.field("RUN").mask | CTRL.field("IOC_IRQ_EN").mask | CTRL.field("ERR_IRQ_EN").mask
SUM_P = DescStatus.SUM_CHECK_P
SUM_Q = DescStatus.SUM_CHECK_Q
GUARD = 64


class Buf(GuardedBuffer):
    """A destination with random guard bytes on both sides."""

    def read(self, offset: int = 0, length: int | None = None) -> bytes:
        return self.view.read(offset, length)

    def write(self, offset: int, data: bytes) -> None:
        self.view.write(offset, data)


def err_status(code: int) -> int:
    return DescStatus.DONE | (code << DescStatus.ERR_SHIFT)


class Env:
    """One channel driven by hand: descriptors, operand tables and guarded buffers."""

    def __init__(self, tb: DmaTb, ch: int = CH) -> None:
        self.tb = tb
        self.ch = ch
        self.dut = tb.dut
        self.rng = tb.rng
        self.mem = tb.memory
        self.native = tb.mem_model == "native"
        self.descs = MemView(self.mem, self.mem.alloc(64 * 64, 4096), 64 * 64)
        self.tables = MemView(self.mem, self.mem.alloc(64 * 256, 4096), 64 * 256)
        self.ops = 0
        self.max_xor = self.max_pq = 0  # the instance's limits (setup reads OPS_CONFIG)

    # -- registers ---------------------------------------------------------------------------
    def reg(self, name: str) -> int:
        return layout.chan_reg_addr(self.ch, name)

    async def read(self, name: str) -> int:
        return await self.tb.backend.readl(self.reg(name))

    def write(self, name: str, value: int) -> None:
        self.tb.backend.writel(self.reg(name), value)

    async def ring(self, head: int, tail: int) -> None:
        self.write("CUR_DESC_HI", head >> 32)
        self.write("CUR_DESC_LO", head & 0xFFFF_FFFF)
        self.write("TAIL_DESC_HI", tail >> 32)
        self.write("TAIL_DESC_LO", tail & 0xFFFF_FFFF)
        await self.tb.backend.flush()

    async def wait_idle(self, limit: int = 200_000) -> int:
        for _ in range(limit // 20):
            await ClockCycles(self.dut.clk, 20)
            st = await self.read("STATUS")
            if not st & ST.field("BUSY").mask:
                return st
        raise AssertionError("channel stayed busy")

    async def recover(self) -> None:
        """RESET a halted channel and clear its interrupt flags."""
        self.write("CTRL", CTRL.field("RESET").mask)
        self.write("STATUS", ST.field("ERR_IRQ").mask | ST.field("IOC_IRQ").mask | ST.field("ABORT_IRQ").mask)
        self.write("CTRL", RUN)
        await self.tb.backend.flush()

    # -- memory ------------------------------------------------------------------------------
    def buf(self, size: int) -> Buf:
        return Buf(self.mem, size, GUARD, self.rng, None)

    def guards_intact(self, buf: Buf) -> bool:
        buf.check_guards()
        return True

    def block(self, length: int, lane: int | None = None) -> MemView:
        """A random source of `length` bytes at a random (or the given) offset in a line."""
        lane = self.rng.randrange(64) if lane is None else lane
        return self.buf(lane + length).view.ptr(lane, length)

    def table(self, srcs: list[int], q_dst: int = 0, coefs: list[int] | None = None) -> int:
        slot = self.tables.ptr((self.ops % 64) * 256, 256)
        self.ops += 1
        slot.write(0, layout.pack_operands(srcs, q_dst, coefs))
        return slot.addr

    def desc(self, i: int, nxt: int, src: int, dst: int, length: int, ctrl: int) -> MemView:
        d = self.descs.ptr(i * 64, 64)
        d.write(0, layout.pack_desc(nxt, src, dst, length, ctrl))
        return d

    def status(self, d: MemView) -> tuple[int, int]:
        return d.read_u32(layout.desc_field("STATUS").offset), d.read_u32(layout.desc_field("XFERRED").offset)

    async def chain(self, items: list[tuple[int, int, int, int]]) -> tuple[list[tuple[int, int]], int]:
        """Run descriptors (src, dst, len, ctrl) as one chain; their (STATUS, XFERRED) and the
        channel's STATUS register."""
        ds = []
        for i, (src, dst, length, ctrl) in enumerate(items):
            nxt = self.descs.addr + (i + 1) * 64 if i + 1 < len(items) else 0
            ds.append(self.desc(i, nxt, src, dst, length, ctrl))
        await self.ring(ds[0].addr, ds[-1].addr)
        st = await self.wait_idle()
        return [self.status(d) for d in ds], st

    async def one(self, src: int, dst: int, length: int, ctrl: int) -> tuple[int, int, int]:
        (status,), st = await self.chain([(src, dst, length, ctrl)])
        return status[0], status[1], st


async def setup(dut) -> Env:
    tb = DmaTb(dut, stalls=float(os.environ.get("PYDMA_STALLS", "0")))
    await tb.reset()
    env = Env(tb)
    env.write("CTRL", RUN)
    await tb.backend.flush()
    # the instance's limits, as the hardware reports them (test_ops_config checks them
    # against the build's parameters)
    ops = await tb.backend.readl(OPS.offset)
    env.max_xor = (ops & OPS.field("MAX_XOR").mask) >> OPS.field("MAX_XOR").lsb
    env.max_pq = (ops & OPS.field("MAX_PQ").mask) >> OPS.field("MAX_PQ").lsb
    # (the mixed chain's XOR and PQ have 3 sources)
    assert env.max_xor >= 3 and env.max_pq >= 3, f"this module needs 3 XOR and PQ sources (OPS_CONFIG {ops:#x})"
    return env


def build_param(dut, name: str) -> int:
    """A parameter of this build: the runner's PARAM_<name>, else its default in the source
    of the toplevel built (a testbench top passes the parameters it declares on), else in
    rtl/pydma_dmac.sv."""
    if f"PARAM_{name}" in os.environ:
        return int(os.environ[f"PARAM_{name}"])
    root = Path(__file__).resolve().parents[2]
    top = dut._name
    for src in (root / "tb" / "native" / f"{top}.sv", root / "rtl" / "pydma_dmac.sv"):
        text = src.read_text() if src.exists() else ""
        m = re.search(rf"^\s*parameter\s+(?:int|bit)\s+{name}\s*=\s*(?:1'b)?(\d+)", text, re.M)
        if m:
            return int(m.group(1))
    raise AssertionError(f"no default for {name} in {top}'s source or rtl/pydma_dmac.sv")


def some(limit: int, picks: tuple[int, ...]) -> list[int]:
    """Source counts to try: those of `picks` within 1 .. limit, and limit itself."""
    return sorted({n for n in picks if n <= limit} | {limit})


def lengths(env: Env, small: list[int], big: list[int]) -> list[int]:
    return small + (big if env.native else big[:1])


def finish(env: Env) -> None:
    env.tb.protocol.check()


# -- XOR -------------------------------------------------------------------------------------
@cocotb.test()
async def test_ops_config(dut):
    env = await setup(dut)
    v = await env.tb.backend.readl(OPS.offset)
    field = {f.name: (v & f.mask) >> f.lsb for f in OPS.fields}
    want = {name: build_param(dut, name) for name in ("MAX_XOR", "MAX_PQ", "FILL", "XT", "REPEAT")}
    want["ACC_LOG2"] = build_param(dut, "ACC_BYTES").bit_length() - 1 - 8  # 256 << ACC_LOG2 bytes
    assert field == want, (field, want)
    finish(env)


@cocotb.test()
async def test_xor(dut):
    """2 to MAX_XOR sources, any alignment of each source and of the destination, lengths
    from one byte to across the accumulator and 4 KiB seams."""
    env = await setup(dut)
    for n in range(2, env.max_xor + 1):
        for length in lengths(env, [1, 7, 64, 333], [4096 + 17, 9000]):
            srcs = [env.block(length) for _ in range(n)]
            dst = env.buf(length + 64)
            off = env.rng.randrange(64)
            old = dst.read()
            tab = env.table([s.addr for s in srcs])
            status, xferred, _ = await env.one(tab, dst.addr + off, length, layout.desc_ctrl(DescOp.XOR, n))
            want = xor_blocks([s.read() for s in srcs])
            assert (status, xferred) == (DescStatus.DONE, length), (n, length, hex(status), xferred)
            got = dst.read()
            assert got[off : off + length] == want, f"XOR of {n} x {length} at +{off} wrong"
            assert got[:off] == old[:off] and got[off + length :] == old[off + length :], "wrote outside"
            assert env.guards_intact(dst)
    finish(env)


@cocotb.test()
async def test_xor_val(dut):
    """XOR_VAL: nothing written; SUM_CHECK_P set exactly when the XOR is not zero."""
    env = await setup(dut)
    for n in some(env.max_xor, (2, 3)):
        for length in lengths(env, [5, 200], [5000]):
            srcs = [env.block(length) for _ in range(n)]
            srcs[-1].write(0, xor_blocks([s.read() for s in srcs[:-1]]))
            for corrupt in (False, True):
                if corrupt:
                    at = env.rng.randrange(length)
                    srcs[1].write(at, bytes([srcs[1].read(at, 1)[0] ^ (1 << env.rng.randrange(8))]))
                tab = env.table([s.addr for s in srcs])
                status, xferred, _ = await env.one(tab, 0, length, layout.desc_ctrl(DescOp.XOR_VAL, n))
                assert status == DescStatus.DONE | (SUM_P if corrupt else 0), (n, length, corrupt, hex(status))
                assert xferred == length
    finish(env)


# -- PQ --------------------------------------------------------------------------------------
@cocotb.test()
async def test_pq(dut):
    """PQ with random coefficients, 1 to MAX_PQ sources, and each disable flag."""
    env = await setup(dut)
    rng = env.rng
    for n in some(env.max_pq, (1, 2, 3, 5)):
        for flags in (0, DescCtrl.PQ_DISABLE_P, DescCtrl.PQ_DISABLE_Q):
            length = rng.choice(lengths(env, [1, 90, 1000], [4096, 6000]))
            srcs = [env.block(length) for _ in range(n)]
            coefs = [rng.randrange(256) for _ in range(n)]
            p, q = env.buf(length + 64), env.buf(length + 64)
            po, qo = rng.randrange(64), rng.randrange(64)
            pold, qold = p.read(), q.read()
            tab = env.table([s.addr for s in srcs], q.addr + qo, coefs)
            status, xferred, _ = await env.one(tab, p.addr + po, length, layout.desc_ctrl(DescOp.PQ, n, flags))
            wp, wq = pq_blocks([s.read() for s in srcs], coefs)
            assert (status, xferred) == (DescStatus.DONE, length), (n, hex(flags), hex(status), xferred)
            gp, gq = p.read(), q.read()
            if flags & DescCtrl.PQ_DISABLE_P:
                assert gp == pold, "P written though disabled"
            else:
                assert gp[po : po + length] == wp, f"P of {n} x {length} wrong"
                assert gp[:po] == pold[:po] and gp[po + length :] == pold[po + length :]
            if flags & DescCtrl.PQ_DISABLE_Q:
                assert gq == qold, "Q written though disabled"
            else:
                assert gq[qo : qo + length] == wq, f"Q of {n} x {length} (coefs {coefs}) wrong"
                assert gq[:qo] == qold[:qo] and gq[qo + length :] == qold[qo + length :]
            assert env.guards_intact(p) and env.guards_intact(q)
    finish(env)


@cocotb.test()
async def test_pq_val(dut):
    """PQ_VAL: correct P and Q pass; a corrupted P or Q sets its bit; a disabled side is
    not checked."""
    env = await setup(dut)
    rng = env.rng
    for n in some(env.max_pq, (1, 4)):
        length = rng.choice(lengths(env, [33, 700], [4500]))
        srcs = [env.block(length) for _ in range(n)]
        coefs = [rng.randrange(1, 256) for _ in range(n)]
        wp, wq = pq_blocks([s.read() for s in srcs], coefs)
        p, q = env.block(length), env.block(length)
        for corrupt in ("", "p", "q", "pq"):
            p.write(0, wp)
            q.write(0, wq)
            if "p" in corrupt:
                p.write(length - 1, bytes([wp[-1] ^ 0x40]))
            if "q" in corrupt:
                q.write(0, bytes([wq[0] ^ 0x01]))
            for flags in (0, DescCtrl.PQ_DISABLE_P, DescCtrl.PQ_DISABLE_Q):
                tab = env.table([s.addr for s in srcs], q.addr, coefs)
                status, xferred, _ = await env.one(tab, p.addr, length, layout.desc_ctrl(DescOp.PQ_VAL, n, flags))
                want = DescStatus.DONE
                if "p" in corrupt and not flags & DescCtrl.PQ_DISABLE_P:
                    want |= SUM_P
                if "q" in corrupt and not flags & DescCtrl.PQ_DISABLE_Q:
                    want |= SUM_Q
                assert (status, xferred) == (want, length), (n, corrupt, hex(flags), hex(status), xferred)
        assert p.read() == wp[:-1] + bytes([wp[-1] ^ 0x40]), "PQ_VAL wrote its P block"
    finish(env)


# -- MEMSET, INTERRUPT, chains --------------------------------------------------------------
@cocotb.test()
async def test_memset(dut):
    env = await setup(dut)
    for length in lengths(env, [1, 2, 3, 15, 64, 255], [4096, 4097 + 64, 12345]):
        dst = env.buf(length + 128)
        off = env.rng.randrange(64)
        value = env.rng.randrange(256)
        old = dst.read()
        status, xferred, _ = await env.one(value, dst.addr + off, length, layout.desc_ctrl(DescOp.MEMSET))
        assert (status, xferred) == (DescStatus.DONE, length)
        got = dst.read()
        assert got[off : off + length] == bytes([value]) * length, f"MEMSET {length} at +{off}"
        assert got[:off] == old[:off] and got[off + length :] == old[off + length :]
        assert env.guards_intact(dst)
    finish(env)


@cocotb.test()
async def test_interrupt_and_mixed_chain(dut):
    """INTERRUPT moves nothing and completes, its IOC raising the line; then one chain of
    copy, XOR, MEMSET, PQ, INTERRUPT, XOR_VAL, copy."""
    env = await setup(dut)
    [(status, _)], st = await env.chain([(0, 0, 0, layout.desc_ctrl(DescOp.INTERRUPT, 0, DescCtrl.IOC))])
    assert status == DescStatus.DONE and st & ST.field("IOC_IRQ").mask
    assert int(env.tb.core.irq.value) >> CH & 1, "IOC of an INTERRUPT did not raise the line"
    env.write("STATUS", ST.field("IOC_IRQ").mask)
    rng = env.rng
    L = 3000 if env.native else 700
    a, b, c = env.block(L), env.block(L), env.block(L)
    copy_dst, xor_dst, fill_dst, p, q, copy2 = (env.buf(L + 64) for _ in range(6))
    coefs = [rng.randrange(256) for _ in range(3)]
    items = [
        (a.addr, copy_dst.addr + 3, L, 0),
        (env.table([a.addr, b.addr, c.addr]), xor_dst.addr + 5, L, layout.desc_ctrl(DescOp.XOR, 3)),
        (0xA5, fill_dst.addr + 1, L - 7, layout.desc_ctrl(DescOp.MEMSET)),
        (env.table([a.addr, b.addr, c.addr], q.addr + 9, coefs), p.addr, L, layout.desc_ctrl(DescOp.PQ, 3)),
        (0, 0, 0, layout.desc_ctrl(DescOp.INTERRUPT, 0, DescCtrl.IOC)),
        (env.table([a.addr, a.addr]), 0, L, layout.desc_ctrl(DescOp.XOR_VAL, 2)),
        (b.addr + 1, copy2.addr, L - 1, 0),
    ]
    statuses, st = await env.chain(items)
    wp, wq = pq_blocks([a.read(), b.read(), c.read()], coefs)
    assert [s for s, _ in statuses] == [DescStatus.DONE] * 7, [hex(s) for s, _ in statuses]
    assert [x for _, x in statuses] == [L, L, L - 7, L, 0, L, L - 1]
    assert copy_dst.read(3, L) == a.read()
    assert xor_dst.read(5, L) == xor_blocks([a.read(), b.read(), c.read()])
    assert fill_dst.read(1, L - 7) == b"\xa5" * (L - 7)
    assert p.read(0, L) == wp and q.read(9, L) == wq
    assert copy2.read(0, L - 1) == b.read(1, L - 1)
    assert await env.read("DONE_CNT") == 8 and st & ST.field("IOC_IRQ").mask
    for v in (copy_dst, xor_dst, fill_dst, p, q, copy2):
        assert env.guards_intact(v)
    finish(env)


# -- errors ----------------------------------------------------------------------------------
@cocotb.test()
async def test_descriptor_errors(dut):
    """Too many or too few sources, an unknown operation, a misaligned operand table, PQ
    with both sides disabled, MEMSET with bits above the fill byte, INTERRUPT with a length
    or an address, an address wider than the bus, and any operation but COPY on a slave
    channel: DESC, written back, halt, nothing moved."""
    env = await setup(dut)
    length = 64
    over_xor, over_pq = env.max_xor + 1, env.max_pq + 1  # (NSRC is 5 bits: MAX_* <= 16)
    srcs = [env.block(length) for _ in range(max(over_xor, over_pq))]
    dst = env.buf(length)
    old = dst.read()
    # (the count is refused before the table is read: a full table serves every case)
    tab = env.table([s.addr for s in srcs[: layout.OPND_MAX_SRC]])
    d = dst.addr
    cases = [
        (f"{over_xor} XOR sources", tab, d, layout.desc_ctrl(DescOp.XOR, over_xor), length),
        ("1 XOR source", tab, d, layout.desc_ctrl(DescOp.XOR, 1), length),
        (f"{over_pq} PQ sources", tab, d, layout.desc_ctrl(DescOp.PQ, over_pq), length),
        ("0 PQ sources", tab, d, layout.desc_ctrl(DescOp.PQ_VAL, 0), length),
        ("op 7", tab, d, 7 << layout.DESC_CTRL_OP[0], length),
        ("misaligned table", tab + 8, d, layout.desc_ctrl(DescOp.XOR, 2), length),
        ("PQ both off", tab, d, layout.desc_ctrl(DescOp.PQ, 2, DescCtrl.PQ_DISABLE_P | DescCtrl.PQ_DISABLE_Q), length),
        ("XOR with a PQ flag", tab, d, layout.desc_ctrl(DescOp.XOR, 2, DescCtrl.PQ_DISABLE_P), length),
        ("MEMSET high bits", 0x1A5, d, layout.desc_ctrl(DescOp.MEMSET), length),
        ("INTERRUPT length", 0, 0, layout.desc_ctrl(DescOp.INTERRUPT), 4),
        ("INTERRUPT with a source", 0x40, 0, layout.desc_ctrl(DescOp.INTERRUPT), 0),
        ("INTERRUPT with a destination", 0, d, layout.desc_ctrl(DescOp.INTERRUPT), 0),
        ("copy with NSRC", srcs[0].addr, d, layout.desc_ctrl(DescOp.COPY, 2), length),
        ("zero-length XOR", tab, d, layout.desc_ctrl(DescOp.XOR, 2), 0),
    ]
    if env.tb.addr_w < 64:  # an address the bus cannot carry
        beyond = 1 << env.tb.addr_w
        cases.append(("copy source beyond the bus", srcs[0].addr | beyond, d, 0, length))
        cases.append(("copy destination beyond the bus", srcs[0].addr, d | beyond, 0, length))
    slave_cfg = layout.Direction.MEM_TO_DEV << layout.reg("SLAVE_CFG").field("DIR").lsb
    cases.append(("XOR on a slave channel", tab, d, layout.desc_ctrl(DescOp.XOR, 2), length))
    for name, src, dst_addr, ctrl, n in cases:
        slave = "slave" in name
        if slave:
            env.write("SLAVE_CFG", slave_cfg)
            env.write("DEV_ADDR_LO", dst.addr)
        status, xferred, st = await env.one(src, dst_addr, n, ctrl)
        assert st & ST.field("HALTED").mask, name
        assert (st & ST.field("ERR_CODE").mask) >> ST.field("ERR_CODE").lsb == ErrCode.DESC, name
        assert (status, xferred) == (err_status(ErrCode.DESC), 0), (name, hex(status))
        assert dst.read() == old and env.guards_intact(dst), f"{name}: data moved"
        await env.recover()
        if slave:
            env.write("SLAVE_CFG", 0)
    finish(env)


@cocotb.test()
async def test_bus_errors(dut):
    """A read error on one source, a write error on the destination (P and Q) and on the
    operand table: READ or WRITE written back, halt, no wrong byte lands (each destination
    byte holds its old value or the right one), guard bytes intact; the channel works after
    a RESET (the accumulator carries nothing over)."""
    env = await setup(dut)
    faults = env.tb.fault_injector()
    rng = env.rng
    L = 6000 if env.native else 900
    for case in ("xor source", "xor dst", "pq source", "pq q dst", "table", "xor_val source"):
        n = min(4, env.max_pq if "pq" in case else env.max_xor)
        srcs = [env.block(L) for _ in range(n)]
        coefs = [rng.randrange(256) for _ in range(n)]
        p, q = env.buf(L + 64), env.buf(L + 64)
        pold, qold = p.read(), q.read()
        pq = "pq" in case
        tab = env.table([s.addr for s in srcs], q.addr + 3, coefs)
        at = rng.randrange(L)
        if "source" in case:
            victim = srcs[rng.randrange(n)]
            fault = Fault("read", AxiResp.SLVERR, lo=victim.addr + at, hi=victim.addr + at + 1, once=True)
            code = ErrCode.READ
        elif case == "table":
            fault = Fault("read", AxiResp.DECERR, lo=tab + 0x10, hi=tab + 0x18, once=True)
            code = ErrCode.READ
        else:
            base = q.addr + 3 if pq else p.addr + 1
            fault = Fault("write", AxiResp.SLVERR, lo=base + at, hi=base + at + 1, once=True)
            code = ErrCode.WRITE
        faults.add(fault)
        op = DescOp.PQ if pq else DescOp.XOR_VAL if "val" in case else DescOp.XOR
        status, _, st = await env.one(tab, p.addr + 1, L, layout.desc_ctrl(op, n))
        faults.clear()
        assert fault.hits == 1, (case, fault.hits)
        assert status == err_status(code), (case, hex(status))
        assert st & ST.field("HALTED").mask and (st & ST.field("ERR_CODE").mask) >> ST.field("ERR_CODE").lsb == code
        wp, wq = pq_blocks([s.read() for s in srcs], coefs) if pq else (xor_blocks([s.read() for s in srcs]), b"")
        gp, gq = p.read(1, L), q.read(3, L) if pq else b""
        for got, want, old in ((gp, wp, pold[1 : 1 + L]), (gq, wq, qold[3 : 3 + L])):
            bad = [i for i in range(len(got)) if got[i] != old[i] and got[i] != want[i]]
            assert not bad, f"{case}: {len(bad)} wrong bytes landed, first at {bad[0]}"
        assert env.guards_intact(p) and env.guards_intact(q), case
        assert p.read(0, 1) == pold[:1] and p.read(L + 1) == pold[L + 1 :], f"{case}: wrote outside P"
        await env.recover()
        # the channel and the accumulator start afresh
        status, _, _ = await env.one(tab, p.addr + 1, L, layout.desc_ctrl(op, n))
        assert status & 0xF0 == 0, (case, hex(status))
        if op != DescOp.XOR_VAL:
            assert p.read(1, L) == wp and (not pq or q.read(3, L) == wq), f"{case}: wrong after the error"
    finish(env)


@cocotb.test()
async def test_abort_long_xor_chain(dut):
    """ABORT in the middle of a long chain of XOR and PQ descriptors: the channel goes idle
    with ABORT_IRQ, every completed descriptor is right, and the next chain is right."""
    env = await setup(dut)
    rng = env.rng
    L = 4000 if env.native else 600
    count = 24 if env.native else 8
    n = min(6, env.max_xor)
    srcs = [env.block(L) for _ in range(n)]
    wx = xor_blocks([s.read() for s in srcs])
    dsts = [env.buf(L) for _ in range(count)]
    items = [(env.table([s.addr for s in srcs]), d.addr, L, layout.desc_ctrl(DescOp.XOR, n)) for d in dsts]
    ds = [env.desc(i, env.descs.addr + (i + 1) * 64 if i + 1 < count else 0, *it) for i, it in enumerate(items)]
    await env.ring(ds[0].addr, ds[-1].addr)
    await ClockCycles(env.dut.clk, rng.randrange(count * L // env.tb.bus_bytes * 2))
    env.write("CTRL", RUN | CTRL.field("ABORT").mask)
    st = await env.wait_idle()
    assert st & ST.field("ABORT_IRQ").mask and not st & ST.field("HALTED").mask
    done = await env.read("DONE_CNT")
    env.tb.log.info("abort after %d of %d descriptors", done, count)
    for i, d in enumerate(ds):
        status, xferred = env.status(d)
        if i < done:
            assert (status, xferred) == (DescStatus.DONE, L) and dsts[i].read() == wx, i
        else:
            assert status == 0, (i, hex(status))
        assert env.guards_intact(dsts[i])
    env.write("STATUS", ST.field("ABORT_IRQ").mask)
    srcs = srcs[: env.max_pq]
    coefs = [rng.randrange(256) for _ in srcs]
    p, q = env.buf(L), env.buf(L)
    status, _, _ = await env.one(
        env.table([s.addr for s in srcs], q.addr, coefs), p.addr, L, layout.desc_ctrl(DescOp.PQ, len(srcs))
    )
    assert status == DescStatus.DONE
    assert (p.read(), q.read()) == pq_blocks([s.read() for s in srcs], coefs)
    finish(env)


# -- speed -----------------------------------------------------------------------------------
@cocotb.test()
async def test_cycles(dut):
    """Cycles of one 4 KiB XOR and PQ descriptor (bus-aligned buffers), from the doorbell to
    the interrupt, against the limit (sources + outputs) x 4096 / bus bytes. Logged; on the
    native memory without stalls they must reach 85% of it."""
    env = await setup(dut)
    tb = env.tb
    L = 4096
    rows = []
    for op, outputs in ((DescOp.XOR, 1), (DescOp.PQ, 2)):
        for n in some(env.max_xor if op == DescOp.XOR else env.max_pq, (2, 4, 8)):
            srcs = [env.block(L, lane=0) for _ in range(n)]
            p, q = env.buf(L), env.buf(L)
            tab = env.table([s.addr for s in srcs], q.addr, [env.rng.randrange(256) for _ in range(n)])
            d = env.desc(0, 0, tab, p.addr, L, layout.desc_ctrl(op, n, DescCtrl.IOC))
            await env.ring(d.addr, d.addr)
            start = tb.cycles()
            while not int(tb.core.irq.value) >> CH & 1:
                await RisingEdge(dut.clk)
            cycles = tb.cycles() - start
            env.write("STATUS", ST.field("IOC_IRQ").mask)
            await env.wait_idle()
            limit = (n + outputs) * L // tb.bus_bytes
            rows.append((op.name, n, cycles, limit))
            tb.log.info(
                "%s of %d x 4 KiB: %d cycles, limit %d (%.1f%%)", op.name, n, cycles, limit, 100 * limit / cycles
            )
    if env.native and tb.stalls == 0:
        for name, n, cycles, limit in rows:
            assert limit / cycles >= 0.85, f"{name} x {n}: {cycles} cycles for a limit of {limit}"
    finish(env)


@cocotb.test()
async def test_copies_beside_groups(dut):
    """Copies on one channel while another runs XOR and PQ groups: the arbiter interleaves
    the copies' chunks (unaligned, several per descriptor, so carried across their seams)
    with whole groups of the other channel, through the same realigner and output stage."""
    env = await setup(dut)
    cp = Env(env.tb, 0)
    cp.write("CTRL", RUN)
    await env.tb.backend.flush()
    rng = env.rng
    big = env.native
    for _ in range(3 if big else 1):
        copies = []
        for length in [9000, 4096 + 5, 777] if big else [2500, 300]:
            src, dst = cp.block(length, rng.randrange(1, 64)), cp.buf(length + 64)
            off = rng.randrange(64)
            copies.append((src, dst, off, length, dst.read()))
        n, length = 3, (6000 if big else 1500)
        xs, ps = [env.block(length) for _ in range(n)], [env.block(length) for _ in range(n)]
        x, p, q = env.buf(length + 64), env.buf(length + 64), env.buf(length + 64)
        xo, po, qo = rng.randrange(64), rng.randrange(64), rng.randrange(64)
        coefs = [rng.randrange(256) for _ in range(n)]
        old = [v.read() for v in (x, p, q)]
        groups = [
            (env.table([s.addr for s in xs]), x.addr + xo, length, layout.desc_ctrl(DescOp.XOR, n)),
            (env.table([s.addr for s in ps], q.addr + qo, coefs), p.addr + po, length, layout.desc_ctrl(DescOp.PQ, n)),
        ]
        t_copy = cocotb.start_soon(cp.chain([(s.addr, d.addr + o, k, 0) for s, d, o, k, _ in copies]))
        t_ops = cocotb.start_soon(env.chain(groups))
        (cst, _), (ost, _) = await t_copy, await t_ops
        assert cst == [(DescStatus.DONE, k) for *_, k, _ in copies], [hex(s) for s, _ in cst]
        assert ost == [(DescStatus.DONE, length)] * 2, [hex(s) for s, _ in ost]
        for s, d, o, k, was in copies:
            got = d.read()
            assert got[o : o + k] == s.read(), f"copy of {k} at +{o} wrong"
            assert got[:o] == was[:o] and got[o + k :] == was[o + k :], f"copy of {k} wrote outside"
            assert cp.guards_intact(d)
        wp, wq = pq_blocks([s.read() for s in ps], coefs)
        wants = (xor_blocks([s.read() for s in xs]), wp, wq)
        for v, o, want, was in zip((x, p, q), (xo, po, qo), wants, old):
            got = v.read()
            assert got[o : o + length] == want, "XOR or PQ beside copies wrong"
            assert got[:o] == was[:o] and got[o + length :] == was[o + length :], "XOR or PQ wrote outside"
            assert env.guards_intact(v)
    finish(env)


@cocotb.test()
async def test_groups_on_every_channel(dut):
    """Every channel runs its own chain of XOR, PQ and XOR_VAL descriptors (with a copy among
    them) at once: they take turns on the shared operand block, a descriptor at a time, and
    every result is right, guard bytes intact. Then one channel is aborted while the others
    wait for the block, and one channel's operand table cannot be read: the others go on."""
    env = await setup(dut)
    tb, rng = env.tb, env.rng
    envs = [env if c == CH else Env(tb, c) for c in range(tb.num_ch)]
    for e in envs:
        e.max_xor, e.max_pq = env.max_xor, env.max_pq
        e.write("CTRL", RUN)
    await tb.backend.flush()
    L = 3000 if env.native else 500

    def work(e: Env, count: int) -> tuple[list, list]:
        """A chain of `count` descriptors on e's channel and what each must produce."""
        items, checks = [], []
        for i in range(count):
            kind = ("xor", "pq", "xor_val", "copy")[i % 4] if i % 4 != 3 or rng.random() < 0.5 else "xor"
            n = rng.randrange(2, min(5, env.max_pq if kind == "pq" else env.max_xor) + 1)
            length = rng.randrange(1, L)
            srcs = [e.block(length) for _ in range(n)]
            p, q = e.buf(length + 64), e.buf(length + 64)
            po, qo = rng.randrange(64), rng.randrange(64)
            coefs = [rng.randrange(256) for _ in range(n)]
            if kind == "xor":
                items.append((e.table([s.addr for s in srcs]), p.addr + po, length, layout.desc_ctrl(DescOp.XOR, n)))
            elif kind == "pq":
                tab = e.table([s.addr for s in srcs], q.addr + qo, coefs)
                items.append((tab, p.addr + po, length, layout.desc_ctrl(DescOp.PQ, n)))
            elif kind == "xor_val":
                srcs[-1].write(0, xor_blocks([s.read() for s in srcs[:-1]]))
                items.append((e.table([s.addr for s in srcs]), 0, length, layout.desc_ctrl(DescOp.XOR_VAL, n)))
            else:
                items.append((srcs[0].addr, p.addr + po, length, 0))
            checks.append((kind, srcs, coefs, length, (p, po, p.read()), (q, qo, q.read())))
        return items, checks

    def verify(e: Env, checks: list, statuses: list, upto: int | None = None) -> None:
        for i, ((kind, srcs, coefs, length, (p, po, pold), (q, qo, qold)), (status, xferred)) in enumerate(
            zip(checks, statuses)
        ):
            if upto is not None and i >= upto:
                assert status == 0, (e.ch, i, hex(status))
                assert p.read() == pold and q.read() == qold, f"channel {e.ch}: descriptor {i} after the stop wrote"
                continue
            assert (status, xferred) == (DescStatus.DONE, length), (e.ch, i, kind, hex(status), xferred)
            want_p = want_q = None
            if kind == "xor":
                want_p = xor_blocks([s.read() for s in srcs])
            elif kind == "pq":
                want_p, want_q = pq_blocks([s.read() for s in srcs], coefs)
            elif kind == "copy":
                want_p = srcs[0].read()
            for buf, o, old, want in ((p, po, pold, want_p), (q, qo, qold, want_q)):
                got = buf.read()
                if want is None:
                    assert got == old, f"channel {e.ch}: {kind} {i} wrote a buffer it does not own"
                else:
                    assert got[o : o + length] == want, f"channel {e.ch}: {kind} {i} of {length} wrong"
                    assert got[:o] == old[:o] and got[o + length :] == old[o + length :], f"{kind} {i} wrote outside"
                assert e.guards_intact(buf)

    # all channels at once, each starting after a random delay
    count = 6 if env.native else 3
    plans = [work(e, count) for e in envs]

    async def run(e: Env, items: list) -> tuple:
        await ClockCycles(dut.clk, rng.randrange(1, 200))
        return await e.chain(items)

    tasks = [cocotb.start_soon(run(e, items)) for e, (items, _) in zip(envs, plans)]
    for e, (_, checks), t in zip(envs, plans, tasks):
        statuses, _ = await t
        verify(e, checks, statuses)
    tb.log.info("%d channels x %d descriptors through the shared operand block: right", len(envs), count)

    if len(envs) > 1:
        # an abort on the channel that holds the block, while the others wait for it
        victim = envs[rng.randrange(len(envs))]
        plans = [work(e, count) for e in envs]
        ds_of = {}
        for e, (items, _) in zip(envs, plans):
            ds_of[e.ch] = [
                e.desc(i, e.descs.addr + (i + 1) * 64 if i + 1 < len(items) else 0, *it) for i, it in enumerate(items)
            ]
        done_before = await victim.read("DONE_CNT")  # (a count since the last RESET)
        for e in envs:
            await e.ring(ds_of[e.ch][0].addr, ds_of[e.ch][-1].addr)
        await ClockCycles(dut.clk, rng.randrange(20, 8000 if env.native else 1500))
        victim.write("CTRL", RUN | CTRL.field("ABORT").mask)
        tb.log.info("injected: ABORT of channel %d while %d channels share the operand block", victim.ch, len(envs))
        for e, (_, checks) in zip(envs, plans):
            st = await e.wait_idle()
            statuses = [e.status(d) for d in ds_of[e.ch]]
            if e is victim:
                assert st & ST.field("ABORT_IRQ").mask and not st & ST.field("HALTED").mask, hex(st)
                done = await e.read("DONE_CNT") - done_before
                tb.log.info("channel %d stopped after %d of %d descriptors", e.ch, done, count)
                verify(e, checks, statuses, upto=done)
                e.write("STATUS", ST.field("ABORT_IRQ").mask)
            else:
                verify(e, checks, statuses)

        # a table that cannot be read on one channel: it halts with READ, the others go on
        faults = tb.fault_injector()
        victim = envs[rng.randrange(len(envs))]
        plans = [work(e, 2) for e in envs]
        tab = plans[victim.ch][0][0][0]  # (a chain's first descriptor is an XOR)
        faults.add(Fault("read", AxiResp.SLVERR, lo=tab, hi=tab + 8, once=True))
        tb.log.info("injected: SLVERR on channel %d's operand table at %#x", victim.ch, tab)
        tasks = [cocotb.start_soon(run(e, items)) for e, (items, _) in zip(envs, plans)]
        for e, (_, checks), t in zip(envs, plans, tasks):
            statuses, st = await t
            if e is victim:
                assert st & ST.field("HALTED").mask, hex(st)
                assert statuses[0][0] == err_status(ErrCode.READ), hex(statuses[0][0])
                assert statuses[1][0] == 0, hex(statuses[1][0])
                await e.recover()
            else:
                verify(e, checks, statuses)
    finish(env)

"""The AXI4 protocol checker on its own (toplevel axi4_checker, DATA_W=64, ID_W=4): legal
traffic that stresses its bookkeeping raises nothing, and each rule, broken once, is
reported with its own code. The checker runs bound to the controller in every other
simulation, so this is what makes "no violation" there mean something."""

from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

from tb.protocol import CODES

BUS = 8
MASTER_IN = ("awid", "awaddr", "awlen", "awsize", "awburst", "awvalid", "wdata", "wstrb", "wlast", "wvalid")
MASTER_IN += ("bready", "arid", "araddr", "arlen", "arsize", "arburst", "arvalid", "rready")
SLAVE_IN = ("awready", "wready", "bid", "bresp", "bvalid", "arready", "rid", "rdata", "rresp", "rlast", "rvalid")


class Bench:
    def __init__(self, dut) -> None:
        self.dut = dut
        Clock(dut.clk, 10, unit="ns").start()

    def idle(self) -> None:
        for name in MASTER_IN + SLAVE_IN:
            getattr(self.dut, name).value = 0
        self.dut.bready.value = 1
        self.dut.rready.value = 1

    async def reset(self) -> None:
        self.idle()
        self.dut.rst.value = 1
        for _ in range(2):
            await RisingEdge(self.dut.clk)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)

    async def cycle(self, **signals) -> None:
        """Drive `signals` for one clock (everything else as it was)."""
        for name, value in signals.items():
            getattr(self.dut, name).value = value
        await RisingEdge(self.dut.clk)

    def count(self) -> int:
        return int(self.dut.violations.value)

    async def aw(self, addr, length, size=3, burst=1, id_=0) -> None:
        await self.cycle(awvalid=1, awready=1, awaddr=addr, awlen=length - 1, awsize=size, awburst=burst, awid=id_)
        self.dut.awvalid.value = 0

    async def w(self, beats, strb=0xFF, last_at=None) -> None:
        last_at = beats - 1 if last_at is None else last_at
        for i in range(beats):
            await self.cycle(wvalid=1, wready=1, wdata=i, wstrb=strb, wlast=int(i == last_at))
        self.dut.wvalid.value = 0
        self.dut.wlast.value = 0

    async def b(self, id_=0) -> None:
        await self.cycle(bvalid=1, bid=id_)
        self.dut.bvalid.value = 0

    async def ar(self, addr, length, size=3, burst=1, id_=0) -> None:
        await self.cycle(arvalid=1, arready=1, araddr=addr, arlen=length - 1, arsize=size, arburst=burst, arid=id_)
        self.dut.arvalid.value = 0

    async def r(self, beats, id_=0, last_at=None) -> None:
        last_at = beats - 1 if last_at is None else last_at
        for i in range(beats):
            await self.cycle(rvalid=1, rid=id_, rdata=i, rlast=int(i == last_at))
        self.dut.rvalid.value = 0
        self.dut.rlast.value = 0

    async def held(self, channel: str, **payload) -> None:
        """A beat on `channel` (w, b or r) offered and stalled for two cycles, then accepted."""
        await self.cycle(**{f"{channel}valid": 1, f"{channel}ready": 0}, **payload)
        await self.cycle()
        await self.cycle(**{f"{channel}ready": 1})
        getattr(self.dut, f"{channel}valid").value = 0

    async def settle(self) -> None:
        self.idle()
        await RisingEdge(self.dut.clk)
        await RisingEdge(self.dut.clk)
        await ReadOnly()


@cocotb.test()
async def test_legal_traffic_is_quiet(dut):
    """W ahead of AW, several IDs interleaved, responses out of order across IDs, in order
    within one, stalls with stable payloads on every channel, unaligned and narrow beats, a
    FIXED burst, narrow beats at addresses with bit 31 set."""
    bench = Bench(dut)
    await bench.reset()
    # a stalled AW held stable for three cycles, then accepted
    await bench.cycle(awvalid=1, awready=0, awaddr=0x1000, awlen=3, awsize=3, awburst=1, awid=1)
    await bench.cycle()
    await bench.cycle()
    await bench.cycle(awready=1)
    dut.awvalid.value = 0
    await bench.w(4)
    await bench.w(2)  # W before its AW (legal in AXI4)
    await bench.aw(0x2000, 2, id_=2)
    await bench.aw(0x3003, 1, size=0, burst=1, id_=2)  # one byte at lane 3
    await bench.w(1, strb=0x08)
    await bench.b(2)
    await bench.b(1)  # other ID: may overtake
    await bench.b(2)
    await bench.ar(0x4000, 4, id_=0)
    await bench.ar(0x5000, 2, id_=1)
    await bench.ar(0x6000, 1, id_=0)
    await bench.r(2, id_=1)
    await bench.r(4, id_=0)
    await bench.r(1, id_=0)
    await bench.aw(0x4000_0004, 16, size=2, burst=0, id_=0)  # FIXED, 16 beats, upper lanes
    await bench.w(16, strb=0xF0)
    await bench.b(0)
    # bit 31 set: the lane is the unsigned address modulo the bus width (a signed int'() of
    # the address gave a negative remainder and flagged these beats)
    await bench.aw(0x8000_0005, 1, size=0, burst=1, id_=2)
    await bench.w(1, strb=0x20)
    await bench.aw(0xFFFF_F004, 4, size=0, burst=0, id_=2)  # FIXED, one byte at lane 4
    await bench.w(4, strb=0x10)
    await bench.b(2)
    await bench.b(2)
    # an AW accepted in the same cycle as the first W beat of its burst, lengths differing
    for length in (3, 1, 2):
        for i in range(length):
            aw = {"awvalid": 1, "awready": 1, "awaddr": 0x7000, "awlen": length - 1, "awburst": 1, "awid": 3}
            aw = {**aw, "awsize": 3} if i == 0 else {}
            await bench.cycle(**aw, wvalid=1, wready=1, wdata=i, wstrb=0xFF, wlast=int(i == length - 1))
            dut.awvalid.value = 0
        dut.wvalid.value = 0
        await bench.b(3)
    await bench.ar(0x0FF8, 1)  # the last 8 bytes of a 4 KiB page
    await bench.r(1)
    # W, B and R beats stalled and held stable, each unlike the beat accepted before it
    await bench.aw(0x8000, 2, id_=4)
    await bench.cycle(wvalid=1, wready=1, wdata=0x11, wstrb=0xFF, wlast=0)
    await bench.held("w", wdata=0x22, wstrb=0x0F, wlast=1)
    await bench.held("b", bid=4, bresp=0)
    await bench.ar(0x9000, 2, id_=5)
    await bench.cycle(rvalid=1, rready=1, rid=5, rdata=0x33, rlast=0)
    await bench.held("r", rid=5, rdata=0x44, rlast=1)
    await bench.settle()
    assert bench.count() == 0, f"legal traffic raised {bench.count()} violation(s), last {CODES[int(dut.code.value)]}"


def case(code: int):
    """A test that breaks one rule and expects exactly that code."""

    def wrap(body):
        async def test(dut):
            bench = Bench(dut)
            await bench.reset()
            before = bench.count()
            await body(bench)
            await bench.settle()
            assert bench.count() > before, f"not reported: {CODES[code]}"
            assert int(dut.code.value) == code, f"reported {CODES.get(int(dut.code.value))}, not {CODES[code]}"

        test.__name__ = test.__qualname__ = body.__name__
        test.__doc__ = CODES[code]
        return cocotb.test()(test)

    return wrap


@case(1)
async def test_aw_changes_while_stalled(bench):
    await bench.cycle(awvalid=1, awready=0, awaddr=0x1000, awlen=0, awsize=3, awburst=1)
    await bench.cycle(awaddr=0x1008)


@case(2)
async def test_w_dropped_while_stalled(bench):
    await bench.aw(0x1000, 2)
    await bench.cycle(wvalid=1, wready=0, wstrb=0xFF, wdata=1)
    await bench.cycle(wvalid=0)


@case(3)
async def test_ar_withdrawn(bench):
    await bench.cycle(arvalid=1, arready=0, araddr=0x1000, arlen=0, arsize=3, arburst=1)
    await bench.cycle(arvalid=0)


@case(4)
async def test_b_changes_while_stalled(bench):
    await bench.aw(0x1000, 1)
    await bench.w(1)
    await bench.cycle(bvalid=1, bready=0, bresp=0)
    await bench.cycle(bresp=2)


@case(5)
async def test_r_changes_while_stalled(bench):
    await bench.ar(0x1000, 2)
    await bench.cycle(rvalid=1, rready=0, rdata=5)
    await bench.cycle(rdata=6)


@case(6)
async def test_reserved_burst(bench):
    await bench.ar(0x1000, 1, burst=3)


@case(7)
async def test_size_wider_than_bus(bench):
    await bench.ar(0x1000, 1, size=4)


@case(8)
async def test_fixed_too_long(bench):
    await bench.ar(0x1000, 17, burst=0)


@case(9)
async def test_wrap_bad_length(bench):
    await bench.ar(0x1000, 3, burst=2)


@case(10)
async def test_crosses_4k(bench):
    await bench.aw(0x1FF8, 2)


@case(11)
async def test_wlast_early(bench):
    await bench.aw(0x1000, 4)
    await bench.w(4, last_at=2)


@case(12)
async def test_wstrb_outside_lanes(bench):
    await bench.aw(0x1001, 1, size=0)
    await bench.w(1, strb=0x01)  # lane 0 for a byte at lane 1


@case(13)
async def test_b_without_write(bench):
    await bench.b(5)


@case(14)
async def test_b_before_last_w(bench):
    await bench.aw(0x1000, 4)
    await bench.w(2, last_at=-1)
    await bench.b(0)


@case(15)
async def test_r_without_read(bench):
    await bench.r(1, id_=3)


@case(16)
async def test_rlast_late(bench):
    await bench.ar(0x1000, 2)
    await bench.r(3, last_at=2)


@case(17)
async def test_valid_after_reset(bench):
    bench.dut.rst.value = 1
    await bench.cycle()
    bench.dut.rst.value = 0
    await bench.cycle(arvalid=1, araddr=0x1000, arsize=3, arburst=1)  # at once after reset


@case(17)
async def test_valid_held_in_reset(bench):
    bench.dut.rst.value = 1
    await bench.cycle(arvalid=1, araddr=0x1000, arsize=3, arburst=1)
    await bench.cycle()  # still VALID at the second reset edge
    bench.dut.rst.value = 0

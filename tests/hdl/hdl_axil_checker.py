"""The AXI4-Lite checker on its own (toplevel axil_checker): legal register traffic is
quiet; a response without its request, or one changed before READY, is reported."""

from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

from tb.protocol import CODES

SIGNALS = ("awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp", "bvalid")
SIGNALS += ("bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid", "rready")


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    for name in SIGNALS:
        getattr(dut, name).value = 0
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)


async def cycle(dut, **signals) -> None:
    for name, value in signals.items():
        getattr(dut, name).value = value
    await RisingEdge(dut.clk)


async def held(dut, ready: str, **offer) -> None:
    """A beat offered (`offer`) with `ready` low for two cycles, then accepted."""
    await cycle(dut, **offer, **{ready: 0})
    await cycle(dut)
    await cycle(dut, **{ready: 1})


async def verdict(dut) -> tuple[int, int]:
    await cycle(dut, awvalid=0, wvalid=0, bvalid=0, arvalid=0, rvalid=0)
    await RisingEdge(dut.clk)
    await ReadOnly()
    return int(dut.violations.value), int(dut.code.value)


@cocotb.test()
async def test_legal_is_quiet(dut):
    await start(dut)
    # a write: AW and W in different cycles, B stalled two cycles with a stable payload
    await cycle(dut, awvalid=1, awready=1, awaddr=0x10)
    await cycle(dut, awvalid=0, wvalid=1, wready=1, wdata=5, wstrb=0xF)
    await cycle(dut, wvalid=0, bvalid=1, bready=0, bresp=0)
    await cycle(dut)
    await cycle(dut, bready=1)
    # a read answered in the cycle after AR
    await cycle(dut, bvalid=0, arvalid=1, arready=1, araddr=0x20)
    await cycle(dut, arvalid=0, rvalid=1, rready=1, rdata=7)
    # again, each channel stalled two cycles with a payload unlike its beat before (a checker
    # comparing against a stale payload reports these)
    await held(dut, "awready", rvalid=0, awvalid=1, awaddr=0x14)
    await held(dut, "wready", awvalid=0, wvalid=1, wdata=6, wstrb=0xF)
    await held(dut, "bready", wvalid=0, bvalid=1, bresp=2)
    await held(dut, "arready", bvalid=0, arvalid=1, araddr=0x24)
    await held(dut, "rready", arvalid=0, rvalid=1, rdata=8, rresp=2)
    count, code = await verdict(dut)
    assert count == 0, f"legal traffic reported: {CODES.get(code)}"


@cocotb.test()
async def test_b_without_write(dut):
    await start(dut)
    await cycle(dut, awvalid=1, awready=1, awaddr=0x10)  # AW but no W yet
    await cycle(dut, awvalid=0, bvalid=1, bready=1)
    count, code = await verdict(dut)
    assert count and code == 13, f"got {count} violation(s), code {CODES.get(code)}"


@cocotb.test()
async def test_r_without_read(dut):
    await start(dut)
    await cycle(dut, rvalid=1, rready=1, rdata=3)
    count, code = await verdict(dut)
    assert count and code == 15, f"got {count} violation(s), code {CODES.get(code)}"


@cocotb.test()
async def test_r_changes_while_stalled(dut):
    await start(dut)
    await cycle(dut, arvalid=1, arready=1, araddr=0x20)
    await cycle(dut, arvalid=0, rvalid=1, rready=0, rdata=1)
    await cycle(dut, rdata=2)
    count, code = await verdict(dut)
    assert count and code == 5, f"got {count} violation(s), code {CODES.get(code)}"

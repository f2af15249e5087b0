"""Reset in the middle of traffic: every channel busy with bursts on the bus, then `rst` at a
random cycle. Afterwards every register reads its reset value, the interrupt lines are low,
nothing more reaches memory, the protocol checkers saw no response to a transaction from
before the reset, and the driver probes and copies correctly again."""

from __future__ import annotations

import cocotb
from cocotb.triggers import ClockCycles

from pydma import DMA_PREP_INTERRUPT
from pydma.hw import layout
from pydma.memory import MemView
from tb.dma_tb import DmaTb
from tb.testenv import memcpy_channel, stall_setting, wait_complete

CHAIN = 4  # descriptors per channel
SEG = 16 * 1024  # bytes each
TRIALS = 5
ZERO_AFTER_RESET = ("CTRL", "STATUS", "CUR_DESC_LO", "CUR_DESC_HI", "TAIL_DESC_LO", "TAIL_DESC_HI")
ZERO_AFTER_RESET += ("DONE_CNT", "XFERRED", "SLAVE_CFG", "DEV_ADDR_LO", "DEV_ADDR_HI")


async def start_chains(tb: DmaTb) -> list[MemView]:
    """A chain of CHAIN descriptors on every channel, through the registers; returns the
    destination buffers."""
    backend = tb.backend
    ctrl = layout.reg("CTRL")
    run = ctrl.field("RUN").mask | ctrl.field("IOC_IRQ_EN").mask | ctrl.field("ERR_IRQ_EN").mask
    dsts = []
    for ch in range(tb.num_ch):
        src = tb.memory.alloc(CHAIN * SEG, 4096)
        dst = MemView(tb.memory, tb.memory.alloc(CHAIN * SEG, 4096), CHAIN * SEG)
        tb.memory.write(src, tb.rng.randbytes(CHAIN * SEG))
        dst.write(0, tb.rng.randbytes(CHAIN * SEG))
        ring = MemView(tb.memory, tb.memory.alloc(CHAIN * layout.DESC_SIZE, 4096), CHAIN * layout.DESC_SIZE)
        for i in range(CHAIN):
            nxt = ring.addr + (i + 1) * layout.DESC_SIZE if i + 1 < CHAIN else 0
            ring.write(
                i * layout.DESC_SIZE, layout.pack_desc(nxt, src + i * SEG, dst.addr + i * SEG, SEG, layout.DescCtrl.IOC)
            )
        tail = ring.addr + (CHAIN - 1) * layout.DESC_SIZE
        backend.writel(layout.chan_reg_addr(ch, "CTRL"), run)
        backend.writel(layout.chan_reg_addr(ch, "CUR_DESC_HI"), ring.addr >> 32)
        backend.writel(layout.chan_reg_addr(ch, "CUR_DESC_LO"), ring.addr & 0xFFFF_FFFF)
        backend.writel(layout.chan_reg_addr(ch, "TAIL_DESC_HI"), tail >> 32)
        backend.writel(layout.chan_reg_addr(ch, "TAIL_DESC_LO"), tail & 0xFFFF_FFFF)
        dsts.append(dst)
    await backend.flush()
    return dsts


@cocotb.test()
async def test_reset_mid_traffic(dut):
    tb = DmaTb(dut, stalls=stall_setting())
    busy = layout.reg("STATUS").field("BUSY").mask
    for trial in range(TRIALS):
        await tb.reset()
        dsts = await start_chains(tb)
        await ClockCycles(dut.clk, tb.rng.randint(50, 3000))
        states = [await tb.backend.readl(layout.chan_reg_addr(ch, "STATUS")) for ch in range(tb.num_ch)]
        assert any(s & busy for s in states), "the reset must hit running channels"
        tb.log.info("trial %d: reset with channels %s busy", trial, [bool(s & busy) for s in states])

        await tb.reset()  # in the middle of bursts
        for ch in range(tb.num_ch):
            for name in ZERO_AFTER_RESET:
                value = await tb.backend.readl(layout.chan_reg_addr(ch, name))
                assert value == 0, f"channel {ch} {name} = 0x{value:x} after reset"
        assert await tb.backend.readl(layout.reg("IRQ_STATUS").offset) == 0
        assert int(dut.irq.value) == 0, "an interrupt line is high after reset"
        frozen = [d.read() for d in dsts]
        await ClockCycles(dut.clk, 3000)
        assert [d.read() for d in dsts] == frozen, "memory written after the reset"
        tb.protocol.check()

    # and the whole stack works again
    await tb.start()
    chan = memcpy_channel()
    src = MemView(tb.memory, tb.memory.alloc(10_000, 64), 10_000)
    dst = MemView(tb.memory, tb.memory.alloc(10_064, 64), 10_064)
    src.write(0, tb.rng.randbytes(10_000))
    dst.write(0, bytes(10_064))
    tx = chan.prep_dma_memcpy(dst.addr + 32, src.addr, 10_000, DMA_PREP_INTERRUPT)
    cookie = tx.submit()
    chan.issue_pending()
    await wait_complete(chan, cookie, 10_000)
    got = dst.read()
    assert got[32:10_032] == src.read() and got[:32] == bytes(32) and got[10_032:] == bytes(32)
    await chan.release()
    await tb.stop()

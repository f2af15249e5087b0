"""The controller without the driver: a channel's registers written and read directly
(no driver probed), descriptors written by hand, for the modules that test the register
and descriptor contract (tests/hdl/hdl_registers.py, hdl_interleave.py)."""

from __future__ import annotations

from cocotb.triggers import ClockCycles

from pydma.hw import layout
from pydma.memory import MemView
from tb.dma_tb import DmaTb

CH = 1  # use a channel other than 0, to catch decode mistakes


class Raw:
    def __init__(self, tb: DmaTb) -> None:
        self.tb = tb
        self.backend = tb.backend

    def reg(self, name: str) -> int:
        return layout.chan_reg_addr(CH, name)

    async def read(self, name: str) -> int:
        return await self.backend.readl(self.reg(name))

    def write(self, name: str, value: int) -> None:
        self.backend.writel(self.reg(name), value)

    def field(self, value: int, reg: str, name: str) -> int:
        f = layout.reg(reg).field(name)
        return (value & f.mask) >> f.lsb

    def desc(
        self,
        view: MemView,
        nxt: int,
        src: int,
        dst: int,
        length: int,
        ctrl: int,
        xt: tuple[int, int, int] | None = None,
    ) -> None:
        view.write(0, layout.pack_desc(nxt, src, dst, length, ctrl, xt))

    def status(self, view: MemView) -> tuple[int, int]:
        return view.read_u32(layout.desc_field("STATUS").offset), view.read_u32(layout.desc_field("XFERRED").offset)

    async def ring(self, head: int | None, tail: int) -> None:
        if head is not None:
            self.write("CUR_DESC_HI", head >> 32)
            self.write("CUR_DESC_LO", head & 0xFFFF_FFFF)
        self.write("TAIL_DESC_HI", tail >> 32)
        self.write("TAIL_DESC_LO", tail & 0xFFFF_FFFF)
        await self.backend.flush()

    async def wait_idle(self, limit: int = 5000) -> int:
        for _ in range(limit // 10):
            await ClockCycles(self.tb.dut.clk, 10)
            st = await self.read("STATUS")
            if not self.field(st, "STATUS", "BUSY"):
                return st
        raise AssertionError("channel stayed busy")


async def setup(dut):
    tb = DmaTb(dut)
    await tb.reset()
    raw = Raw(tb)
    ctrl = layout.reg("CTRL")
    raw.write("CTRL", ctrl.field("RUN").mask | ctrl.field("IOC_IRQ_EN").mask | ctrl.field("ERR_IRQ_EN").mask)
    descs = MemView(tb.memory, tb.memory.alloc(4096, 4096), 4096)
    data = MemView(tb.memory, tb.memory.alloc(8192, 4096), 8192)
    data.write(0, tb.rng.randbytes(4096) + bytes(4096))
    return tb, raw, descs, data

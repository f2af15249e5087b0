"""`DmaBackend` for a cocotb simulation: cocotbext-axi's AXI-Lite master for registers and
the controller's `irq` vector for interrupts.

`peekl` is a zero-time register read for the driver's synchronous paths (tx_status): in the
kernel a readl from atomic context stalls the CPU but not the caller's logic, while a bus
read here needs simulated time, which synchronous Python cannot wait for. It reads the
register's flops directly (a UVM-style backdoor); tests compare it with the bus read."""

from __future__ import annotations

from collections import deque

import cocotb
from cocotb.handle import LogicArrayObject
from cocotb.triggers import Timer
from cocotbext.axi import AxiLiteMaster
from cocotbext.axi.constants import AxiResp

from pydma import jitter
from pydma.backend import DmaBackendCaps
from pydma.errors import EIO, DmaError
from pydma.hw import layout
from pydma.memory import DmaMemory
from pydma.sim.runtime import CocotbRuntime

# channel registers peekl can read: (flop in dma_chan, word) with word 0 = bits 31:0
_PEEKABLE = {
    "DONE_CNT": ("done_cnt", 0),
    "XFERRED": ("xferred_rd", 0),  # the register's value (head of the completion queue)
    "CUR_DESC_LO": ("cur", 0),
    "CUR_DESC_HI": ("cur", 1),
    "TAIL_DESC_LO": ("tail", 0),
    "TAIL_DESC_HI": ("tail", 1),
}


class CocotbBackend:
    def __init__(self, axil: AxiLiteMaster, irq: LogicArrayObject, memory: DmaMemory, dut=None) -> None:
        self.axil = axil
        self.dut = dut
        self.irq = irq
        self.memory = memory
        self.runtime = CocotbRuntime()
        # peekl needs the controller's scope (dut) to read the registers' flops
        self.caps = DmaBackendCaps.PEEK_REGS if dut is not None else DmaBackendCaps.NONE
        self.writes = 0
        self.reads = 0
        self.on_irq = None  # called each time wait_irq returns (the native memory's log)
        self._scopes: dict = {}
        # Posted writes not yet known complete: the master's own idle state cannot tell
        # whether a write is still to come, as starting one is itself deferred.
        self._posted: deque = deque()

    def writel(self, offset: int, value: int) -> None:
        self.writes += 1
        # tasks start in order, so the writes reach the AXI-Lite master in order
        task = cocotb.start_soon(self.axil.write(offset, (value & 0xFFFF_FFFF).to_bytes(4, "little")))
        self._posted.append((offset, task))

    async def flush(self) -> None:
        """Wait for every posted write; a write the slave refused is an error here, as an
        asynchronous bus abort would be on hardware."""
        while self._posted:
            offset, task = self._posted[0]
            result = await task
            if not self._posted or self._posted[0][1] is not task:
                continue  # another task flushing at the same time retired it
            self._posted.popleft()
            resp = result.resp
            if resp != AxiResp.OKAY:
                raise DmaError(EIO, f"posted register write at 0x{offset:03x} answered {resp.name}")

    async def readl(self, offset: int) -> int:
        self.reads += 1
        await self.flush()
        resp = await self.axil.read(offset, 4)
        if resp.resp != AxiResp.OKAY:
            raise DmaError(EIO, f"register read at 0x{offset:03x} answered {resp.resp.name}")
        return int.from_bytes(resp.data, "little")

    def peekl(self, offset: int) -> int:
        """The register at `offset` now, without a bus cycle (see the module docstring)."""
        if self.dut is None or offset < layout.CHAN_BASE:
            raise DmaError(EIO, f"no backdoor for register 0x{offset:03x}")
        ch, off = divmod(offset - layout.CHAN_BASE, layout.CHAN_STRIDE)
        name = next((r.name for r in layout.CHAN_REGS if r.offset == off), None)
        if name not in _PEEKABLE:
            raise DmaError(EIO, f"no backdoor for register 0x{offset:03x} ({name})")
        flop, word = _PEEKABLE[name]
        value = getattr(self.chan_scope(ch), flop).value.to_unsigned()
        return value >> (32 * word) & 0xFFFF_FFFF

    def chan_scope(self, ch: int):
        """Channel `ch`'s front end (dma_chan) inside the controller, for the signals
        tb/public.vlt makes visible. By name: a generate scope is no indexable array when
        only some of its signals are public."""
        if ch not in self._scopes:
            self._scopes[ch] = self.dut[f"g_ch[{ch}]"].u_chan
        return self._scopes[ch]

    def irq_asserted(self, line: int) -> bool:
        return bool(self.irq.value.to_unsigned() >> line & 1)

    async def wait_irq(self, line: int) -> None:
        while not self.irq_asserted(line):
            await self.irq.value_change
        if jitter.jitter is not None:  # a busy CPU takes the interrupt later
            delay = round(jitter.jitter.irq_ns())
            if delay > 0:
                await Timer(delay, "ns")
        if self.on_irq is not None:
            self.on_irq()

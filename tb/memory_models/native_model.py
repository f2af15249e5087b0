"""The native memory model (tb/native): a SystemVerilog AXI4 slave whose bytes live in C++,
with latency, pauses and bus errors applied in the HDL. Its main loop makes the clock
(tb/native/sim_main.cpp); bursts outside the memory pass through to the top's x_axi port,
where a Python slave answers for the peripherals' registers."""

from __future__ import annotations

import random
from collections.abc import Callable

from cocotbext.axi import AxiBus, AxiSlave, Region

from pydma.sim.native_memory import NativeMemory
from tb.faults import NativeFaultInjector
from tb.memory_models.base import AccessWatch, MemoryModel


class NativeMemoryModel(MemoryModel):
    name = "native"

    def __init__(
        self, dut, base: int, size: int, addr_width: int, rng: random.Random, dual: bool = False, dma1_offset: int = 0
    ) -> None:
        super().__init__(rng)
        self.dut = dut
        self.core = dut.u_dma0 if dual else dut.u_dmac
        self.memory = NativeMemory(size=size, base=base, addr_width=addr_width)
        self.faults = NativeFaultInjector(self.memory)
        # a two-controller top: dma1's axi_native_mem (PORT 1) on the same store, behind the
        # top's address-offset adapter (its DMA1_OFFSET parameter, dma1_offset here)
        self.cores = [self.core, dut.u_dma1] if dual else [self.core]
        self.port_faults = [self.faults, NativeFaultInjector(self.memory, 1)] if dual else [self.faults]
        # made with the first peripheral: until then no Python waits on the pass-through port
        self.passthrough: AxiSlave | None = None

    def set_stalls(self, probability: float) -> None:
        # pauses in the HDL, forwarded bursts included: no Python per cycle
        self.memory.set_stalls(probability, self.rng.getrandbits(64))

    def set_latency(self, cycles: int) -> None:
        self.memory.set_timing(cycles, cycles)

    def watch_accesses(self, watch: AccessWatch, port: int = 0) -> Callable[[], None] | None:
        # logged in C++; the debug mode takes the log before each change of the state it
        # judges the accesses against, and the driver's interrupt handler before it runs
        self.memory.watch_accesses(watch, port)
        return self.memory.drain_accesses

    def map_peripheral(self, region: Region, address: int) -> None:
        if self.passthrough is None:
            bus = AxiBus.from_prefix(self.dut, "x_axi")
            self.passthrough = AxiSlave(bus, self.dut.clk, self.dut.rst, target=self.memory.space)
            # it buffers a whole FIXED burst (16 beats) each way: with cocotbext-axi's
            # default of 2 it would stall a beat between back-to-back bursts
            self.passthrough.write_if.w_channel.queue_occupancy_limit = 16
            self.passthrough.read_if.r_channel.queue_occupancy_limit = 16
            self.memory.attach_external()
        self.memory.space.register_region(region, address)

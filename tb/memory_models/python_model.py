"""The Python memory model: cocotbext-axi's AXI slave over an AddressSpace; every beat runs
Python. The cocotb clock is started here (the native top makes its own)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from cocotb.clock import Clock
from cocotbext.axi import AxiBus, Region

from pydma.sim.axi_memory import AxiSimMemory
from tb.faults import FaultInjector
from tb.memory_models.axi_slave import WatchedAxiSlave
from tb.memory_models.base import AccessWatch, MemoryModel
from tb.runner import CLK_PS


def random_pauses(rng: random.Random, probability: float) -> Iterator[bool]:
    while True:
        yield rng.random() < probability


class PythonMemoryModel(MemoryModel):
    name = "python"

    def __init__(
        self, dut, base: int, size: int, addr_width: int, rng: random.Random, dual: bool = False, dma1_offset: int = 0
    ) -> None:
        super().__init__(rng)
        Clock(dut.clk, CLK_PS // 1000, unit="ns").start()
        self.core = dut.u_dma0 if dual else dut
        self.memory = AxiSimMemory(size=size, base=base, addr_width=addr_width)
        self.faults = FaultInjector(dut.clk, rng)
        # the peripherals' registers share the memory's AddressSpace, so this slave serves them too
        self.axi = WatchedAxiSlave(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst, self.memory.space, self.faults)
        self.cores, self.port_faults, self.slaves = [self.core], [self.faults], [self.axi]
        if dual:  # dma1's port: the same memory, seen at its DMA offset
            faults1 = FaultInjector(dut.clk, random.Random(rng.random()), dma1_offset, addr_width)
            axi1 = WatchedAxiSlave(
                AxiBus.from_prefix(dut, "m1_axi"), dut.clk, dut.rst, self.memory.space, faults1, dma1_offset
            )
            self.cores.append(dut.u_dma1)
            self.port_faults.append(faults1)
            self.slaves.append(axi1)

    def set_stalls(self, probability: float) -> None:
        for axi in self.slaves:
            for ch in axi.channels():
                if probability:
                    ch.set_pause_generator(random_pauses(random.Random(self.rng.random()), probability))
                else:
                    ch.clear_pause_generator()

    def watch_accesses(self, watch: AccessWatch, port: int = 0) -> Callable[[], None] | None:
        self.slaves[port].watch_accesses(watch)
        return None  # shown as each access happens

    def map_peripheral(self, region: Region, address: int) -> None:
        self.memory.space.register_region(region, address)

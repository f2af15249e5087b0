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

    def __init__(self, dut, base: int, size: int, addr_width: int, rng: random.Random) -> None:
        super().__init__(rng)
        Clock(dut.clk, CLK_PS // 1000, unit="ns").start()
        self.core = dut
        self.memory = AxiSimMemory(size=size, base=base, addr_width=addr_width)
        self.faults = FaultInjector(dut.clk, rng)
        # the peripherals' registers share the memory's AddressSpace, so this slave serves them too
        self.axi = WatchedAxiSlave(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst, self.memory.space, self.faults)

    def set_stalls(self, probability: float) -> None:
        for ch in self.axi.channels():
            if probability:
                ch.set_pause_generator(random_pauses(random.Random(self.rng.random()), probability))
            else:
                ch.clear_pause_generator()

    def watch_accesses(self, watch: AccessWatch) -> Callable[[], None] | None:
        self.axi.watch_accesses(watch)
        return None  # shown as each access happens

    def map_peripheral(self, region: Region, address: int) -> None:
        self.memory.space.register_region(region, address)

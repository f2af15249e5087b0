"""The memory model interface: what the testbench needs from the memory on the controller's
AXI master port. `tb.memory_models.memory_model_for` picks the implementation the
simulation was built with; the testbench and the tests use only this."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable

from cocotbext.axi import Region

from pydma.sim.axi_memory import AxiSimMemory
from pydma.sim.native_memory import NativeMemory
from tb.faults import FaultInjector, NativeFaultInjector

SimMemory = AxiSimMemory | NativeMemory
AccessWatch = Callable[[int, int, bool], None]  # (address, length, is_write)


class MemoryModel(ABC):
    """Owns the clock (where it is made), the memory, its stalls, bus-error injection,
    access watching and the port that serves the peripherals' registers.

    A two-controller top (tb/dual) has one AXI port per controller on the same memory: port
    0 is dma0's, port 1 dma1's, which sees memory at `dma1_offset` (bus address = CPU address
    + offset; the memory, the watches and the fault rules see CPU addresses). Stalls apply to
    every port; faults and watches are per port."""

    name: str  # "python" or "native", as `--mem` / `MEM=` name it
    memory: SimMemory  # the bytes, allocation, CPU access (`pydma.memory.DmaMemory`)
    core: object  # the controller instance in the design (its ports and checkers): dma0's
    cores: list  # every controller instance, by port
    faults: FaultInjector | NativeFaultInjector  # port 0's
    port_faults: list  # every port's

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng  # the testbench's: seeds of stall patterns and latencies come from it

    @abstractmethod
    def set_stalls(self, probability: float) -> None:
        """Random ready/valid pauses on all five AXI channels (0 = none)."""

    def set_latency(self, cycles: int) -> None:
        """Cycles from AR to the first R beat and from the last W beat to B."""
        if cycles != 1:
            raise ValueError(f"memory latency is a native-memory setting (--mem native), not {self.name}")

    @abstractmethod
    def watch_accesses(self, watch: AccessWatch, port: int = 0) -> Callable[[], None] | None:
        """Show `watch` every beat port `port`'s controller reads and every strobed byte run
        it writes (behind fault injection), at CPU addresses: one at a time, or merged into
        runs of adjacent beats (the watch judges them per beat of the data bus). Returns the
        call that hands over accesses logged but not shown yet, to be made before judging them
        (None: each is shown as it happens)."""

    @abstractmethod
    def map_peripheral(self, region: Region, address: int) -> None:
        """Answer bursts to [address, address + region.size) with `region` (a cocotbext-axi
        Region: a peripheral's registers)."""

"""The narrow interface between the driver and a machine: 32-bit register access with
PCI/ARM ordering (a read waits for earlier posted writes), interrupt lines, and memory.
The simulation backend is `pydma.sim.backend.CocotbBackend`; a hardware backend would map
the same members onto /dev/mem, UIO or VFIO (where `peekl` is simply a readl)."""

from __future__ import annotations

from typing import Protocol

from pydma.memory import DmaMemory


class DmaBackend(Protocol):
    memory: DmaMemory

    def writel(self, offset: int, value: int) -> None:
        """Posted write: returns at once; writes reach the device in order."""

    async def readl(self, offset: int) -> int:
        """Read after all earlier writes have landed."""

    def peekl(self, offset: int) -> int:
        """Read a register without waiting, for paths the kernel runs in atomic context
        (optional: without it tx_status falls back to segment-granular residue)."""

    async def flush(self) -> None:
        """Wait until all posted writes have landed."""

    async def wait_irq(self, line: int) -> None:
        """Return when interrupt `line` is asserted (at once if it already is)."""

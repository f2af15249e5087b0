"""The narrow interface between the driver and a machine: 32-bit register access with
PCI/ARM ordering (a read waits for earlier posted writes), interrupt lines, memory, and the
runtime that schedules the driver's tasks (`pydma.runtime`).

Implementations: `pydma.sim.backend.CocotbBackend` (the controller RTL under cocotb) and
`pydma.model.backend.ModelBackend` (a register-level Python model of the controller on
asyncio, no simulator). A hardware backend would map the same members onto /dev/mem, UIO or
VFIO, with an asyncio runtime. Nothing above this interface knows which one it runs on.
"""

from __future__ import annotations

import enum
from typing import Protocol

from pydma.memory import DmaMemory
from pydma.runtime import Runtime


class DmaBackendCaps(enum.Flag):
    """What a backend can do beyond the required members."""

    NONE = 0
    # peekl(): a register read without waiting, for the paths the kernel runs in atomic
    # context (tx_status' residue). On hardware a readl simply is that; a simulation reads
    # the register's flops. Without it, residue is reported per segment.
    PEEK_REGS = enum.auto()


class DmaBackend(Protocol):
    memory: DmaMemory
    runtime: Runtime
    caps: DmaBackendCaps

    def writel(self, offset: int, value: int) -> None:
        """Posted write: returns at once; writes reach the device in order."""

    async def readl(self, offset: int) -> int:
        """Read after all earlier writes have landed."""

    def peekl(self, offset: int) -> int:
        """Read a register without waiting (only with DmaBackendCaps.PEEK_REGS)."""

    async def flush(self) -> None:
        """Wait until all posted writes have landed."""

    async def wait_irq(self, line: int) -> None:
        """Return when interrupt `line` is asserted (at once if it already is)."""

"""`DmaBackend` over the controller model: posted register writes land in order one
AXI-Lite latency later, a read waits for them and then for its own round trip, and each
interrupt line is an asyncio Event. Any register can be peeked (DmaBackendCaps.PEEK_REGS):
the model's registers are plain attributes, read in the same instant."""

from __future__ import annotations

import asyncio
from collections import deque

from pydma.backend import DmaBackendCaps
from pydma.errors import EIO, DmaError
from pydma.model.controller import ControllerModel, RegisterError
from pydma.model.runtime import AsyncioRuntime


class ModelBackend:
    def __init__(self, model: ControllerModel, runtime: AsyncioRuntime | None = None) -> None:
        self.model = model
        self.memory = model.memory
        self.runtime = runtime or AsyncioRuntime()
        self.caps = DmaBackendCaps.PEEK_REGS
        self.writes = self.reads = 0
        self._posted: deque[tuple[int, int]] = deque()
        self._landing = False  # a landing of the posted writes is scheduled
        self._landed = asyncio.Event()
        self._refused: list[str] = []  # posted writes the controller refused, for the next flush

    def writel(self, offset: int, value: int) -> None:
        self.writes += 1
        self._posted.append((offset, value & 0xFFFF_FFFF))
        if not self._landing:
            self._landing = True
            asyncio.get_running_loop().call_later(self.model.timing.reg_write_ns * 1e-9, self._land)

    def _land(self) -> None:
        while self._posted:
            offset, value = self._posted.popleft()
            try:
                self.model.write(offset, value)
            except RegisterError as exc:
                self._refused.append(f"posted register write at 0x{offset:03x} answered SLVERR ({exc})")
        self._landing = False
        self._landed.set()

    async def flush(self) -> None:
        """Wait for every posted write; a refused one is an error here, as an asynchronous
        bus abort would be on hardware."""
        while self._posted:
            self._landed.clear()
            await self._landed.wait()
        if self._refused:
            first, self._refused = self._refused[0], []
            raise DmaError(EIO, first)

    async def readl(self, offset: int) -> int:
        self.reads += 1
        await self.flush()
        await asyncio.sleep(self.model.timing.reg_read_ns * 1e-9)
        try:
            return self.model.read(offset)
        except RegisterError as exc:
            raise DmaError(EIO, f"register read at 0x{offset:03x} answered SLVERR ({exc})") from exc

    def peekl(self, offset: int) -> int:
        try:
            return self.model.read(offset)
        except RegisterError as exc:
            raise DmaError(EIO, f"no register at 0x{offset:03x}") from exc

    async def wait_irq(self, line: int) -> None:
        await self.model.wait_irq(line)

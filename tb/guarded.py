"""Buffers with guard bytes on both sides, to catch a transfer that writes past its ends."""

from __future__ import annotations

import random

from pydma.memory import MemView
from tb.memory_models import SimMemory


class GuardedBuffer:
    """`size` usable bytes with `guard` random bytes on each side, to catch overruns."""

    def __init__(self, memory: SimMemory, size: int, guard: int, rng: random.Random, fill: bytes | None):
        self.memory = memory
        self.guard = guard
        self.size = size
        self.base = memory.alloc(size + 2 * guard, 64)
        self.whole = MemView(memory, self.base, size + 2 * guard)
        self.view = self.whole.ptr(guard, size)
        self.addr = self.view.addr
        self.guard_lo = rng.randbytes(guard)
        self.guard_hi = rng.randbytes(guard)
        self.whole.write(0, self.guard_lo)
        self.whole.write(guard + size, self.guard_hi)
        self.view.write(0, fill if fill is not None else rng.randbytes(size))

    def check_guards(self) -> None:
        lo = self.whole.read(0, self.guard)
        hi = self.whole.read(self.guard + self.size, self.guard)
        assert lo == self.guard_lo, f"guard below 0x{self.addr:x} overwritten"
        assert hi == self.guard_hi, f"guard above 0x{self.addr:x}+0x{self.size:x} overwritten"

    def free(self) -> None:
        self.memory.free(self.base)

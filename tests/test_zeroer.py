"""`DmaMemory.zeroer` (how the driver clears a reused chain's status words) without a
simulator: exactly the asked bytes become zero, on runs at one stride, across allocations,
and out of order, for the fast strided version and the plain one alike."""

from __future__ import annotations

import random

import pytest

from pydma.memory import zeroer_by_writes
from pydma.sim.axi_memory import AxiSimMemory


def layouts(mem: AxiSimMemory) -> dict[str, list[int]]:
    a, b = mem.alloc(4096, 4096), mem.alloc(4096, 4096)
    rng = random.Random(5)
    return {
        "one": [a + 64],
        "strided": [a + 64 * k for k in range(64)],
        "across allocations": [a + 4096 - 128, a + 4096 - 64, b, b + 64, b + 128],
        "mixed strides": [a, a + 32, a + 64, a + 200, b + 8, b + 16, b + 24, a + 1000],
        "random order": rng.sample([a + 16 * k for k in range(256)], 100),
    }


@pytest.mark.parametrize("strided", [True, False])
@pytest.mark.parametrize("name", ["one", "strided", "across allocations", "mixed strides", "random order"])
def test_zeroer_clears_exactly_the_words(name, strided):
    mem = AxiSimMemory(size=1 << 16, base=0x1000_0000, addr_width=32)
    addrs = layouts(mem)[name]
    starts = sorted({a - a % 4096 for a in addrs})
    for s in starts:
        mem.write(s, b"\xa5" * 4096)
    zero = mem.zeroer(addrs, 8) if strided else zeroer_by_writes(mem, addrs, 8)
    for _ in range(2):  # prepared once, used for every resubmit
        zero()
        for s in starts:
            got = mem.read(s, 4096)
            want = bytearray(b"\xa5" * 4096)
            for a in addrs:
                if s <= a < s + 4096:
                    want[a - s : a - s + 8] = bytes(8)
            assert got == bytes(want), f"{name}: wrong bytes in the allocation at 0x{s:x}"
        for s in starts:
            mem.write(s, b"\xa5" * 4096)

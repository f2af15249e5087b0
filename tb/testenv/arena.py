"""Batch copy checking: many copies into one arena, verified against a model of the whole
arena, so a stray write anywhere (not only next to the target) is caught."""

from __future__ import annotations

from dataclasses import dataclass

from cocotb.triggers import with_timeout

from pydma import DMA_PREP_INTERRUPT, DmaChan, DmaStatus
from pydma.memory import MemView
from tb.dma_tb import DmaTb


@dataclass
class Copy:
    src: int  # offsets into the source and destination arenas
    dst: int
    length: int


class Arena:
    """A source and a destination arena of random bytes, and a model of the destination."""

    def __init__(self, tb: DmaTb, size: int, align: int = 4096) -> None:
        self.size = size
        self.src = MemView(tb.memory, tb.memory.alloc(size, align), size)
        self.dst = MemView(tb.memory, tb.memory.alloc(size, align), size)
        self.src_bytes = tb.rng.randbytes(size)
        self.src.write(0, self.src_bytes)
        self.model = bytearray(tb.rng.randbytes(size))
        self.dst.write(0, bytes(self.model))

    def expect(self, c: Copy) -> None:
        self.model[c.dst : c.dst + c.length] = self.src_bytes[c.src : c.src + c.length]

    def expect_sg(self, src_pieces: list[tuple[int, int]], dst_pieces: list[tuple[int, int]]) -> None:
        """A scatterlist copy: the source pieces, concatenated, fill the destination pieces."""
        flat = b"".join(self.src_bytes[o : o + n] for o, n in src_pieces)
        pos = 0
        for o, n in dst_pieces:
            self.model[o : o + n] = flat[pos : pos + n]
            pos += n

    def check(self, copies: list[Copy]) -> None:
        got = self.dst.read()
        assert self.src.read() == self.src_bytes, "source arena was modified"
        if got != self.model:
            bad = [i for i in range(self.size) if got[i] != self.model[i]]
            culprits = [c for c in copies if any(c.dst - 64 <= i < c.dst + c.length + 64 for i in bad[:8])]
            raise AssertionError(
                f"{len(bad)} bytes differ, first at arena offset {bad[0]:#x}; copies nearby: {culprits[:4]}"
            )

    def free(self) -> None:
        self.src.mem.free(self.src.addr)
        self.dst.mem.free(self.dst.addr)


async def run_copies(
    chan: DmaChan, arena: Arena, copies: list[Copy], batch: int = 64, timeout_us: int = 20_000
) -> None:
    """Submit `copies` as separate transactions, `batch` at a time, and check the arena."""
    for i in range(0, len(copies), batch):
        cookies = []
        for c in copies[i : i + batch]:
            desc = chan.prep_dma_memcpy(arena.dst.addr + c.dst, arena.src.addr + c.src, c.length, DMA_PREP_INTERRUPT)
            assert desc is not None, f"prep failed for {c}"
            cookies.append(desc.submit())
            arena.expect(c)
        chan.issue_pending()
        status = await with_timeout(chan.sync_wait(cookies[-1]), timeout_us, "us")
        assert status == DmaStatus.DMA_COMPLETE, (
            f"batch ending {copies[i + batch - 1 if i + batch <= len(copies) else -1]}: {status.name}"
        )
        for cookie in cookies:
            assert chan.tx_status(cookie) == DmaStatus.DMA_COMPLETE
    arena.check(copies)


def layout(cases: list[tuple[int, int, int]], bus_bytes: int, gap: int = 64) -> tuple[list[Copy], int]:
    """Place (src_lane, dst_lane, length) cases side by side with `gap` bytes between them;
    returns the copies and the arena size needed."""
    copies = []
    pos = gap
    for s_lane, d_lane, length in cases:
        base = (pos + bus_bytes - 1) // bus_bytes * bus_bytes
        copies.append(Copy(base + s_lane, base + d_lane, length))
        pos = base + max(s_lane, d_lane) + length + gap
    return copies, pos + gap

"""memcpy through the driver: every source and destination byte lane, lengths around the bus
width and the chunk size, 4 KiB crossings, long copies. Stalls on every AXI channel when the
runner sets PYDMA_STALLS."""

from __future__ import annotations

import cocotb

from tb.testenv import Arena, Copy, layout, memcpy_channel, run_copies, started


def short_lengths(b: int) -> list[int]:
    return sorted({1, 2, 3, b - 1, b, b + 1, 2 * b - 1, 2 * b, 2 * b + 1, 3 * b + 5, 64, 255})


@cocotb.test()
async def test_byte_lanes(dut):
    """Every (source lane, destination lane) pair with short lengths."""
    tb = await started(dut)
    chan = memcpy_channel()
    b = tb.bus_bytes
    cases = [(s, d, n) for s in range(b) for d in range(b) for n in short_lengths(b)]
    if b > 8:  # keep wide buses affordable: all lane pairs for a few lengths, all lengths for some
        picks = {1, b - 1, b, 2 * b + 1, 255}
        cases = [
            (s, d, n) for (s, d, n) in cases if n in picks and (s in (0, 1, b - 1) or d in (0, 1, b - 1) or s == d)
        ]
        cases += [(s, (s * 7 + 3) % b, n) for s in range(b) for n in short_lengths(b)]
    copies, size = layout(cases, b)
    arena = Arena(tb, size)
    await run_copies(chan, arena, copies)
    tb.log.info("%d copies over all byte lanes checked", len(copies))
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_4k_crossings(dut):
    """Copies whose source, destination or both cross 4 KiB pages, at every distance from the
    page end, plus lengths at the chunk boundary."""
    tb = await started(dut)
    chan = memcpy_channel()
    b = tb.bus_bytes
    copies: list[Copy] = []
    for i, before in enumerate([1, b - 1, b, b + 3, 100, 4095]):
        for j, length in enumerate([b + 1, 256, 4095, 4096, 4097, 8192 + 13]):
            slot = (i * 6 + j) * 3 * 4096 + 4096 * 2  # page-aligned slot, one page clear around
            lane = (i + j) % b
            copies.append(Copy(slot - before, slot - before + lane, length))
            copies.append(Copy(slot - before + lane, slot - before, length))
    size = max(c.src + c.length for c in copies) + 3 * 4096
    arena = Arena(tb, 1 << (size - 1).bit_length())
    await run_copies(chan, arena, copies, batch=16)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_long_copies(dut):
    """Copies of 64 KiB and 256 KiB + odd, several chunks and many bursts each (on the Python
    memory, where every beat is Python, 64 KiB, 16 KiB + odd and 32 KiB + odd)."""
    tb = await started(dut)
    chan = memcpy_channel()
    k = 1 if tb.mem_model == "native" else 8
    copies = [
        Copy(0, 5, 65536),
        Copy(65536 + 3, 65536 * 2 + 1, 65536 * 2 // k + 77),
        Copy(7, 600_000, 256 * 1024 // k + 9),
    ]
    arena = Arena(tb, 1 << 20)
    await run_copies(chan, arena, copies, batch=3, timeout_us=200_000)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_random_copies(dut):
    """Random lengths (1 .. 20000) and offsets, seeded from the test seed."""
    tb = await started(dut)
    chan = memcpy_channel()
    rng = tb.rng
    copies = []
    pos = 64
    for _ in range(60):
        length = rng.choice([rng.randint(1, 64), rng.randint(1, 2000), rng.randint(1, 20000)])
        s = pos + rng.randrange(64)
        d = pos + rng.randrange(64)
        copies.append(Copy(s, d, length))
        pos += length + 192
    arena = Arena(tb, 1 << (pos + 64).bit_length())
    await run_copies(chan, arena, copies, batch=20, timeout_us=100_000)
    await chan.release()
    await tb.stop()

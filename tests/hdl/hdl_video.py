"""The video-frame case: a camera (a receive device on a request line) captures frames into a
frame buffer of several MiB scattered over thousands of segments, as a pinned user buffer
is. The chain is prepared once, marked for reuse and resubmitted for every frame; each frame
is checked byte by byte, and every byte between the segments must keep its guard value.

Reports the wall time of the first prep against a resubmit (logged, and written to
build/reports/video_frames.json, key scatter_gather_<memory>). Size knobs: PYDMA_VIDEO_FRAMES, PYDMA_VIDEO_WIDTH,
PYDMA_VIDEO_HEIGHT (pixels of 4 bytes, XRGB8888), PYDMA_VIDEO_SEG_MAX (bytes).
"""

from __future__ import annotations

import os
import time

import cocotb
from cocotb.triggers import Event, with_timeout

from pydma import DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT
from pydma.enums import DmaengineTxResult
from pydma.memory import MemView
from tb.peripherals import Pacing
from tb.testenv import LINE, configure, sg_at, slave_channel, started_for_slaves
from tb.testenv.report import update_report

BYTES_PER_PIXEL = 4  # XRGB8888


def knob(name: str, default: int) -> int:
    return int(os.environ.get(f"PYDMA_VIDEO_{name}", default))


def scatter(rng, frame_bytes: int, unit: int, seg_max: int) -> tuple[list[tuple[int, int]], int]:
    """Cut the frame into segments of random length (whole elements, at most seg_max) and
    place them in shuffled order in an arena, with a random gap after each. Returns
    (arena offset, length) per segment in frame order, and the arena size."""
    lengths = []
    left = frame_bytes
    while left:
        n = min(left, unit * rng.randint(max(1, seg_max // (8 * unit)), seg_max // unit))
        lengths.append(n)
        left -= n
    order = list(range(len(lengths)))
    rng.shuffle(order)
    places = [0] * len(lengths)
    at = 0
    for i in order:
        at += unit * rng.randint(0, 4)  # a guard gap, possibly none
        places[i] = at
        at += lengths[i]
    return list(zip(places, lengths, strict=True)), at + 64


@cocotb.test()
async def test_video_frames(dut):
    """Several frames through one prepared, reused chain; every frame exact, every gap kept."""
    tb = await started_for_slaves(dut)
    frames = knob("FRAMES", 3)
    width_px, height = knob("WIDTH", 1024), knob("HEIGHT", 768)
    frame_bytes = width_px * height * BYTES_PER_PIXEL
    elem = min(8, tb.bus_bytes)  # the camera's FIFO word (the widest device width)
    maxburst = knob("MAXBURST", 256)
    if frame_bytes % elem:
        raise ValueError(f"a frame of {frame_bytes} bytes is not whole {elem}-byte elements")
    segs, arena_size = scatter(tb.rng, frame_bytes, elem, knob("SEG_MAX", 2560))

    arena_addr = tb.memory.alloc(arena_size, 4096)
    arena = MemView(tb.memory, arena_addr, arena_size)
    background = tb.rng.randbytes(arena_size)  # what the gaps must keep
    arena.write(0, background)
    contents = [tb.rng.randbytes(frame_bytes) for _ in range(frames)]
    stream = b"".join(contents)

    def source(i: int) -> bytes:
        return stream[i * elem : (i + 1) * elem]

    cam = tb.add_rx_device(LINE, elem, maxburst, depth=4 * maxburst, pacing=Pacing.fixed(1), source=source)
    chan = slave_channel()
    configure(chan, DMA_DEV_TO_MEM, cam.data_addr, elem, maxburst)
    sgl = sg_at((arena_addr + off, n) for off, n in segs)
    tb.log.info(
        "%d frames of %dx%d XRGB8888 (%d bytes) in %d segments over a %d-byte arena",
        frames,
        width_px,
        height,
        frame_bytes,
        len(segs),
        arena_size,
    )

    t0 = time.perf_counter()
    tx = chan.prep_slave_sg(sgl, len(sgl), DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
    prep_s = time.perf_counter() - t0
    assert tx is not None, "prep_slave_sg failed"
    assert tx.set_reuse() == 0, "the controller reports descriptor reuse; set_reuse must work"
    hw_addrs = [h.phys for h in tx.hw]

    submit_s, frame_wall_s, frame_cycles = [], [], []
    expected = bytearray(background)
    done, results = Event(), []

    def frame_done(param, result) -> None:
        results.append(result)
        done.set()

    tx.callback_result = frame_done
    for f in range(frames):
        done.clear()
        t0 = time.perf_counter()
        c0 = tb.cycles()
        tx.submit()  # the first submit follows the prep; the later ones are resubmits
        chan.issue_pending()
        submit_s.append(time.perf_counter() - t0)
        await with_timeout(done.wait(), 10_000_000, "us")
        result = results[-1]
        frame_wall_s.append(time.perf_counter() - t0)
        frame_cycles.append(tb.cycles() - c0)
        assert len(results) == f + 1, f"{len(results)} callbacks after {f + 1} frames"
        assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR and result.residue == 0
        assert cam.read_count == (f + 1) * frame_bytes // elem, "the camera was read more or less than a frame"
        frame = contents[f]
        at = 0
        for off, n in segs:
            expected[off : off + n] = frame[at : at + n]
            at += n
        got = arena.read(0, arena_size)
        if got != expected:
            bad = next(i for i in range(arena_size) if got[i] != expected[i])
            where = next(((k, off) for k, (off, n) in enumerate(segs) if off <= bad < off + n), None)
            raise AssertionError(
                f"frame {f}: first wrong byte at arena +0x{bad:x} "
                + (f"(segment {where[0]})" if where else "(a guard gap between segments)")
            )
        assert [h.phys for h in tx.hw] == hw_addrs, "reuse must not rebuild the chain"
        tb.log.info("frame %d exact: %d cycles, %.1f s wall", f, frame_cycles[-1], frame_wall_s[-1])
    tb.check_peripherals()

    peak = frame_bytes / tb.bus_bytes  # cycles at one bus word per clock
    report = {
        "data_w": tb.data_w,
        "frames": frames,
        "frame_bytes": frame_bytes,
        "segments": len(segs),
        "hw_descriptors": len(tx.hw),
        "first_prep_ms": round(prep_s * 1e3, 3),
        "first_submit_ms": round(submit_s[0] * 1e3, 3),
        "resubmit_ms": [round(s * 1e3, 3) for s in submit_s[1:]],
        "prep_over_resubmit": round((prep_s + submit_s[0]) / max(min(submit_s[1:], default=1), 1e-9), 1),
        "frame_cycles": frame_cycles,
        "fraction_of_bus_peak": [round(peak / c, 3) for c in frame_cycles],
        "frame_wall_s": [round(s, 2) for s in frame_wall_s],
    }
    tb.log.info(
        "first prep %.2f ms + submit %.2f ms for %d segments; resubmit %s ms ((prep+submit)/resubmit %.0fx)",
        prep_s * 1e3,
        submit_s[0] * 1e3,
        len(segs),
        report["resubmit_ms"],
        report["prep_over_resubmit"],
    )
    update_report("video_frames.json", f"scatter_gather_{tb.mem_model}", report)

    assert tx.free() == 0  # a reusable descriptor is the client's to free
    cam.stop()
    await chan.release()
    await tb.stop()

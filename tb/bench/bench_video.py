"""The video benchmark of `make bench` (tb/bench/run.py): a camera captures a 3 MiB frame
(1024x768 XRGB8888, one pixel per cycle, 256 cycles of blanking after each line) into a
buffer whose pitch is larger than a line, through one interleaved (2D) descriptor and the
pipelined request handshake, with the native camera (tb/native/video.py, native_video.cpp)
and then with the Python one (tb/video.py) in the same run: simulated cycles per wall-clock
second of each, doorbell to interrupt, every pixel and pad byte checked.

The Python camera captures PYDMA_BENCH_VIDEO_PY_LINES lines (default 96, 384 KiB: its rate
does not depend on the size, a whole frame takes it minutes), on the plain build only (the
profile-guided one measures the native camera alone)."""

from __future__ import annotations

import os
import time

import cocotb

from pydma import DMA_SLAVE, DmaCapMask, dma_request_channel
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from tb.bench.bench_hdl import LINE, record, setup, timed_issue
from tb.video import BYTES_PER_PIXEL, add_camera, prep_capture

WIDTH, HEIGHT, PAD, HBLANK, MAXBURST = 1024, 768, 512, 256, 16


@cocotb.test()
async def bench_video(dut):
    tb = await setup(dut)
    build = os.environ.get("PYDMA_BENCH_BUILD", "plain")
    models = os.environ.get("PYDMA_BENCH_VIDEO_MODELS", "native,python" if build == "plain" else "native")
    line_bytes = WIDTH * BYTES_PER_PIXEL
    pitch = line_bytes + PAD
    for model in models.split(","):
        lines = HEIGHT if model == "native" else int(os.environ.get("PYDMA_BENCH_VIDEO_PY_LINES", "96"))
        camera = add_camera(
            tb, LINE, MAXBURST, WIDTH, lines, hblank=HBLANK, vblank=0, depth=8 * MAXBURST, pipelined=True, model=model
        )
        chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(LINE, pipelined=True))
        background = tb.rng.randbytes(pitch * lines)
        tx, buf = prep_capture(tb, chan, camera, lines, PAD, background, MAXBURST)
        tx.submit()
        camera.start(frames=1)
        w0, p0 = time.perf_counter(), time.process_time()
        cycles, _ = await timed_issue(tb, chan, tx, timeout_us=100_000_000)
        wall, cpu = time.perf_counter() - w0, time.process_time() - p0
        tb.check_peripherals()  # no overrun
        expect = bytearray(background)
        for y, row in enumerate(camera.frame(0)):
            expect[y * pitch : y * pitch + line_bytes] = row
        assert buf.read() == bytes(expect), f"{model} camera: a pixel or a pad byte differs"
        record(
            "video",
            data_w=tb.data_w,
            build=build,
            params=os.environ.get("PYDMA_BENCH_PARAMS", ""),
            model=model,
            width=WIDTH,
            height=lines,
            pitch=pitch,
            bytes=line_bytes * lines,
            cycles=cycles,
            wall_s=round(wall, 3),
            cycles_per_s=round(cycles / wall),
            cpu_s=round(cpu, 3),
            cycles_per_cpu_s=round(cycles / cpu),
        )
        tb.log.info(
            "video, %s camera: %dx%d, %d cycles in %.2f s = %.0f cycles/s (%.0f per CPU second)",
            model, WIDTH, lines, cycles, wall, cycles / wall, cycles / cpu,
        )  # fmt: skip
        camera.stop()
        await chan.release()
        tb.memory.free(buf.addr)
    await tb.stop()

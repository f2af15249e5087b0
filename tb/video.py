"""Video device models on the request lines (Python, built on tb/peripherals.py's FIFOs).

`Display`: a scanout engine. It consumes one element every `pacing` step (the pixel rate)
once its FIFO has filled halfway the first time (a line buffer's prefill), and cuts what
it receives into frames of `frame_bytes`: each frame must be entirely one of the buffers
it was told about (no torn frame), and the buffers must come in the order they were
queued, each maybe shown several times (a repeated frame); starving the consumer is an
underrun, an error.

`Camera`: a frame source. Once started it produces `width` pixels a line, one every
`every` cycles, then `hblank` idle cycles, `height` lines a frame, then `vblank` idle
cycles, frame after frame; pixel (frame, y, x) is `pixel()`. A pixel that finds the FIFO
full is lost: an overrun, an error (the DMA did not keep up, or no buffer was queued in
time).

Both have native twins (tb/native/video.py, native_video.cpp) that `add_display` and
`add_camera` pick where the native peripheral models are (the native memory's top), as
`tb.add_tx_device` does; `model="python"|"native"` chooses.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tb.peripherals import Pacing, RxDevice, TxDevice

BYTES_PER_PIXEL = 4  # XRGB8888


def pixel(frame: int, y: int, x: int) -> bytes:
    """The camera's pixel: distinct per frame, line and column (low bits), alpha byte never 0."""
    return bytes(
        (
            (x * 3 + frame * 29) & 0xFF,
            (y * 5 + frame * 7) & 0xFF,
            ((x >> 6) + (y >> 4) * 17 + frame) & 0xFF,
            0x80 | frame & 0x7F,
        )
    )


def frame_lines(frame: int, w: int, h: int) -> list[bytes]:
    """The camera's frame `frame` of w x h pixels, line by line (pixel() at numpy's speed)."""
    x = np.arange(w, dtype=np.int64)[None, :]
    y = np.arange(h, dtype=np.int64)[:, None]
    px = np.empty((h, w, 4), dtype=np.uint8)
    px[:, :, 0] = (x * 3 + frame * 29) & 0xFF
    px[:, :, 1] = (y * 5 + frame * 7) & 0xFF
    px[:, :, 2] = ((x >> 6) + (y >> 4) * 17 + frame) & 0xFF
    px[:, :, 3] = 0x80 | frame & 0x7F
    return [px[row].tobytes() for row in range(h)]


def check_display(width: int, frame_bytes: int) -> None:
    if frame_bytes <= 0 or frame_bytes % width:
        raise ValueError(f"a display's frame of {frame_bytes} bytes is not whole {width}-byte elements")


def check_camera(width: int, w: int, h: int, hblank: int, vblank: int, every: int) -> None:
    if width != BYTES_PER_PIXEL:
        raise ValueError(f"a camera's element is a {BYTES_PER_PIXEL}-byte pixel, not {width} bytes")
    if min(w, h, every) < 1 or min(hblank, vblank) < 0:
        raise ValueError("a camera needs a frame of at least 1x1, every >= 1 and no negative blanking")


class Display(TxDevice):
    def __init__(self, *args, frame_bytes: int, **kwargs) -> None:
        check_display(args[3], frame_bytes)
        super().__init__(*args, underflow_is_error=True, **kwargs)
        self.frame_bytes = frame_bytes
        self.frames: dict[bytes, int] = {}  # a buffer's visible bytes -> its queue position
        self.shown: list[int] = []  # queue position of each frame scanned out
        self._partial = bytearray()
        self.scanning = True

    def queue(self, frame: bytes) -> int:
        """A buffer that may be shown next (in this order); its queue position."""
        if len(frame) != self.frame_bytes or frame in self.frames:
            raise ValueError("frames must be frame_bytes long and distinct")
        self.frames[frame] = len(self.frames)
        return self.frames[frame]

    def expect(self, data: bytes) -> None:
        raise TypeError("a Display checks whole frames: queue() them")

    def tick(self, n: int) -> None:
        if not self.scanning:
            return
        for _ in range(n):
            if self.fifo:
                self.fifo.popleft()
            elif self.started:
                self.underflows += 1
                self.error(f"underrun: the scanout starved after {len(self.received)} elements")

    def stop_scanning(self) -> None:
        """The display stops reading (before the DMA is stopped: no underrun then)."""
        self.scanning = False

    async def _write(self, address, data, **kwargs) -> None:
        data = bytes(data)
        if address != self.reg_offset or len(data) != self.width:
            self.error(f"write of {len(data)} bytes at +0x{address:x}; expected {self.width} at the data register")
            return
        if len(self.fifo) >= self.depth:
            self.error(f"overflow: element {len(self.received)} written to a full FIFO")
        self._moved("element")
        self.received.append(data)
        self.fifo.append(data)
        self.transfers += 1
        self.started = self.started or len(self.fifo) >= self.depth // 2  # prefilled: scanout starts
        self._partial += data
        if len(self._partial) == self.frame_bytes:
            frame, self._partial = bytes(self._partial), bytearray()
            at = self.frames.get(frame)
            if at is None:
                self.error(f"frame {len(self.shown)} is torn: not one of the queued buffers")
                at = -1
            elif self.shown and at < self.shown[-1]:
                self.error(f"frame {len(self.shown)} shows buffer {at} after buffer {self.shown[-1]}")
            self.shown.append(at)


def add_display(
    tb, line: int, width: int, maxburst: int, frame_bytes: int, every: int, depth: int = 64, **kw
) -> Display:
    """A Display on request line `line` of the testbench, consuming an element every `every`
    cycles; its data register is `display.data_addr`. `model="native"|"python"`: which model
    (default: the native one where the simulation has it, as for tb.add_tx_device)."""
    from tb.native.video import NativeDisplay  # (here: that module imports this one)

    pacing = Pacing.fixed(every)
    return tb.add_device(Display, NativeDisplay, line, width, maxburst, depth, pacing, frame_bytes=frame_bytes, **kw)


class Camera(RxDevice):
    def __init__(self, *args, frame_w: int, frame_h: int, hblank: int, vblank: int, every: int = 1, **kwargs) -> None:
        check_camera(args[3], frame_w, frame_h, hblank, vblank, every)
        super().__init__(*args, source=self._pixel, **kwargs)
        self.w, self.h, self.hblank, self.vblank, self.every = frame_w, frame_h, hblank, vblank, every
        self.running = False
        self.pacing = Pacing(self._timing(), f"camera {frame_w}x{frame_h}")

    def _pixel(self, i: int) -> bytes:
        frame, at = divmod(i, self.w * self.h)
        return pixel(frame, at // self.w, at % self.w)

    def _timing(self) -> Iterator[int]:
        while not self.running:
            yield 0
        while True:
            for _ in range(self.h):
                for _ in range(self.w):  # a pixel every `every` cycles (the pixel clock)
                    yield from (0 for _ in range(self.every - 1))
                    yield 1
                yield from (0 for _ in range(self.hblank))
            yield from (0 for _ in range(self.vblank))

    def start(self, frames: int | None = None) -> None:
        """Start streaming (frame 0, line 0) at the next clock edge; `frames`: stop after so
        many."""
        if self.running:
            raise RuntimeError("the camera is already streaming")
        self.limit = None if frames is None else frames * self.w * self.h
        self.running = True

    def tick(self, n: int) -> None:
        if not self.running or (self.limit is not None and self.produced >= self.limit):
            self.quiet += 1  # (a pipelined receiver's timeout then sends what is left)
            return
        if n and len(self.fifo) >= self.depth:
            self.overruns += 1
            self.error(f"overrun: pixel {self.produced} lost, the FIFO is full")
            self.produced += 1  # (the camera does not wait)
            return
        super().tick(n)

    def frame(self, n: int) -> list[bytes]:
        """Frame n's lines, as the camera sends them."""
        return frame_lines(n, self.w, self.h)


def add_camera(
    tb, line: int, maxburst: int, width: int, height: int, hblank: int, vblank: int, depth: int = 64, **kw
) -> Camera:
    """A Camera on request line `line` of the testbench (4-byte pixels); its data register
    is `camera.data_addr`; `camera.start()` starts it. `model="native"|"python"`: which model
    (default: the native one where the simulation has it, as for tb.add_rx_device)."""
    from tb.native.video import NativeCamera  # (here: that module imports this one)

    return tb.add_device(
        Camera, NativeCamera, line, BYTES_PER_PIXEL, maxburst, depth, None, frame_w=width, frame_h=height,
        hblank=hblank, vblank=vblank, **kw,
    )  # fmt: skip


def prep_capture(tb, chan, camera: Camera, lines: int, pad: int, background: bytes, maxburst: int):
    """A frame of `lines` of `camera` into a new buffer whose lines are `pad` bytes apart
    (a pitch larger than a line), filled with `background` first: the slave configuration,
    the buffer and the prepared transaction (one interleaved descriptor, DMA_PREP_INTERRUPT),
    as a V4L2 driver would prepare it. Returns (tx, buffer); submitting is the caller's."""
    from pydma import DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT, DmaSlaveConfig
    from pydma.dmaengine import DataChunk, DmaInterleavedTemplate
    from pydma.memory import MemView

    cfg = DmaSlaveConfig()
    cfg.src_addr, cfg.src_addr_width, cfg.src_maxburst = camera.data_addr, BYTES_PER_PIXEL, maxburst
    assert chan.slave_config(cfg) == 0
    line_bytes = camera.w * BYTES_PER_PIXEL
    size = (line_bytes + pad) * lines
    assert len(background) == size, f"the background is {len(background)} bytes, the buffer {size}"
    buf = MemView(tb.memory, tb.memory.alloc(size, 4096), size)
    buf.write(0, background)
    xt = DmaInterleavedTemplate(
        src_start=0, dst_start=buf.addr, dir=DMA_DEV_TO_MEM, src_inc=False, dst_inc=True, src_sgl=True,
        dst_sgl=True, numf=lines, frame_size=1, sgl=[DataChunk(size=line_bytes, icg=pad)],
    )  # fmt: skip
    tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
    assert tx is not None and len(tx.hw) == 1, "the frame is one 2D descriptor"
    return tx, buf

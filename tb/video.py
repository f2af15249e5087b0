"""Video device models on the request lines (Python, built on tb/peripherals.py's FIFOs).

`Display`: a scanout engine. It consumes one element every `pacing` step (the pixel rate)
once its FIFO has filled halfway the first time (a line buffer's prefill), and cuts what it receives into frames of
`frame_bytes`: each frame must be entirely one of the buffers it was told about (no torn
frame), and the buffers must come in the order they were queued, each maybe shown several
times (a repeated frame); starving the consumer is an underrun, an error.
"""

from __future__ import annotations

from tb.peripherals import Pacing, TxDevice


class Display(TxDevice):
    def __init__(self, *args, frame_bytes: int, **kwargs) -> None:
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
    cycles; its data register is `display.data_addr`."""
    return tb._add_device(Display, line, width, maxburst, depth, Pacing.fixed(every), frame_bytes=frame_bytes, **kw)

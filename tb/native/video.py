"""The native video models (native_video.cpp) seen from Python: `NativeDisplay` and
`NativeCamera` have the API of tb/video.py's `Display` and `Camera` (and are instances of
them), on the native transmit and receive devices: their pacing, pixels and frame checks run
in C++, so a paced frame of several MiB takes the native memory's time, not Python's.
`tb.video.add_display` / `add_camera` pick them where the native models are (the native
memory's one-controller top), as `tb.add_tx_device` does."""

from __future__ import annotations

from tb.native.peripherals import NativeRxDevice, NativeTxDevice, _int
from tb.video import BYTES_PER_PIXEL, Camera, Display, frame_lines


class NativeDisplay(NativeTxDevice, Display):
    """tb/video.py's Display in C++: `queue` the buffers, read `shown`, `stop_scanning`."""

    def __init__(self, *args, frame_bytes: int, **kwargs) -> None:
        NativeTxDevice.__init__(self, *args, underflow_is_error=True, **kwargs)
        self.frame_bytes = frame_bytes
        self.lib.pnp_display(self.id, frame_bytes)

    def queue(self, frame: bytes) -> int:
        at = self.lib.pnp_display_queue(self.id, bytes(frame), len(frame))
        if at < 0:
            raise ValueError("frames must be frame_bytes long and distinct")
        return at

    def expect(self, data: bytes) -> None:
        raise TypeError("a Display checks whole frames: queue() them")

    @property
    def shown(self) -> list[int]:
        """The queue position of each frame scanned out (-1: a torn one)."""
        n = self.lib.pnp_display_shown(self.id, None, 0)
        out = (_int * max(1, n))()
        self.lib.pnp_display_shown(self.id, out, n)
        return list(out[:n])

    def stop_scanning(self) -> None:
        self.lib.pnp_display_scan(self.id, 0)


class NativeCamera(NativeRxDevice, Camera):
    """tb/video.py's Camera in C++: `start(frames)`, `frame(n)`."""

    def __init__(self, *args, frame_w: int, frame_h: int, hblank: int, vblank: int, every: int = 1, **kwargs) -> None:
        NativeRxDevice.__init__(self, *args, **kwargs)
        if self.width != BYTES_PER_PIXEL:
            raise ValueError(f"a camera's element is a {BYTES_PER_PIXEL}-byte pixel")
        self.w, self.h, self.hblank, self.vblank, self.every = frame_w, frame_h, hblank, vblank, every
        self.lib.pnp_camera(self.id, frame_w, frame_h, hblank, vblank, every)

    def start(self, frames: int | None = None) -> None:
        self.limit = None if frames is None else frames * self.w * self.h
        self.lib.pnp_camera_start(self.id)

    def frame(self, n: int) -> list[bytes]:
        return frame_lines(n, self.w, self.h)

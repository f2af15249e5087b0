"""The native video models (native_video.cpp) seen from Python: `NativeDisplay` and
`NativeCamera` have the API of tb/video.py's `Display` and `Camera` (and are instances of
them), on the native transmit and receive devices: their pacing, pixels and frame checks run
in C++, so a paced frame of several MiB takes the native memory's time, not Python's.
`tb.video.add_display` / `add_camera` pick them where the native models are (the native
memory's one-controller top), as `tb.add_tx_device` does.

One difference: the native display keeps no list of the elements it received (a long
scanout would hold every frame it showed); `display.received` raises, `display.transfers`
counts them and `display.shown` says which buffer each frame was."""

from __future__ import annotations

from tb.native.peripherals import NativeRxDevice, NativeTxDevice, _int
from tb.peripherals import Pacing
from tb.video import Camera, Display, check_camera, check_display


class NativeDisplay(NativeTxDevice, Display):
    """tb/video.py's Display in C++: `queue` the buffers, read `shown`, `stop_scanning`."""

    def __init__(self, *args, frame_bytes: int, **kwargs) -> None:
        check_display(args[4], frame_bytes)  # (args: hub, name, line, clock, width): before a device exists
        NativeTxDevice.__init__(self, *args, underflow_is_error=True, **kwargs)
        self.frame_bytes = frame_bytes
        self.frames: dict[bytes, int] = {}  # as the Python model's (the C++ checks against its own copy)
        self._scanning = True
        self.lib.pnp_display(self.id, frame_bytes)

    def queue(self, frame: bytes) -> int:
        frame = bytes(frame)
        at = self.lib.pnp_display_queue(self.id, frame, len(frame))
        if at < 0:
            raise ValueError("frames must be frame_bytes long and distinct")
        self.frames[frame] = at
        return at

    def expect(self, data: bytes) -> None:
        raise TypeError("a Display checks whole frames: queue() them")

    @property
    def received(self):
        raise TypeError("the native display keeps no element list: see shown (frames) and transfers (elements)")

    @property
    def received_count(self) -> int:
        return self.transfers

    @property
    def shown(self) -> list[int]:
        """The queue position of each frame scanned out (-1: a torn one)."""
        n = self.lib.pnp_display_shown(self.id, None, 0)
        out = (_int * max(1, n))()
        self.lib.pnp_display_shown(self.id, out, n)
        return list(out[:n])

    @property
    def scanning(self) -> bool:
        return self._scanning

    def stop_scanning(self) -> None:
        self._scanning = False
        self.lib.pnp_display_scan(self.id, 0)


class NativeCamera(NativeRxDevice, Camera):
    """tb/video.py's Camera in C++: `start(frames)`, `frame(n)`."""

    def __init__(self, *args, frame_w: int, frame_h: int, hblank: int, vblank: int, every: int = 1, **kwargs) -> None:
        check_camera(args[4], frame_w, frame_h, hblank, vblank, every)  # (args: hub, name, line, clock, width)
        NativeRxDevice.__init__(self, *args, **kwargs)
        self.w, self.h, self.hblank, self.vblank, self.every = frame_w, frame_h, hblank, vblank, every
        self.running = False
        self.pacing = Pacing(None, f"camera {frame_w}x{frame_h}")  # (paced by the C++ camera)
        self.lib.pnp_camera(self.id, frame_w, frame_h, hblank, vblank, every)

    @property
    def source(self):
        return self._pixel

    def start(self, frames: int | None = None) -> None:
        if self.running:
            raise RuntimeError("the camera is already streaming")
        self.limit = None if frames is None else frames * self.w * self.h
        self.running = True
        self.lib.pnp_camera_start(self.id)

"""Peripheral models for slave transfers: a device FIFO behind one data register, paced
by a request line, as tb/peripherals.py models them on the simulation's bus (same request
policy, four-phase handshake; requests are served at once, so nothing is "reserved").

`model.attach_device(line, TxFifo(addr, width, maxburst))` puts the device's data register
at `addr` on the controller's bus and its requests on `line`. Time is the event loop's
clock: the consumer of a TxFifo drains, and the producer of an RxFifo fills, one element per
`ns_per_element` (0: at once).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

Request = tuple[str, bool]  # ("burst" or "single", LREQ: this request ends the packet)


def element(index: int, width: int) -> bytes:
    """The default receive pattern: element i is a recognisable `width`-byte value."""
    return ((index * 0x9E3779B1 + 0x51) & ((1 << (8 * width)) - 1)).to_bytes(width, "little")


def _now_ns() -> float:
    return asyncio.get_running_loop().time() * 1e9


class FifoDevice:
    def __init__(self, addr: int, width: int, maxburst: int, depth: int = 64, ns_per_element: float = 0.0) -> None:
        if maxburst > depth:
            raise ValueError(f"maxburst {maxburst} larger than the FIFO ({depth})")
        self.addr = addr
        self.width = width
        self.maxburst = maxburst
        self.depth = depth
        self.ns_per_element = ns_per_element
        self.fifo: deque[bytes] = deque()
        self.errors: list[str] = []
        self._t = 0.0  # when the pacing last moved an element (or went idle)
        self._notify: Callable[[], None] = lambda: None  # wakes the channels on our line

    def attach(self, notify: Callable[[], None]) -> None:
        self._notify = notify
        self._t = _now_ns()

    def kick(self) -> None:
        """Something outside the pacing changed what the device wants: tell the channels."""
        self._notify()

    def error(self, text: str) -> None:
        self.errors.append(f"{type(self).__name__}@0x{self.addr:x}: {text}")

    def check(self) -> None:
        if self.errors:
            raise AssertionError("\n".join(self.errors))

    def _paced(self, now: float) -> int:
        """Elements the pacing moved since it last did (advances its time)."""
        if self.ns_per_element <= 0:
            return self.depth
        n = int((now - self._t) // self.ns_per_element)
        self._t += n * self.ns_per_element
        return n

    def next_change_ns(self) -> float | None:
        """When the pacing next moves an element by itself (None: never)."""
        return self._t + self.ns_per_element if self.ns_per_element > 0 and self._active() else None

    def _active(self) -> bool:
        raise NotImplementedError


class TxFifo(FifoDevice):
    """Memory to device: the DMA writes elements; `received` holds them all, in order;
    `expect(data)` makes each checked as it arrives."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.received = bytearray()
        self.expected = bytearray()

    def expect(self, data: bytes) -> None:
        self.expected += data

    def _active(self) -> bool:
        return bool(self.fifo)

    def _drain(self) -> None:
        now = _now_ns()
        if not self.fifo:
            self._t = now  # an idle consumer starts over with the next element
            return
        for _ in range(min(self._paced(now), len(self.fifo))):
            self.fifo.popleft()
        if not self.fifo:
            self._t = now

    def request(self) -> Request | None:
        self._drain()
        room = self.depth - len(self.fifo)
        if room >= self.maxburst:
            return ("burst", False)
        return ("single", False) if room >= 1 else None

    def bus_write(self, data: bytes) -> None:
        self._drain()
        n = len(self.received) // self.width
        if len(self.fifo) >= self.depth:
            self.error(f"overflow: element {n} written to a full FIFO")
        if self.expected:
            at = len(self.received)
            want = bytes(self.expected[at : at + self.width])
            if data != want:
                self.error(f"element {n} = {data.hex()}, expected {want.hex() or 'nothing'}")
        self.received += data
        self.fifo.append(data)

    def bus_read(self) -> bytes:
        self.error("read of the write-only transmit FIFO")
        return bytes(self.width)


class RxFifo(FifoDevice):
    """Device to memory: a producer fills the FIFO with `source(0)`, `source(1)`, ... (by
    default `element(i, width)`), up to `limit` elements if given; `send_packets(lengths)`
    makes it end each packet (element counts) with LREQ."""

    def __init__(self, *args, source: Callable[[int], bytes] | None = None, limit: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source = source or (lambda i: element(i, self.width))
        self.limit = limit
        self.produced = 0
        self.read_count = 0
        self.packets: deque[int] = deque()
        self.packet_left: int | None = None  # elements of the current packet not yet requested

    def expected(self, start: int, count: int) -> bytes:
        """The bytes of elements start .. start+count-1, as the producer makes them."""
        return b"".join(self.source(i) for i in range(start, start + count))

    def send_packets(self, lengths: list[int]) -> None:
        self.packets.extend(lengths)
        self.kick()

    def _active(self) -> bool:
        return len(self.fifo) < self.depth and (self.limit is None or self.produced < self.limit)

    def _fill(self) -> None:
        now = _now_ns()
        if not self._active():
            self._t = now  # a stalled producer starts over once there is room
            return
        for _ in range(self._paced(now)):
            if not self._active():
                self._t = now
                break
            self.fifo.append(self.source(self.produced))
            self.produced += 1

    def request(self) -> Request | None:
        self._fill()
        level = len(self.fifo)
        if self.packet_left is None and self.packets:
            self.packet_left = self.packets.popleft()
        left = self.packet_left
        if left is None:  # streaming, no packets
            if level >= self.maxburst:
                return ("burst", False)
            return ("single", False) if level >= 1 else None
        if left >= self.maxburst and level >= self.maxburst:
            self.packet_left = left - self.maxburst or None
            return ("burst", left == self.maxburst)
        if left < self.maxburst and level >= 1:
            self.packet_left = left - 1 or None
            return ("single", left == 1)
        return None

    def bus_read(self) -> bytes:
        self._fill()
        self.read_count += 1
        if not self.fifo:
            self.error(f"underflow: read {self.read_count} of an empty FIFO")
            return bytes(self.width)
        return self.fifo.popleft()

    def bus_write(self, data: bytes) -> None:
        self.error("write to the read-only receive FIFO")

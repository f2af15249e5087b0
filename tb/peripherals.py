"""Peripheral models on the controller's AXI bus, paced through a request line.

- `TxDevice`: a transmit FIFO (a UART or codec data register) that the DMA writes and a
  consumer drains; it requests room.
- `RxDevice`: a receive FIFO that a producer fills with known elements and the DMA reads; it
  requests data and can end a packet early (LREQ).

Each is a cocotbext-axi `Region` registered in the memory's AddressSpace, so the DMA reaches
its data register by address, and drives its line through a `RequestPort`. Pacing:

- `Pacing.fixed(n)`: one element every n cycles (a UART or an audio codec);
- `Pacing.random(rng, ...)`: bursts of random size after random gaps;
- `Pacing.manual()`: the FIFO side never moves by itself; the test raises requests with
  `request()`, as an external agent clocking an FPGA bitstream does.

The models check FIFO overflow and underflow and the order and value of every element;
`check()` raises with every problem found. `await dev.wait_done()` waits until every
expected element arrived (transmit) or the `limit` was read (receive); `packets_ended`
counts the packets the device ended (LREQ served), `served` the manual requests served.

These models run Python every clock cycle. On the native memory's top the testbench gives
the same calls native models instead (tb/native/peripherals.py, native_periph.cpp), with
this API; these remain for a device written in Python (docs/slave-transfers.md).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterator

import cocotb
from cocotb.triggers import Event, RisingEdge
from cocotbext.axi import Region

from tb.request_lines import RequestPort


class Pacing:
    """How many elements the device's own side moves in each clock cycle."""

    def __init__(self, steps: Iterator[int] | None, name: str, **params) -> None:
        self.steps = steps
        self.name = name
        # what the native models (tb/native/peripherals.py) need to pace themselves alike:
        # kind ("fixed", "random", "manual") and every / rng, max_burst, max_gap
        self.params = params
        self.kind = name.split("(")[0]

    @classmethod
    def fixed(cls, every: int) -> Pacing:
        def gen():
            while True:
                for _ in range(every - 1):
                    yield 0
                yield 1

        return cls(gen(), f"fixed({every})", every=every)

    @classmethod
    def random(cls, rng: random.Random, max_burst: int = 16, max_gap: int = 40) -> Pacing:
        def gen():
            while True:
                for _ in range(rng.randint(0, max_gap)):
                    yield 0
                for _ in range(rng.randint(1, max_burst)):
                    yield 1

        return cls(gen(), "random", rng=rng, max_burst=max_burst, max_gap=max_gap)

    @classmethod
    def manual(cls) -> Pacing:
        return cls(None, "manual")


def element(index: int, width: int) -> bytes:
    """The known value of element `index` of a stream (never all-zero, differs per byte)."""
    return bytes(((index * 7 + 13 + b * 61) ^ (index >> 8)) & 0xFF for b in range(width))


class _Device(Region):
    def __init__(
        self,
        name: str,
        port: RequestPort,
        clock,
        width: int,
        maxburst: int,
        depth: int,
        pacing: Pacing,
        bus_bytes: int,
        reg_offset: int = 0,
        pipelined: bool = False,
    ) -> None:
        super().__init__(size=max(bus_bytes, 64))
        if reg_offset % width:
            raise ValueError("the data register must be aligned to the element width")
        self.name = name
        self.port = port
        self.clock = clock
        self.width = width
        self.maxburst = maxburst
        self.depth = depth
        self.pacing = pacing
        self.bus_bytes = bus_bytes
        self.reg_offset = reg_offset
        self.fifo: deque[bytes] = deque()
        self.errors: list[str] = []
        self.transfers = 0  # elements moved by the DMA
        self.manual: deque[tuple[str, bool]] = deque()  # requests the test asked for
        self.requesting: tuple[str, bool] | None = None
        # pipelined handshake: elements of accepted requests not yet moved; a TC voids them
        self.pipelined = pipelined
        self.reserved = 0
        self.done = Event()  # every expected element received / the receive limit read
        self.packets_ended = 0  # requests with LREQ served
        self.served = 0  # manual requests served
        self._served = Event()
        self._manual_req = False  # the request held came from request()
        self._task = cocotb.start_soon(self._run_pipelined() if pipelined else self._run())

    @property
    def data_addr(self) -> int:
        return self.base + self.reg_offset

    def error(self, text: str) -> None:
        self.errors.append(f"{self.name}: {text}")

    def check(self) -> None:
        if self.errors:
            raise AssertionError("\n".join(self.errors[:20]))

    def request(self, kind: str = "burst", last: bool = False) -> None:
        """Manual pacing: raise one request (once the line is free)."""
        self.manual.append((kind, last))

    async def wait_served(self, count: int) -> None:
        """Manual pacing: until `count` manual requests have been served in all."""
        while self.served < count:
            self._served.clear()
            await self._served.wait()

    async def wait_done(self) -> None:
        """Until every expected element has arrived (transmit) or the limit was read (receive)."""
        await self.done.wait()

    def _next_request(self) -> tuple[str, bool] | None:
        self._manual_req = bool(self.manual)
        return self.manual.popleft() if self.manual else (self.want() if self.pacing.steps else None)

    def _served_one(self, req: tuple[str, bool]) -> None:
        if req[1]:
            self.packets_ended += 1
        if self._manual_req:
            self.served += 1
            self._served.set()

    def stop(self) -> None:
        self._task.cancel()
        if self.requesting is not None:
            self.port.withdraw()
        self.requesting = None

    def _word_lane(self, address: int, length: int) -> int:
        # cocotbext-axi hands a beat as the whole bus word holding the register
        lane = self.reg_offset % self.bus_bytes
        if address != self.reg_offset - lane or length not in (self.bus_bytes, self.width):
            self.error(f"access at +0x{address:x} ({length} bytes), not the data register")
        return lane if length == self.bus_bytes else 0

    def want(self) -> tuple[str, bool] | None:
        raise NotImplementedError

    def _moved(self, what: str) -> None:
        """One element moved on the bus: with the pipelined handshake it must belong to an
        accepted request."""
        if not self.pipelined:
            return
        if self.reserved == 0:
            self.error(f"{what} {self.transfers} moved without an accepted request for it")
        else:
            self.reserved -= 1

    def tick(self, n: int) -> None:
        raise NotImplementedError

    async def _run(self) -> None:
        ack_seen = False
        while True:
            await RisingEdge(self.clock)
            if self.pacing.steps is not None:
                self.tick(next(self.pacing.steps))
            if self.requesting is None:
                if ack_seen and self.port.ack():
                    continue  # four-phase: wait for ACK to drop before the next request
                ack_seen = False
                req = self._next_request()
                if req is not None:
                    self.requesting = req
                    kind, last = req
                    self.port.set(breq=kind == "burst", sreq=kind == "single", lreq=last)
            elif self.port.ack():
                self.port.set()
                self._served_one(self.requesting)
                self.requesting = None
                ack_seen = True

    async def _run_pipelined(self) -> None:
        # At each edge: a held request with ACK high was accepted there (both are sampled as
        # they were just before the edge); a TC voids what is left of accepted requests.
        # Then the next request, counting what is already reserved, is put up at once.
        while True:
            await RisingEdge(self.clock)
            if self.pacing.steps is not None:
                self.tick(next(self.pacing.steps))
            if self.requesting is not None and self.port.ack():
                kind, _ = self.requesting
                self.reserved += self.maxburst if kind == "burst" else 1
                self._served_one(self.requesting)
                self.requesting = None
            if self.port.tc():
                self.reserved = 0
            if self.requesting is None:
                req = self._next_request()
                self.requesting = req
                if req is None:
                    self.port.set()
                else:
                    kind, last = req
                    self.port.set(breq=kind == "burst", sreq=kind == "single", lreq=last)


class TxDevice(_Device):
    """Memory to device: the DMA writes elements; `expect` says which, in order."""

    def __init__(self, *args, underflow_is_error: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected: deque[bytes] = deque()
        self.received: list[bytes] = []
        self.started = False
        self.underflows = 0
        self.underflow_is_error = underflow_is_error
        # elements may be missing from the expected sequence (bursts of a transfer that
        # failed on the bus while later ones, already issued, still arrive: pipelined)
        self.gaps_ok = False

    def expect(self, data: bytes) -> None:
        self.done.clear()
        for i in range(0, len(data), self.width):
            self.expected.append(bytes(data[i : i + self.width]))

    def want(self) -> tuple[str, bool] | None:
        room = self.depth - len(self.fifo) - self.reserved
        if room >= self.maxburst:
            return ("burst", False)
        # pipelined, single elements only while running low, else wait for room for a burst
        if room >= 1 and (not self.pipelined or len(self.fifo) + self.reserved < self.maxburst):
            return ("single", False)
        return None

    def tick(self, n: int) -> None:
        for _ in range(n):
            if self.fifo:
                self.fifo.popleft()
            elif self.started and self.expected:
                self.underflows += 1
                if self.underflow_is_error:
                    self.error(f"underflow: consumer starved after {len(self.received)} elements")

    async def _write(self, address, data, **kwargs) -> None:
        data = bytes(data)
        if address != self.reg_offset or len(data) != self.width:
            self.error(f"write of {len(data)} bytes at +0x{address:x}; expected {self.width} at the data register")
            return
        if len(self.fifo) >= self.depth:
            self.error(f"overflow: element {len(self.received)} written to a full FIFO")
        n = len(self.received)
        if not self.expected:
            self.error(f"element {n} = {data.hex()} not expected (more data than queued)")
        else:
            want = self.expected.popleft()
            if data != want and self.gaps_ok and data in self.expected:
                while want != data:
                    want = self.expected.popleft()
            if data != want:
                self.error(f"element {n} = {data.hex()}, expected {want.hex()}")
            if not self.expected:
                self.done.set()
        self._moved("element")
        self.received.append(data)
        self.fifo.append(data)
        self.transfers += 1
        self.started = True

    async def _read(self, address, length, **kwargs) -> bytes:
        self.error(f"read at +0x{address:x}: the transmit FIFO is write-only")
        return bytes(length)


class RxDevice(_Device):
    """Device to memory: a producer fills the FIFO with element(0), element(1), ...;
    `packets` (element counts) makes it end each packet with LREQ."""

    def __init__(self, *args, source: Callable[[int], bytes] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source = source or (lambda i: element(i, self.width))
        self.produced = 0
        self.read_count = 0
        self.overruns = 0
        self.packets: deque[int] = deque()
        self.packet_left: int | None = None  # elements of the current packet not yet requested
        self.limit: int | None = None  # stop producing after this many elements
        self.quiet = 0  # cycles since the producer last added an element

    def send_packets(self, lengths: list[int]) -> None:
        self.packets.extend(lengths)

    def tick(self, n: int) -> None:
        self.quiet += 1
        for _ in range(n):
            if self.limit is not None and self.produced >= self.limit:
                return
            if len(self.fifo) >= self.depth:
                self.overruns += 1  # a real UART would drop it: we just wait
                return
            self.fifo.append(self.source(self.produced))
            self.produced += 1
            self.quiet = 0

    def want(self) -> tuple[str, bool] | None:
        level = len(self.fifo) - self.reserved
        if self.packet_left is None and self.packets:
            self.packet_left = self.packets.popleft()
        left = self.packet_left
        if left is None:  # streaming, no packets
            if level >= self.maxburst:
                return ("burst", False)
            # pipelined, a UART's receive timeout: single elements once the producer has
            # been quiet for a burst's time with nothing in flight, else wait for a burst
            trickle = not self.pipelined or (self.reserved == 0 and self.quiet >= self.maxburst)
            return ("single", False) if level >= 1 and trickle else None
        if left >= self.maxburst and level >= self.maxburst:
            self.packet_left = left - self.maxburst or None
            return ("burst", left == self.maxburst)
        if left < self.maxburst and level >= 1:
            self.packet_left = left - 1 or None
            return ("single", left == 1)
        return None

    async def _read(self, address, length, **kwargs) -> bytes:
        lane = self._word_lane(address, length)
        if not self.fifo:
            self.error(f"underflow: read {self.read_count} of an empty FIFO")
            value = bytes(self.width)
        else:
            value = self.fifo.popleft()
        self._moved("read")
        self.read_count += 1
        self.transfers += 1
        if self.read_count == self.limit:
            self.done.set()
        word = bytearray(length)
        word[lane : lane + self.width] = value
        return bytes(word)

    async def _write(self, address, data, **kwargs) -> None:
        self.error(f"write at +0x{address:x}: the receive FIFO is read-only")

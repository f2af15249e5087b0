"""The native peripheral models (native_periph.cpp) seen from Python: `NativeTxDevice` and
`NativeRxDevice` have the public API of tb/peripherals.py's `TxDevice` and `RxDevice` (and
are instances of them), but their FIFO, pacing, request handshake, data register and checks
run in C++, once per clock from the SystemVerilog (native_periph.sv) and on the native
memory's access path, without Python. `tb.add_tx_device` / `tb.add_rx_device` make them on the
native memory's top (tb/dma_tb.py says which model a call gets).

Python runs only when asked something (`dev.transfers`, `dev.received`, `dev.check()`: read
from C++ through ctypes) and at events: the C++ queues one (a check failed, a packet ended,
a manual request served, the device is done, its Python source runs low) and the top's
dma_periph_event output toggles; `NativePeripherals` waits on that toggle and drains them.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

import cocotb
from cocotb.triggers import Event

from tb.peripherals import Pacing, RxDevice, TxDevice, element

_u64, _i64, _int = ctypes.c_uint64, ctypes.c_int64, ctypes.c_int
_P = ctypes.POINTER
_SIGNATURES = {
    "pnp_reset_all": (None, [_u64]),
    "pnp_add": (_int, [ctypes.c_char_p, _int, _int, _int, _int, _int, _int, _u64, _u64, _u64, _int]),
    "pnp_pacing": (None, [_int, _int, _int, _int, _int, _u64]),
    "pnp_options": (None, [_int, _int, _int]),
    "pnp_set_limit": (None, [_int, _i64]),
    "pnp_expect": (None, [_int, ctypes.c_char_p, _u64]),
    "pnp_source": (None, [_int, ctypes.c_char_p, _u64, _int, _u64]),
    "pnp_packets": (None, [_int, _P(_i64), _int]),
    "pnp_request": (None, [_int, _int, _int]),
    "pnp_stop": (None, [_int]),
    "pnp_stat": (_i64, [_int, _int]),
    "pnp_elements": (_i64, [_int, _int, _u64, _u64, ctypes.c_char_p]),
    "pnp_clear": (None, [_int, _int]),
    "pnp_error": (_int, [_int, _int, ctypes.c_char_p, _int]),
    "pnp_protocol_count": (_int, []),
    "pnp_protocol_error": (_int, [_int, ctypes.c_char_p, _int]),
    "pnp_events_take": (_int, [_P(_int), _P(_int), _int]),
    "pnp_handshakes_take": (_int, [_P(_int), _P(_int), _P(_int), _P(_int), _P(_u64), _int]),
    "pnp_tc_pulses_take": (_int, [_P(_int), _P(_u64), _int]),
    # the video models (native_video.cpp; tb/native/video.py)
    "pnp_display": (None, [_int, _u64]),
    "pnp_display_queue": (_int, [_int, ctypes.c_char_p, _u64]),
    "pnp_display_shown": (_int, [_int, _P(_int), _int]),
    "pnp_display_scan": (None, [_int, _int]),
    "pnp_camera": (None, [_int, _int, _int, _int, _int, _int]),
    "pnp_camera_start": (None, [_int]),
}

PACE = {"fixed": 0, "random": 1, "manual": 2}
KINDS = {"burst": 0, "single": 1}
KIND_NAMES = {0: "burst", 1: "single"}
EV_ERROR, EV_PACKET, EV_SERVED, EV_DONE, EV_SOURCE_LOW = range(5)
# pnp_stat's counters
(
    ST_TRANSFERS,
    ST_RECEIVED,
    ST_EXPECTED,
    ST_FIFO,
    ST_UNDERFLOWS,
    ST_PRODUCED,
    ST_READ_COUNT,
    ST_OVERRUNS,
    ST_STARTED,
    ST_REQ_KIND,
    ST_REQ_LAST,
    ST_ERRORS,
    ST_RESERVED,
    ST_QUIET,
    ST_LIMIT,
) = range(15)
ST_ERROR_COUNT = 19
LOGGED_ERRORS = 20  # errors of a device logged as they are found (check() shows as many)
MAX_WIDTH = 8  # element width the native models hold (wider: the Python models)
SOURCE_CHUNK = 4096  # elements of a Python source handed over at a time
_BATCH = 256
_lib: ctypes.CDLL | None = None


def periph_lib() -> ctypes.CDLL:
    """native_periph.cpp's C functions, exported by the simulator executable (-rdynamic)."""
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(None)
        try:
            for name, (res, args) in _SIGNATURES.items():
                fn = getattr(lib, name)
                fn.restype, fn.argtypes = res, args
        except AttributeError as exc:
            raise RuntimeError("the native peripheral models are not in this simulation (--mem native)") from exc
        _lib = lib
    return _lib


def paces_natively(pacing: Pacing | None) -> bool:
    """Whether the native models can pace like `pacing`: Pacing.fixed / .random / .manual
    (a Pacing made from a generator of one's own needs the Python models)."""
    if pacing is None or pacing.kind == "manual":
        return True
    need = {"fixed": {"every"}, "random": {"rng", "max_burst", "max_gap"}}.get(pacing.kind)
    return need is not None and need <= set(pacing.params)


def available(dut) -> bool:
    """Whether this simulation's top serves request lines natively (the native memory's
    one-controller top has the glue: native_periph.sv)."""
    try:
        dut.dma_periph_lines  # noqa: B018 - a handle lookup: raises if the top has no such port
    except AttributeError:
        return False
    return True


class NativePort:
    """The request line a native device drives (Python drives nothing on it)."""

    def __init__(self, line: int, pipelined: bool) -> None:
        self.line = line
        self.pipelined = pipelined


class NativePeripherals:
    """The native devices of one test: their request lines (the top's dma_periph_lines),
    the events they report, and what the request-line monitor records of their lines."""

    def __init__(self, dut, clock_ns: int) -> None:
        self.dut = dut
        self.lib = periph_lib()
        self.lib.pnp_reset_all(clock_ns)
        self.log = logging.getLogger("cocotb.tb.periph")
        self.lines = 0
        dut.dma_periph_lines.value = 0
        self.devices: dict[int, _NativeDevice] = {}
        self.events = 0  # events drained (for tests and the benchmark: Python ran only then)
        self._ev_dev = (_int * _BATCH)()
        self._ev_kind = (_int * _BATCH)()
        self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        change = self.dut.dma_periph_event.value_change
        while True:
            await change
            self.drain()

    def drain(self) -> None:
        """Hand every queued event to its device."""
        while True:
            n = self.lib.pnp_events_take(self._ev_dev, self._ev_kind, _BATCH)
            for i in range(n):
                self.events += 1
                dev = self.devices.get(self._ev_dev[i])
                if dev is not None:
                    dev._event(self._ev_kind[i])
            if n < _BATCH:
                return

    def add(self, dev: _NativeDevice) -> None:
        self.devices[dev.id] = dev
        self.lines |= 1 << dev.port.line
        self.dut.dma_periph_lines.value = self.lines

    def release_line(self, line: int) -> None:
        """A Python device takes `line` over: the native one there stops."""
        if self.lines >> line & 1:
            for dev in self.devices.values():
                if dev.port.line == line:
                    dev.stop()
            self.lines &= ~(1 << line)
            self.dut.dma_periph_lines.value = self.lines

    # -- what the request-line monitor shows of the native lines ---------------------------------
    def take_handshakes(self) -> list[tuple[int, str, bool, bool, int]]:
        """(line, kind, last, tc, time in ns) of the handshakes since the last call."""
        out = []
        arrays = [(_int * _BATCH)() for _ in range(4)] + [(_u64 * _BATCH)()]
        while True:
            n = self.lib.pnp_handshakes_take(*arrays, _BATCH)
            line, kind, last, tc, t = arrays
            out += [(line[i], KIND_NAMES[kind[i]], bool(last[i]), bool(tc[i]), t[i]) for i in range(n)]
            if n < _BATCH:
                return out

    def take_tc_pulses(self) -> list[tuple[int, int]]:
        out = []
        line, t = (_int * _BATCH)(), (_u64 * _BATCH)()
        while True:
            n = self.lib.pnp_tc_pulses_take(line, t, _BATCH)
            out += [(line[i], t[i]) for i in range(n)]
            if n < _BATCH:
                return out

    def protocol_errors(self, first: int = 0) -> list[str]:
        """The controller's protocol violations on native lines, from the `first`th."""
        return [_text(self.lib.pnp_protocol_error, i) for i in range(first, self.lib.pnp_protocol_count())]


def _text(fn, *args) -> str:
    buf = ctypes.create_string_buffer(512)
    fn(*args, buf, len(buf))
    return buf.value.decode(errors="replace")


class NativeElements:
    """A device's list of elements kept in C++ (received, expected, fifo), read on demand:
    len(), truth, iteration, indexing, equality with a list, clear()."""

    def __init__(self, dev: _NativeDevice, which: int, stat: int) -> None:
        self._dev, self._which, self._stat = dev, which, stat

    def __len__(self) -> int:
        return self._dev._stat(self._stat)

    def __bool__(self) -> bool:
        return len(self) > 0

    def _list(self) -> list[bytes]:
        return self._dev._elements(self._which, len(self))

    def __iter__(self):
        return iter(self._list())

    def __getitem__(self, index):
        return self._list()[index]

    def __eq__(self, other) -> bool:
        return self._list() == list(other)

    def __repr__(self) -> str:
        return f"NativeElements({self._list()!r})"

    def clear(self) -> None:
        self._dev.lib.pnp_clear(self._dev.id, self._which)


class _NativeDevice:
    """What the native transmit and receive devices share (see _Device in tb/peripherals.py)."""

    native = True
    tx = True

    def __init__(
        self,
        hub: NativePeripherals,
        name: str,
        line: int,
        clock,
        width: int,
        maxburst: int,
        depth: int,
        pacing: Pacing,
        bus_bytes: int,
        address: int,
        reg_offset: int = 0,
        pipelined: bool = False,
    ) -> None:
        if reg_offset % width:
            raise ValueError("the data register must be aligned to the element width")
        if width > MAX_WIDTH:
            raise ValueError(f"the native models hold elements of up to {MAX_WIDTH} bytes, not {width}")
        self.hub, self.lib = hub, hub.lib
        self.name = name
        self.port = NativePort(line, pipelined)
        self.clock = clock
        self.width = width
        self.maxburst = maxburst
        self.depth = depth
        self.pacing = pacing
        self.bus_bytes = bus_bytes
        self.reg_offset = reg_offset
        self.pipelined = pipelined
        self._base, self._size = address, max(bus_bytes, 64)  # the Region's (base, size)
        self._parent = None
        self.packets_ended = 0  # LREQ requests served (peripheral-ended packets)
        self.served = 0  # manual requests served
        self.done = Event()  # every expected element received / the receive limit read
        self._served = Event()
        self.id = self.lib.pnp_add(
            name.encode(), int(self.tx), line, width, maxburst, depth, bus_bytes, address, self._size, reg_offset,
            int(pipelined),
        )  # fmt: skip
        if self.id < 0:
            raise ValueError(f"{name}: no native model for line {line}, width {width}")
        p = pacing.params
        seed = p["rng"].getrandbits(64) if pacing.kind == "random" else 0
        self.lib.pnp_pacing(
            self.id, PACE[pacing.kind], p.get("every", 1), p.get("max_burst", 16), p.get("max_gap", 40), seed
        )
        self._errors_seen = 0
        hub.add(self)

    # -- the _Device API ------------------------------------------------------------------------
    @property
    def data_addr(self) -> int:
        return self.base + self.reg_offset

    def _stat(self, which: int) -> int:
        return self.lib.pnp_stat(self.id, which)

    def _elements(self, which: int, count: int) -> list[bytes]:
        buf = ctypes.create_string_buffer(max(1, count * self.width))
        n = self.lib.pnp_elements(self.id, which, 0, count, buf)
        raw = buf.raw
        return [raw[i * self.width : (i + 1) * self.width] for i in range(n)]

    @property
    def errors(self) -> list[str]:
        return [_text(self.lib.pnp_error, self.id, i) for i in range(self._stat(ST_ERRORS))]

    def error(self, text: str) -> None:
        raise NotImplementedError("a native device's errors are found by its C++ model")

    def check(self) -> None:
        self.hub.drain()
        errors = self.errors
        if errors:
            found = self._stat(ST_ERROR_COUNT)
            more = [f"{self.name}: {found} problems in all"] if found > LOGGED_ERRORS else []
            raise AssertionError("\n".join(errors[:LOGGED_ERRORS] + more))

    @property
    def transfers(self) -> int:
        return self._stat(ST_TRANSFERS)

    @property
    def fifo(self) -> NativeElements:
        return NativeElements(self, 2, ST_FIFO)

    @property
    def requesting(self) -> tuple[str, bool] | None:
        kind = self._stat(ST_REQ_KIND)
        return None if kind < 0 else (KIND_NAMES[kind], bool(self._stat(ST_REQ_LAST)))

    @property
    def reserved(self) -> int:
        return self._stat(ST_RESERVED)

    def request(self, kind: str = "burst", last: bool = False) -> None:
        """Manual pacing: raise one request (once the line is free)."""
        self.lib.pnp_request(self.id, KINDS[kind], int(last))

    async def wait_served(self, count: int) -> None:
        """Manual pacing: until `count` manual requests have been served in all."""
        while self.served < count:
            self._served.clear()
            await self._served.wait()

    async def wait_done(self) -> None:
        """Until every expected element has arrived (transmit) or the limit was read (receive)."""
        await self.done.wait()

    def stop(self) -> None:
        self.lib.pnp_stop(self.id)

    def _event(self, kind: int) -> None:
        if kind == EV_ERROR:
            if self._errors_seen < LOGGED_ERRORS:
                text = _text(self.lib.pnp_error, self.id, self._errors_seen)
                self.hub.log.warning("native peripheral: %s", text)
            elif self._errors_seen == LOGGED_ERRORS:
                self.hub.log.warning("native peripheral: %s: more problems (check() counts them)", self.name)
            self._errors_seen += 1
        elif kind == EV_PACKET:
            self.packets_ended += 1
        elif kind == EV_SERVED:
            self.served += 1
            self._served.set()
        elif kind == EV_DONE:
            self.done.set()
        elif kind == EV_SOURCE_LOW:
            self._refill()

    def _refill(self) -> None:
        pass


class NativeTxDevice(_NativeDevice, TxDevice):
    """Memory to device, in C++: the DMA writes elements; `expect` says which, in order."""

    tx = True

    def __init__(self, *args, underflow_is_error: bool = False, **kwargs) -> None:
        _NativeDevice.__init__(self, *args, **kwargs)
        self.lib.pnp_options(self.id, int(underflow_is_error), -1)
        self._gaps_ok = False

    def expect(self, data: bytes) -> None:
        data = bytes(data)
        if len(data) % self.width:
            raise ValueError(f"{len(data)} bytes are not whole {self.width}-byte elements")
        self.done.clear()
        self.lib.pnp_expect(self.id, data, len(data) // self.width)

    @property
    def gaps_ok(self) -> bool:
        return self._gaps_ok

    @gaps_ok.setter
    def gaps_ok(self, on: bool) -> None:
        self._gaps_ok = bool(on)
        self.lib.pnp_options(self.id, -1, int(on))

    @property
    def received(self) -> NativeElements:
        return NativeElements(self, 0, ST_RECEIVED)

    @property
    def received_count(self) -> int:
        return self._stat(ST_RECEIVED)

    @property
    def expected(self) -> NativeElements:
        return NativeElements(self, 1, ST_EXPECTED)

    @property
    def expected_count(self) -> int:
        return self._stat(ST_EXPECTED)

    @property
    def started(self) -> bool:
        return bool(self._stat(ST_STARTED))

    @property
    def underflows(self) -> int:
        return self._stat(ST_UNDERFLOWS)


class NativeRxDevice(_NativeDevice, RxDevice):
    """Device to memory, in C++: a producer fills the FIFO with element(0), element(1), ...
    (or `source(i)`, handed over from Python in chunks); `send_packets` ends packets with LREQ."""

    tx = False

    def __init__(self, *args, source: Callable[[int], bytes] | None = None, **kwargs) -> None:
        _NativeDevice.__init__(self, *args, **kwargs)
        self._source = source
        self._source_next = 0
        if source is not None:
            self._refill()

    @property
    def source(self) -> Callable[[int], bytes]:
        return self._source or (lambda i: element(i, self.width))

    def _refill(self) -> None:
        """Hand the C++ producer the next chunk of Python's source (an element of another
        length than `width`, as past the end of a stream, ends it)."""
        chunk, end = [], False
        for i in range(self._source_next, self._source_next + SOURCE_CHUNK):
            e = bytes(self._source(i))
            if len(e) != self.width:
                end = True
                break
            chunk.append(e)
        self._source_next += len(chunk)
        self.lib.pnp_source(self.id, b"".join(chunk), len(chunk), int(end), SOURCE_CHUNK // 2)

    def send_packets(self, lengths: list[int]) -> None:
        arr = (_i64 * max(1, len(lengths)))(*lengths)
        self.lib.pnp_packets(self.id, arr, len(lengths))

    @property
    def limit(self) -> int | None:
        v = self._stat(ST_LIMIT)
        return None if v < 0 else v

    @limit.setter
    def limit(self, value: int | None) -> None:
        self.done.clear()
        self.lib.pnp_set_limit(self.id, -1 if value is None else int(value))

    @property
    def produced(self) -> int:
        return self._stat(ST_PRODUCED)

    @property
    def read_count(self) -> int:
        return self._stat(ST_READ_COUNT)

    @property
    def overruns(self) -> int:
        return self._stat(ST_OVERRUNS)

    @property
    def quiet(self) -> int:
        return self._stat(ST_QUIET)

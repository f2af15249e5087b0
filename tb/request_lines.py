"""The controller's peripheral request interface, as cocotb-bus components.

Four-phase handshake per line (docs/slave-transfers.md): the peripheral raises BREQ (room
or data for a burst) or SREQ (for one element), with LREQ if that transfer ends the packet,
and holds them; the controller moves the data, then raises ACK (with TC on the last transfer
of a descriptor); the peripheral drops its requests; the controller drops ACK.

Pipelined handshake (a line whose port says so): ACK is a ready; a held request is accepted
at each clock edge where it and ACK are both high; TC is a one-cycle pulse at the end of a
transfer.

- `RequestLinesDriver` drives the request vectors; each `RequestPort` owns one line of it.
- `RequestMonitor` watches every line, checks both sides of the protocol, and records each
  completed handshake as a `Handshake`.

Lines served by the native peripheral models (tb/native/peripherals.py) are watched by the
C++ instead: on the native top the monitor watches the top's ports, where those lines never
move, so Python never wakes for them; their handshakes, TC pulses and protocol errors are
merged into the monitor's lists when these are read (`native`).
"""

from __future__ import annotations

from dataclasses import dataclass

from cocotb.triggers import Event, First, ReadOnly, RisingEdge, current_gpi_trigger
from cocotb.utils import get_sim_time
from cocotb_bus.drivers import BusDriver
from cocotb_bus.monitors import BusMonitor


@dataclass(frozen=True)
class Handshake:
    line: int
    kind: str  # "burst" or "single"
    last: bool  # LREQ was up with the request
    tc: bool  # TC came with the ACK (four-phase)
    time_ns: int  # when the ACK was seen (pipelined: when the accepting interval ended)


class RequestLinesDriver(BusDriver):
    """Drives dma_breq / dma_sreq / dma_lreq; lines are set level by level by their ports."""

    _signals = ["breq", "sreq", "lreq"]

    def __init__(self, dut, clock) -> None:
        super().__init__(dut, "dma", clock)
        self.width = len(self.bus.breq)
        self.withdrawn: set[int] = set()  # lines whose request was withdrawn on purpose
        self.pipelined: set[int] = set()  # lines that use the pipelined handshake
        self._levels = {"breq": 0, "sreq": 0, "lreq": 0}
        # set whenever a line is driven: the monitor wakes on this rather than on a value
        # change of each request vector (a simulator callback checked at every edge)
        self.changed = Event()
        for name in self._levels:
            getattr(self.bus, name).value = 0

    def drive(self, line: int, breq: bool, sreq: bool, lreq: bool) -> None:
        for name, level in (("breq", breq), ("sreq", sreq), ("lreq", lreq)):
            bits = self._levels[name] & ~(1 << line) | (int(level) << line)
            if bits != self._levels[name]:
                self._levels[name] = bits
                getattr(self.bus, name).value = bits
                self.changed.set()

    def port(self, line: int, pipelined: bool = False) -> RequestPort:
        """The line's port; `pipelined`: the line uses the pipelined handshake."""
        if not 0 <= line < self.width:
            raise ValueError(f"request line {line} does not exist ({self.width} lines)")
        if pipelined:
            self.pipelined.add(line)
        else:
            self.pipelined.discard(line)
        return RequestPort(self, line)

    async def _driver_send(self, transaction, sync: bool = True, **kwargs) -> None:
        line, breq, sreq, lreq = transaction
        if sync:
            await RisingEdge(self.clock)
        self.drive(line, breq, sreq, lreq)


class RequestPort:
    """One request line, seen from a peripheral."""

    def __init__(self, driver: RequestLinesDriver, line: int) -> None:
        self.driver = driver
        self.line = line
        self.bus = driver.bus
        self.ack_sig = driver.entity.dma_ack
        self.tc_sig = driver.entity.dma_tc

    def set(self, breq: bool = False, sreq: bool = False, lreq: bool = False) -> None:
        self.driver.drive(self.line, breq, sreq, lreq)

    def withdraw(self) -> None:
        """Drop the request without waiting for ACK (the device is being disabled); the
        monitor accepts this once."""
        self.driver.withdrawn.add(self.line)
        self.set()

    def ack(self) -> bool:
        return bool(self.ack_sig.value.to_unsigned() >> self.line & 1)

    def tc(self) -> bool:
        return bool(self.tc_sig.value.to_unsigned() >> self.line & 1)


class RequestMonitor(BusMonitor):
    """Records handshakes on every line and reports protocol violations in `errors`:
    four-phase, ACK without a request, ACK dropped while a request is up, a request dropped
    before its ACK, TC without ACK; pipelined, a request dropped before it was accepted and
    a TC longer than one cycle. A pipelined line records one handshake per acceptance, and
    its TC pulses in `tc_pulses` (line, time in ns)."""

    _signals = ["breq", "sreq", "lreq", "ack", "tc"]

    def __init__(self, dut, clock, driver: RequestLinesDriver | None = None, native=None, **kwargs) -> None:
        self.driver = driver
        self.native = native  # tb.native.peripherals.NativePeripherals, or None
        self._errors: list[str] = []
        self._handshakes: list[Handshake] = []
        self._tc_pulses: list[tuple[int, int]] = []
        self._native_errors = 0
        self._both_since: dict[int, tuple[int, str, bool]] = {}  # pipelined: ACK and request up
        self._tc_since: dict[int, int] = {}
        self._edge0_ps = self._period_ps = 0
        super().__init__(dut, "dma", clock, **kwargs)

    def _merge_native(self) -> None:
        if self.native is None:
            return
        new = [Handshake(line, kind, last, tc, t) for line, kind, last, tc, t in self.native.take_handshakes()]
        if new:
            self._handshakes.extend(new)
            self._handshakes.sort(key=lambda h: h.time_ns)
        pulses = self.native.take_tc_pulses()
        if pulses:
            self._tc_pulses.extend(pulses)
            self._tc_pulses.sort(key=lambda p: p[1])
        errors = self.native.protocol_errors(self._native_errors)
        self._native_errors += len(errors)
        self._errors.extend(errors)

    @property
    def handshakes(self) -> list[Handshake]:
        """Every completed handshake so far, Python-owned and native lines, in time order."""
        self._merge_native()
        return self._handshakes

    @property
    def tc_pulses(self) -> list[tuple[int, int]]:
        """Pipelined lines: (line, time in ns) of each TC pulse."""
        self._merge_native()
        return self._tc_pulses

    @property
    def errors(self) -> list[str]:
        self._merge_native()
        return self._errors

    async def _monitor_recv(self) -> None:
        # Every signal here changes only just after a clock edge, so waking on each change
        # and sampling once things settle (ReadOnly) sees every state the lines go through,
        # without running Python on the cycles in which nothing moves. The request lines
        # are driven only by `driver`, which says when it drives them.
        width = len(self.bus.ack)
        # the clock's phase and period, to count the edges a pipelined request was accepted at
        await RisingEdge(self.clock)
        self._edge0_ps = int(get_sim_time("ps"))
        await RisingEdge(self.clock)
        self._period_ps = int(get_sim_time("ps")) - self._edge0_ps
        prev = dict.fromkeys(self._signals, 0)
        pending: dict[int, tuple[str, bool]] = {}  # line -> request seen (kind, last)
        changed = self.driver.changed if self.driver is not None else None
        watched = ["ack", "tc"] if changed is not None else self._signals
        changes = [getattr(self.bus, n).value_change for n in watched]
        while True:
            await First(*changes, *([changed.wait()] if changed is not None else []))
            if changed is not None:
                changed.clear()
            if not isinstance(current_gpi_trigger(), ReadOnly):  # a line driven in ReadOnly
                await ReadOnly()
            now = {n: getattr(self.bus, n).value.to_unsigned() for n in self._signals}
            moved = 0
            for n in self._signals:
                moved |= now[n] ^ prev[n]
            cycle = int(get_sim_time("ns"))
            t_ps = int(get_sim_time("ps"))
            pipelined = self.driver.pipelined if self.driver is not None else set()
            for line in range(width):
                if moved >> line & 1:
                    if line in pipelined:
                        self._check_pipelined(line, t_ps, now, prev)
                    else:
                        self._check_line(line, cycle, now, prev, pending)
            prev = now

    def _edges(self, t0_ps: int, t1_ps: int) -> int:
        """Rising clock edges in (t0, t1]."""
        e0, period = self._edge0_ps, self._period_ps
        return (t1_ps - e0) // period - (t0_ps - e0) // period

    def _check_pipelined(self, line: int, t_ps: int, now: dict, prev: dict) -> None:
        bit = {n: now[n] >> line & 1 for n in now}
        was = {n: prev[n] >> line & 1 for n in prev}
        req, was_req = bit["breq"] or bit["sreq"], was["breq"] or was["sreq"]
        kind = "burst" if bit["breq"] else "single"
        both, was_both = bit["ack"] and req, was["ack"] and was_req
        same = (bit["breq"], bit["sreq"], bit["lreq"]) == (was["breq"], was["sreq"], was["lreq"])
        if was_both and not (both and same):  # every edge of the interval accepted a request
            t0, k, last = self._both_since.pop(line)
            for _ in range(self._edges(t0, t_ps)):
                hs = Handshake(line, k, last, False, t_ps // 1000)
                self._handshakes.append(hs)
                self._recv(hs)
        if both and not (was_both and same):
            self._both_since[line] = (t_ps, kind, bool(bit["lreq"]))
        if was_req and not req and not was["ack"]:
            if self.driver is not None and line in self.driver.withdrawn:
                self.driver.withdrawn.discard(line)
            else:
                self._errors.append(f"line {line} at {t_ps // 1000} ns: request dropped before it was accepted")
        if bit["tc"] and not was["tc"]:
            self._tc_since[line] = t_ps
            self._tc_pulses.append((line, t_ps // 1000))
        if was["tc"] and not bit["tc"] and t_ps - self._tc_since.pop(line, t_ps) > self._period_ps:
            self._errors.append(f"line {line} at {t_ps // 1000} ns: TC held longer than one cycle")

    def _check_line(self, line: int, cycle: int, now: dict, prev: dict, pending: dict) -> None:
        bit = {n: now[n] >> line & 1 for n in now}
        was = {n: prev[n] >> line & 1 for n in prev}
        req = bit["breq"] or bit["sreq"]
        if bit["tc"] and not bit["ack"]:
            self._errors.append(f"line {line} at {cycle} ns: TC without ACK")
        if req and not bit["ack"] and line not in pending:
            pending[line] = ("burst" if bit["breq"] else "single", bool(bit["lreq"]))
        if bit["ack"] and not was["ack"]:
            if line not in pending or not (was["breq"] or was["sreq"]):
                self._errors.append(f"line {line} at {cycle} ns: ACK without a request")
            else:
                kind, last = pending.pop(line)
                hs = Handshake(line, kind, last, bool(bit["tc"]), cycle)
                self._handshakes.append(hs)
                self._recv(hs)
        if was["ack"] and not bit["ack"] and (was["breq"] or was["sreq"]):
            self._errors.append(f"line {line} at {cycle} ns: ACK dropped while the request was up")
        if (was["breq"] or was["sreq"]) and not req and not (was["ack"] or bit["ack"]):
            if self.driver is not None and line in self.driver.withdrawn:
                self.driver.withdrawn.discard(line)
            else:
                self._errors.append(f"line {line} at {cycle} ns: request dropped before its ACK")
            pending.pop(line, None)

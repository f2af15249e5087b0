"""cocotbext-axi's AXI slave, extended for the Python memory model: each access the controller
makes is shown to an access watch (the DMA-API debug mode), and the fault rules
(`tb.faults.FaultInjector`) decide at the start of each burst whether it fails.

A slave may stand for a port whose controller sees memory at a DMA offset (the second
controller of a two-controller top): it takes bus addresses and reads and writes the memory at
bus address - offset (modulo the address width), so memory, watch and fault rules see CPU
addresses.

The read and write halves subclass cocotbext-axi's at their override points (`_read`,
`_write`). The burst start and the response are not override points: cocotbext-axi builds
its channels inside `__init__`, so the halves reach them through thin wrappers around the
address sink (`recv`) and the response source (`send`) that their own process calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cocotbext.axi import AxiBus
from cocotbext.axi.axi_slave import AxiSlaveRead, AxiSlaveWrite

from tb.faults import Fault, FaultInjector, InjectedFault

AccessWatch = Callable[[int, int, bool], None]  # (address, length, is_write)


class _HookedSink:
    """An address-channel sink whose `recv()` hands each transaction to `hook` first."""

    def __init__(self, sink, hook: Callable[[object], Awaitable[None]]) -> None:
        self.sink = sink
        self._hook = hook

    async def recv(self):
        txn = await self.sink.recv()
        await self._hook(txn)
        return txn

    def clear(self) -> None:
        self.sink.clear()


class _HookedSource:
    """A response-channel source whose `send()` lets `hook` amend each transaction first."""

    def __init__(self, source, hook: Callable[[object], None]) -> None:
        self.source = source
        self._hook = hook
        self._transaction_obj = source._transaction_obj  # the half builds responses with it

    async def send(self, txn) -> None:
        self._hook(txn)
        await self.source.send(txn)

    def clear(self) -> None:
        self.source.clear()


class WatchedSlaveRead(AxiSlaveRead):
    def __init__(self, bus, clock, reset, target, faults: FaultInjector, offset: int = 0) -> None:
        super().__init__(bus, clock, reset, target)
        self.faults = faults
        self.offset = offset  # bus address = CPU address + offset
        self.addr_mask = faults.addr_mask
        self.access_watch: AccessWatch | None = None
        self._fault: Fault | None = None  # the fault hitting the burst in progress
        self.channels = [self.ar_channel, self.r_channel]  # the real ones, for pause generators
        self.ar_channel = _HookedSink(self.ar_channel, self._begin_burst)
        self.r_channel = _HookedSource(self.r_channel, self._respond)

    async def _begin_burst(self, txn) -> None:
        self._fault = await self.faults.begin_burst("read", txn)

    def _respond(self, txn) -> None:
        if self._fault is not None:  # every beat of a faulted burst
            txn.rresp = self._fault.resp

    async def _read(self, address: int, length: int) -> bytes:
        if self.offset:
            address = (address - self.offset) & self.addr_mask
        if self.access_watch is not None:
            self.access_watch(address, length, False)
        if self._fault is not None:
            raise InjectedFault(f"read at 0x{address:x}")  # zeros go out, with the error
        return await super()._read(address, length)


class WatchedSlaveWrite(AxiSlaveWrite):
    def __init__(self, bus, clock, reset, target, faults: FaultInjector, offset: int = 0) -> None:
        super().__init__(bus, clock, reset, target)
        self.faults = faults
        self.offset = offset
        self.addr_mask = faults.addr_mask
        self.access_watch: AccessWatch | None = None
        self._fault: Fault | None = None
        self.channels = [self.aw_channel, self.w_channel, self.b_channel]
        self.aw_channel = _HookedSink(self.aw_channel, self._begin_burst)
        self.b_channel = _HookedSource(self.b_channel, self._respond)

    async def _begin_burst(self, txn) -> None:
        self._fault = await self.faults.begin_burst("write", txn)

    def _respond(self, txn) -> None:
        if self._fault is not None:
            txn.bresp = self._fault.resp

    async def _write(self, address: int, data: bytes) -> None:
        if self.offset:
            address = (address - self.offset) & self.addr_mask
        if self.access_watch is not None:
            self.access_watch(address, len(data), True)
        if self._fault is not None:
            raise InjectedFault(f"write at 0x{address:x}")  # memory left as it was
        await super()._write(address, data)


class WatchedAxiSlave:
    """The memory's AXI4 slave: cocotbext-axi's AxiSlave with the halves above; `offset`: the
    port's controller sees memory at CPU address + offset (`faults` translates likewise)."""

    def __init__(self, bus: AxiBus, clock, reset, target, faults: FaultInjector, offset: int = 0) -> None:
        # the same halves, built in the same order, as cocotbext-axi's AxiSlave
        self.write_if = WatchedSlaveWrite(bus.write, clock, reset, target, faults, offset)
        self.read_if = WatchedSlaveRead(bus.read, clock, reset, target, faults, offset)

    def channels(self) -> list:
        """AW, W, B, AR, R: the channels that take pause generators."""
        return [*self.write_if.channels, *self.read_if.channels]

    def watch_accesses(self, watch: AccessWatch | None) -> None:
        self.read_if.access_watch = watch
        self.write_if.access_watch = watch

"""A register-level model of the pydma controller (rtl/pydma_dmac.sv) as a driver sees it:
the global registers, the per-channel registers with dma_regs' refusals (SLVERR), the
interrupt lines, and the bus master port (`pydma.model.bus`) with its memory, peripherals
and bus errors. Channels: `pydma.model.channel`; the descriptor walk: `pydma.model.walker`.

Time is the event loop's clock: each descriptor fetch, write-back and data chunk spends
`Timing` cycles (`asyncio.sleep`), so the driver's tasks run between them and a channel is
observably busy between the doorbell and the completion. It is not cycle-accurate: channels
do not share the bus, and the RTL's prefetch and pipelining are not modelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from pydma.hw import layout
from pydma.model.bus import Bus, Fault
from pydma.model.channel import OFF, Channel, State
from pydma.model.memory import ModelMemory
from pydma.model.peripherals import FifoDevice

_GLOBAL = {r.offset: r.name for r in layout.GLOBAL_REGS}
_LAST_CHAN_OFF = max(r.offset for r in layout.CHAN_REGS)
_READ_ONLY = {r.offset for r in layout.CHAN_REGS if r.access == "RO"}
_LOCKED_WHILE_BUSY = {OFF[n] for n in ("CUR_DESC_LO", "CUR_DESC_HI", "SLAVE_CFG", "DEV_ADDR_LO", "DEV_ADDR_HI")}
_LOCKED_WHILE_HALTED = {OFF["CUR_DESC_LO"], OFF["CUR_DESC_HI"]}


class RegisterError(Exception):
    """The register port answered SLVERR: the access changed nothing."""


@dataclass
class Timing:
    """What the model charges, in clock cycles of `clk_ns` (100 MHz, as the testbench)."""

    clk_ns: float = 10.0
    fetch_cycles: int = 12  # a descriptor fetch: address, latency, one burst
    writeback_cycles: int = 8  # the status write-back and its response
    reg_write_ns: float = 30.0  # a posted AXI-Lite write until it lands
    reg_read_ns: float = 60.0  # an AXI-Lite read round trip


@dataclass
class ControllerModel:
    memory: ModelMemory
    num_ch: int = 4
    data_bytes: int = 8
    addr_width: int = 32
    num_req: int = 8
    max_burst: int = 64  # beats (CONFIG.MAX_BURST_LOG2)
    chunk_bytes: int = 4096  # a memory copy's arbitration granule (CONFIG.CHUNK_LOG2)
    max_xor: int = 8  # OPS_CONFIG: sources of an XOR (0: none), of a PQ, MEMSET, the
    max_pq: int = 8  # accumulator's bytes (multi-source blocks)
    fill: bool = True
    xt: bool = True  # 2D descriptors (CTRL.XT)
    repeat: bool = True  # repeating descriptors (CTRL.REPEAT)
    acc_bytes: int = 4096
    bus_offset: int = 0  # where it sees memory: bus address = memory address + bus_offset
    timing: Timing = field(default_factory=Timing)

    def __post_init__(self) -> None:
        if not (1 <= self.num_ch <= 16 and 1 <= self.num_req <= 16):
            raise ValueError("1 to 16 channels and request lines")
        if self.data_bytes not in (4, 8, 16, 32) or self.addr_width not in (32, 64):
            raise ValueError("data bus of 4 to 32 bytes, 32- or 64-bit addresses")
        self.bus = Bus(self.memory, self.bus_offset)
        self.devices: dict[int, FifoDevice] = {}  # by request line
        self.errors: list[str] = []  # model crashes (bugs), for the test to check
        self._irq_events = [asyncio.Event() for _ in range(self.num_ch)]
        self.channels = [Channel(self, i, partial(self._irq_changed, i)) for i in range(self.num_ch)]

    # -- what the channels use ------------------------------------------------------------------
    def now_ns(self) -> float:
        return asyncio.get_running_loop().time() * 1e9

    async def spend(self, cycles: int) -> None:
        await asyncio.sleep(cycles * self.timing.clk_ns * 1e-9)

    def beats(self, nbytes: int) -> int:
        return -(-nbytes // self.data_bytes)

    def addr_bad(self, addr: int, desc: bool = False) -> bool:
        """Wider than the bus, or (a descriptor) not 64-byte aligned: a DESC error."""
        return bool(addr >> self.addr_width) or (desc and addr % layout.DESC_ALIGN != 0)

    # -- the register port (dma_regs) -------------------------------------------------------------
    def _decode(self, offset: int) -> tuple[Channel | None, int]:
        if offset % 4 == 0 and offset in _GLOBAL:
            return None, offset
        ch, off = divmod(offset - layout.CHAN_BASE, layout.CHAN_STRIDE)
        if offset % 4 or offset < layout.CHAN_BASE or ch >= self.num_ch or off > _LAST_CHAN_OFF:
            raise RegisterError(f"no register at 0x{offset:03x}")
        return self.channels[ch], off

    def read(self, offset: int) -> int:
        ch, off = self._decode(offset)
        if ch is not None:
            return ch.read(off)
        name = _GLOBAL[off]
        if name == "ID":
            return layout.ID_MAGIC
        if name == "VERSION":
            return layout.VERSION
        if name == "CONFIG":
            return self._config()
        if name == "IRQ_STATUS":
            return sum(1 << c.index for c in self.channels if c.irq)
        if name == "OPS_CONFIG":
            return self._ops_config()
        return self.num_req << layout.reg("REQ_CONFIG").field("NUM_REQ").lsb

    def _ops_config(self) -> int:
        f = layout.reg("OPS_CONFIG").field
        acc_log2 = self.acc_bytes.bit_length() - 1 - 8 if self.max_xor or self.max_pq else 0
        return (
            self.max_xor << f("MAX_XOR").lsb
            | self.max_pq << f("MAX_PQ").lsb
            | int(self.fill) << f("FILL").lsb
            | int(self.xt) << f("XT").lsb
            | int(self.repeat) << f("REPEAT").lsb
            | acc_log2 << f("ACC_LOG2").lsb
        )

    def _config(self) -> int:
        f = layout.reg("CONFIG").field
        values = {
            "NUM_CH": self.num_ch,
            "DATA_BYTES": self.data_bytes,
            "ADDR_W": self.addr_width,
            "MAX_BURST_LOG2": self.max_burst.bit_length() - 1,
            "CHUNK_LOG2": self.chunk_bytes.bit_length() - 1 - 8,
        }
        return sum(v << f(n).lsb for n, v in values.items())

    def write(self, offset: int, value: int) -> None:
        ch, off = self._decode(offset)
        if ch is None:
            raise RegisterError(f"global register 0x{offset:03x} is read-only")
        if off in _READ_ONLY:
            raise RegisterError(f"channel register 0x{offset:03x} is read-only")
        if (ch.busy and off in _LOCKED_WHILE_BUSY) or (ch.state is State.HALTED and off in _LOCKED_WHILE_HALTED):
            raise RegisterError(f"register 0x{offset:03x} is locked while channel {ch.index} is {ch.state.value}")
        ch.write(off, value & 0xFFFF_FFFF)

    # -- interrupt lines ----------------------------------------------------------------------------
    def irq(self, line: int) -> bool:
        return self.channels[line].irq

    def _irq_changed(self, line: int) -> None:
        ev = self._irq_events[line]
        if self.channels[line].irq:
            ev.set()
        else:
            ev.clear()

    async def wait_irq(self, line: int) -> None:
        """Until interrupt `line` is asserted (at once if it is)."""
        while not self.irq(line):
            await self._irq_events[line].wait()

    # -- the test's handles: peripherals, faults, access watching ------------------------------------
    def attach_device(self, line: int, device: FifoDevice) -> FifoDevice:
        """Put `device`'s data register on the bus and its requests on `line`."""
        if not 0 <= line < self.num_req or line in self.devices:
            raise ValueError(f"request line {line} does not exist or is taken")
        if self.memory.contains(device.addr) or device.addr in self.bus.devices:
            raise ValueError(f"device address 0x{device.addr:x} is taken")
        self.devices[line] = device
        self.bus.devices[device.addr] = device
        device.attach(partial(self._wake_line, line))
        return device

    def _wake_line(self, line: int) -> None:
        for ch in self.channels:
            if ch.cfg("REQ_LINE") == line:
                ch.wake()

    def inject_fault(self, op: str, lo: int, hi: int, resp: str = "SLVERR", once: bool = False) -> Fault:
        """Answer `resp` to `op` ("read"/"write") bursts touching [lo, hi) (pydma.model.bus.Fault)."""
        if op not in ("read", "write"):
            raise ValueError(f"fault op {op!r}: 'read' or 'write'")
        return self.bus.add_fault(Fault(op, lo, hi, resp, once))

    def watch_accesses(self, watcher: Callable[[int, int, bool], None]) -> None:
        """Call watcher(addr, length, write) for every memory access the controller makes."""
        self.bus.watchers.append(watcher)

    def check(self) -> None:
        """Raise if the model crashed or a peripheral saw a protocol error."""
        problems = self.errors + [e for d in self.devices.values() for e in d.errors]
        if problems:
            raise AssertionError("controller model: " + "; ".join(problems))

"""The cocotb environment around the controller: clock, reset, memory with stall generators
on every AXI channel, the AXI-Lite master, and the pydma driver bound to it.

    tb = DmaTb(dut)               # clock running, models attached
    await tb.start()              # reset, probe the driver (registers the DMA device)
    chan = dma_request_channel(mask)
    ...
    await tb.stop()               # release channels, unregister the device, verdicts

The memory model is the one the simulation was built with (`make ... MEM=python|native`),
behind one interface (`tb.memory_models`): cocotbext-axi's AxiSlave over an AddressSpace on
the controller's master port, or the native model (tb/native, `pydma.sim.native_memory`)
whose data path never enters Python; `tb.memory`, `tb.set_stalls`, `tb.fault_injector()` and
the peripherals work the same on both.

A simulation built with two controllers (`tb.runner --devices 2`, `make sim DEVICES=2`,
tb/dual) has a second device on the same memory: `tb.dma1` (probed as "dma1"; memcpy, XOR,
PQ and memset, where dma0 keeps memcpy, slave and cyclic work), its register port and
interrupts (`tb.backend1`), and its struct device `tb.dev1`, which sees memory at
`tb.dma1_offset` (bus address = CPU address + offset), so a dma_addr_t mapped for one device
is a wrong address on the other; `tb.fault_injector(1)` injects on its port. With one
controller `tb.dma1`, `tb.dev1` and `tb.backend1` are None.

Every test runs with the hang detector (`tb.watchdog`: a test that stops moving while work is
held fails with a diagnosis, tb/watchdog.py), the AXI protocol checkers, the DMA-API debug mode (`pydma.dma_debug`,
fed here with every beat the controller reads or writes) and strict mode (`pydma.strict`);
`PYDMA_DMA_DEBUG=0` / `PYDMA_STRICT=0` turn the last two off. A test that provokes a report
on purpose takes it with `tb.reports.take(kind)`; any report left fails the test at stop().
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import random

import cocotb
from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from pydma import channel_table, dma_debug, dmaengine, jitter, reports, strict
from pydma.dma_mapping import Device
from pydma.drivers.pydma_dmac import PydmaDevice
from pydma.sim.backend import CocotbBackend
from pydma.trace import tracer
from tb import fcov
from tb.faults import FaultInjector, NativeFaultInjector
from tb.guarded import GuardedBuffer
from tb.memory_models import is_dual, memory_model_for
from tb.native import peripherals as native_periph
from tb.peripherals import Pacing, RxDevice, TxDevice
from tb.protocol import ProtocolWatch
from tb.request_lines import RequestLinesDriver, RequestMonitor
from tb.runner import CLK_PS, DMA1_OFFSET
from tb.trace import DRIVER_FILE
from tb.watchdog import Watchdog

CLK_NS = CLK_PS // 1000
MEM_BASE = 0x1000_0000
# With 64-bit addresses memory sits far above 4 GiB, at one of two bases with complementary
# bit patterns above bit 19, taken in turn by the tests of a simulation (DmaTb objects made):
# every address bit above the allocations' offsets is 1 under one base and 0 under the
# other, so each toggles both ways on every address path of the controller, and a bit that a
# path drops, truncates or moves sends the access outside memory (a bus error, the test fails).
MEM_BASES_64 = (0xAAAA_AAAA_AAA0_0000, 0x5555_5555_5550_0000)
MEM_SIZE = 1 << 26
DEV_BASE = 0x4000_0000  # peripheral data registers, one 4 KiB page each (64-bit: above memory)
_tbs_made = itertools.count()


def dma1_offset(addr_w: int) -> int:
    """dma1's DMA offset on a two-controller top (PARAM_DMA1_OFFSET if the runner set it)."""
    env = os.environ.get("PARAM_DMA1_OFFSET")
    return int(env, 0) if env is not None else DMA1_OFFSET[64 if addr_w > 32 else 32]


def param(dut, name: str) -> int:
    """An HDL parameter, as the runner passed it (PARAM_<name>) or read from the design."""
    env = os.environ.get(f"PARAM_{name}")
    if env is not None:
        return int(env, 0)
    return int(getattr(dut, name).value)


class DmaTb:
    def __init__(self, dut, stalls: float = 0.0, seed: int | None = None) -> None:
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb")
        self.seed = cocotb.RANDOM_SEED if seed is None else seed
        self.rng = random.Random(self.seed)
        run_seed = os.environ.get("COCOTB_RANDOM_SEED", "printed by cocotb at start")
        self.log.info("test seed %d, derived from run seed %s (rerun: SEED=<run seed>)", self.seed, run_seed)
        for name in (
            "cocotbext.axi",
            f"cocotb.{dut._name}.m_axi",
            f"cocotb.{dut._name}.x_axi",
            f"cocotb.{dut._name}.s_axil",
            f"cocotb.{dut._name}.m1_axi",
            f"cocotb.{dut._name}.s1_axil",
        ):
            logging.getLogger(name).setLevel(logging.WARNING)

        self.data_w = param(dut, "DATA_W")
        self.addr_w = param(dut, "ADDR_W")
        self.num_ch = param(dut, "NUM_CH")
        self.bus_bytes = self.data_w // 8

        made = next(_tbs_made)
        base = MEM_BASES_64[made % len(MEM_BASES_64)] if self.addr_w > 32 else MEM_BASE
        self.dev_base = base + MEM_SIZE if self.addr_w > 32 else DEV_BASE
        self.dual = is_dual(dut)
        self.dma1_offset = dma1_offset(self.addr_w) if self.dual else 0
        # clock, memory, stalls, faults, access watching and the peripherals' port; made
        # before the AXI-Lite master, and before any coroutine of the model first runs
        self.model = memory_model_for(dut, base, MEM_SIZE, self.addr_w, self.rng, self.dma1_offset)
        self.memory = self.model.memory
        self.core = self.model.core  # the controller instance
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        # monitors that wake on a change watch the controller's own lines (the same signals
        # on both builds; the native top's ports are wired straight to them)
        self.backend = CocotbBackend(self.axil, self.core.irq, self.memory, self.core)
        self.dev = Device("pydma-tb", self.memory)
        self.dma: PydmaDevice | None = None
        # the second controller (two-controller builds): its own register port, interrupts
        # and struct device, which sees memory at its DMA offset
        self.core1 = self.axil1 = self.backend1 = self.dev1 = None
        self.dma1: PydmaDevice | None = None
        if self.dual:
            self.core1 = self.model.cores[1]
            self.axil1 = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s1_axil"), dut.clk, dut.rst)
            self.backend1 = CocotbBackend(self.axil1, self.core1.irq, self.memory, self.core1)
            self.dev1 = Device("pydma-tb1", self.memory, dma_offset=self.dma1_offset)
        self.set_stalls(stalls)
        self.req_driver = RequestLinesDriver(dut, dut.clk)
        # the native peripheral models (tb/native): on the native memory's one-controller top,
        # whose dma_ack/dma_tc ports show only the lines Python serves, so the monitor
        # watches those ports and never wakes for a native line (the C++ watches those)
        self.periph_hub = None
        if self.mem_model == "native" and native_periph.available(dut):
            self.periph_hub = native_periph.NativePeripherals(dut, CLK_NS)
        self.req_monitor = RequestMonitor(
            dut if self.periph_hub is not None else self.core, dut.clk, driver=self.req_driver, native=self.periph_hub
        )
        self.devices: list = []
        self.protocol = ProtocolWatch(self.core)  # AXI rules on both ports: a violation fails the test
        self.protocol1 = ProtocolWatch(self.core1, "dma1 ") if self.dual else None  # and on dma1's
        self.reports = reports.reporter
        self.reports.take()  # what an earlier test of this run left behind is not ours
        self.dma_debug = None
        if os.environ.get("PYDMA_DMA_DEBUG", "1") != "0":
            # the debug mode sees every beat the controller reads and every strobed byte run it
            # writes, judged beat by beat; a model that logs them (merged into runs of beats)
            # hands them over before the debug mode judges them and before the driver's
            # interrupt handler runs
            self.dma_debug = dma_debug.enable(self.memory, bus_bytes=self.bus_bytes)
            if self.dual:  # each port's accesses judged for its own device
                drain = self.model.watch_accesses(self._device_watch(self.dev), 0)
                self.model.watch_accesses(self._device_watch(self.dev1), 1)
                self.backend1.on_irq = drain
            else:
                drain = self.model.watch_accesses(self.dma_debug.device_access)
            self.dma_debug.before_change = drain
            self.backend.on_irq = drain
        else:
            dma_debug.disable()
        strict.enable() if os.environ.get("PYDMA_STRICT", "1") != "0" else strict.disable()
        # a loaded machine's interrupt and tasklet latencies (pydma/jitter.py; on in make test),
        # drawn from the test's seed
        if os.environ.get("PYDMA_JITTER", "0") == "1":
            jitter.enable(random.Random(self.rng.getrandbits(64)))
            self.log.info("jitter: interrupts and tasklets delayed at random, as on a loaded machine")
        else:
            jitter.disable()
        # the hang detector (tb/watchdog.py): runs from start() to stop()
        self.watchdog = Watchdog(self)
        # functional coverage (make coverage: tb/fcov), sampled at the driver's entry points
        self.fcov = None
        if fcov.enabled():
            if fcov.available():
                from tb.fcov import hooks

                self.fcov = hooks
                hooks.install(self)
            else:
                self.log.warning("functional coverage: cocotb-coverage is not installed (Python 3.11+): not sampled")
        # the timeline trace (TRACE=1): the driver's events of every test of the run, dumped
        # at each stop() and when the simulation ends (a failed test never reaches stop())
        self.trace_dir = os.environ.get("PYDMA_TRACE_DIR")
        if self.trace_dir and not tracer.enabled:
            tracer.enable()
            atexit.register(self.dump_trace)

    def _device_watch(self, dev: Device):
        """The debug mode's watch of one controller's port: CPU addresses, as the memory sees
        them behind the port's translation; one outside memory (a wrong device's dma_addr_t)
        is handed over as bus address - offset without the wrap-around, so that the debug mode
        can translate it back to the bus address the controller used."""
        access, contains = self.dma_debug.device_access, self.memory.contains
        offset, span = dev.dma_offset, 1 << self.addr_w

        def watch(addr: int, length: int, write: bool) -> None:
            if offset and not contains(addr):
                addr = (addr + offset) % span - offset
            access(addr, length, write, dev=dev)

        return watch

    def descriptors_at(self, addr: int) -> list[str]:
        """Every device's hardware descriptors whose buffers cover `addr` (the debug mode's)."""
        return [line for d in (self.dma, self.dma1) if d is not None for line in d.descriptors_at(addr)]

    # -- memory model ----------------------------------------------------------------------------
    def set_stalls(self, probability: float) -> None:
        """Random ready/valid pauses on all five AXI channels (0 = none)."""
        self.stalls = probability
        self.model.set_stalls(probability)

    @property
    def mem_model(self) -> str:
        """The memory model this simulation was built with: "python" or "native"."""
        return self.model.name

    def fault_injector(self, device: int = 0) -> FaultInjector | NativeFaultInjector:
        """Bus-error injection in this simulation's memory model (tb/faults.py), on the port
        of controller `device` (1: dma1's, in a two-controller build; CPU addresses)."""
        return self.model.port_faults[device]

    # -- life cycle ----------------------------------------------------------------------------
    async def reset(self) -> None:
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 5)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)

    async def start(self, max_hw_desc: int = 4096, slave_map: list | None = None) -> PydmaDevice:
        # a test that failed before its stop() left its device registered: drop it, so this
        # test's channel requests cannot land on a dead simulation's driver
        for stale in dmaengine.dma_devices():
            dmaengine.dma_async_device_unregister(stale)
        channel_table.reset()  # a failed test's async_tx references
        await self.reset()
        self.dma = await PydmaDevice.probe(self.dev, self.backend, "dma0", max_hw_desc=max_hw_desc, slave_map=slave_map)
        if self.dual:  # registered second: dma_find_channel takes dma0's channels first
            self.dma1 = await PydmaDevice.probe(self.dev1, self.backend1, "dma1", max_hw_desc=max_hw_desc)
        if self.dma_debug is not None:
            self.dma_debug.describe = self.descriptors_at if self.dual else self.dma.descriptors_at
        self.watchdog.start()
        return self.dma

    async def stop(self) -> None:
        self.watchdog.stop()
        if self.fcov:
            self.fcov.stopped(self)
        if self.dma is not None:
            await self.dma.remove()
            self.dma = None
        if self.dma1 is not None:
            await self.dma1.remove()
            self.dma1 = None
        self.protocol.check()
        if self.protocol1 is not None:
            self.protocol1.check()
        if self.dma_debug is not None:
            self.dma_debug.check_leaks()
        self.dump_trace()
        self.reports.check()

    def dump_trace(self) -> None:
        if self.trace_dir and tracer.enabled:
            tracer.dump(os.path.join(self.trace_dir, DRIVER_FILE), cocotb.simtime.get_sim_time("ns"))

    def cycles(self) -> int:
        return int(cocotb.simtime.get_sim_time("ns")) // CLK_NS

    async def idle_cycles(self, n: int) -> None:
        await ClockCycles(self.dut.clk, n)

    # -- peripherals ---------------------------------------------------------------------------
    def periph_model(self, model: str | None = None, width: int = 1, pacing: Pacing | None = None) -> str:
        """Which model a device gets: `model` ("native" or "python") if given, else
        PYDMA_PERIPH if set, else native wherever the simulation has the native models (the
        native memory's one-controller top). The Python models are the only ones on the
        Python memory and the two-controller top, for elements wider than 8 bytes and for a
        Pacing made from a generator of one's own: there an explicit "native" is refused, a
        PYDMA_PERIPH=native falls back to Python."""
        if model not in (None, "native", "python"):
            raise ValueError(f"peripheral model {model!r}: choose native or python")
        env = os.environ.get("PYDMA_PERIPH") or None
        if env not in (None, "native", "python"):
            raise ValueError(f"PYDMA_PERIPH={env!r}: choose native or python")
        choice = model or env or ("native" if self.periph_hub is not None else "python")
        paces = native_periph.paces_natively(pacing)
        if choice == "native" and (self.periph_hub is None or width > native_periph.MAX_WIDTH or not paces):
            if model == "native":
                if self.periph_hub is None:
                    why = "not on this top (--mem native, one controller)"
                elif width > native_periph.MAX_WIDTH:
                    why = f"elements of {width} bytes, wider than {native_periph.MAX_WIDTH}"
                else:
                    why = f"pacing {pacing.name} is a generator of its own"
                raise ValueError(f"no native peripheral model here: {why}")
            choice = "python"
        return choice

    def _add_device(
        self, cls, line: int, width: int, maxburst: int, depth: int, pacing: Pacing | None, native_cls=None, **kw
    ):
        # pipelined=True: the device speaks the pipelined handshake (PydmaRequest.pipelined)
        # model="native" | "python": which model (periph_model); native_cls: the native
        # model of `cls` (default: the transmit or receive FIFO)
        address = self.dev_base + 0x1000 * len(self.devices)
        model = self.periph_model(kw.pop("model", None), width, pacing)
        for old in self.devices:  # a device on the line before this one leaves it
            if old.port.line == line:
                old.stop()
        if model == "native":
            fifo = native_periph.NativeTxDevice if issubclass(cls, TxDevice) else native_periph.NativeRxDevice
            ncls = native_cls or fifo
            dev = ncls(
                self.periph_hub,
                f"{ncls.__name__}{len(self.devices)}@line{line}",
                line,
                self.dut.clk,
                width,
                maxburst,
                depth,
                pacing or Pacing.fixed(1),
                self.bus_bytes,
                address,
                **kw,
            )
            self.devices.append(dev)
            if self.fcov:
                self.fcov.device_added(self, dev)
            return dev
        if self.periph_hub is not None:
            self.periph_hub.release_line(line)
        dev = cls(
            f"{cls.__name__}{len(self.devices)}@line{line}",
            self.req_driver.port(line, kw.get("pipelined", False)),
            self.dut.clk,
            width,
            maxburst,
            depth,
            pacing or Pacing.fixed(1),
            self.bus_bytes,
            **kw,
        )
        self.model.map_peripheral(dev, address)
        self.devices.append(dev)
        if self.fcov:
            self.fcov.device_added(self, dev)
        return dev

    def add_tx_device(self, line: int, width: int, maxburst: int, depth: int = 64, pacing=None, **kw) -> TxDevice:
        """A transmit FIFO on request line `line`; its data register is `dev.data_addr`.
        `model="native"|"python"` picks the model (default: `periph_model`)."""
        return self._add_device(TxDevice, line, width, maxburst, depth, pacing, **kw)

    def add_rx_device(self, line: int, width: int, maxburst: int, depth: int = 64, pacing=None, **kw) -> RxDevice:
        """A receive FIFO on request line `line`, producing element(0), element(1), ...
        `model="native"|"python"` picks the model (default: `periph_model`)."""
        return self._add_device(RxDevice, line, width, maxburst, depth, pacing, **kw)

    def add_python_device(self, cls, line: int, width: int, maxburst: int, depth: int = 64, pacing=None, **kw):
        """A device of your own in Python: `cls` subclasses TxDevice or RxDevice
        (tb/peripherals.py; override `tick`, `want`, `_read` / `_write`), made and mapped
        like theirs, on request line `line` (served by Python even on the native top)."""
        return self._add_device(cls, line, width, maxburst, depth, pacing, model="python", **kw)

    def add_device(self, cls, native_cls, line: int, width: int, maxburst: int, depth: int = 64, pacing=None, **kw):
        """A device with a Python model `cls` (a TxDevice or RxDevice subclass) and a native one
        `native_cls` (a NativeTxDevice or NativeRxDevice subclass, tb/native), made like
        add_tx_device's: `model="native"|"python"` picks one (default: `periph_model`)."""
        return self._add_device(cls, line, width, maxburst, depth, pacing, native_cls=native_cls, **kw)

    def check_peripherals(self) -> None:
        """Every model's element checks and the request-line protocol."""
        for dev in self.devices:
            dev.check()
        assert not self.req_monitor.errors, "\n".join(self.req_monitor.errors[:20])

    # -- buffers with guard bytes --------------------------------------------------------------
    def alloc_guarded(self, size: int, guard: int = 64, fill: bytes | None = None) -> GuardedBuffer:
        return GuardedBuffer(self.memory, size, guard, self.rng, fill)

"""Sampling hooks: where the testbench already knows the values, never per cycle or beat.

- the provider's prep entry points (`PydmaDevice.device_prep_*`): one transfer sample per
  transaction the driver accepted (its arguments; DATA_W from the device, the stall setting
  from the running DmaTb), and one slave sample per slave or cyclic prep (the channel's slave
  config and handshake, the pacing of the peripheral behind its device address);
- the driver's halt handler (`irq.halted_locked`): one fault sample per halt, the phase from
  its ERR_CODE, the kind from the fault injector's log (the response of the burst that
  faulted) or "malformed" for a descriptor error;
- `device_terminate_all` and `device_pause`: where the channel's work stands, from the
  driver's lists, DONE_CNT / XFERRED (a zero-time read) and the descriptors' status words;
- the request-line monitor's handshakes, attributed to the peripheral on their line when a
  new one replaces it and at DmaTb.stop();
- `device_prep_interleaved_dma`: one 2D sample per accepted template (its direction and flags,
  and its hardware descriptors' CTRL.XT); the repeat events where the driver meets them: the
  IRQ handler's frame count (`irq._frames_locked`), the hand-over (`issue.start_locked`:
  a LOAD_EOT transaction appended behind a repeating one, or one without it left waiting),
  a terminate while a repeating transaction is on the hardware.

`install(tb)` wraps these once per process (only under PYDMA_COVERAGE=1, from DmaTb);
`export()` writes the database next to the run's coverage.dat (the simulation's working
directory) at each stop() and at exit.
"""

from __future__ import annotations

import atexit
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tb.fcov import enabled, model

if TYPE_CHECKING:
    from pydma.drivers.pydma_dmac.chan import PydmaChan
    from tb.dma_tb import DmaTb
    from tb.peripherals import RxDevice, TxDevice

__all__ = ["enabled", "export", "install", "stopped", "uninstall"]

EXPORT_NAME = "fcov.yml"
_state: dict[str, Any] = {"tb": None, "installed": False, "req_seen": 0, "line_dev": {}, "orig": []}


def export(path: Path | None = None) -> Path:
    """Write the database (cocotb-coverage's YAML) into the run directory."""
    path = path or Path.cwd() / EXPORT_NAME
    model.coverage_db.export_to_yaml(str(path))
    return path


# -- the values ----------------------------------------------------------------------------------
def _tb():
    return _state["tb"]


def _stall() -> str:
    tb = _tb()
    return "stall" if tb is not None and tb.stalls > 0 else "nostall"


def _max_burst() -> int:
    return int(os.environ.get("PARAM_MAX_BURST", "64"), 0)


def _sg(sgl, nents: int) -> list[tuple[int, int]]:
    return [(sg.dma_address, sg.dma_length) for sg in list(sgl)[:nents] if sg.dma_length > 0]


def _first(ents: list[tuple[int, int]]) -> int | None:
    return ents[0][0] if ents else None


def xfer_of(op: str, bus_bytes: int, args: tuple) -> tuple[str, int | None, int | None, int, list]:
    """(op, first source, first destination, length, memory ranges) of a prep's arguments."""
    if op == "memcpy":
        dest, src, length = args[:3]
        return op, src, dest, length, [(src, length), (dest, length)]
    if op == "memcpy_sg":
        dst_sg, dst_nents, src_sg, src_nents = args[:4]
        d, s = _sg(dst_sg, dst_nents), _sg(src_sg, src_nents)
        return op, _first(s), _first(d), sum(n for _, n in s), d + s
    if op == "xor":
        dest, src, src_cnt, length = args[:4]
        srcs = list(src)[:src_cnt]
        return op, srcs[0], dest, length, [(a, length) for a in [dest, *srcs]]
    if op == "xor_val":
        src, src_cnt, length = args[:3]
        srcs = list(src)[:src_cnt]
        return op, srcs[0], None, length, [(a, length) for a in srcs]
    if op in ("pq", "pq_val"):
        from pydma.enums import DmaCtrlFlags

        dst, src, src_cnt, _scf, length = args[:5]
        flags = args[-1]
        srcs = list(src)[:src_cnt]
        dsts = [
            d
            for i, d in enumerate(dst[:2])
            if not (flags & (DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P, DmaCtrlFlags.DMA_PREP_PQ_DISABLE_Q)[i])
        ]
        if op == "pq_val":  # P and Q are read and checked: sources, nothing written
            return op, srcs[0], None, length, [(a, length) for a in [*dsts, *srcs]]
        return op, srcs[0], dsts[0] if dsts else None, length, [(a, length) for a in [*dsts, *srcs]]
    if op == "memset":
        dest, _value, length = args[:3]
        return op, None, dest, length, [(dest, length)]
    if op == "memset_sg":
        sg, nents = args[:2]
        d = _sg(sg, nents)
        return op, None, _first(d), sum(n for _, n in d), d
    if op == "interrupt":
        return op, None, None, 0, []
    raise ValueError(op)


def _sample_prep(op: str, device, args: tuple) -> None:
    bus = device.data_bytes
    op, src, dst, length, ranges = xfer_of(op, bus, args)
    model.sample_xfer(
        model.Xfer(
            op,
            bus * 8,
            _stall(),
            model.align_class(src, bus),
            model.align_class(dst, bus),
            model.length_class(length, ranges, bus, _max_burst()),
        )
    )


def _pacing_at(dev_addr: int) -> tuple[str, bool | None]:
    tb = _tb()
    for dev in reversed(getattr(tb, "devices", []) if tb is not None else []):
        if dev.data_addr == dev_addr:
            return model.pacing_class(dev.pacing.name), dev.pipelined
    return "", None


def _sample_slave(op: str, chan, args: tuple, cyclic: bool) -> None:
    from pydma.enums import DmaTransferDirection as D

    device = chan.device
    bus = device.data_bytes
    cfg = chan.config
    if cyclic:
        buf_addr, buf_len, _period, direction = args[:4]
        ents = [(buf_addr, buf_len)]
    else:
        sgl, sg_len, direction = args[:3]
        ents = _sg(sgl, sg_len)
    to_dev = D(direction) == D.DMA_MEM_TO_DEV
    mem = _first(ents)
    name = ("cyclic_" if cyclic else "slave_") + ("tx" if to_dev else "rx")
    length = sum(n for _, n in ents)
    model.sample_xfer(
        model.Xfer(
            name,
            bus * 8,
            _stall(),
            model.align_class(mem if to_dev else None, bus),
            model.align_class(None if to_dev else mem, bus),
            model.length_class(length, ents, bus, _max_burst()),
        )
    )
    if cfg is None:
        return
    width = cfg.dst_addr_width if to_dev else cfg.src_addr_width
    maxburst = cfg.dst_maxburst if to_dev else cfg.src_maxburst
    dev_addr = cfg.dst_addr if to_dev else cfg.src_addr
    pacing, _ = _pacing_at(dev_addr)
    if not pacing:
        return  # no peripheral model behind it (a refused or a raw set-up): nothing paces it
    model.sample_slave(
        model.SlaveXfer(
            "to_dev" if to_dev else "from_dev",
            int(width),
            model.maxburst_class(int(maxburst)),
            "pipelined" if chan.req_pipe else "four_phase",
            pacing,
        )
    )


PREPS = {
    "device_prep_dma_memcpy": "memcpy",
    "device_prep_dma_memcpy_sg": "memcpy_sg",
    "device_prep_dma_xor": "xor",
    "device_prep_dma_xor_val": "xor_val",
    "device_prep_dma_pq": "pq",
    "device_prep_dma_pq_val": "pq_val",
    "device_prep_dma_memset": "memset",
    "device_prep_dma_memset_sg": "memset_sg",
    "device_prep_dma_interrupt": "interrupt",
}


def _wrap_prep(cls, meth: str, op: str) -> None:
    orig = getattr(cls, meth)

    @functools.wraps(orig)
    def prep(self, chan, *args):
        desc = orig(self, chan, *args)
        if desc is not None:  # only what the driver accepted ran on the hardware
            try:
                _sample_prep(op, self, args)
            except Exception as exc:  # coverage never fails a test
                _warn(f"{op}: {exc!r}")
        return desc

    _replace(cls, meth, prep)


def _wrap_slave(cls, meth: str, cyclic: bool) -> None:
    orig = getattr(cls, meth)

    @functools.wraps(orig)
    def prep(self, chan, *args):
        desc = orig(self, chan, *args)
        if desc is not None:
            try:
                _sample_slave(meth, chan, args, cyclic)
            except Exception as exc:
                _warn(f"{meth}: {exc!r}")
        return desc

    _replace(cls, meth, prep)


# -- interleaved templates and repeated frames ------------------------------------------------------
def _sample_xt(chan, desc, xt, flags) -> None:
    from pydma.drivers.pydma_dmac.hw_desc import OFF
    from pydma.enums import DmaCtrlFlags, DmaTransferDirection
    from pydma.hw import layout

    direction = {
        DmaTransferDirection.DMA_MEM_TO_MEM: "mem_to_mem",
        DmaTransferDirection.DMA_MEM_TO_DEV: "to_dev",
        DmaTransferDirection.DMA_DEV_TO_MEM: "from_dev",
    }[DmaTransferDirection(xt.dir)]
    if len(desc.hw) > 1:
        shape = "several"
    else:
        ctrl = int.from_bytes(desc.hw[0].view.read(OFF["CTRL"], 4), "little")
        shape = "one_2d" if ctrl & int(layout.DescCtrl.XT) else "one_flat"
    repeat = "repeat" if flags & DmaCtrlFlags.DMA_PREP_REPEAT else "plain"
    if repeat == "repeat" and flags & DmaCtrlFlags.DMA_PREP_LOAD_EOT:
        repeat = "repeat_load_eot"
    model.sample_xt(model.XtPrep(direction, shape, repeat))


def _wrap_xt(cls) -> None:
    orig = cls.device_prep_interleaved_dma

    @functools.wraps(orig)
    def prep(self, chan, xt, flags):
        desc = orig(self, chan, xt, flags)
        if desc is not None:
            try:
                _sample_xt(chan, desc, xt, flags)
            except Exception as exc:
                _warn(f"interleaved: {exc!r}")
        return desc

    _replace(cls, "device_prep_interleaved_dma", prep)


def _wrap_repeat_events() -> None:
    from pydma.drivers.pydma_dmac import device, irq

    frames_orig = irq._frames_locked

    @functools.wraps(frames_orig)
    def frames_locked(chan, frame_cnt):
        head = chan.hw_queue[0][0] if chan.hw_queue else None
        before = head.frames if head is not None else 0
        frames_orig(chan, frame_cnt)
        if head is not None and head.frames > before:
            model.sample_repeat("frame")

    _replace(irq, "_frames_locked", frames_locked)
    start_orig = irq.start_locked

    @functools.wraps(start_orig)
    def start_locked(chan):
        repeating, appends = chan.hw_repeat, chan.stats["appends"]
        waiting = {d.cookie for d in chan.desc_issued if getattr(d, "waits_logged", False)}
        start_orig(chan)
        if repeating is None:
            return
        if chan.stats["appends"] > appends:
            model.sample_repeat("load_eot_handover")
        if any(getattr(d, "waits_logged", False) and d.cookie not in waiting for d in chan.desc_issued):
            model.sample_repeat("waits_behind")

    for module in (irq, device):
        _replace(module, "start_locked", start_locked)


def _wrap_terminate_repeat(cls) -> None:
    orig = cls.device_terminate_all

    @functools.wraps(orig)
    def terminate(self, chan, *args):
        if chan.hw_repeat is not None or (chan.hw_queue and chan.hw_queue[0][0].repeat):
            model.sample_repeat("terminated")
        return orig(self, chan, *args)

    _replace(cls, "device_terminate_all", terminate)


# -- terminate and pause points ---------------------------------------------------------------------
def life_point(chan: PydmaChan) -> str:
    """Where the channel's work stands: idle (nothing submitted or issued), submitted (not
    issued), before_data (on the hardware, nothing moved: fetching), mid_data, hw_done (the
    hardware finished what it has; the interrupt not yet handled), paused, aborting (halting
    on an error, or an earlier abort not finished), cyclic."""
    from pydma.drivers.pydma_dmac.chan import ChanState

    if chan.paused:
        return "paused"
    if chan.state in (ChanState.HALTING, ChanState.ABORTING):
        return "aborting"
    if chan.state is ChanState.CYCLIC:
        return "cyclic"
    on_hw = [d for d in chan.desc_issued if getattr(d, "on_hw", False)]
    if not on_hw:
        return "submitted" if chan.desc_submitted or chan.desc_issued else "idle"
    if all(d.hw and d.hw[-1].status()[0] for d in on_hw):
        return "hw_done"
    progress = chan.regs.peek_progress()
    head = on_hw[0]
    if progress is not None:
        done, xferred = progress
        started = ((done - head.hw_base) & 0xFFFF_FFFF) > 0 or xferred > 0
    else:
        started = any(h.status()[0] for h in head.hw)
    return "mid_data" if started else "before_data"


def _wrap_point(cls, meth: str, sample) -> None:
    orig = getattr(cls, meth)

    @functools.wraps(orig)
    def call(self, chan, *args):
        try:
            sample(life_point(chan))
        except Exception as exc:
            _warn(f"{meth}: {exc!r}")
        return orig(self, chan, *args)

    _replace(cls, meth, call)


# -- faults ------------------------------------------------------------------------------------------
def _fault_kind(chan, phase: str) -> str | None:
    if phase == "desc":
        return "malformed"
    tb = _tb()
    if tb is None:
        return None
    device = 1 if tb.dma1 is not None and chan.device is tb.dma1 else 0
    try:
        log = tb.fault_injector(device).log
    except (AttributeError, IndexError, KeyError):
        return None
    direction = "read" if phase in ("fetch", "read") else "write"
    for d, _lo, _hi, resp in reversed(log):
        if d == direction:
            return resp
    return None  # an error that no injected fault made (a raw descriptor's bad address)


def _wrap_halt() -> None:
    from pydma.drivers.pydma_dmac import irq

    orig = irq.halted_locked

    @functools.wraps(orig)
    def halted_locked(chan, code):
        try:
            phase = code.name.lower()
            kind = _fault_kind(chan, phase)
            if kind is not None:
                model.sample_fault(model.FaultHit(phase, kind, chan.index))
        except Exception as exc:
            _warn(f"halt: {exc!r}")
        return orig(chan, code)

    _replace(irq, "halted_locked", halted_locked)


# -- request lines -------------------------------------------------------------------------------------
def device_added(tb: DmaTb, dev: TxDevice | RxDevice) -> None:
    """A peripheral joins a request line: the handshakes so far belong to the ones before it."""
    take_requests(tb)
    _state["line_dev"][dev.port.line] = dev


def take_requests(tb: DmaTb) -> None:
    """Sample the request-line handshakes since the last call, each for its line's device."""
    from tb.peripherals import TxDevice

    hs = tb.req_monitor.handshakes
    for h in hs[_state["req_seen"] :]:
        dev = _state["line_dev"].get(h.line)
        if dev is None:
            continue
        model.sample_request(
            model.Request(
                "to_dev" if isinstance(dev, TxDevice) else "from_dev",
                "pipelined" if dev.pipelined else "four_phase",
                h.kind,
                "lreq" if h.last else "no_lreq",
            )
        )
    _state["req_seen"] = len(hs)


# -- installation ------------------------------------------------------------------------------------
def _replace(owner: object, name: str, fn: object) -> None:
    _state["orig"].append((owner, name, getattr(owner, name)))
    setattr(owner, name, fn)


def uninstall() -> None:
    """Put the driver's entry points back (unit tests; a simulation keeps them to the end)."""
    for owner, name, fn in reversed(_state["orig"]):
        setattr(owner, name, fn)
    atexit.unregister(export)
    _state.update(orig=[], installed=False, tb=None)


def _warn(text: str) -> None:
    import logging

    logging.getLogger("cocotb.tb.fcov").warning("functional coverage sample skipped: %s", text)


def install(tb: DmaTb, at_exit: bool = True) -> None:
    """Sample this DmaTb's run (once per process the driver's entry points are wrapped);
    `at_exit`: export the database when the process ends, too."""
    _state["tb"] = tb
    _state["req_seen"] = 0
    _state["line_dev"] = {}
    if _state["installed"]:
        return
    from pydma.drivers.pydma_dmac.device import PydmaDevice

    for meth, op in PREPS.items():
        _wrap_prep(PydmaDevice, meth, op)
    _wrap_slave(PydmaDevice, "device_prep_slave_sg", cyclic=False)
    _wrap_slave(PydmaDevice, "device_prep_dma_cyclic", cyclic=True)
    _wrap_point(PydmaDevice, "device_terminate_all", model.sample_terminate)
    _wrap_xt(PydmaDevice)
    _wrap_repeat_events()
    _wrap_terminate_repeat(PydmaDevice)
    _wrap_point(PydmaDevice, "device_pause", model.sample_pause)
    _wrap_halt()
    if at_exit:
        atexit.register(export)
    _state["installed"] = True


def stopped(tb: DmaTb) -> None:
    """DmaTb.stop(): the last handshakes sampled, the database written."""
    if _state["tb"] is tb:
        take_requests(tb)
    export()

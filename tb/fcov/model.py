"""The functional coverage model (cocotb-coverage's CoverPoint / CoverCross, pure Python).

Seven groups, each with its points and the crosses the issue asks for:

- `pydma.xfer`: every transaction the driver accepted: operation, DATA_W, stall setting,
  source and destination alignment class (relative to the bus width), length class;
  crosses op x width x stall, op x src x dst x length (the operation's data path), and the
  memcpy data path over every width and stall setting (width x src x dst x length x stall).
- `pydma.fault`: every channel halt the driver handled: phase (the ERR_CODE) x error kind
  (the bus response the fault injector gave, or "malformed") x channel.
- `pydma.slave`: every slave or cyclic prep: direction x peripheral width x maxburst class x
  handshake x pacing profile of the peripheral on that request line.
- `pydma.request`: every request-line handshake, per peripheral: direction x handshake x
  request kind x LREQ.
- `pydma.terminate`, `pydma.pause`: where in a transaction's life the client terminated or
  paused the channel.
- `pydma.xt`: every interleaved (2D) prep: direction x what the template became (one 2D
  descriptor, one plain one, several), and its repeat flags.
- `pydma.repeat`: what happened to repeated frames: a frame ran again, a LOAD_EOT
  transaction took over, one without it waited, the repeating one was terminated.

Bins that the hardware or driver make impossible are excluded from the crosses here
(`EXCLUSIONS`, each with its reason, listed by the report); bins possible but not reached
carry their reason in tb/fcov/waivers.txt. The sample functions take plain values: the
hooks (tb/fcov/hooks.py) compute them where the testbench already knows them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cocotb_coverage.coverage import CoverCross, CoverItem, CoverPoint, coverage_db

from tb.fcov.classes import ALIGNS, LENGTHS, MEM_ALIGNS, NO_DEST, NO_SOURCE, OPS

# -- bins ------------------------------------------------------------------------------------
WIDTHS = (32, 64, 128)
STALLS = ("nostall", "stall")

PHASES = ("fetch", "read", "write", "writeback", "desc")  # layout.ErrCode, lower case
KINDS = ("SLVERR", "DECERR", "malformed")
CHANNELS = (0, 1, 2, 3)

DIRECTIONS = ("to_dev", "from_dev")
PERIPH_WIDTHS = (1, 2, 4, 8)  # the slave widths the driver offers (widths_mask: no 16-byte elements)
MAXBURSTS = ("1", "2-8", "9-16", "17+")
HANDSHAKES = ("four_phase", "pipelined")
PACINGS = ("fixed_1", "fixed_slow", "random", "manual")
REQ_KINDS = ("burst", "single")
LASTS = ("lreq", "no_lreq")

TERMINATE_POINTS = ("idle", "submitted", "before_data", "mid_data", "hw_done", "paused", "aborting", "cyclic")
PAUSE_POINTS = ("idle", "submitted", "before_data", "mid_data", "hw_done", "paused", "cyclic")

XT_DIRS = ("mem_to_mem", "to_dev", "from_dev")
XT_SHAPES = ("one_2d", "one_flat", "several")  # the descriptors a template became
XT_FLAGS = ("plain", "repeat", "repeat_load_eot")
REPEAT_EVENTS = ("frame", "load_eot_handover", "waits_behind", "terminated")

CHUNK_BYTES = 4096  # the controller's arbitration granule (CHUNK_BYTES default)
PAGE = 4096


# -- classification (pure) --------------------------------------------------------------------
def align_class(addr: int | None, bus_bytes: int) -> str:
    """`addr`'s byte offset in its bus word: aligned, low (below half the word), high."""
    if addr is None:
        return "none"
    off = addr % bus_bytes
    if off == 0:
        return "aligned"
    return "low" if off < bus_bytes // 2 else "high"


def crosses_page(addr: int, length: int) -> bool:
    return length > 0 and addr // PAGE != (addr + length - 1) // PAGE


def length_class(length: int, ranges: Iterable[tuple[int, int]], bus_bytes: int, max_burst: int = 64) -> str:
    """sub_beat (< one beat), sub_burst (< one burst of `max_burst` beats), multi_burst (up to a
    4 KiB chunk, no page crossed), cross_4k (a memory range crosses a 4 KiB page, up to one
    chunk), multi_chunk (more than one 4 KiB chunk: several arbitration granules)."""
    if length <= 0:
        return "none"
    if length > CHUNK_BYTES:
        return "multi_chunk"
    if any(crosses_page(a, n) for a, n in ranges):
        return "cross_4k"
    if length < bus_bytes:
        return "sub_beat"
    if length < bus_bytes * max_burst:
        return "sub_burst"
    return "multi_burst"


def maxburst_class(maxburst: int) -> str:
    if maxburst <= 1:
        return "1"
    if maxburst <= 8:
        return "2-8"
    return "9-16" if maxburst <= 16 else "17+"


def pacing_class(name: str) -> str:
    """tb.peripherals.Pacing's name: fixed(1), fixed(n), random, manual."""
    if name == "fixed(1)":
        return "fixed_1"
    if name.startswith("fixed"):
        return "fixed_slow"
    return name if name in PACINGS else "random"


# -- exclusions: impossible bins, with the reason the report lists ------------------------------
@dataclass(frozen=True)
class Exclusion:
    cross: str
    patterns: tuple[tuple, ...]  # ign_bins entries (None: any value)
    reason: str


def _pat(n: int, **at: object) -> tuple:
    """An ign_bins tuple of `n` positions, None except the given ones (position=value)."""
    out: list[object] = [None] * n
    for k, v in at.items():
        out[int(k[1:])] = v
    return tuple(out)


def _exclusions() -> list[Exclusion]:
    x = []
    oal = "pydma.xfer.op_src_dst_len"
    x.append(
        Exclusion(
            oal,
            tuple(_pat(4, p0=op, p1=a) for op in NO_SOURCE for a in MEM_ALIGNS)
            + tuple(_pat(4, p0=op, p1="none") for op in OPS if op not in NO_SOURCE),
            "the source class is `none` exactly for the operations without a memory source "
            "(memset, memset_sg, interrupt, slave_rx, cyclic_rx)",
        )
    )
    x.append(
        Exclusion(
            oal,
            tuple(_pat(4, p0=op, p2=a) for op in NO_DEST for a in MEM_ALIGNS)
            + tuple(_pat(4, p0=op, p2="none") for op in OPS if op not in NO_DEST),
            "the destination class is `none` exactly for the operations without a memory "
            "destination (xor_val, pq_val, interrupt, slave_tx, cyclic_tx)",
        )
    )
    x.append(
        Exclusion(
            oal,
            tuple(_pat(4, p0="interrupt", p3=n) for n in LENGTHS[:-1])
            + tuple(_pat(4, p0=op, p3="none") for op in OPS if op != "interrupt"),
            "only an interrupt descriptor moves nothing (length `none`); every other prep refuses a zero length",
        )
    )
    x.append(
        Exclusion(
            "pydma.fault.phase_kind_chan",
            tuple(_pat(3, p0="desc", p1=k) for k in ("SLVERR", "DECERR"))
            + tuple(_pat(3, p0=p, p1="malformed") for p in PHASES if p != "desc"),
            "a descriptor error (ERR_CODE DESC) is a malformed descriptor, never a bus "
            "response; a bus error is SLVERR or DECERR",
        )
    )
    x.append(
        Exclusion(
            "pydma.slave.dir_width_burst_hs_pacing",
            tuple(_pat(5, p4="manual") for _ in (0,)),
            "manual pacing is the test raising requests by hand (test_manual_pacing), not a "
            "device profile: counted in the pacing point only",
        )
    )
    x.append(
        Exclusion(
            "pydma.request.dir_hs_kind_last",
            (_pat(4, p0="to_dev", p3="lreq"),),
            "LREQ ends a packet a receiver produces; a transmit FIFO never raises it",
        )
    )
    return x


EXCLUSIONS = _exclusions()


def _ign(cross: str) -> list[tuple]:
    return [p for e in EXCLUSIONS if e.cross == cross for p in e.patterns]


# -- samples -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Xfer:
    op: str
    data_w: int
    stall: str
    src: str
    dst: str
    length: str


@dataclass(frozen=True)
class FaultHit:
    phase: str
    kind: str
    chan: int


@dataclass(frozen=True)
class SlaveXfer:
    direction: str
    width: int
    maxburst: str
    handshake: str
    pacing: str


@dataclass(frozen=True)
class Request:
    direction: str
    handshake: str
    kind: str
    last: str


X = "pydma.xfer."
F = "pydma.fault."
S = "pydma.slave."
R = "pydma.request."


@CoverPoint(X + "op", xf=lambda s: s.op, bins=list(OPS))
@CoverPoint(X + "data_w", xf=lambda s: s.data_w, bins=list(WIDTHS))
@CoverPoint(X + "stall", xf=lambda s: s.stall, bins=list(STALLS))
@CoverPoint(X + "src", xf=lambda s: s.src, bins=list(ALIGNS))
@CoverPoint(X + "dst", xf=lambda s: s.dst, bins=list(ALIGNS))
@CoverPoint(X + "length", xf=lambda s: s.length, bins=list(LENGTHS))
@CoverCross(X + "op_width_stall", items=[X + "op", X + "data_w", X + "stall"])
@CoverCross(
    X + "op_src_dst_len", items=[X + "op", X + "src", X + "dst", X + "length"], ign_bins=_ign(X + "op_src_dst_len")
)
def _sample_xfer(s: Xfer) -> None:
    pass


# the memcpy data path at every width and stall setting: its own cross, sampled for memcpy only
@CoverPoint(X + "memcpy.data_w", xf=lambda s: s.data_w, bins=list(WIDTHS))
@CoverPoint(X + "memcpy.src", xf=lambda s: s.src, bins=list(MEM_ALIGNS))
@CoverPoint(X + "memcpy.dst", xf=lambda s: s.dst, bins=list(MEM_ALIGNS))
@CoverPoint(X + "memcpy.length", xf=lambda s: s.length, bins=list(LENGTHS[:-1]))
@CoverPoint(X + "memcpy.stall", xf=lambda s: s.stall, bins=list(STALLS))
@CoverCross(
    X + "memcpy_path",
    items=[X + "memcpy.data_w", X + "memcpy.src", X + "memcpy.dst", X + "memcpy.length", X + "memcpy.stall"],
)
def _sample_memcpy(s: Xfer) -> None:
    pass


def sample_xfer(s: Xfer) -> None:
    _sample_xfer(s)
    if s.op == "memcpy":
        _sample_memcpy(s)


@CoverPoint(F + "phase", xf=lambda s: s.phase, bins=list(PHASES))
@CoverPoint(F + "kind", xf=lambda s: s.kind, bins=list(KINDS))
@CoverPoint(F + "chan", xf=lambda s: s.chan, bins=list(CHANNELS))
@CoverCross(F + "phase_kind_chan", items=[F + "phase", F + "kind", F + "chan"], ign_bins=_ign(F + "phase_kind_chan"))
def sample_fault(s: FaultHit) -> None:
    pass


@CoverPoint(S + "direction", xf=lambda s: s.direction, bins=list(DIRECTIONS))
@CoverPoint(S + "width", xf=lambda s: s.width, bins=list(PERIPH_WIDTHS))
@CoverPoint(S + "maxburst", xf=lambda s: s.maxburst, bins=list(MAXBURSTS))
@CoverPoint(S + "handshake", xf=lambda s: s.handshake, bins=list(HANDSHAKES))
@CoverPoint(S + "pacing", xf=lambda s: s.pacing, bins=list(PACINGS))
@CoverCross(
    S + "dir_width_burst_hs_pacing",
    items=[S + "direction", S + "width", S + "maxburst", S + "handshake", S + "pacing"],
    ign_bins=_ign(S + "dir_width_burst_hs_pacing"),
)
def sample_slave(s: SlaveXfer) -> None:
    pass


@CoverPoint(R + "direction", xf=lambda s: s.direction, bins=list(DIRECTIONS))
@CoverPoint(R + "handshake", xf=lambda s: s.handshake, bins=list(HANDSHAKES))
@CoverPoint(R + "kind", xf=lambda s: s.kind, bins=list(REQ_KINDS))
@CoverPoint(R + "last", xf=lambda s: s.last, bins=list(LASTS))
@CoverCross(
    R + "dir_hs_kind_last",
    items=[R + "direction", R + "handshake", R + "kind", R + "last"],
    ign_bins=_ign(R + "dir_hs_kind_last"),
)
def sample_request(s: Request) -> None:
    pass


@dataclass(frozen=True)
class XtPrep:
    direction: str
    shape: str
    flags: str


XT = "pydma.xt."


@CoverPoint(XT + "direction", xf=lambda s: s.direction, bins=list(XT_DIRS))
@CoverPoint(XT + "shape", xf=lambda s: s.shape, bins=list(XT_SHAPES))
@CoverPoint(XT + "flags", xf=lambda s: s.flags, bins=list(XT_FLAGS))
@CoverCross(XT + "dir_shape", items=[XT + "direction", XT + "shape"])
def sample_xt(s: XtPrep) -> None:
    pass


@CoverPoint("pydma.repeat.event", bins=list(REPEAT_EVENTS))
def sample_repeat(event: str) -> None:
    pass


@CoverPoint("pydma.terminate.point", bins=list(TERMINATE_POINTS))
def sample_terminate(point: str) -> None:
    pass


@CoverPoint("pydma.pause.point", bins=list(PAUSE_POINTS))
def sample_pause(point: str) -> None:
    pass


# -- the database --------------------------------------------------------------------------------
ROOT = "pydma"


def items() -> dict[str, CoverItem]:
    """Every coverpoint and cross of the model, by name."""
    return {k: v for k, v in coverage_db.items() if k.startswith(ROOT + ".") and isinstance(v, CoverPoint | CoverCross)}


def reset() -> None:
    """Zero every bin (unit tests; a process samples from import on)."""
    for item in coverage_db.values():
        if isinstance(item, CoverPoint | CoverCross):
            for b in item._hits:
                item._hits[b] = 0
        elif isinstance(item, CoverItem):
            item._coverage = 0


def excluded_count(cross: str) -> int:
    """How many bins of the full product `cross`'s exclusions removed."""
    item = coverage_db[cross]
    sizes = [len(coverage_db[name].detailed_coverage) for name in item._items]
    full = 1
    for n in sizes:
        full *= n
    return full - len(item.detailed_coverage)


def bins_of(name: str) -> Sequence:
    return list(coverage_db[name].detailed_coverage)


def full_product(name: str) -> Iterable[tuple]:
    item = coverage_db[name]
    return itertools.product(*(list(coverage_db[n].detailed_coverage) for n in item._items))

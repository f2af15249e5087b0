"""The hardware/software contract of the pydma controller, defined once.

Everything the RTL and the driver must agree on lives here: register offsets and fields,
the in-memory descriptor layout, flag bits and error codes. `pydma/hw/generate.py` (`make gen`) turns this
file into `rtl/pydma_layout_pkg.sv` and `docs/register-map.md`; `tests/test_layout.py` fails
when the generated files are stale, so the two sides cannot drift apart.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

ID_MAGIC = 0x50444D41  # "PDMA"
VERSION = 0x0003_0001  # major.minor in 16-bit halves

# --- register map ------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    lsb: int
    width: int
    access: str  # RO, RW, W1C, WO (self-clearing)
    doc: str

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    access: str
    doc: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


GLOBAL_REGS: tuple[Register, ...] = (
    Register("ID", 0x000, "RO", "Identification magic 0x50444D41 ('PDMA')."),
    Register("VERSION", 0x004, "RO", "Register-map version, major in [31:16], minor in [15:0]."),
    Register(
        "CONFIG",
        0x008,
        "RO",
        "Synthesis parameters of this instance.",
        (
            Field("NUM_CH", 0, 8, "RO", "Number of channels."),
            Field("DATA_BYTES", 8, 8, "RO", "AXI data bus width in bytes."),
            Field("ADDR_W", 16, 8, "RO", "AXI address width in bits."),
            Field("MAX_BURST_LOG2", 24, 4, "RO", "log2 of the longest AXI burst, in beats."),
            Field("CHUNK_LOG2", 28, 4, "RO", "log2(chunk bytes) - 8: arbitration granule."),
        ),
    ),
    Register("IRQ_STATUS", 0x00C, "RO", "Bit n mirrors the interrupt line of channel n."),
    Register(
        "REQ_CONFIG",
        0x010,
        "RO",
        "Peripheral request interface of this instance.",
        (Field("NUM_REQ", 0, 8, "RO", "Number of peripheral request lines."),),
    ),
    Register(
        "OPS_CONFIG",
        0x014,
        "RO",
        "Descriptor operations of this instance beyond copies (see descriptor operations).",
        (
            Field("MAX_XOR", 0, 8, "RO", "Most sources of an XOR or XOR_VAL descriptor; 0: no XOR."),
            Field("MAX_PQ", 8, 8, "RO", "Most sources of a PQ or PQ_VAL descriptor; 0: no PQ."),
            Field("FILL", 16, 1, "RO", "MEMSET descriptors are supported."),
            Field("XT", 17, 1, "RO", "2D (interleaved) descriptors, CTRL.XT, are supported."),
            Field("REPEAT", 18, 1, "RO", "Repeating descriptors, CTRL.REPEAT, are supported."),
            Field(
                "ACC_LOG2",
                20,
                4,
                "RO",
                "log2(accumulator bytes) - 8: multi-source operations run in blocks of this "
                "many destination bytes (0 when there is no XOR or PQ).",
            ),
        ),
    ),
)

CHAN_BASE = 0x100
CHAN_STRIDE = 0x40

CHAN_REGS: tuple[Register, ...] = (
    Register(
        "CTRL",
        0x00,
        "RW",
        "Channel control.",
        (
            Field(
                "RUN",
                0,
                1,
                "RW",
                "Channel enabled. A doorbell rung while 0 is held and starts the channel when RUN is "
                "set (RESET drops it).",
            ),
            Field(
                "RESET",
                1,
                1,
                "WO",
                "Write 1 to reset an idle or halted channel: clears error state, "
                "CUR_DESC, the doorbell and DONE_CNT. Ignored while the channel is busy.",
            ),
            Field("IOC_IRQ_EN", 2, 1, "RW", "Raise the interrupt line while STATUS.IOC_IRQ is set."),
            Field("ERR_IRQ_EN", 3, 1, "RW", "Raise the interrupt line while STATUS.ERR_IRQ is set."),
            Field(
                "PAUSE",
                4,
                1,
                "RW",
                "Hold the channel at the next burst boundary (a request in a slave transfer, a "
                "chunk in a memory copy); STATUS.PAUSED says when nothing is left in flight.",
            ),
            Field(
                "ABORT",
                5,
                1,
                "WO",
                "Write 1 to terminate: stop issuing, drain what is on the bus, write nothing "
                "more, go idle (also out of a halt) and set STATUS.ABORT_IRQ. Reads 0.",
            ),
            Field(
                "CYCLIC",
                6,
                1,
                "RW",
                "Loop: follow NEXT forever, ignoring TAIL_DESC and EOC, until ABORT.",
            ),
        ),
    ),
    Register(
        "STATUS",
        0x04,
        "RW",
        "Channel status; IRQ bits are write-1-to-clear.",
        (
            Field("BUSY", 0, 1, "RO", "The channel is fetching or executing descriptors."),
            Field("HALTED", 1, 1, "RO", "Stopped on an error; CTRL.RESET or CTRL.ABORT restarts it."),
            Field("PAUSED", 2, 1, "RO", "CTRL.PAUSE is set and nothing of the channel is in flight."),
            Field("IOC_IRQ", 8, 1, "W1C", "A descriptor with the IOC flag completed."),
            Field("ERR_IRQ", 9, 1, "W1C", "The channel halted on an error."),
            Field("ABORT_IRQ", 10, 1, "W1C", "An abort completed (raises the line with IOC_IRQ_EN)."),
            Field("ERR_CODE", 16, 4, "RO", "Error code of the halt (see error codes)."),
        ),
    ),
    Register(
        "CUR_DESC_LO",
        0x08,
        "RW",
        "Next descriptor to fetch (low word). Writable only while idle and not halted "
        "(STATUS.BUSY = 0, STATUS.HALTED = 0): the head of a new chain; a write while busy or "
        "halted answers SLVERR and changes nothing (a halted channel needs ABORT or RESET "
        "first). Reads the descriptor being fetched or issued while busy (in memory copies up "
        "to two descriptors ahead of DONE_CNT, as earlier ones complete behind it).",
    ),
    Register(
        "CUR_DESC_HI",
        0x0C,
        "RW",
        "Next descriptor to fetch (high word). Held until CUR_DESC_LO is written, which commits "
        "both halves at once. SLVERR while busy or halted.",
    ),
    Register(
        "TAIL_DESC_LO",
        0x10,
        "RW",
        "Tail descriptor (low word). Writing it rings the doorbell: the channel runs until it "
        "has completed the descriptor at TAIL_DESC. Write TAIL_DESC_HI first.",
    ),
    Register(
        "TAIL_DESC_HI",
        0x14,
        "RW",
        "Tail descriptor (high word). Held until TAIL_DESC_LO is written, which commits both "
        "halves at once, so the channel never compares against a half-written tail.",
    ),
    Register(
        "DONE_CNT",
        0x18,
        "RO",
        "Descriptors completed (status written back) since reset; wraps at 2**32.",
    ),
    Register(
        "XFERRED",
        0x1C,
        "RO",
        "Bytes of descriptor number DONE_CNT (the current one) already moved, updated per "
        "burst in slave transfers and per chunk in memory copies; 0 between descriptors.",
    ),
    Register(
        "SLAVE_CFG",
        0x20,
        "RW",
        "Slave transfer set-up, read when a descriptor starts. Writable only while idle or "
        "halted; a write while busy answers SLVERR and changes nothing.",
        (
            Field("DIR", 0, 2, "RW", "0 memory to memory, 1 memory to device, 2 device to memory."),
            Field("WIDTH", 4, 2, "RW", "log2 of the device access width in bytes (1, 2, 4, 8)."),
            Field("REQ_LINE", 8, 4, "RW", "Peripheral request line that paces the channel."),
            Field("FLOW_CTRL", 12, 1, "RW", "Device to memory: LREQ ends the transaction early."),
            Field(
                "REQ_PIPE",
                13,
                1,
                "RW",
                "The request line uses the pipelined handshake: ACK accepts a held request in "
                "the cycle both are high, and TC pulses when the transfer ends (0: four-phase).",
            ),
            Field("BURST_M1", 16, 8, "RW", "Elements per burst request, minus one (maxburst - 1)."),
        ),
    ),
    Register(
        "DEV_ADDR_LO",
        0x24,
        "RW",
        "Device FIFO register address (low word), never incremented; commits DEV_ADDR_HI. SLVERR while busy.",
    ),
    Register(
        "DEV_ADDR_HI",
        0x28,
        "RW",
        "Device FIFO register address (high word), held until DEV_ADDR_LO is written. SLVERR while busy.",
    ),
    Register(
        "FRAME_CNT",
        0x2C,
        "RO",
        "Frames of repeating descriptors (CTRL.REPEAT) that ended and ran again, wrapping at 2**32; "
        "0 after reset (CTRL.RESET too).",
    ),
)

# --- descriptor layout ---------------------------------------------------------------------

DESC_ALIGN = 64  # descriptors are 64-byte aligned; the hardware fetches the first 32 bytes
DESC_SIZE = 64
DESC_FETCH_BYTES = 32


@dataclass(frozen=True)
class DescField:
    name: str
    offset: int  # bytes
    size: int  # bytes
    writer: str  # "driver" or "hardware"
    doc: str


DESC_FIELDS: tuple[DescField, ...] = (
    DescField("NEXT", 0x00, 8, "driver", "Bus address of the next descriptor (64-byte aligned)."),
    DescField(
        "SRC",
        0x08,
        8,
        "driver",
        "Source bus address, any byte alignment. Device to memory: ignored (DEV_ADDR is used). "
        "XOR, XOR_VAL, PQ, PQ_VAL: the operand table (64-byte aligned). MEMSET: the fill byte "
        "in [7:0], the rest 0. INTERRUPT: 0.",
    ),
    DescField(
        "DST",
        0x10,
        8,
        "driver",
        "Destination bus address, any byte alignment. Memory to device: ignored (DEV_ADDR). "
        "PQ: where P goes (ignored with PQ_DISABLE_P); PQ_VAL: the P block checked; XOR_VAL, "
        "INTERRUPT: 0.",
    ),
    DescField(
        "LEN",
        0x18,
        4,
        "driver",
        "Bytes to copy, 1 to 2**32-1; in slave transfers a multiple of the device width. "
        "XOR, PQ and their checks: bytes of each source; INTERRUPT: 0.",
    ),
    DescField("CTRL", 0x1C, 4, "driver", "Control flags (see descriptor flags)."),
    DescField("STATUS", 0x20, 4, "hardware", "Written back on completion (see status word)."),
    DescField("XFERRED", 0x24, 4, "hardware", "Bytes actually transferred, written back."),
    DescField(
        "ROW_LEN",
        0x28,
        4,
        "driver",
        "CTRL.XT: bytes of a row, not 0 (LEN is the frame's bytes: rows of ROW_LEN, the last "
        "maybe shorter). Without XT: not read.",
    ),
    DescField(
        "SRC_STRIDE",
        0x2C,
        4,
        "driver",
        "CTRL.XT: bytes from the start of a source row to the next (row bytes plus the gap). "
        "Device to memory: not read.",
    ),
    DescField(
        "DST_STRIDE",
        0x30,
        4,
        "driver",
        "CTRL.XT: bytes from the start of a destination row to the next. Memory to device: not read.",
    ),
)


class DescCtrl(IntEnum):
    """Flag bits of the descriptor CTRL word (the OP and NSRC fields are below). All other bits
    are reserved and must be 0."""

    IOC = 1 << 0  # set STATUS.IOC_IRQ when this descriptor completes
    EOC = 1 << 1  # end of chain: stop after this descriptor even if it is not the tail
    FENCE = 1 << 2  # the next descriptor reads nothing before this one's writes are acknowledged
    XT = 1 << 3  # 2D: LEN bytes in rows of ROW_LEN, SRC_STRIDE / DST_STRIDE apart (COPY only)
    REPEAT = 1 << 18  # a slave transfer's descriptor runs again while it is the tail (display refresh)
    PQ_DISABLE_P = 1 << 16  # PQ: do not write P (DST is ignored); PQ_VAL: do not check P
    PQ_DISABLE_Q = 1 << 17  # PQ: do not write Q; PQ_VAL: do not check Q


class DescOp(IntEnum):
    """CTRL.OP: what a descriptor does (docs/raid-operations.md)."""

    COPY = 0  # SRC -> DST, or a slave transfer as SLAVE_CFG.DIR says
    MEMSET = 1  # DST filled with the byte SRC[7:0]
    XOR = 2  # DST = XOR of NSRC sources (operand table at SRC)
    XOR_VAL = 3  # the XOR of NSRC sources is checked for zero; nothing written but the status
    PQ = 4  # DST = P, operand table's Q_DST = Q of NSRC sources with the table's coefficients
    PQ_VAL = 5  # P at DST and Q at Q_DST checked against the NSRC sources; nothing written
    INTERRUPT = 6  # moves nothing (LEN 0): completes, with IOC its interrupt


DESC_CTRL_OP = (4, 4)  # (lsb, width) of CTRL.OP
DESC_CTRL_NSRC = (8, 5)  # (lsb, width) of CTRL.NSRC: sources of XOR, XOR_VAL, PQ, PQ_VAL
DESC_CTRL_VALID_MASK = (
    DescCtrl.IOC
    | DescCtrl.EOC
    | DescCtrl.FENCE
    | DescCtrl.XT
    | DescCtrl.PQ_DISABLE_P
    | DescCtrl.PQ_DISABLE_Q
    | DescCtrl.REPEAT
    | ((1 << DESC_CTRL_OP[1]) - 1) << DESC_CTRL_OP[0]
    | ((1 << DESC_CTRL_NSRC[1]) - 1) << DESC_CTRL_NSRC[0]
)


def desc_ctrl(op: DescOp = DescOp.COPY, nsrc: int = 0, flags: int = 0) -> int:
    """A descriptor CTRL word: flags (DescCtrl bits), the operation and its source count."""
    if not 0 <= nsrc < 1 << DESC_CTRL_NSRC[1]:
        raise ValueError(f"nsrc {nsrc} does not fit CTRL.NSRC")
    return int(flags) | int(op) << DESC_CTRL_OP[0] | nsrc << DESC_CTRL_NSRC[0]


# The operand table of a multi-source descriptor (XOR, XOR_VAL, PQ, PQ_VAL): SRC points to it.
# The hardware reads the rows it needs in DESC_FETCH_BYTES units: the sources' rows, and for
# PQ and PQ_VAL the row holding Q_DST and the coefficients.
OPND_ALIGN = 64  # the table's alignment
OPND_SRC_OFF = 0x00  # source i at OPND_SRC_OFF + 8 * i (64-bit bus addresses)
OPND_MAX_SRC = 16  # room for this many sources (MAX_XOR and MAX_PQ are at most this)
OPND_QDST_OFF = 0x80  # PQ: where Q goes; PQ_VAL: the Q block checked (64-bit)
OPND_COEF_OFF = 0x88  # PQ, PQ_VAL: source i's GF(2^8) coefficient, one byte each
OPND_SIZE = 0x98  # bytes a table may use


def pack_operands(srcs: list[int], q_dst: int = 0, coefs: list[int] | None = None) -> bytes:
    """The bytes of an operand table as the driver writes it (OPND_SIZE bytes)."""
    if not 1 <= len(srcs) <= OPND_MAX_SRC:
        raise ValueError(f"{len(srcs)} sources: 1 to {OPND_MAX_SRC} fit an operand table")
    table = bytearray(OPND_SIZE)
    for i, a in enumerate(srcs):
        struct.pack_into("<Q", table, OPND_SRC_OFF + 8 * i, a)
    struct.pack_into("<Q", table, OPND_QDST_OFF, q_dst)
    for i, c in enumerate(coefs or ()):
        table[OPND_COEF_OFF + i] = c
    return bytes(table)


class DescStatus(IntEnum):
    """Bits of the descriptor STATUS word written back by the hardware."""

    DONE = 1 << 0
    EOP = 1 << 1  # the peripheral ended the transaction (LREQ) in or before this descriptor
    ERR_SHIFT = 4  # ERR_CODE in [7:4]
    SUM_CHECK_P = 1 << 8  # XOR_VAL, PQ_VAL: the P sum is not zero (kernel SUM_CHECK_P_RESULT)
    SUM_CHECK_Q = 1 << 9  # PQ_VAL: the Q sum is not zero (kernel SUM_CHECK_Q_RESULT)


class Direction(IntEnum):
    """SLAVE_CFG.DIR."""

    MEM_TO_MEM = 0
    MEM_TO_DEV = 1
    DEV_TO_MEM = 2


class ErrCode(IntEnum):
    """Error codes, in STATUS.ERR_CODE and in a descriptor's written-back status."""

    NONE = 0
    FETCH = 1  # bus error fetching a descriptor
    READ = 2  # bus error reading source data or a descriptor's operand table
    WRITE = 3  # bus error writing destination data
    WRITEBACK = 4  # bus error writing the status word back
    DESC = 5  # malformed: zero length, reserved bits, misaligned next pointer, bad slave set-up,
    # an operation this instance lacks, a bad source count, a misaligned operand table


def reg(name: str) -> Register:
    for r in GLOBAL_REGS + CHAN_REGS:
        if r.name == name:
            return r
    raise KeyError(name)


def chan_reg_addr(channel: int, name: str) -> int:
    return CHAN_BASE + channel * CHAN_STRIDE + reg(name).offset


_PACKED_FIELDS = ("NEXT", "SRC", "DST", "LEN", "CTRL")  # what the driver writes, in pack_desc's order
_XT_FIELDS = ("ROW_LEN", "SRC_STRIDE", "DST_STRIDE")  # ... and for a 2D descriptor, after them


def _desc_struct(names: tuple[str, ...]) -> tuple[struct.Struct, tuple[int, ...]]:
    """A struct.Struct laid out from DESC_FIELDS up to the last of `names` (pad bytes between
    fields), and for each of its fields the index of its value among `names` (-1:
    hardware-written, zero)."""
    fmt, order, at = "<", [], 0
    end = max(desc_field(n).offset + desc_field(n).size for n in names)
    for f in sorted(DESC_FIELDS, key=lambda f: f.offset):
        if f.offset >= end:
            break
        fmt += f"{f.offset - at}x" if f.offset > at else ""
        fmt += {1: "B", 2: "H", 4: "I", 8: "Q"}[f.size]
        order.append(names.index(f.name) if f.name in names else -1)
        at = f.offset + f.size
    return struct.Struct(fmt), tuple(order)


def desc_field(name: str) -> DescField:
    for f in DESC_FIELDS:
        if f.name == name:
            return f
    raise KeyError(name)


_HW_FIELDS = tuple(f.name for f in DESC_FIELDS if f.writer == "hardware")
# a descriptor as the driver writes it: up to the status words (which it zeroes), or for a 2D
# descriptor up to its strides
_DESC_STRUCT, _DESC_ORDER = _desc_struct(_PACKED_FIELDS + _HW_FIELDS)
_XT_STRUCT, _XT_ORDER = _desc_struct(_PACKED_FIELDS + _XT_FIELDS)


def pack_desc(
    next_desc: int, src: int, dst: int, length: int, ctrl: int, xt: tuple[int, int, int] | None = None
) -> bytes:
    """The bytes of a descriptor as the driver writes it (hardware-written fields zero), laid
    out from DESC_FIELDS (through a Struct made from them once: it runs per descriptor),
    so every writer follows the one definition. `xt`: (ROW_LEN, SRC_STRIDE, DST_STRIDE) of a
    2D descriptor (CTRL.XT)."""
    if xt is None:
        args = (next_desc, src, dst, length, ctrl)
        return _DESC_STRUCT.pack(*[args[i] if 0 <= i < 5 else 0 for i in _DESC_ORDER])
    args = (next_desc, src, dst, length, ctrl, *xt)
    return _XT_STRUCT.pack(*[args[i] if i >= 0 else 0 for i in _XT_ORDER])

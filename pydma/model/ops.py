"""The descriptor operations beyond copies (docs/register-map.md, CTRL.OP), as the
controller runs them: the operand table read through the bus, then block by block (blocks
ending on ACC_BYTES-aligned destination addresses, the accumulator's size) every source
read and combined, then P and/or Q written or checked. A bus error on the table or a source
is READ, on a destination WRITE; what was written before stays, as on the RTL."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from pydma.hw import layout
from pydma.model.bus import BusError
from pydma.raid import pq_blocks, xor_blocks

if TYPE_CHECKING:
    from pydma.model.channel import Channel
    from pydma.model.walker import Desc

E = layout.ErrCode
Op = layout.DescOp
_MULTI = (Op.XOR, Op.XOR_VAL, Op.PQ, Op.PQ_VAL)


def op_of(d: Desc) -> int:
    lsb, width = layout.DESC_CTRL_OP
    return d.ctrl >> lsb & ((1 << width) - 1)


def nsrc_of(d: Desc) -> int:
    lsb, width = layout.DESC_CTRL_NSRC
    return d.ctrl >> lsb & ((1 << width) - 1)


def op_bad(ch: Channel, d: Desc) -> bool:
    """The operation checks of a descriptor (the length and address checks are the walker's)."""
    ctrl = ch.ctrl
    op, n = op_of(d), nsrc_of(d)
    if d.ctrl & ~layout.DESC_CTRL_VALID_MASK or op > max(Op):
        return True
    no_p, no_q = bool(d.ctrl & layout.DescCtrl.PQ_DISABLE_P), bool(d.ctrl & layout.DescCtrl.PQ_DISABLE_Q)
    if op not in (Op.PQ, Op.PQ_VAL) and (no_p or no_q):
        return True
    if op not in _MULTI and n:
        return True
    if op != Op.COPY and ch.cfg("DIR"):
        return True
    if d.ctrl & layout.DescCtrl.XT and (op != Op.COPY or not ctrl.xt):
        return True
    if d.ctrl & layout.DescCtrl.REPEAT and (
        not ctrl.repeat or not ch.cfg("DIR") or ch.cyclic or d.ctrl & layout.DescCtrl.EOC
    ):  # a slave transfer's, not the end of a chain or a ring
        return True
    if op == Op.INTERRUPT:
        return d.length != 0 or d.src != 0 or d.dst != 0
    if d.length == 0:
        return True
    if op == Op.MEMSET:
        return not ctrl.fill or d.src >> 8 != 0
    if op in (Op.XOR, Op.XOR_VAL):
        return not 2 <= n <= ctrl.max_xor or d.src % layout.OPND_ALIGN != 0
    if op in (Op.PQ, Op.PQ_VAL):
        return not 1 <= n <= ctrl.max_pq or (no_p and no_q) or d.src % layout.OPND_ALIGN != 0
    return False


async def run(ch: Channel, d: Desc) -> tuple[E, int] | None:
    """Run a non-copy operation: (error, SUM_CHECK status bits), or None when aborted."""
    op = op_of(d)
    if op == Op.INTERRUPT:
        return E.NONE, 0
    if op == Op.MEMSET:
        return await _memset(ch, d)
    return await _multi(ch, d, op)


async def _memset(ch: Channel, d: Desc) -> tuple[E, int] | None:
    ctrl, bus = ch.ctrl, ch.ctrl.bus
    dst, rem, fill = d.dst, d.length, d.src & 0xFF
    while rem:
        if not await ch.gate():
            return None
        n = min(rem, ctrl.chunk_bytes - dst % ctrl.chunk_bytes)
        await ctrl.spend(ctrl.beats(n))
        try:
            bus.write(dst, bytes([fill]) * n)
        except BusError:
            return E.WRITE, 0
        ch.xferred += n
        dst, rem = dst + n, rem - n
    return E.NONE, 0


async def _multi(ch: Channel, d: Desc, op: int) -> tuple[E, int] | None:
    ctrl, bus = ch.ctrl, ch.ctrl.bus
    n = nsrc_of(d)
    pq = op in (Op.PQ, Op.PQ_VAL)
    try:
        table = bus.read(d.src, layout.OPND_SIZE)
    except BusError:
        return E.READ, 0
    srcs = [struct.unpack_from("<Q", table, layout.OPND_SRC_OFF + 8 * i)[0] for i in range(n)]
    q_addr = struct.unpack_from("<Q", table, layout.OPND_QDST_OFF)[0]
    coefs = list(table[layout.OPND_COEF_OFF : layout.OPND_COEF_OFF + n])
    await ctrl.spend(ctrl.timing.fetch_cycles * (1 + (n + 3) // 4 + pq))
    do_p = not (pq and d.ctrl & layout.DescCtrl.PQ_DISABLE_P)
    do_q = pq and not d.ctrl & layout.DescCtrl.PQ_DISABLE_Q
    check = op in (Op.XOR_VAL, Op.PQ_VAL)
    sums = 0
    off, rem = 0, d.length
    while rem:
        if not await ch.gate():
            return None
        blk = min(rem, ctrl.acc_bytes - (d.dst + off) % ctrl.acc_bytes)
        try:
            data = [bus.read(s + off, blk) for s in srcs]
            p_in = [bus.read(d.dst + off, blk)] if check and op == Op.PQ_VAL and do_p else []
            q_in = [bus.read(q_addr + off, blk)] if check and do_q else []
        except BusError:
            return E.READ, 0  # a failed check reports no sums (nothing meaningful was summed)
        reads = len(data) + len(p_in) + len(q_in)
        if pq:
            p, q = pq_blocks(data, coefs)
            p, q = xor_blocks([p, *p_in]), xor_blocks([q, *q_in])
        else:
            p, q = xor_blocks(data), b""
        writes = 0 if check else do_p + do_q
        await ctrl.spend(ctrl.beats(blk) * (reads + writes))
        if check:
            if do_p and any(p):
                sums |= layout.DescStatus.SUM_CHECK_P
            if do_q and any(q):
                sums |= layout.DescStatus.SUM_CHECK_Q
        else:
            try:
                if do_p:
                    bus.write(d.dst + off, p)
                if do_q:
                    bus.write(q_addr + off, q)
            except BusError:
                return E.WRITE, 0
        ch.xferred += blk
        off, rem = off + blk, rem - blk
    return E.NONE, sums

"""The descriptor walk of one channel, as rtl/dma_chan.sv does it, one descriptor at a time
(the RTL's prefetch and completion queue overlap descriptors; what the driver can observe
is the same: statuses written back in order, DONE_CNT counting them, XFERRED per chunk).

Fetch at CUR_DESC -> check -> data (memory copy: chunks ending on CHUNK_BYTES-aligned
destination addresses and row ends; slave: one request of the device per burst or element,
a request spanning a row end moved as one piece per row) -> status
write-back -> DONE_CNT, IOC -> the next descriptor: follow NEXT (always, in a cyclic ring),
stop after the tail or an EOC, or re-read NEXT first when the descriptor was the tail when it
was fetched (the driver may have appended behind it since). Abort is taken at each burst
boundary and around the fetch and the write-back; what is already moving lands first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pydma.hw import layout
from pydma.model import ops
from pydma.model.bus import BusError

if TYPE_CHECKING:
    from pydma.model.channel import Channel
    from pydma.model.peripherals import Request

E = layout.ErrCode
_STATUS_AT = layout.desc_field("STATUS").offset


@dataclass(frozen=True)
class Desc:
    next: int
    src: int
    dst: int
    length: int
    ctrl: int
    row_len: int = 0  # a 2D descriptor's (CTRL.XT) second half; 0: one row of `length`
    src_stride: int = 0
    dst_stride: int = 0


class Rows:
    """Where a descriptor's data is: `length` bytes in rows of `row_len` (the last maybe
    shorter), each `*_stride` bytes after the previous one's start (rtl/dma_addr_gen.sv)."""

    def __init__(self, d: Desc) -> None:
        self.d = d
        self.src, self.dst, self.rem = d.src, d.dst, d.length
        self.src_row, self.dst_row = d.src, d.dst
        self.row_left = min(d.row_len, d.length) if d.row_len else d.length

    def step(self, n: int) -> None:
        """n bytes (at most row_left) were taken."""
        self.rem -= n
        self.row_left -= n
        if self.row_left:
            self.src, self.dst = self.src + n, self.dst + n
        elif self.rem:  # the next row
            self.src_row += self.d.src_stride
            self.dst_row += self.d.dst_stride
            self.src, self.dst = self.src_row, self.dst_row
            self.row_left = min(self.d.row_len, self.rem)


def unpack(raw: bytes) -> Desc:
    """The driver-written fields of a fetched descriptor, by the layout (pydma.hw.layout)."""

    def get(name: str) -> int:
        f = layout.desc_field(name)
        return int.from_bytes(raw[f.offset : f.offset + f.size], "little")

    return Desc(get("NEXT"), get("SRC"), get("DST"), get("LEN"), get("CTRL"))


def _with_rows(d: Desc, raw: bytes) -> Desc:
    """d with the row set-up of its second half (raw: DESC_FETCH_BYTES from DESC_FETCH_BYTES)."""

    def get(name: str) -> int:
        f = layout.desc_field(name)
        at = f.offset - layout.DESC_FETCH_BYTES
        return int.from_bytes(raw[at : at + f.size], "little")

    return replace(d, row_len=get("ROW_LEN"), src_stride=get("SRC_STRIDE"), dst_stride=get("DST_STRIDE"))


async def walk(ch: Channel) -> None:
    """From the doorbell to the end of the chain, a halt or an abort."""
    ctrl = ch.ctrl
    ch.doorbell = False
    refetch = ch.cur_done  # resume after a completed tail: its NEXT first
    if refetch and ch.tail == ch.cur:
        ch.go_idle()  # rung again on the descriptor it finished: nothing new
        return
    while True:
        if ch.abort_req:
            return ch.finish_abort()
        if ctrl.addr_bad(ch.cur, desc=True):
            return ch.halt(E.DESC)
        was_tail = ch.cur == ch.tail and not ch.cyclic
        await ctrl.spend(ctrl.timing.fetch_cycles)
        try:
            d = unpack(ctrl.bus.read(ch.cur, layout.DESC_FETCH_BYTES))
        except BusError:
            return ch.halt(E.FETCH)
        if ch.abort_req:
            return ch.finish_abort()
        if refetch:  # only NEXT of a completed descriptor was wanted
            ch.cur, ch.cur_done, refetch = d.next, False, False
            continue
        if d.ctrl & layout.DescCtrl.XT and not ch.skip and not _desc_bad(ch, d, rows=False):  # its second half
            await ctrl.spend(ctrl.timing.fetch_cycles)
            try:
                d = _with_rows(d, ctrl.bus.read(ch.cur + layout.DESC_FETCH_BYTES, layout.DESC_FETCH_BYTES))
            except BusError:
                return ch.halt(E.FETCH)
            if ch.abort_req:
                return ch.finish_abort()
        done = await _descriptor(ch, d)
        if done is REPEAT:  # still the tail: the frame runs again, from its fetch
            continue
        if not done:
            return
        if ch.cyclic:
            ch.cur = d.next
        elif d.ctrl & layout.DescCtrl.EOC or ch.cur == ch.tail:
            return ch.go_idle()
        elif was_tail:  # its NEXT may have been stale when fetched
            ch.cur_done = refetch = True
        else:
            ch.cur = d.next


REPEAT = "repeat"  # _descriptor: a repeating descriptor's frame ended and it runs again


async def _descriptor(ch: Channel, d: Desc) -> bool | str:
    """Check, move and write back one descriptor; False if the channel stopped, REPEAT if it
    is a repeating descriptor that is still the tail (CTRL.REPEAT: it runs again)."""
    ctrl = ch.ctrl
    ch.xferred = 0
    eop = ch.skip  # the packet ended before it: it completes empty
    xerr = E.NONE
    sums = 0  # SUM_CHECK bits of a check operation
    if _desc_bad(ch, d):
        xerr = E.DESC
    elif ops.op_of(d) != layout.DescOp.COPY:
        result = await ops.run(ch, d)
        if result is None:
            ch.finish_abort()
            return False
        xerr, sums = result
    elif not ch.skip:
        moved = await (_slave(ch, d) if ch.cfg("DIR") else _copy(ch, d))
        if moved is None:
            ch.finish_abort()
            return False
        xerr, ended = moved
        eop = eop or ended
    if ch.abort_req:  # an abort before the write-back: not written back, not counted
        ch.finish_abort()
        return False
    if d.ctrl & layout.DescCtrl.REPEAT and ch.cur == ch.tail and not xerr and not eop:
        ch.frame_cnt = (ch.frame_cnt + 1) & 0xFFFF_FFFF  # no write-back, DONE_CNT unchanged
        ch.xferred = 0
        if d.ctrl & layout.DescCtrl.IOC:
            ch.raise_ioc()
        return REPEAT
    await ctrl.spend(ctrl.timing.writeback_cycles)
    status = layout.DescStatus.DONE | (layout.DescStatus.EOP if eop else 0) | xerr << layout.DescStatus.ERR_SHIFT | sums
    try:
        ctrl.bus.write(ch.cur + _STATUS_AT, status.to_bytes(4, "little") + ch.xferred.to_bytes(4, "little"))
    except BusError:
        ch.halt(E.WRITEBACK)
        return False
    ch.done_cnt = (ch.done_cnt + 1) & 0xFFFF_FFFF
    ch.xferred = 0  # XFERRED now belongs to the next descriptor
    if d.ctrl & layout.DescCtrl.IOC:
        ch.skip = False
        ch.raise_ioc()
    if xerr:
        ch.halt(xerr)
        return False
    if ch.abort_req:
        ch.finish_abort()
        return False
    return True


def _desc_bad(ch: Channel, d: Desc, rows: bool = True) -> bool:
    """The checks of the first half; with `rows`, of a 2D descriptor's second half too (a row
    of 0 bytes, or in a slave transfer not a whole number of elements)."""
    ctrl = ch.ctrl
    bad = ops.op_bad(ch, d) or ctrl.addr_bad(d.src) or ctrl.addr_bad(d.dst)
    elem_mask = (1 << ch.cfg("WIDTH")) - 1 if ch.cfg("DIR") else 0
    if ch.cfg("DIR"):
        bad = bad or ch.cfg("DIR") == 3 or (1 << ch.cfg("WIDTH")) > ctrl.data_bytes
        bad = bad or d.length & elem_mask or ch.dev_addr & elem_mask or ctrl.addr_bad(ch.dev_addr)
    if rows and not bad and d.ctrl & layout.DescCtrl.XT and not ch.skip:
        bad = d.row_len == 0 or d.row_len & elem_mask
    return bool(bad)


async def _copy(ch: Channel, d: Desc) -> tuple[E, bool] | None:
    """Memory to memory, chunk by chunk; None when aborted."""
    ctrl, bus = ch.ctrl, ch.ctrl.bus
    at = Rows(d)
    while at.rem:
        if not await ch.gate():
            return None
        src, dst = at.src, at.dst
        n = min(at.row_left, ctrl.chunk_bytes - dst % ctrl.chunk_bytes)
        try:
            data = bus.read(src, n)
        except BusError:
            return E.READ, False
        await ctrl.spend(ctrl.beats(n))  # the chunk is on the bus: it lands even if aborted now
        try:
            bus.write(dst, data)
        except BusError:
            return E.WRITE, False
        ch.xferred += n
        at.step(n)
    return E.NONE, False


async def _slave(ch: Channel, d: Desc) -> tuple[E, bool] | None:
    """Paced by the device on the request line: a burst (BURST_M1 + 1 elements) or one
    element per request; a burst cut by the descriptor's end goes on in the next one.
    Returns (error, the packet ended here), or None when aborted."""
    ctrl, bus = ch.ctrl, ch.ctrl.bus
    to_dev = ch.cfg("DIR") == layout.Direction.MEM_TO_DEV
    elem = 1 << ch.cfg("WIDTH")
    burst = (ch.cfg("BURST_M1") + 1) * elem
    at = Rows(d)
    while at.rem:
        if not ch.s_left:
            req = await _request(ch)
            if req is None:
                return None
            kind, lreq = req
            ch.s_left = burst if kind == "burst" else elem
            ch.s_last = lreq and bool(ch.cfg("FLOW_CTRL")) and not to_dev
        rem = at.rem
        n = min(at.row_left, ch.s_left)
        p = at.src if to_dev else at.dst
        try:
            data = bus.read(p, n) if to_dev else b"".join(bus.dev_read(ch.dev_addr, elem) for _ in range(n // elem))
        except BusError:
            ch.s_left = 0
            return E.READ, False
        await ctrl.spend(max(n // elem, ctrl.beats(n)))  # the device side moves an element per beat
        try:
            if to_dev:
                for i in range(0, n, elem):
                    bus.dev_write(ch.dev_addr, data[i : i + elem])
            else:
                bus.write(p, data)
        except BusError:
            ch.s_left = 0
            return E.WRITE, False
        ch.xferred += n
        at.step(n)
        rem, ch.s_left = at.rem, ch.s_left - n
        repeating = d.ctrl & layout.DescCtrl.REPEAT  # (a repeating descriptor goes on, or hands over)
        chain_end = not ch.cyclic and not repeating and (d.ctrl & layout.DescCtrl.EOC or ch.cur == ch.tail)
        if not ch.s_left or (not rem and chain_end):  # the request is done (short at the chain's end)
            ch.s_left = 0
            if ch.s_last:  # LREQ: the rest of the transaction completes empty
                ch.s_last = False
                ch.skip = not d.ctrl & layout.DescCtrl.IOC
                return E.NONE, True
    return E.NONE, False


async def _request(ch: Channel) -> Request | None:
    """The next request of the device on the channel's line (not sampled while paused);
    None when an abort is asked for while waiting."""
    dev = ch.ctrl.devices.get(ch.cfg("REQ_LINE"))
    try:
        while not ch.abort_req:
            timeout = None
            ch.at_gate = ch.pause
            if not ch.pause and dev is not None:
                req = dev.request()
                if req is not None:
                    return req
                when = dev.next_change_ns()
                timeout = None if when is None else when - ch.ctrl.now_ns()
            await ch.wait(timeout)
        return None
    finally:
        ch.at_gate = False

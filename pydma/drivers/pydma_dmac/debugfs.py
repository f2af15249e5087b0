"""The pydma controller's lines in debugfs dmaengine/summary (its dbg_summary_show), per
channel in use: the core's line, then what the driver knows and, in the asynchronous
summary, what the channel's registers said.

     dma0chan1    | uart0:tx
       driver: state running, cookie 7, completed 5, req line 3
       vchan: allocated 0, submitted 1 [7], issued 2 [5 6], completed 0, terminated 0
       hw: queued 3, handed 19, done_cnt 16, ring 4; starts 2, appends 1, irqs 3, aborts 0, halts_ahead 0
       regs: CTRL 0x0000000d STATUS 0x00000001 (BUSY) CUR_DESC 0x10002040 (cookie 5 #1) ...

driver: ChanState, then ", paused" (CTRL.PAUSE written), the last cookie assigned and the last
completed, the request line of a slave channel, "errors N" for the cookies kept as failed.
vchan: the virt-dma lists, each with its descriptors' cookies (the last one assigned for a
descriptor that completed or was terminated, - for one never submitted; the first 8).
hw: hardware descriptors handed over and not done (hw_queue), handed and done in DONE_CNT
numbering as the driver last saw them, descriptors held from the ring, and the channel's
event counts (chan.stats); "cyclic cookie N" while a ring runs. regs (only from
dbg_summary_read): every channel register, read over the bus before the text is made, with
the STATUS bits and error code named and the transaction (cookie, hardware descriptor
index) that CUR_DESC and TAIL_DESC point into.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydma.hw import layout
from pydma.sysfs import SeqFile, dmaengine_dbg_chan_show

if TYPE_CHECKING:
    from pydma.drivers.pydma_dmac.chan import PydmaChan
    from pydma.drivers.pydma_dmac.device import PydmaDevice

COOKIES_SHOWN = 8
_STATUS = layout.reg("STATUS")


async def summary_read(device: PydmaDevice) -> dict[int, dict[str, int]]:
    """Each channel in use: its registers, read over the bus (awaits)."""
    return {chan.index: await chan.regs.dump() for chan in device.channels if chan.client_count}


def summary_show(device: PydmaDevice, s: SeqFile, hw: dict[int, dict[str, int]] | None = None) -> None:
    for chan in device.channels:
        if not chan.client_count:
            continue
        dmaengine_dbg_chan_show(s, chan)
        s.seq_puts("\n")
        _driver_show(s, chan)
        if hw is not None and chan.index in hw:
            _regs_show(s, chan, hw[chan.index])


def _cookie(vd) -> str:
    c = vd.cookie if vd.cookie > 0 else vd.last_cookie
    return str(c) if c > 0 else "-"


def _list(name: str, descs: list) -> str:
    if not descs:
        return f"{name} 0"
    shown = " ".join(_cookie(vd) for vd in descs[:COOKIES_SHOWN])
    more = " ..." if len(descs) > COOKIES_SHOWN else ""
    return f"{name} {len(descs)} [{shown}{more}]"


def _driver_show(s: SeqFile, chan: PydmaChan) -> None:
    extra = ", paused" if chan.paused else ""
    if chan.req_line is not None:
        extra += f", req line {chan.req_line}"
    if chan.error_cookies:
        extra += f", errors {len(chan.error_cookies)}"
    s.seq_printf(
        "   driver: state %s, cookie %d, completed %d%s\n", chan.state.value, chan.cookie, chan.completed_cookie, extra
    )
    s.seq_printf("   vchan: %s\n", ", ".join(_list(name, lst) for name, lst in chan.lists().items()))
    ring = f", cyclic cookie {_cookie(chan.hw_ring)}" if chan.hw_ring is not None else ""
    stats = ", ".join(f"{k} {v}" for k, v in chan.stats.items())
    s.seq_printf(
        "   hw: queued %d, handed %d, done_cnt %d, ring %d%s; %s\n",
        len(chan.hw_queue),
        chan.hw_handed,
        chan.hw_done_cnt,
        chan.ring.in_use,
        ring,
        stats,
    )


def _points_at(chan: PydmaChan, addr: int) -> str:
    """' (cookie 5 #1)': the transaction and hardware descriptor at bus address `addr`."""
    if addr == 0:
        return ""
    for lst in chan.lists().values():
        for vd in lst:
            for i, h in enumerate(vd.hw):
                if h.phys == addr:
                    return f" (cookie {_cookie(vd)} #{i})"
    return ""


def _status_bits(status: int) -> str:
    names = [f.name for f in _STATUS.fields if f.width == 1 and status & f.mask]
    code = (status & _STATUS.field("ERR_CODE").mask) >> _STATUS.field("ERR_CODE").lsb
    if code:
        names.append(f"ERR_CODE={layout.ErrCode(code).name}")
    return " ".join(names) or "idle"


def _regs_show(s: SeqFile, chan: PydmaChan, regs: dict[str, int]) -> None:
    cur = regs["CUR_DESC_HI"] << 32 | regs["CUR_DESC_LO"]
    tail = regs["TAIL_DESC_HI"] << 32 | regs["TAIL_DESC_LO"]
    dev_addr = regs["DEV_ADDR_HI"] << 32 | regs["DEV_ADDR_LO"]
    s.seq_printf(
        "   regs: CTRL 0x%08x STATUS 0x%08x (%s) CUR_DESC 0x%x%s TAIL_DESC 0x%x%s DONE_CNT %u XFERRED %u"
        " SLAVE_CFG 0x%08x DEV_ADDR 0x%x\n",
        regs["CTRL"],
        regs["STATUS"],
        _status_bits(regs["STATUS"]),
        cur,
        _points_at(chan, cur),
        tail,
        _points_at(chan, tail),
        regs["DONE_CNT"],
        regs["XFERRED"],
        regs["SLAVE_CFG"],
        dev_addr,
    )

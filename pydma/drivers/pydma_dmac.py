"""Provider driver for the pydma controller (rtl/pydma_dmac.sv), built on virt-dma.

One dmaengine transaction is a chain of hardware descriptors from a per-channel DMA pool,
linked through NEXT, with IOC on its last one. `issue_pending` hands every issued
transaction to the hardware at once: on an idle channel it writes CUR_DESC and TAIL_DESC;
on a busy one it links the old tail to the new work and rings TAIL_DESC (the controller
re-reads a stale tail's NEXT, so appending is race-free). The IRQ handler reads DONE_CNT,
completes the transactions whose last descriptor is done, hands any issued work the hardware
does not have yet, and schedules the tasklet that runs the callbacks.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque

import cocotb

from pydma import cookie as _cookie
from pydma.backend import DmaBackend
from pydma.dma_mapping import (
    Device,
    DmaPool,
    Scatterlist,
    dma_pool_alloc,
    dma_pool_create,
    dma_pool_destroy,
    dma_pool_free,
)
from pydma.dmaengine import (
    DmaChan,
    DmaDevice,
    DmaFilter,
    DmaSlaveMap,
    DmaTxState,
    dma_async_device_register,
    dma_async_device_unregister,
)
from pydma.enums import (
    DmaCtrlFlags,
    DmaengineTxResult,
    DmaResidueGranularity,
    DmaStatus,
    DmaTransactionType,
    DmaTransferDirection,
)
from pydma.errors import EIO, ENODEV, ENOMEM, DmaApiMisuse, DmaError
from pydma.hw import layout as L
from pydma.kcontext import HARDIRQ, running_in
from pydma.memory import MemView
from pydma.virt_dma import VirtDmaChan, VirtDmaDesc

log = logging.getLogger("pydma.dmac")

_OFF = {f.name: f.offset for f in L.DESC_FIELDS}
_STATUS_IRQ_BITS = L.reg("STATUS").field("IOC_IRQ").mask | L.reg("STATUS").field("ERR_IRQ").mask
_CTRL = L.reg("CTRL")
_ERR_RESULT = {
    L.ErrCode.READ: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    L.ErrCode.FETCH: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    L.ErrCode.DESC: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    L.ErrCode.WRITE: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,
    L.ErrCode.WRITEBACK: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,
}

# one hardware descriptor moves at most this much; longer segments are split
HW_SEG_MAX = 1 << 30


class HwDesc:
    """One hardware descriptor: its CPU view and bus address, and what it moves."""

    __slots__ = ("dst", "length", "orphan", "phys", "pinned", "src", "view")

    def __init__(self, view: MemView, phys: int) -> None:
        self.view = view
        self.phys = phys
        self.src = self.dst = self.length = 0
        self.pinned = False  # the hardware may still re-read its NEXT word
        self.orphan = False  # its transaction let go of it while pinned

    def write(self, next_phys: int, src: int, dst: int, length: int, ctrl: int) -> None:
        self.src, self.dst, self.length = src, dst, length
        self.view.write(
            0,
            next_phys.to_bytes(8, "little")
            + src.to_bytes(8, "little")
            + dst.to_bytes(8, "little")
            + length.to_bytes(4, "little")
            + ctrl.to_bytes(4, "little")
            + bytes(8),  # STATUS, XFERRED
        )

    def set_next(self, next_phys: int) -> None:
        self.view.write(_OFF["NEXT"], next_phys.to_bytes(8, "little"))

    def clear_status(self) -> None:
        self.view.write(_OFF["STATUS"], bytes(8))

    def status(self) -> tuple[bool, int, int]:
        raw = self.view.read(_OFF["STATUS"], 8)
        word = int.from_bytes(raw[:4], "little")
        return bool(word & L.DescStatus.DONE), (word >> L.DescStatus.ERR_SHIFT) & 0xF, int.from_bytes(raw[4:], "little")


class PydmaDesc(VirtDmaDesc):
    def __init__(self, chan: PydmaChan, flags: DmaCtrlFlags, hw: list[HwDesc]) -> None:
        super().__init__(chan, flags)
        self.hw = hw
        self.total = sum(h.length for h in hw)
        self.on_hw = False  # issued and handed to the controller, not yet completed

    def __repr__(self) -> str:
        return f"<PydmaDesc cookie={self.cookie} segs={len(self.hw)} len={self.total}>"


class PydmaChan(VirtDmaChan):
    def __init__(self, device: PydmaDevice, index: int) -> None:
        super().__init__(device, index)
        self.index = index
        self.pool: DmaPool | None = None
        self.hw_in_use = 0  # hardware descriptors held by prepared transactions
        self.hw_queue: deque[tuple[PydmaDesc, int]] = deque()  # handed to hw, not done
        self.hw_tail: HwDesc | None = None  # last descriptor handed to the hardware
        self.hw_done_cnt = 0  # DONE_CNT as last read
        # The descriptor the hardware retired last: after retiring it, the controller may
        # still re-read its NEXT (a stale tail, or a doorbell while idle on it), and it
        # cannot retire another one before that. So it stays out of the pool until then.
        self.last_retired: HwDesc | None = None
        self.irq_task = None
        self.stats = {"starts": 0, "appends": 0, "irqs": 0}

    def reg(self, name: str) -> int:
        return L.chan_reg_addr(self.index, name)

    def desc_free_hw(self, vd: PydmaDesc) -> None:
        self.device.desc_free_hw(self, vd)


class PydmaDevice(DmaDevice):
    """Bind with `await PydmaDevice.probe(dev, backend)`; unbind with `await remove()`."""

    def __init__(self, dev: Device, backend: DmaBackend, name: str, max_hw_desc: int) -> None:
        super().__init__(name, dev)
        self.backend = backend
        self.max_hw_desc = max_hw_desc
        self.num_channels = 0
        self.data_bytes = 0
        self.addr_width = 0

    @classmethod
    async def probe(
        cls,
        dev: Device,
        backend: DmaBackend,
        name: str = "dma0",
        max_hw_desc: int = 4096,
        slave_map: list[DmaSlaveMap] | None = None,
    ) -> PydmaDevice:
        """Bind to the controller behind `backend`. `slave_map` is the board table for
        dma_request_chan(): DmaSlaveMap(client device name, slave name, channel index)."""
        self = cls(dev, backend, name, max_hw_desc)
        self.filter = DmaFilter(fn=pydma_filter, map=list(slave_map or []))
        ident = await backend.readl(L.reg("ID").offset)
        if ident != L.ID_MAGIC:
            raise DmaError(ENODEV, f"{name}: ID register reads 0x{ident:08x}, not a pydma DMAC")
        version = await backend.readl(L.reg("VERSION").offset)
        if version >> 16 != L.VERSION >> 16:
            raise DmaError(ENODEV, f"{name}: register map version 0x{version:08x} unsupported")
        config = await backend.readl(L.reg("CONFIG").offset)
        cfg = L.reg("CONFIG")
        self.num_channels = (config & cfg.field("NUM_CH").mask) >> cfg.field("NUM_CH").lsb
        self.data_bytes = (config & cfg.field("DATA_BYTES").mask) >> cfg.field("DATA_BYTES").lsb
        self.addr_width = (config & cfg.field("ADDR_W").mask) >> cfg.field("ADDR_W").lsb

        self.cap_mask.bits = 0
        for cap in (DmaTransactionType.DMA_MEMCPY, DmaTransactionType.DMA_MEMCPY_SG):
            self.cap_mask.bits |= 1 << cap
        self.directions = 1 << DmaTransferDirection.DMA_MEM_TO_MEM
        self.residue_granularity = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_SEGMENT
        self.descriptor_reuse = True
        self.copy_align = 0  # byte granular

        for i in range(self.num_channels):
            chan = PydmaChan(self, i)
            chan.vchan_init()
            self.channels.append(chan)
            # reset, then run with both interrupts enabled
            backend.writel(chan.reg("CTRL"), _CTRL.field("RESET").mask)
            backend.writel(
                chan.reg("CTRL"),
                _CTRL.field("RUN").mask | _CTRL.field("IOC_IRQ_EN").mask | _CTRL.field("ERR_IRQ_EN").mask,
            )
            chan.irq_task = cocotb.start_soon(self._irq_thread(chan))
        await backend.flush()
        ret = dma_async_device_register(self)
        if ret:
            raise DmaError(ret, f"{name}: registration failed")
        log.info(
            "%s: pydma DMAC v%d.%d, %d channels, %d-bit data, %d-bit addresses",
            name,
            version >> 16,
            version & 0xFFFF,
            self.num_channels,
            self.data_bytes * 8,
            self.addr_width,
        )
        return self

    async def remove(self) -> None:
        dma_async_device_unregister(self)
        for chan in self.channels:
            if chan.client_count:
                await chan.release()
            chan.irq_task.cancel()
            chan.tasklet.stop()

    # -- channel resources -------------------------------------------------------------------
    def device_alloc_chan_resources(self, chan: PydmaChan) -> int:
        chan.pool = dma_pool_create(f"{chan.name}-desc", self.dev, L.DESC_SIZE, L.DESC_ALIGN, 4096)
        if chan.pool is None:
            return ENOMEM
        _cookie.dma_cookie_init(chan)
        return 0

    def device_free_chan_resources(self, chan: PydmaChan) -> None:
        if chan.hw_queue:
            # freeing would hand descriptors the controller is still walking to new owners;
            # there is no terminate yet to stop it first
            raise DmaApiMisuse(
                f"{chan.name} released with {len(chan.hw_queue)} descriptors still on the hardware; "
                "wait for them to complete first"
            )
        chan.vchan_free_chan_resources()
        last, chan.last_retired = chan.last_retired, None
        if last is not None:
            last.pinned = False
            if last.orphan:
                dma_pool_free(chan.pool, last.view, last.phys)
        if chan.pool is not None:
            dma_pool_destroy(chan.pool)
            chan.pool = None

    # -- hardware descriptor allocation (all or nothing) ------------------------------------
    def _alloc_hw(self, chan: PydmaChan, count: int) -> list[HwDesc] | None:
        last = chan.last_retired
        held = chan.hw_in_use + (1 if last is not None and last.orphan else 0)
        if held + count > self.max_hw_desc:
            log.warning(
                "%s: out of hardware descriptors (%d in use, %d asked, limit %d)",
                chan.name,
                chan.hw_in_use,
                count,
                self.max_hw_desc,
            )
            return None
        got: list[HwDesc] = []
        for _ in range(count):
            view, phys = dma_pool_alloc(chan.pool)
            if view is None:
                for h in got:
                    dma_pool_free(chan.pool, h.view, h.phys)
                return None
            got.append(HwDesc(view, phys))
        chan.hw_in_use += count
        return got

    def _build(self, chan: PydmaChan, segs: list[tuple[int, int, int]], flags: DmaCtrlFlags) -> PydmaDesc | None:
        """segs: (src, dst, len) in order; one hardware descriptor each."""
        hw = self._alloc_hw(chan, len(segs))
        if hw is None:
            return None
        for i, (src, dst, length) in enumerate(segs):
            last = i == len(segs) - 1
            hw[i].write(0 if last else hw[i + 1].phys, src, dst, length, L.DescCtrl.IOC if last else 0)
        return chan.vchan_tx_prep(PydmaDesc(chan, flags, hw))

    def desc_free_hw(self, chan: PydmaChan, desc: PydmaDesc) -> None:
        for h in desc.hw:
            if h.pinned:
                h.orphan = True  # freed when the hardware retires a later descriptor
            else:
                dma_pool_free(chan.pool, h.view, h.phys)
        chan.hw_in_use -= len(desc.hw)
        desc.hw = []

    def _retire(self, chan: PydmaChan, h: HwDesc) -> None:
        prev = chan.last_retired
        if prev is not None:
            prev.pinned = False
            if prev.orphan:
                dma_pool_free(chan.pool, prev.view, prev.phys)
        h.pinned = True
        chan.last_retired = h

    def _addr_ok(self, chan: PydmaChan, what: str, addr: int, length: int) -> bool:
        if addr < 0 or addr + length > 1 << self.addr_width:
            log.error("%s: %s [0x%x, +0x%x) is outside the %d-bit bus", chan.name, what, addr, length, self.addr_width)
            return False
        return True

    # -- prep ----------------------------------------------------------------------------------
    def device_prep_dma_memcpy(self, chan, dest, src, length, flags):
        if length <= 0:
            log.error("%s: prep_dma_memcpy with length %d", chan.name, length)
            return None
        if not (self._addr_ok(chan, "source", src, length) and self._addr_ok(chan, "destination", dest, length)):
            return None
        segs = [(src + off, dest + off, min(HW_SEG_MAX, length - off)) for off in range(0, length, HW_SEG_MAX)]
        return self._build(chan, segs, flags)

    def device_prep_dma_memcpy_sg(self, chan, dst_sg, dst_nents, src_sg, src_nents, flags):
        dst = _sg_segments(dst_sg, dst_nents)
        src = _sg_segments(src_sg, src_nents)
        if not dst or not src:
            log.error("%s: prep_dma_memcpy_sg with an empty or unmapped scatterlist", chan.name)
            return None
        if sum(n for _, n in dst) != sum(n for _, n in src):
            log.error("%s: prep_dma_memcpy_sg: source and destination lengths differ", chan.name)
            return None
        for what, lst in (("destination", dst), ("source", src)):
            if not all(self._addr_ok(chan, what, a, n) for a, n in lst):
                return None
        # walk both lists, cutting where either side's entry ends
        segs: list[tuple[int, int, int]] = []
        si = di = 0
        s_off = d_off = 0
        while si < len(src):
            s_addr, s_len = src[si]
            d_addr, d_len = dst[di]
            n = min(s_len - s_off, d_len - d_off, HW_SEG_MAX)
            segs.append((s_addr + s_off, d_addr + d_off, n))
            s_off += n
            d_off += n
            if s_off == s_len:
                si, s_off = si + 1, 0
            if d_off == d_len:
                di, d_off = di + 1, 0
        return self._build(chan, segs, flags)

    # -- issue ---------------------------------------------------------------------------------
    def device_issue_pending(self, chan: PydmaChan) -> None:
        with chan.lock:
            if chan.vchan_issue_pending():
                self._start_locked(chan)

    def _start_locked(self, chan: PydmaChan) -> None:
        """Hand the hardware every issued transaction it does not have yet."""
        new = [d for d in chan.desc_issued if not d.on_hw]
        if not new:
            return
        for prev, desc in itertools.pairwise(new):
            prev.hw[-1].set_next(desc.hw[0].phys)
        for desc in new:
            for h in desc.hw:
                h.clear_status()
            desc.on_hw = True
            chan.hw_queue.extend((desc, i) for i in range(len(desc.hw)))
        head, tail = new[0].hw[0], new[-1].hw[-1]
        w = self.backend.writel
        if len(chan.hw_queue) == sum(len(d.hw) for d in new):
            # the hardware has nothing left: start a new chain at head
            w(chan.reg("CUR_DESC_HI"), head.phys >> 32)
            w(chan.reg("CUR_DESC_LO"), head.phys & 0xFFFF_FFFF)
            chan.stats["starts"] += 1
        else:
            chan.hw_tail.set_next(head.phys)  # the controller re-reads a stale tail's NEXT
            chan.stats["appends"] += 1
        w(chan.reg("TAIL_DESC_HI"), tail.phys >> 32)
        w(chan.reg("TAIL_DESC_LO"), tail.phys & 0xFFFF_FFFF)
        chan.hw_tail = tail

    # -- interrupt -----------------------------------------------------------------------------
    async def _irq_thread(self, chan: PydmaChan) -> None:
        b = self.backend
        while True:
            await b.wait_irq(chan.index)
            status = await b.readl(chan.reg("STATUS"))
            b.writel(chan.reg("STATUS"), status & _STATUS_IRQ_BITS)  # W1C
            done_cnt = await b.readl(chan.reg("DONE_CNT"))  # also flushes the W1C
            chan.stats["irqs"] += 1
            with running_in(HARDIRQ), chan.lock:
                self._irq_handler_locked(chan, status, done_cnt)

    def _irq_handler_locked(self, chan: PydmaChan, status: int, done_cnt: int) -> None:
        newly = (done_cnt - chan.hw_done_cnt) & 0xFFFF_FFFF
        chan.hw_done_cnt = done_cnt
        if newly > len(chan.hw_queue):
            raise DmaError(EIO, f"{chan.name}: DONE_CNT says {newly} done, only {len(chan.hw_queue)} queued")
        for _ in range(newly):
            desc, i = chan.hw_queue.popleft()
            self._retire(chan, desc.hw[i])
            done, err, _ = desc.hw[i].status()
            if not done:
                raise DmaError(EIO, f"{chan.name}: descriptor 0x{desc.hw[i].phys:x} counted done without DONE")
            if err and desc.tx_result.result == DmaengineTxResult.DMA_TRANS_NOERROR:
                desc.tx_result.result = _ERR_RESULT.get(err, DmaengineTxResult.DMA_TRANS_READ_FAILED)
            if i == len(desc.hw) - 1:
                desc.on_hw = False
                chan.vchan_cookie_complete(desc)
        if status & L.reg("STATUS").field("HALTED").mask:
            log.error("%s: channel halted, error code %d", chan.name, (status >> 16) & 0xF)
        self._start_locked(chan)

    # -- status --------------------------------------------------------------------------------
    def device_tx_status(self, chan: PydmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
        ret = _cookie.dma_cookie_status(chan, cookie, state)
        if ret == DmaStatus.DMA_COMPLETE or state is None:
            return ret
        with chan.lock:
            desc = chan.vchan_find_desc(cookie)
            if desc is not None:
                if desc.on_hw:
                    # segment granularity: what the status words say is not yet done
                    state.residue = sum(h.length for h in desc.hw if not h.status()[0])
                else:
                    state.residue = desc.total
        return ret


def pydma_filter(chan: DmaChan, param: object) -> bool:
    """The provider's filter function: the param of a slave-map entry is a channel index."""
    return isinstance(chan, PydmaChan) and chan.index == param


def _sg_segments(sgl: list[Scatterlist] | None, nents: int) -> list[tuple[int, int]]:
    if not sgl or nents <= 0 or nents > len(sgl):
        return []
    out = []
    for sg in sgl[:nents]:
        if sg.dma_length <= 0:
            return []
        out.append((sg.dma_address, sg.dma_length))
    return out

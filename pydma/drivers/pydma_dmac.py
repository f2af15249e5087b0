"""Provider driver for the pydma controller (rtl/pydma_dmac.sv), built on virt-dma.

One dmaengine transaction is a chain of hardware descriptors from a per-channel DMA pool,
linked through NEXT, with IOC on its last one (a cyclic one: a closed ring, IOC on every
period). `issue_pending` hands issued transactions to the hardware: on an idle channel it
writes the slave set-up, CUR_DESC and TAIL_DESC; on a busy one it links the old tail to new
work with the same set-up and rings TAIL_DESC (the controller re-reads a stale tail's NEXT,
so appending is race-free). Work with another set-up, or behind a cyclic ring, waits until
the channel is idle. The IRQ handler reads DONE_CNT, completes the transactions whose last
descriptor is done (or signals a period), hands the hardware what it can take next, and
schedules the tasklet that runs the callbacks. Terminate writes CTRL.ABORT; the controller
drains and raises ABORT_IRQ, which synchronize waits for.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
from collections import deque

import cocotb
from cocotb.triggers import Event

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
    DmaSlaveConfig,
    DmaSlaveMap,
    DmaTxState,
    dma_async_device_register,
    dma_async_device_unregister,
)
from pydma.drivers.pydma_slave import (
    MAX_BURST,
    MEM_TO_MEM_CFG,
    PydmaRequest,
    check_config,
    setup_for,
    widths_mask,
)
from pydma.enums import (
    DmaCtrlFlags,
    DmaengineTxResult,
    DmaResidueGranularity,
    DmaStatus,
    DmaTransactionType,
    DmaTransferDirection,
)
from pydma.errors import EINVAL, EIO, ENODEV, ENOMEM, DmaApiMisuse, DmaError
from pydma.hw import layout as L
from pydma.kcontext import HARDIRQ, running_in
from pydma.memory import MemView
from pydma.virt_dma import VirtDmaChan, VirtDmaDesc

log = logging.getLogger("pydma.dmac")

_OFF = {f.name: f.offset for f in L.DESC_FIELDS}
_STATUS = L.reg("STATUS")
_STATUS_IRQ_BITS = _STATUS.field("IOC_IRQ").mask | _STATUS.field("ERR_IRQ").mask | _STATUS.field("ABORT_IRQ").mask
_CTRL = L.reg("CTRL")
_CTRL_BASE = _CTRL.field("RUN").mask | _CTRL.field("IOC_IRQ_EN").mask | _CTRL.field("ERR_IRQ_EN").mask
_PAUSE, _ABORT, _CYCLIC = (_CTRL.field(n).mask for n in ("PAUSE", "ABORT", "CYCLIC"))
_ERR_CODE_LSB = _STATUS.field("ERR_CODE").lsb
_ERR_RESULT = {
    L.ErrCode.READ: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    L.ErrCode.FETCH: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    L.ErrCode.DESC: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    L.ErrCode.WRITE: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,
    L.ErrCode.WRITEBACK: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,
}

ERROR_COOKIES_KEPT = 256

_ZERO8 = bytes(8)

# one hardware descriptor moves at most this much; longer segments are split
HW_SEG_MAX = 1 << 30


class HwDesc:
    """One hardware descriptor: its CPU view and bus address, and what it moves."""

    __slots__ = ("dst", "length", "orphan", "phys", "pinned", "src", "stat", "view")

    def __init__(self, view: MemView, phys: int) -> None:
        self.view = view
        self.phys = phys
        # the status words, read and cleared once per run of every descriptor: straight
        # at the bytes where the memory model allows (pool memory is coherent); made at
        # the first submit, so a prep costs nothing for it
        self.stat: memoryview | bool | None = False
        self.src = self.dst = self.length = 0
        self.pinned = False  # the hardware may still re-read its NEXT word
        self.orphan = False  # its transaction let go of it while pinned

    def write(self, next_phys: int, src: int, dst: int, length: int, ctrl: int) -> None:
        self.src, self.dst, self.length = src, dst, length
        self.view.write(0, L.pack_desc(next_phys, src, dst, length, ctrl))  # STATUS, XFERRED zero

    def set_next(self, next_phys: int) -> None:
        self.view.write(_OFF["NEXT"], next_phys.to_bytes(8, "little"))

    def clear_status(self) -> None:
        if self.stat is False:
            self.stat = self.view.raw(_OFF["STATUS"], 8)
        if self.stat is not None:
            self.stat[:] = _ZERO8
        else:
            self.view.write(_OFF["STATUS"], _ZERO8)

    def status(self) -> tuple[bool, int, int]:
        raw = bytes(self.stat) if self.stat else self.view.read(_OFF["STATUS"], 8)
        word = int.from_bytes(raw[:4], "little")
        return bool(word & L.DescStatus.DONE), (word >> L.DescStatus.ERR_SHIFT) & 0xF, int.from_bytes(raw[4:], "little")


class PydmaDesc(VirtDmaDesc):
    def __init__(
        self,
        chan: PydmaChan,
        flags: DmaCtrlFlags,
        hw: list[HwDesc],
        setup: tuple[int, int] = MEM_TO_MEM_CFG,
        cyclic: bool = False,
    ) -> None:
        super().__init__(chan, flags)
        self.hw = hw
        self.total = sum(h.length for h in hw)
        self.setup = setup  # (SLAVE_CFG, DEV_ADDR) the channel needs for it
        self.cyclic = cyclic
        self.on_hw = False  # issued and handed to the controller, not yet completed
        self.hw_base = 0  # DONE_CNT number of its first hardware descriptor
        self.moved = 0  # bytes its retired hardware descriptors report moved
        self._status_runs: list | None = None  # made at the first submit (clear_statuses)
        self._queue_entries: list | None = None

    def __repr__(self) -> str:
        return f"<PydmaDesc cookie={self.cookie} segs={len(self.hw)} len={self.total}>"

    def clear_statuses(self) -> None:
        """Zero every hardware descriptor's status word before the controller sees them.
        Descriptors at evenly spaced pool addresses (the usual case: one prep takes them in
        a row) are cleared as one strided view per run, eight slice stores for the lot, so
        a reused 4096-descriptor chain resubmits in well under a millisecond."""
        if self._status_runs is None:
            self._status_runs = _status_runs(self.hw)
        for view, stride, n, one_by_one in self._status_runs:
            if one_by_one is not None:
                for h in one_by_one:
                    h.clear_status()
                continue
            zeros = bytes(n)
            for k in range(8):
                view[k::stride] = zeros

    def queue_entries(self) -> list[tuple[PydmaDesc, int]]:
        """(self, i) for each hardware descriptor, as the channel's hw_queue holds them."""
        if self._queue_entries is None:
            self._queue_entries = [(self, i) for i in range(len(self.hw))]
        return self._queue_entries


def _status_runs(hw: list[HwDesc]) -> list:
    """Runs of hardware descriptors at a constant address stride within one allocation (a
    pool page), each as (a view from the first status word to the last, the stride, the
    count, None); where the memory model gives no direct view, or for a lone descriptor,
    (None, 0, 0, [its HwDescs])."""
    get = getattr(hw[0].view.mem, "buffer", None) if hw else None
    runs: list = []

    def add(i: int, j: int, stride: int) -> None:
        n = j - i
        if get is None or n == 1:
            runs.append((None, 0, 0, hw[i:j]))
            return
        try:
            view = get(hw[i].phys + _OFF["STATUS"], stride * (n - 1) + 8)
        except ValueError:  # the run crosses from one pool page into another: halve it
            mid = (i + j) // 2
            add(i, mid, stride)
            add(mid, j, stride)
            return
        runs.append((view, stride, n, None))

    i = 0
    while i < len(hw):
        stride = hw[i + 1].phys - hw[i].phys if i + 1 < len(hw) else 0
        j = i + 1
        if stride >= 8:
            while j < len(hw) and hw[j].phys - hw[j - 1].phys == stride:
                j += 1
        add(i, j, stride)
        i = j
    return runs


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
        self.stats = {"starts": 0, "appends": 0, "irqs": 0, "aborts": 0, "halts_ahead": 0}
        self.config: DmaSlaveConfig | None = None  # from dmaengine_slave_config
        self.req_line: int | None = None  # from the filter parameter (PydmaRequest)
        self.req_pipe = False  # the line's handshake is pipelined (PydmaRequest.pipelined)
        self.ctrl = _CTRL_BASE  # CTRL as last written, without the ABORT command
        self.hw_setup = MEM_TO_MEM_CFG  # set-up registers as last written
        self.hw_cyclic: PydmaDesc | None = None  # the ring the hardware is looping on
        self.hw_handed = 0  # hardware descriptors handed over, in DONE_CNT numbering
        self.aborting = False  # ABORT written, ABORT_IRQ not yet seen
        self.abort_done = Event()
        self.abort_done.set()
        self.halted = False
        # A descriptor's status came back failed but the channel has not reported the halt
        # yet (it still drains): the transactions issued at that moment, to be aborted once
        # it has. Nothing is handed to the hardware meanwhile.
        self.halt_pending: list[PydmaDesc] | None = None
        self.paused = False
        # cookies that completed with an error or were aborted behind one: tx_status says
        # DMA_ERROR for them (the last ERROR_COOKIES_KEPT)
        self.error_cookies: deque[int] = deque(maxlen=ERROR_COOKIES_KEPT)

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
        self.num_req = 0
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

        self.num_req = await backend.readl(L.reg("REQ_CONFIG").offset) & L.reg("REQ_CONFIG").field("NUM_REQ").mask

        self.cap_mask.bits = 0
        for cap in (
            DmaTransactionType.DMA_MEMCPY,
            DmaTransactionType.DMA_MEMCPY_SG,
            DmaTransactionType.DMA_SLAVE,
            DmaTransactionType.DMA_CYCLIC,
        ):
            self.cap_mask.bits |= 1 << cap
        self.directions = 0
        for d in (
            DmaTransferDirection.DMA_MEM_TO_MEM,
            DmaTransferDirection.DMA_MEM_TO_DEV,
            DmaTransferDirection.DMA_DEV_TO_MEM,
        ):
            self.directions |= 1 << d
        self.src_addr_widths = self.dst_addr_widths = widths_mask(self.data_bytes)
        self.min_burst, self.max_burst = 1, MAX_BURST
        self.residue_granularity = DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_BURST
        self.descriptor_reuse = True
        self.copy_align = 0  # byte granular

        for i in range(self.num_channels):
            chan = PydmaChan(self, i)
            chan.vchan_init()
            self.channels.append(chan)
            # reset, then run with both interrupts enabled
            backend.writel(chan.reg("CTRL"), _CTRL.field("RESET").mask)
            backend.writel(chan.reg("CTRL"), chan.ctrl)
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
    def descriptors_at(self, addr: int) -> list[str]:
        """Descriptors with a segment that reads or writes `addr`, for debug reports."""
        out = []
        for chan in self.channels:
            for state, lst in chan.lists().items():
                for desc in lst:
                    for i, h in enumerate(desc.hw):
                        if h.src <= addr < h.src + h.length or h.dst <= addr < h.dst + h.length:
                            seg = f"segment {i} (src 0x{h.src:x} dst 0x{h.dst:x} len {h.length})"
                            out.append(f"{chan.name} {desc!r} {state}, {seg}")
                            break
        return out

    def device_alloc_chan_resources(self, chan: PydmaChan) -> int:
        chan.pool = dma_pool_create(f"{chan.name}-desc", self.dev, L.DESC_SIZE, L.DESC_ALIGN, 4096)
        if chan.pool is None:
            return ENOMEM
        _cookie.dma_cookie_init(chan)
        return 0

    def device_free_chan_resources(self, chan: PydmaChan) -> None:
        if chan.hw_queue or chan.hw_cyclic is not None or chan.aborting:
            # freeing would hand descriptors the controller is still walking to new owners
            raise DmaApiMisuse(
                f"{chan.name} released with work still on the hardware; "
                "dmaengine_terminate_sync() it (or wait for completion) first"
            )
        chan.vchan_free_chan_resources()
        chan.config = None
        chan.req_line = None
        chan.req_pipe = False
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

    def _build(
        self,
        chan: PydmaChan,
        segs: list[tuple[int, int, int]],
        flags: DmaCtrlFlags,
        setup: tuple[int, int] = MEM_TO_MEM_CFG,
        cyclic: bool = False,
    ) -> PydmaDesc | None:
        """segs: (src, dst, len) in order; one hardware descriptor each. A cyclic one is a
        closed ring with IOC on every period."""
        hw = self._alloc_hw(chan, len(segs))
        if hw is None:
            return None
        for i, (src, dst, length) in enumerate(segs):
            last = i == len(segs) - 1
            nxt = hw[0].phys if cyclic and last else 0 if last else hw[i + 1].phys
            ioc = L.DescCtrl.IOC if last or cyclic else 0
            hw[i].write(nxt, src, dst, length, ioc)
        return chan.vchan_tx_prep(PydmaDesc(chan, flags, hw, setup, cyclic))

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
        if _overlap(chan, "prep_dma_memcpy", [(dest, length)], [(src, length)]):
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
        if _overlap(chan, "prep_dma_memcpy_sg", dst, src):
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

    def device_config(self, chan: PydmaChan, config: DmaSlaveConfig) -> int:
        if not check_config(chan.name, config, self.data_bytes, self.addr_width):
            return EINVAL
        chan.config = dataclasses.replace(config)  # applies to transactions prepared later
        return 0

    def _slave_setup(self, chan: PydmaChan, direction: DmaTransferDirection):
        setup = setup_for(
            chan.name, chan.config, DmaTransferDirection(direction), chan.req_line, self.data_bytes, chan.req_pipe
        )
        if setup is not None and not self._addr_ok(chan, "device address", setup.dev_addr, setup.width):
            return None
        return setup

    def device_prep_slave_sg(self, chan, sgl, sg_len, direction, flags):
        setup = self._slave_setup(chan, direction)
        if setup is None:
            return None
        ents = _sg_segments(sgl, sg_len)
        if not ents:
            log.error("%s: prep_slave_sg with an empty or unmapped scatterlist", chan.name)
            return None
        to_dev = setup.direction == DmaTransferDirection.DMA_MEM_TO_DEV
        if not to_dev and _overlap(chan, "prep_slave_sg", ents, []):
            return None  # sending the same memory twice is fine; receiving into it is not
        segs: list[tuple[int, int, int]] = []
        for addr, n in ents:
            if n % setup.width:
                log.error("%s: prep_slave_sg entry of %d bytes, not a multiple of width %d", chan.name, n, setup.width)
                return None
            if not self._addr_ok(chan, "buffer", addr, n):
                return None
            for off in range(0, n, HW_SEG_MAX):
                m = min(HW_SEG_MAX, n - off)
                segs.append((addr + off, setup.dev_addr, m) if to_dev else (setup.dev_addr, addr + off, m))
        return self._build(chan, segs, flags, (setup.cfg_word, setup.dev_addr))

    def device_prep_dma_cyclic(self, chan, buf_addr, buf_len, period_len, direction, flags):
        setup = self._slave_setup(chan, direction)
        if setup is None:
            return None
        if period_len <= 0 or buf_len <= 0 or buf_len % period_len or period_len % setup.width:
            log.error(
                "%s: prep_dma_cyclic: buffer %d and period %d must be positive, the buffer a whole "
                "number of periods and the period of elements of %d bytes",
                chan.name,
                buf_len,
                period_len,
                setup.width,
            )
            return None
        if period_len > HW_SEG_MAX or not self._addr_ok(chan, "buffer", buf_addr, buf_len):
            return None
        to_dev = setup.direction == DmaTransferDirection.DMA_MEM_TO_DEV
        segs = [
            (buf_addr + off, setup.dev_addr, period_len) if to_dev else (setup.dev_addr, buf_addr + off, period_len)
            for off in range(0, buf_len, period_len)
        ]
        return self._build(chan, segs, flags, (setup.cfg_word, setup.dev_addr), cyclic=True)

    # -- issue ---------------------------------------------------------------------------------
    def device_issue_pending(self, chan: PydmaChan) -> None:
        with chan.lock:
            if chan.vchan_issue_pending():
                self._start_locked(chan)

    def _start_locked(self, chan: PydmaChan) -> None:
        """Hand the hardware the issued transactions it can take now: on an idle channel, a
        cyclic ring or a run with one set-up; on a busy one, more of the running set-up."""
        if chan.aborting or chan.hw_cyclic is not None or chan.halt_pending is not None:
            return  # the abort (or halt) interrupt, or terminate, comes back here
        new = [d for d in chan.desc_issued if not d.on_hw]
        if not new:
            return
        idle = not chan.hw_queue
        if idle and new[0].cyclic:
            batch = new[:1]
        else:
            setup = new[0].setup if idle else chan.hw_setup
            batch = list(itertools.takewhile(lambda d: d.setup == setup and not d.cyclic, new))
            if not batch:
                return  # waits until the running chain is done
        for prev, desc in itertools.pairwise(batch):
            prev.hw[-1].set_next(desc.hw[0].phys)
        for desc in batch:
            desc.clear_statuses()
            desc.on_hw = True
            desc.moved = 0  # a reused transaction starts over
            desc.hw_base = chan.hw_handed
            if desc.cyclic:
                chan.hw_cyclic = desc
            else:
                chan.hw_handed += len(desc.hw)
                chan.hw_queue.extend(desc.queue_entries())
        head, tail = batch[0].hw[0], batch[-1].hw[-1]
        w = self.backend.writel
        if idle:
            cfg, dev_addr = batch[0].setup
            if (cfg, dev_addr) != chan.hw_setup:
                w(chan.reg("SLAVE_CFG"), cfg)
                w(chan.reg("DEV_ADDR_HI"), dev_addr >> 32)
                w(chan.reg("DEV_ADDR_LO"), dev_addr & 0xFFFF_FFFF)
                chan.hw_setup = (cfg, dev_addr)
            ctrl = (chan.ctrl & ~_CYCLIC) | (_CYCLIC if batch[0].cyclic else 0)
            if ctrl != chan.ctrl:
                chan.ctrl = ctrl
                w(chan.reg("CTRL"), ctrl)
            w(chan.reg("CUR_DESC_HI"), head.phys >> 32)
            w(chan.reg("CUR_DESC_LO"), head.phys & 0xFFFF_FFFF)
            chan.stats["starts"] += 1
        else:
            chan.hw_tail.set_next(head.phys)  # the controller re-reads a stale tail's NEXT
            chan.stats["appends"] += 1
        w(chan.reg("TAIL_DESC_HI"), tail.phys >> 32)
        w(chan.reg("TAIL_DESC_LO"), tail.phys & 0xFFFF_FFFF)
        chan.hw_tail = tail

    # -- pause, resume, terminate -------------------------------------------------------------
    def _write_ctrl(self, chan: PydmaChan, ctrl: int) -> None:
        chan.ctrl = ctrl
        self.backend.writel(chan.reg("CTRL"), ctrl)

    def device_pause(self, chan: PydmaChan) -> int:
        """Posted: the channel holds at its next burst boundary; STATUS.PAUSED says when."""
        with chan.lock:
            chan.paused = True
            self._write_ctrl(chan, chan.ctrl | _PAUSE)
        return 0

    def device_resume(self, chan: PydmaChan) -> int:
        with chan.lock:
            chan.paused = False
            self._write_ctrl(chan, chan.ctrl & ~_PAUSE)
        return 0

    def device_terminate_all(self, chan: PydmaChan) -> int:
        """Abort what the hardware has (it drains in the background; synchronize waits for
        it), free what it never saw, and keep the rest until synchronize."""
        with chan.lock:
            on_hw = [d for d in chan.desc_issued if d.on_hw]
            if (on_hw or chan.halted) and not chan.aborting:
                chan.aborting = True
                chan.abort_done.clear()
                chan.stats["aborts"] += 1
                chan.ctrl &= ~(_PAUSE | _CYCLIC)
                self.backend.writel(chan.reg("CTRL"), chan.ctrl | _ABORT)
            chan.paused = False
            chan.halt_pending = None
            for desc in on_hw:
                desc.on_hw = False
                chan.vchan_terminate_vdesc(desc)
            chan.hw_queue.clear()
            chan.hw_cyclic = None
            chan.hw_tail = None
            descs = chan.vchan_get_all_descriptors()
        chan.vchan_dma_desc_free_list(descs)
        return 0

    async def device_synchronize(self, chan: PydmaChan) -> None:
        while chan.aborting:
            await chan.abort_done.wait()
        await chan.vchan_synchronize()

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
        if status & _STATUS.field("ABORT_IRQ").mask:
            self._abort_done_locked(chan, done_cnt)
        elif chan.aborting:
            chan.hw_done_cnt = done_cnt  # what completes while aborting was terminated
            return
        newly = (done_cnt - chan.hw_done_cnt) & 0xFFFF_FFFF
        chan.hw_done_cnt = done_cnt
        if chan.hw_cyclic is not None and newly:
            chan.vchan_cyclic_callback(chan.hw_cyclic)
        failed_code = 0 if chan.hw_cyclic is not None else self._complete_locked(chan, newly)
        if status & _STATUS.field("HALTED").mask:
            self._halted_locked(chan, L.ErrCode((status & _STATUS.field("ERR_CODE").mask) >> _ERR_CODE_LSB))
        elif failed_code and chan.halt_pending is None:
            # A status written back with an error means the channel halts on that
            # descriptor, but STATUS (read first) may not show it yet: DONE_CNT can count the
            # failed descriptor before HALTED is set, while later chunks still drain. What
            # is issued now is aborted once the halt is reported; work the client issues from
            # the failed transaction's callback waits for the abort instead of being written
            # into a halting channel (CUR_DESC is refused while it is not idle).
            chan.halt_pending = list(chan.desc_issued)
            chan.stats["halts_ahead"] += 1
        self._start_locked(chan)

    def _halted_locked(self, chan: PydmaChan, code: L.ErrCode) -> None:
        """The channel stopped on an error. The transaction it stopped in completes with
        the error, every other issued one with DMA_TRANS_ABORTED (callbacks run, no cookie
        hangs), and the channel is reset with ABORT; work issued later starts after it."""
        chan.halted = True
        pending = chan.halt_pending
        victims = chan.desc_issued if pending is None else [d for d in pending if d in chan.desc_issued]
        chan.halt_pending = None
        # A data or descriptor error was written back and counted (so the transaction may
        # have completed with it already); a fetch or write-back error stopped uncounted.
        head = chan.hw_queue[0][0] if chan.hw_queue else None
        uncounted = code in (L.ErrCode.FETCH, L.ErrCode.WRITEBACK)
        head_failed = head is not None and (uncounted or head.tx_result.result != DmaengineTxResult.DMA_TRANS_NOERROR)
        failed = chan.hw_cyclic or (head if head_failed else None)
        culprit = failed.cookie if failed is not None else (chan.error_cookies[-1] if chan.error_cookies else None)
        log.error("%s: channel halted on %s error in transaction %s", chan.name, code.name, culprit)
        if failed is not None and failed.tx_result.result == DmaengineTxResult.DMA_TRANS_NOERROR:
            failed.tx_result.result = _ERR_RESULT.get(code, DmaengineTxResult.DMA_TRANS_READ_FAILED)
        for desc in list(victims):
            if desc is not failed:
                desc.tx_result.result = DmaengineTxResult.DMA_TRANS_ABORTED
                desc.moved = 0
            desc.tx_result.residue = desc.total - desc.moved
            desc.on_hw = False
            chan.error_cookies.append(desc.cookie)
            chan.vchan_cookie_complete(desc)
        chan.hw_queue.clear()
        chan.hw_cyclic = None
        chan.hw_tail = None
        chan.aborting = True
        chan.abort_done.clear()
        chan.paused = False
        chan.ctrl &= ~(_PAUSE | _CYCLIC)
        self.backend.writel(chan.reg("CTRL"), chan.ctrl | _ABORT)

    def _complete_locked(self, chan: PydmaChan, newly: int) -> int:
        """Complete the `newly` descriptors DONE_CNT counted; returns the error code the
        first failed one reported (0 if none failed)."""
        failed_code = 0
        if newly > len(chan.hw_queue):
            raise DmaError(EIO, f"{chan.name}: DONE_CNT says {newly} done, only {len(chan.hw_queue)} queued")
        for _ in range(newly):
            desc, i = chan.hw_queue.popleft()
            self._retire(chan, desc.hw[i])
            done, err, moved = desc.hw[i].status()
            desc.moved += moved
            if not done:
                raise DmaError(EIO, f"{chan.name}: descriptor 0x{desc.hw[i].phys:x} counted done without DONE")
            if err and not failed_code:
                failed_code = err
            if err and desc.tx_result.result == DmaengineTxResult.DMA_TRANS_NOERROR:
                desc.tx_result.result = _ERR_RESULT.get(err, DmaengineTxResult.DMA_TRANS_READ_FAILED)
            if i == len(desc.hw) - 1:
                desc.on_hw = False
                # a peripheral that ended the packet early (LREQ) leaves a residue
                desc.tx_result.residue = desc.total - desc.moved
                if desc.tx_result.result != DmaengineTxResult.DMA_TRANS_NOERROR:
                    chan.error_cookies.append(desc.cookie)
                chan.vchan_cookie_complete(desc)
        return failed_code

    def _abort_done_locked(self, chan: PydmaChan, done_cnt: int) -> None:
        """The controller is idle and will touch nothing of the old work again."""
        chan.aborting = False
        chan.halted = False
        chan.halt_pending = None
        chan.hw_done_cnt = chan.hw_handed = done_cnt
        last, chan.last_retired = chan.last_retired, None
        if last is not None:
            last.pinned = False
            if last.orphan:
                dma_pool_free(chan.pool, last.view, last.phys)
        chan.abort_done.set()

    # -- status --------------------------------------------------------------------------------
    def device_tx_status(self, chan: PydmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
        ret = _cookie.dma_cookie_status(chan, cookie, state)
        if ret == DmaStatus.DMA_COMPLETE:
            return DmaStatus.DMA_ERROR if cookie in chan.error_cookies else ret
        if chan.paused:
            ret = DmaStatus.DMA_PAUSED
        if state is None:
            return ret
        with chan.lock:
            desc = chan.vchan_find_desc(cookie)
            if desc is not None:
                state.residue = self._residue_locked(chan, desc) if desc.on_hw else desc.total
        return ret

    def _residue_locked(self, chan: PydmaChan, desc: PydmaDesc) -> int:
        """Burst granularity: DONE_CNT and XFERRED read in one instant (the kernel's readl
        from atomic context; here a zero-time read, see docs/driver-api.md)."""
        peek = getattr(self.backend, "peekl", None)
        if peek is None:  # segment granularity, from the written-back status words
            return sum(h.length for h in desc.hw if not h.status()[0])
        done = peek(chan.reg("DONE_CNT"))
        xferred = peek(chan.reg("XFERRED"))
        k = (done - desc.hw_base) & 0xFFFF_FFFF
        if desc.cyclic:  # position in the ring, as ALSA's pointer callback wants it
            k %= len(desc.hw)
        if k >= len(desc.hw):
            return 0
        return sum(h.length for h in desc.hw[k:]) - xferred


def pydma_filter(chan: DmaChan, param: object) -> bool:
    """The provider's filter function. The param is a channel index, or a PydmaRequest
    (request line, optional channel index): the accepted channel is then paced by that line."""
    if not isinstance(chan, PydmaChan):
        return False
    if isinstance(param, PydmaRequest):
        if param.chan is not None and chan.index != param.chan:
            return False
        if not 0 <= param.line < chan.device.num_req:
            log.error("%s: request line %d does not exist (%d lines)", chan.name, param.line, chan.device.num_req)
            return False
        chan.req_line = param.line
        chan.req_pipe = param.pipelined
        return True
    return chan.index == param


def _overlap(chan: PydmaChan, call: str, dst: list[tuple[int, int]], src: list[tuple[int, int]]) -> bool:
    """Destination ranges that overlap each other or a source range make the result depend
    on the order the controller moves bytes in: refused, as bad input (logged)."""
    dst = sorted(dst)
    for (a, n), (b, m) in itertools.pairwise(dst):
        if b < a + n:
            log.error("%s: %s: destinations [0x%x, +0x%x) and [0x%x, +0x%x) overlap", chan.name, call, a, n, b, m)
            return True
    starts = [a for a, _ in dst]
    for b, m in src:
        i = bisect.bisect_left(starts, b + m) - 1  # the last destination starting before the end
        if i >= 0 and starts[i] + dst[i][1] > b:
            a, n = dst[i]
            log.error("%s: %s: destination [0x%x, +0x%x) overlaps source [0x%x, +0x%x)", chan.name, call, a, n, b, m)
            return True
    return False


def _sg_segments(sgl: list[Scatterlist] | None, nents: int) -> list[tuple[int, int]]:
    if not sgl or nents <= 0 or nents > len(sgl):
        return []
    out = []
    for sg in sgl[:nents]:
        if sg.dma_length <= 0:
            return []
        out.append((sg.dma_address, sg.dma_length))
    return out

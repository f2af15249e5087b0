"""The pydma controller's dmaengine device: probe and capabilities, channel resources, the
prep entry points (segments from `segments`, descriptors from the channel's ring), issue,
pause/resume/terminate/synchronize, and tx_status with residue (burst-granular where the
backend can read registers from atomic context, segment-granular otherwise)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from pydma import cookie as _cookie
from pydma.backend import DmaBackend, DmaBackendCaps
from pydma.dma_mapping import Device
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
from pydma.dmaengine_raid import SumCheckResult, dma_set_maxpq
from pydma.drivers.pydma_dmac import debugfs, op_segments, segments, xt_segments
from pydma.drivers.pydma_dmac.chan import ChanState, PydmaChan
from pydma.drivers.pydma_dmac.desc import PydmaDesc, link
from pydma.drivers.pydma_dmac.irq import abort_locked, irq_thread
from pydma.drivers.pydma_dmac.issue import start_locked
from pydma.drivers.pydma_dmac.segments import PrepRefused, Seg
from pydma.drivers.pydma_slave import MAX_BURST, MEM_TO_MEM_CFG, PydmaRequest, check_config, setup_for, widths_mask
from pydma.enums import (
    DmaCtrlFlags,
    DmaResidueGranularity,
    DmaStatus,
    DmaTransactionType,
    DmaTransferDirection,
)
from pydma.errors import EINVAL, ENODEV, ENOMEM, DmaApiMisuse, DmaError
from pydma.hw import layout
from pydma.reports import REFUSED, driver_logger

log = driver_logger("pydma.dmac")

CAPABILITIES = (
    DmaTransactionType.DMA_MEMCPY,
    DmaTransactionType.DMA_MEMCPY_SG,
    DmaTransactionType.DMA_SLAVE,
    DmaTransactionType.DMA_CYCLIC,
)
DIRECTIONS = (
    DmaTransferDirection.DMA_MEM_TO_MEM,
    DmaTransferDirection.DMA_MEM_TO_DEV,
    DmaTransferDirection.DMA_DEV_TO_MEM,
)


def _field(value: int, reg: str, name: str) -> int:
    f = layout.reg(reg).field(name)
    return (value & f.mask) >> f.lsb


class PydmaDevice(DmaDevice):
    """Bind with `await PydmaDevice.probe(dev, backend)`; unbind with `await remove()`."""

    def __init__(self, dev: Device, backend: DmaBackend, name: str, max_hw_desc: int) -> None:
        super().__init__(name, dev, backend.runtime)
        self.backend = backend
        self.max_hw_desc = max_hw_desc
        self.num_channels = 0
        self.num_req = 0
        self.data_bytes = 0
        self.addr_width = 0
        self.hw_max_xor = self.hw_max_pq = 0  # OPS_CONFIG
        self.hw_fill = False

    # -- probe and remove ---------------------------------------------------------------------
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
        ident = await backend.readl(layout.reg("ID").offset)
        if ident != layout.ID_MAGIC:
            raise DmaError(ENODEV, f"{name}: ID register reads 0x{ident:08x}, not a pydma DMAC")
        version = await backend.readl(layout.reg("VERSION").offset)
        if version >> 16 != layout.VERSION >> 16:
            raise DmaError(ENODEV, f"{name}: register map version 0x{version:08x} unsupported")
        config = await backend.readl(layout.reg("CONFIG").offset)
        self.num_channels = _field(config, "CONFIG", "NUM_CH")
        self.data_bytes = _field(config, "CONFIG", "DATA_BYTES")
        self.addr_width = _field(config, "CONFIG", "ADDR_W")
        self.num_req = _field(await backend.readl(layout.reg("REQ_CONFIG").offset), "REQ_CONFIG", "NUM_REQ")
        ops = await backend.readl(layout.reg("OPS_CONFIG").offset)
        self.hw_max_xor = _field(ops, "OPS_CONFIG", "MAX_XOR")
        self.hw_max_pq = _field(ops, "OPS_CONFIG", "MAX_PQ")
        self.hw_fill = bool(_field(ops, "OPS_CONFIG", "FILL"))
        self.hw_xt = bool(_field(ops, "OPS_CONFIG", "XT"))
        self.hw_repeat = bool(_field(ops, "OPS_CONFIG", "REPEAT"))
        self._declare_capabilities()

        for i in range(self.num_channels):
            chan = PydmaChan(self, i)
            chan.vchan_init()
            self.channels.append(chan)
            chan.regs.reset()
            chan.irq_task = self.runtime.spawn(irq_thread(chan))
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

    def _declare_capabilities(self) -> None:
        self.cap_mask.bits = 0
        for cap in CAPABILITIES:
            self.cap_mask.bits |= 1 << cap
        self.directions = 0
        for d in DIRECTIONS:
            self.directions |= 1 << d
        self.src_addr_widths = self.dst_addr_widths = widths_mask(self.data_bytes)
        self.min_burst, self.max_burst = 1, MAX_BURST
        # burst granularity needs DONE_CNT and XFERRED read from atomic context
        peek = bool(self.backend.caps & DmaBackendCaps.PEEK_REGS)
        self.residue_granularity = (
            DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_BURST
            if peek
            else DmaResidueGranularity.DMA_RESIDUE_GRANULARITY_SEGMENT
        )
        self.descriptor_reuse = True
        # the mover is byte granular for every operation (a realigner per source)
        self.copy_align = self.xor_align = self.pq_align = self.fill_align = 0
        self.cap_mask.bits |= 1 << DmaTransactionType.DMA_INTERRUPT
        if self.hw_max_xor:
            self.max_xor = self.hw_max_xor
            for cap in (DmaTransactionType.DMA_XOR, DmaTransactionType.DMA_XOR_VAL):
                self.cap_mask.bits |= 1 << cap
        if self.hw_max_pq:
            dma_set_maxpq(self, self.hw_max_pq, False)  # continuation by extra sources (op_segments.pq)
            for cap in (DmaTransactionType.DMA_PQ, DmaTransactionType.DMA_PQ_VAL):
                self.cap_mask.bits |= 1 << cap
        if self.hw_fill:
            for cap in (DmaTransactionType.DMA_MEMSET, DmaTransactionType.DMA_MEMSET_SG):
                self.cap_mask.bits |= 1 << cap
        if self.hw_xt:
            self.cap_mask.bits |= 1 << DmaTransactionType.DMA_INTERLEAVE
        if self.hw_repeat:  # repeated frames, replaced at a frame's end
            for cap in (DmaTransactionType.DMA_REPEAT, DmaTransactionType.DMA_LOAD_EOT):
                self.cap_mask.bits |= 1 << cap

    async def remove(self) -> None:
        dma_async_device_unregister(self)
        for chan in self.channels:
            if chan.client_count:
                await chan.release()
            chan.irq_task.cancel()
            chan.tasklet.stop()

    # -- debugfs (pydma.sysfs: dmaengine/summary) -------------------------------------------------
    def dbg_summary_show(self, s, hw=None) -> None:
        debugfs.summary_show(self, s, hw)

    async def dbg_summary_read(self) -> dict[int, dict[str, int]]:
        return await debugfs.summary_read(self)

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
        if not chan.ring.create(self.dev):
            return ENOMEM
        _cookie.dma_cookie_init(chan)
        return 0

    def device_free_chan_resources(self, chan: PydmaChan) -> None:
        if chan.hw_queue or chan.state in (ChanState.CYCLIC, ChanState.ABORTING):
            # freeing would hand descriptors the controller is still walking to new owners
            raise DmaApiMisuse(
                f"{chan.name} released with work still on the hardware; "
                "dmaengine_terminate_sync() it (or wait for completion) first"
            )
        chan.vchan_free_chan_resources()
        chan.config = None
        chan.req_line = None
        chan.req_pipe = False
        chan.ring.destroy()

    # -- prep ----------------------------------------------------------------------------------
    def _build(
        self,
        chan: PydmaChan,
        make_segs: Callable[[], list[Seg]],
        flags: DmaCtrlFlags,
        setup: tuple[int, int] = MEM_TO_MEM_CFG,
        cyclic: bool = False,
        sum_check=None,
        op: str = "memcpy",
    ) -> PydmaDesc | None:
        """A transaction of one hardware descriptor per segment, or None (logged) when the
        segment builder refuses the arguments or the ring has too few descriptors (or
        operand tables)."""
        try:
            segs: list[Seg] = make_segs()
        except PrepRefused as exc:
            log.error("%s: %s", chan.name, exc, extra={"pydma_tag": REFUSED})
            return None
        hw = chan.ring.alloc(len(segs))
        if hw is None:
            return None
        with_operands = [h for h, seg in zip(hw, segs, strict=True) if seg.operands is not None]
        if with_operands and not chan.ring.alloc_operands(with_operands):
            chan.ring.free(hw)
            log.warning("%s: out of operand tables", chan.name)
            return None
        link(hw, segs, cyclic, fence=bool(flags & DmaCtrlFlags.DMA_PREP_FENCE))
        desc = PydmaDesc(chan, flags, hw, setup, cyclic)
        desc.op = op  # its operation, as the client asked for it (trace, summary)
        desc.sum_check = sum_check
        desc.segs = segs  # what each descriptor reads and writes (strict mode's fence check)
        return chan.vchan_tx_prep(desc)

    def device_prep_dma_memcpy(self, chan, dest, src, length, flags):
        return self._build(chan, lambda: segments.memcpy(dest, src, length, self.addr_width, self.max_hw_desc), flags)

    def device_prep_dma_memcpy_sg(self, chan, dst_sg, dst_nents, src_sg, src_nents, flags):
        return self._build(
            chan,
            lambda: segments.memcpy_sg(dst_sg, dst_nents, src_sg, src_nents, self.addr_width, self.max_hw_desc),
            flags,
            op="memcpy_sg",
        )

    # the operations beyond copies (capabilities from OPS_CONFIG; a prep the device lacks
    # is refused with the reason, as a driver without the op would not have the hook)
    def _build_op(self, chan, cap: DmaTransactionType, make_segs, flags, sum_check=None):
        if cap not in self.cap_mask:
            log.error("%s: %s is not a capability of %s", chan.name, cap.name, self.name, extra={"pydma_tag": REFUSED})
            return None
        return self._build(chan, make_segs, flags, sum_check=sum_check, op=cap.name.removeprefix("DMA_").lower())

    def device_prep_dma_xor(self, chan, dest, src, src_cnt, length, flags):
        return self._build_op(
            chan,
            DmaTransactionType.DMA_XOR,
            lambda: op_segments.xor(dest, src, src_cnt, length, self.max_xor, self.addr_width, self.max_hw_desc),
            flags,
        )

    def device_prep_dma_xor_val(self, chan, src, src_cnt, length, result, flags):
        return self._build_op(
            chan,
            DmaTransactionType.DMA_XOR_VAL,
            lambda: op_segments.xor_val(src, src_cnt, length, self.max_xor, self.addr_width, self.max_hw_desc),
            flags,
            _checked(result),
        )

    def device_prep_dma_pq(self, chan, dst, src, src_cnt, scf, length, flags):
        return self._build_op(
            chan,
            DmaTransactionType.DMA_PQ,
            lambda: op_segments.pq(
                dst, src, src_cnt, scf, length, flags, self.hw_max_pq, self.addr_width, self.max_hw_desc
            ),
            flags,
        )

    def device_prep_dma_pq_val(self, chan, pq, src, src_cnt, scf, length, pqres, flags):
        return self._build_op(
            chan,
            DmaTransactionType.DMA_PQ_VAL,
            lambda: op_segments.pq_val(
                pq, src, src_cnt, scf, length, flags, self.hw_max_pq, self.addr_width, self.max_hw_desc
            ),
            flags,
            _checked(pqres),
        )

    def device_prep_dma_memset(self, chan, dest, value, length, flags):
        return self._build_op(
            chan,
            DmaTransactionType.DMA_MEMSET,
            lambda: op_segments.memset(dest, value, length, self.addr_width, self.max_hw_desc),
            flags,
        )

    def device_prep_dma_memset_sg(self, chan, sg, nents, value, flags):
        return self._build_op(
            chan,
            DmaTransactionType.DMA_MEMSET_SG,
            lambda: op_segments.memset_sg(sg, nents, value, self.addr_width, self.max_hw_desc),
            flags,
        )

    def device_prep_dma_interrupt(self, chan, flags):
        return self._build_op(chan, DmaTransactionType.DMA_INTERRUPT, op_segments.interrupt, flags)

    def device_config(self, chan: PydmaChan, config: DmaSlaveConfig) -> int:
        if not check_config(chan.name, config, self.data_bytes, self.addr_width):
            return EINVAL
        chan.config = dataclasses.replace(config)  # applies to transactions prepared later
        return 0

    def _slave_setup(self, chan: PydmaChan, direction: DmaTransferDirection):
        setup = setup_for(
            chan.name, chan.config, DmaTransferDirection(direction), chan.req_line, self.data_bytes, chan.req_pipe
        )
        if setup is None:
            return None
        try:
            segments.check_bus("device address", setup.dev_addr, setup.width, self.addr_width)
        except PrepRefused as exc:
            log.error("%s: %s", chan.name, exc, extra={"pydma_tag": REFUSED})
            return None
        return setup

    def _build_slave(
        self,
        chan: PydmaChan,
        direction: DmaTransferDirection,
        make_segs: Callable[[bool, int, int], list[Seg]],
        flags: DmaCtrlFlags,
        cyclic: bool = False,
        op: str = "slave_sg",
    ) -> PydmaDesc | None:
        """A slave transaction: the channel's set-up for `direction`, then
        make_segs(to_dev, dev_addr, width) as for `_build`."""
        setup = self._slave_setup(chan, direction)
        if setup is None:
            return None
        to_dev = setup.direction == DmaTransferDirection.DMA_MEM_TO_DEV
        return self._build(
            chan,
            lambda: make_segs(to_dev, setup.dev_addr, setup.width),
            flags,
            (setup.cfg_word, setup.dev_addr),
            cyclic,
            op=("cyclic" if cyclic else op) + (" to device" if to_dev else " from device"),
        )

    def device_prep_slave_sg(self, chan, sgl, sg_len, direction, flags):
        return self._build_slave(
            chan,
            direction,
            lambda to_dev, dev_addr, width: segments.slave_sg(
                sgl, sg_len, to_dev, dev_addr, width, self.addr_width, self.max_hw_desc
            ),
            flags,
        )

    def device_prep_dma_cyclic(self, chan, buf_addr, buf_len, period_len, direction, flags):
        return self._build_slave(
            chan,
            direction,
            lambda to_dev, dev_addr, width: segments.cyclic(
                buf_addr, buf_len, period_len, to_dev, dev_addr, width, self.addr_width, self.max_hw_desc
            ),
            flags,
            cyclic=True,
        )

    def device_prep_interleaved_dma(self, chan, xt, flags):
        if DmaTransactionType.DMA_INTERLEAVE not in self.cap_mask:
            log.error(
                "%s: %s has no 2D descriptors (OPS_CONFIG.XT)", chan.name, self.name, extra={"pydma_tag": REFUSED}
            )
            return None
        repeat = bool(flags & DmaCtrlFlags.DMA_PREP_REPEAT)
        if xt.dir == DmaTransferDirection.DMA_MEM_TO_MEM:
            return self._build(
                chan,
                lambda: xt_segments.repeated(xt_segments.interleaved(xt, self.addr_width, self.max_hw_desc), repeat),
                flags,
                op="interleaved",
            )
        return self._build_slave(
            chan,
            xt.dir,
            lambda to_dev, dev_addr, width: xt_segments.repeated(
                xt_segments.interleaved(
                    xt, self.addr_width, self.max_hw_desc, xt_segments.Slave(to_dev, dev_addr, width)
                ),
                repeat,
                slave=True,
            ),
            flags,
            op="interleaved",
        )

    def device_prep_peripheral_dma_vec(self, chan, vecs, nents, direction, flags):
        return self._build_slave(
            chan,
            direction,
            lambda to_dev, dev_addr, width: xt_segments.dma_vec(
                vecs, nents, xt_segments.Slave(to_dev, dev_addr, width), self.addr_width, self.max_hw_desc
            ),
            flags,
            op="dma_vec",
        )

    # -- issue, pause, resume, terminate --------------------------------------------------------
    def device_issue_pending(self, chan: PydmaChan) -> None:
        with chan.lock:
            if chan.vchan_issue_pending():
                start_locked(chan)

    def device_pause(self, chan: PydmaChan) -> int:
        """Posted: the channel holds at its next burst boundary; STATUS.PAUSED says when."""
        with chan.lock:
            chan.paused = True
            chan.regs.pause(True)
        return 0

    def device_resume(self, chan: PydmaChan) -> int:
        with chan.lock:
            chan.paused = False
            chan.regs.pause(False)
        return 0

    def device_terminate_all(self, chan: PydmaChan) -> int:
        """Abort what the hardware has (it drains in the background; synchronize waits for
        it), free what it never saw, and keep the rest until synchronize."""
        with chan.lock:
            on_hw = [d for d in chan.desc_issued if d.on_hw]
            # A halting channel is aborted even when none of its transactions is left on it
            # (the failed one was the chain's last): new work must wait for the abort, not
            # be written into a channel that is about to report the halt.
            if (on_hw or chan.state is ChanState.HALTING) and chan.state is not ChanState.ABORTING:
                chan.stats["aborts"] += 1
                abort_locked(chan)
            chan.paused = False
            chan.halt_victims = []
            for desc in on_hw:
                desc.on_hw = False
                chan.vchan_terminate_vdesc(desc)
            chan.hw_queue.clear()
            chan.hw_ring = None
            chan.hw_tail = None
            descs = chan.vchan_get_all_descriptors()
        chan.vchan_dma_desc_free_list(descs)
        return 0

    async def device_synchronize(self, chan: PydmaChan) -> None:
        while chan.state is ChanState.ABORTING:
            await chan.abort_done.wait()
        await chan.vchan_synchronize()

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
        from atomic context; here a zero-time read, see docs/driver-api.md). Without such
        reads, segment granularity from the written-back status words."""
        progress = chan.regs.peek_progress()
        if progress is None:
            return sum(h.length for h in desc.hw if not h.status()[0])
        done, xferred = progress
        k = (done - desc.hw_base) & 0xFFFF_FFFF
        if k >= 1 << 31:  # on the hardware behind others not done yet: nothing of it moved
            return desc.total
        if desc.cyclic:  # position in the ring, as ALSA's pointer callback wants it
            k %= len(desc.hw)
        if k >= len(desc.hw):
            return 0
        residue = desc.remaining_from(k) - xferred
        if desc.cyclic and residue == 0:
            # the lap's last period has moved but is not counted yet: the position is the
            # ring's start again, a whole ring ahead (ALSA reads 0 < residue <= buffer)
            return desc.total
        return residue


def _checked(result: SumCheckResult) -> SumCheckResult:
    """The result holder of a check operation: the kernel's `enum sum_check_flags *`."""
    if not isinstance(result, SumCheckResult):
        raise DmaApiMisuse(f"a check operation's result must be a SumCheckResult, got {result!r}")
    return result


def pydma_filter(chan: DmaChan, param: object) -> bool:
    """The provider's filter function. The param is a channel index, or a PydmaRequest
    (request line, optional channel index): the accepted channel is then paced by that line."""
    if not isinstance(chan, PydmaChan):
        return False
    if isinstance(param, PydmaRequest):
        if param.chan is not None and chan.index != param.chan:
            return False
        if not 0 <= param.line < chan.device.num_req:
            log.error(
                "%s: request line %d does not exist (%d lines)",
                chan.name,
                param.line,
                chan.device.num_req,
                extra={"pydma_tag": REFUSED},
            )
            return False
        chan.req_line = param.line
        chan.req_pipe = param.pipelined
        return True
    return chan.index == param

"""Channels: `struct dma_chan` (`DmaChan`), its per-CPU counters, and the client's calls on
a channel as methods (prep, issue_pending, tx_status, slave_config, pause, resume,
terminate, synchronize, sync_wait, release), each checking that the channel is held and
handing over to its device's provider op."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydma import cookie as _cookie
from pydma import strict
from pydma.dma_mapping import Scatterlist
from pydma.dmaengine.interleaved import DmaInterleavedTemplate, DmaVec
from pydma.dmaengine.request import dma_release_channel
from pydma.dmaengine.slave import DmaSlaveCaps, DmaSlaveConfig, dma_get_slave_caps
from pydma.dmaengine.waits import _WAIT_HINT, dma_sync_wait
from pydma.enums import DmaCtrlFlags, DmaStatus, DmaTransactionType, DmaTransferDirection
from pydma.errors import DmaApiMisuse, DmaError
from pydma.kcontext import sleeping
from pydma.trace import tracer

if TYPE_CHECKING:
    from pydma.dmaengine.descriptors import DmaAsyncTxDescriptor, DmaTxState
    from pydma.dmaengine.device import DmaDevice

# what to do instead, when a sleeping call is made from a callback or an interrupt handler
# (dma_sync_wait's, _WAIT_HINT, is in waits.py)
_TERMINATE_HINT = (
    "Call dmaengine_terminate_async() (chan.terminate_async()) there, and dmaengine_synchronize() later "
    "from process context, before freeing what the callbacks use."
)


@dataclass
class DmaChanPercpu:
    """struct dma_chan_percpu (`chan.local`): one CPU here, so one of them. dma_cookie_assign
    counts each memcpy descriptor submitted; pydma.sysfs shows them."""

    memcpy_count: int = 0
    bytes_transferred: int = 0


class DmaChan:
    """struct dma_chan. Client calls are methods here and module-level functions (wrappers.py)."""

    def __init__(self, device: DmaDevice, chan_id: int) -> None:
        self.device = device
        self.chan_id = chan_id
        self.client_count = 0
        self.cookie = _cookie.DMA_MIN_COOKIE
        self.completed_cookie = _cookie.DMA_MIN_COOKIE
        self.progress = device.runtime.event()  # set whenever a cookie completes (for dma_sync_wait)
        self.terminated_upto = 0  # cookies up to this were terminated (strict mode)
        self.synced_upto = 0  # ... and synchronized: their callbacks must not run any more
        self.local = DmaChanPercpu()  # the sysfs counters, for the channel's whole life
        self.dbg_client_name: str | None = None  # "<dev>:<name>" while dma_request_chan's (debugfs)

    @property
    def name(self) -> str:
        return f"{self.device.name}chan{self.chan_id}"

    def __repr__(self) -> str:
        return f"<DmaChan {self.name}>"

    def _check_live(self, what: str) -> None:
        if self.client_count == 0:
            raise DmaApiMisuse(f"{what} on {self.name}, which is not requested (released?)")

    # -- prep ------------------------------------------------------------------------------------
    def prep_dma_memcpy(self, dest: int, src: int, length: int, flags: int = 0) -> DmaAsyncTxDescriptor | None:
        self._check_live("prep_dma_memcpy")
        return self.device.device_prep_dma_memcpy(self, dest, src, length, DmaCtrlFlags(flags))

    def prep_dma_memcpy_sg(
        self,
        dst_sg: list[Scatterlist],
        dst_nents: int,
        src_sg: list[Scatterlist],
        src_nents: int,
        flags: int = 0,
    ) -> DmaAsyncTxDescriptor | None:
        self._check_live("prep_dma_memcpy_sg")
        return self.device.device_prep_dma_memcpy_sg(self, dst_sg, dst_nents, src_sg, src_nents, DmaCtrlFlags(flags))

    def prep_slave_sg(
        self, sgl: list[Scatterlist], sg_len: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        self._check_live("prep_slave_sg")
        return self.device.device_prep_slave_sg(self, sgl, sg_len, direction, DmaCtrlFlags(flags))

    def prep_slave_single(
        self, buf: int, length: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        """dmaengine_prep_slave_single: a one-entry scatterlist handed to prep_slave_sg."""
        self._check_live("dmaengine_prep_slave_single")
        sg = Scatterlist(length=length, dma_address=buf, dma_length=length)
        return self.device.device_prep_slave_sg(self, [sg], 1, direction, DmaCtrlFlags(flags))

    def prep_dma_cyclic(
        self, buf_addr: int, buf_len: int, period_len: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        self._check_live("dmaengine_prep_dma_cyclic")
        return self.device.device_prep_dma_cyclic(self, buf_addr, buf_len, period_len, direction, DmaCtrlFlags(flags))

    def prep_interleaved_dma(self, xt: DmaInterleavedTemplate, flags: int = 0) -> DmaAsyncTxDescriptor | None:
        """dmaengine_prep_interleaved_dma: None, as the kernel returns, for DMA_PREP_REPEAT
        on a device without the DMA_REPEAT capability, or a device without the op."""
        self._check_live("dmaengine_prep_interleaved_dma")
        flags = DmaCtrlFlags(flags)
        if flags & DmaCtrlFlags.DMA_PREP_REPEAT and DmaTransactionType.DMA_REPEAT not in self.device.cap_mask:
            return None
        return self.device.device_prep_interleaved_dma(self, xt, flags)

    def prep_peripheral_dma_vec(
        self, vecs: list[DmaVec], nents: int, direction: DmaTransferDirection, flags: int = 0
    ) -> DmaAsyncTxDescriptor | None:
        """dmaengine_prep_peripheral_dma_vec: a slave transfer over (address, length)
        vectors, without a scatterlist; None from a device without the op."""
        self._check_live("dmaengine_prep_peripheral_dma_vec")
        return self.device.device_prep_peripheral_dma_vec(self, vecs, nents, direction, DmaCtrlFlags(flags))

    def prep_dma_xor(self, dest: int, src: list[int], src_cnt: int, length: int, flags: int = 0):
        self._check_live("prep_dma_xor")
        return self.device.device_prep_dma_xor(self, dest, src, src_cnt, length, DmaCtrlFlags(flags))

    def prep_dma_xor_val(self, src: list[int], src_cnt: int, length: int, result, flags: int = 0):
        self._check_live("prep_dma_xor_val")
        return self.device.device_prep_dma_xor_val(self, src, src_cnt, length, result, DmaCtrlFlags(flags))

    def prep_dma_pq(self, dst: list[int], src: list[int], src_cnt: int, scf: bytes | list[int], length: int, flags=0):
        self._check_live("prep_dma_pq")
        return self.device.device_prep_dma_pq(self, dst, src, src_cnt, scf, length, DmaCtrlFlags(flags))

    def prep_dma_pq_val(self, pq: list[int], src: list[int], src_cnt: int, scf, length: int, pqres, flags: int = 0):
        self._check_live("prep_dma_pq_val")
        return self.device.device_prep_dma_pq_val(self, pq, src, src_cnt, scf, length, pqres, DmaCtrlFlags(flags))

    def prep_dma_memset(self, dest: int, value: int, length: int, flags: int = 0):
        self._check_live("prep_dma_memset")
        return self.device.device_prep_dma_memset(self, dest, value, length, DmaCtrlFlags(flags))

    def prep_dma_memset_sg(self, sg: list[Scatterlist], nents: int, value: int, flags: int = 0):
        self._check_live("prep_dma_memset_sg")
        return self.device.device_prep_dma_memset_sg(self, sg, nents, value, DmaCtrlFlags(flags))

    def prep_dma_interrupt(self, flags: int = 0):
        self._check_live("prep_dma_interrupt")
        return self.device.device_prep_dma_interrupt(self, DmaCtrlFlags(flags))

    # -- running ------------------------------------------------------------------------------------
    def issue_pending(self) -> None:
        self._check_live("dma_async_issue_pending")
        if tracer.enabled:
            tracer.mark(self, "issue_pending")
        self.device.device_issue_pending(self)

    def tx_status(self, cookie: int, state: DmaTxState | None = None) -> DmaStatus:
        self._check_live("dmaengine_tx_status")
        return self.device.device_tx_status(self, cookie, state)

    def slave_config(self, config: DmaSlaveConfig) -> int:
        self._check_live("dmaengine_slave_config")
        return self.device.device_config(self, config)

    def get_slave_caps(self) -> DmaSlaveCaps:
        caps = DmaSlaveCaps()
        ret = dma_get_slave_caps(self, caps)
        if ret:
            raise DmaError(ret, f"dma_get_slave_caps on {self.name}")
        return caps

    def pause(self) -> int:
        self._check_live("dmaengine_pause")
        ret = self.device.device_pause(self)
        if tracer.enabled:
            tracer.mark(self, "pause", ret=ret)
        return ret

    def resume(self) -> int:
        self._check_live("dmaengine_resume")
        ret = self.device.device_resume(self)
        if tracer.enabled:
            tracer.mark(self, "resume", ret=ret)
        return ret

    def terminate_async(self) -> int:
        self._check_live("dmaengine_terminate_async")
        ret = self.device.device_terminate_all(self)
        if ret == 0:
            strict.terminated(self)
        if tracer.enabled:
            tracer.mark(self, "terminate_all", ret=ret)
        return ret

    @sleeping("dmaengine_synchronize", spelled="chan.synchronize")
    async def synchronize(self) -> None:
        self._check_live("dmaengine_synchronize")
        start = self.device.runtime.now_ns() if tracer.enabled else None
        await self.device.device_synchronize(self)
        strict.synchronized(self)
        if tracer.enabled:
            tracer.mark(self, "synchronize", start)

    @sleeping("dmaengine_terminate_sync", spelled="chan.terminate_sync", hint=_TERMINATE_HINT)
    async def terminate_sync(self) -> int:
        ret = self.terminate_async()
        if ret:
            return ret
        await self.synchronize()
        return 0

    @sleeping("dma_sync_wait", spelled="chan.sync_wait", hint=_WAIT_HINT, kernel_sleeps=False)
    async def sync_wait(self, cookie: int, timeout_ns: int = 5_000_000) -> DmaStatus:
        return await dma_sync_wait(self, cookie, timeout_ns)

    @sleeping("dma_release_channel", spelled="chan.release")
    async def release(self) -> None:
        await dma_release_channel(self)

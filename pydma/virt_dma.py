"""A port of drivers/dma/virt-dma.{c,h}: a descriptor's life as lists you can see.

    prep ──> desc_allocated ──submit──> desc_submitted ──issue_pending──> desc_issued
                  ^                                                           │ IRQ
                  └── reuse ──── tasklet: callbacks, then fini ◄── desc_completed
    terminate: everything ──> freed, the active one ──> desc_terminated ──synchronize──> freed

Every list operation happens with `vc.lock` held; callbacks run in the tasklet with the lock
dropped, so a client may prep, submit and issue from its callback.

For async_tx clients this port also does what the kernel's async_tx providers (mv_xor,
fsldma, ioat) do in their cleanup and virt-dma leaves to them: drop the descriptor's unmap
reference as its cookie completes (before the cookie says so, so a client that sees
DMA_COMPLETE may read its buffers), and, in the tasklet, submit its dependents after its
callback (dma_run_dependencies).
A terminated descriptor's unmap reference is dropped too, and its dependents are aborted
(dma_abort_dependencies), so nothing waits for them.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydma import cookie as _cookie
from pydma import reports
from pydma.dmaengine import (
    DmaAsyncTxDescriptor,
    DmaChan,
    DmaDevice,
    DmaengineResult,
    dma_abort_dependencies,
    dma_abort_one,
    dma_run_dependencies,
    dmaengine_desc_callback_invoke,
)
from pydma.dmaengine_unmap import dma_descriptor_unmap
from pydma.enums import DmaCtrlFlags
from pydma.errors import DmaApiMisuse
from pydma.kcontext import SpinLock, Tasklet, sleeping
from pydma.trace import tracer


class VirtDmaDesc(DmaAsyncTxDescriptor):
    def __init__(self, chan: VirtDmaChan, flags: DmaCtrlFlags) -> None:
        super().__init__(chan, flags)
        self.tx_result = DmaengineResult()

    def tx_submit(self) -> int:
        return self.chan.vchan_tx_submit(self)

    def desc_free(self) -> int:
        return self.chan.vchan_tx_desc_free(self)

    def desc_free_unsubmitted(self) -> None:
        with self.chan.lock:
            if self in self.chan.desc_allocated:
                self.chan.desc_allocated.remove(self)
        self.chan._free(self)


class VirtDmaChan(DmaChan):
    def __init__(self, device: DmaDevice, chan_id: int) -> None:
        super().__init__(device, chan_id)
        self.lock = SpinLock(f"{self.name}.lock")
        self.desc_allocated: list[VirtDmaDesc] = []
        self.desc_submitted: list[VirtDmaDesc] = []
        self.desc_issued: list[VirtDmaDesc] = []
        self.desc_completed: list[VirtDmaDesc] = []
        self.desc_terminated: list[VirtDmaDesc] = []
        self.cyclic: VirtDmaDesc | None = None
        self.tasklet: Tasklet | None = None

    # provider hook: release the hardware resources of a descriptor
    def desc_free_hw(self, vd: VirtDmaDesc) -> None:
        raise NotImplementedError

    def vchan_init(self) -> None:
        self.tasklet = Tasklet(f"{self.name}.tasklet", self.vchan_complete, self.device.runtime)

    def lists(self) -> dict[str, list[VirtDmaDesc]]:
        return {
            "allocated": self.desc_allocated,
            "submitted": self.desc_submitted,
            "issued": self.desc_issued,
            "completed": self.desc_completed,
            "terminated": self.desc_terminated,
        }

    def _unlink(self, vd: VirtDmaDesc) -> None:
        for lst in self.lists().values():
            if vd in lst:
                lst.remove(vd)
                return

    # -- prep / submit / issue --------------------------------------------------------------------
    def vchan_tx_prep(self, vd: VirtDmaDesc) -> VirtDmaDesc:
        vd.tx_result = DmaengineResult()
        with self.lock:
            self.desc_allocated.append(vd)
        if tracer.enabled:
            tracer.phase(vd, "prepared")
        return vd

    def vchan_tx_submit(self, vd: VirtDmaDesc) -> int:
        with self.lock:
            if vd not in self.desc_allocated:
                where = next((n for n, lst in self.lists().items() if vd in lst), "no list")
                raise DmaApiMisuse(f"submit of {vd!r}, which is already {where} (double submit?)")
            cookie = _cookie.dma_cookie_assign(vd)
            self.desc_allocated.remove(vd)
            self.desc_submitted.append(vd)
        if tracer.enabled:
            tracer.phase(vd, "submitted", cookie=cookie)
        return cookie

    def vchan_tx_desc_free(self, vd: VirtDmaDesc) -> int:
        with self.lock:
            if vd not in self.desc_allocated:
                raise DmaApiMisuse(f"dmaengine_desc_free of {vd!r}, which is still in flight")
            self.desc_allocated.remove(vd)
        if tracer.enabled:
            tracer.end(vd, "freed by its client")
        self._free(vd)
        return 0

    def vchan_issue_pending(self) -> bool:
        self.lock.assert_held()
        if tracer.enabled:
            for vd in self.desc_submitted:
                tracer.phase(vd, "issued")
        self.desc_issued.extend(self.desc_submitted)
        self.desc_submitted.clear()
        return bool(self.desc_issued)

    def vchan_next_desc(self) -> VirtDmaDesc | None:
        self.lock.assert_held()
        return self.desc_issued[0] if self.desc_issued else None

    def vchan_find_desc(self, cookie: int) -> VirtDmaDesc | None:
        self.lock.assert_held()
        for vd in self.desc_issued + self.desc_submitted:
            if vd.cookie == cookie:
                return vd
        return None

    # -- completion --------------------------------------------------------------------------
    def vchan_cookie_complete(self, vd: VirtDmaDesc) -> None:
        self.lock.assert_held()
        # the unmap reference goes before the cookie completes, as the async_tx providers'
        # cleanup does (mv_xor, ioat): a client that sees DMA_COMPLETE (async_tx_quiesce) may
        # read the buffers at once
        dma_descriptor_unmap(vd)
        _cookie.dma_cookie_complete(vd)
        if tracer.enabled:
            tracer.phase(vd, "completed", result=vd.tx_result.result.name, residue=vd.tx_result.residue)
        self._unlink(vd)
        self.desc_completed.append(vd)
        self.progress.set()
        self.tasklet.schedule()

    def vchan_cyclic_callback(self, vd: VirtDmaDesc) -> None:
        """A period of cyclic `vd` elapsed: its callback runs from the tasklet, once per
        tasklet run however many periods elapsed since the last (as in the kernel)."""
        self.lock.assert_held()
        self.cyclic = vd
        self.tasklet.schedule()

    def vchan_complete(self) -> None:
        """The tasklet: run callbacks with the lock dropped, then recycle or free."""
        with self.lock:
            done = list(self.desc_completed)
            self.desc_completed.clear()
            cyclic, self.cyclic = self.cyclic, None
        if cyclic is not None:
            start = tracer._now(self) if tracer.enabled else None
            dmaengine_desc_callback_invoke(cyclic, cyclic.tx_result)
            if tracer.enabled:
                tracer.mark(self, "period callback", start, cookie=cyclic.cookie)
        for vd in done:
            if tracer.enabled:
                tracer.phase(vd, "callback")
            dmaengine_desc_callback_invoke(vd, vd.tx_result)
            dma_run_dependencies(vd)
            if tracer.enabled:
                tracer.end(vd, "completed")
            self.vchan_vdesc_fini(vd)

    def vchan_vdesc_fini(self, vd: VirtDmaDesc) -> None:
        if vd.test_reuse():
            with self.lock:
                self.desc_allocated.append(vd)
        else:
            self._free(vd)

    def _free(self, vd: VirtDmaDesc) -> None:
        if vd.freed:  # (the second free is not done: its memory may have a new owner)
            reports.reporter.report(
                reports.DOUBLE_FREE,
                f"{self.name}: {vd!r} freed twice (completed after its terminate freed it?)",
            )
            return
        vd.freed = True
        self.desc_free_hw(vd)

    # -- terminate ---------------------------------------------------------------------------
    def vchan_get_all_descriptors(self) -> list[VirtDmaDesc]:
        self.lock.assert_held()
        out: list[VirtDmaDesc] = []
        for lst in (self.desc_allocated, self.desc_submitted, self.desc_issued, self.desc_completed):
            out.extend(lst)
            lst.clear()
        return out

    def vchan_terminate_vdesc(self, vd: VirtDmaDesc) -> None:
        self.lock.assert_held()
        self._unlink(vd)
        self.desc_terminated.append(vd)
        if self.cyclic is vd:
            self.cyclic = None

    def vchan_dma_desc_free_list(self, descs: Iterable[VirtDmaDesc]) -> None:
        """Free, or give back to their client the ones marked for reuse (terminated: what
        waits for them is aborted, their unmap reference dropped). A prepared async_tx
        dependent still waiting for its dependency (on another channel, or earlier on this
        one) is taken out of that chain first, so the dependency's completion cannot submit
        a descriptor freed here."""
        for vd in descs:
            if tracer.enabled:
                tracer.end(vd, "terminated")
            if vd.parent is not None:
                if vd.parent.next is vd:
                    vd.parent.next = None
                vd.parent = None
                if not vd.aborted:
                    dma_abort_one(vd)
            dma_descriptor_unmap(vd)
            dma_abort_dependencies(vd)
            if not vd.freed:
                self.vchan_vdesc_fini(vd)

    @sleeping("vchan_synchronize", spelled="chan.vchan_synchronize")
    async def vchan_synchronize(self) -> None:
        await self.tasklet.kill()
        with self.lock:
            terminated = list(self.desc_terminated)
            self.desc_terminated.clear()
        self.vchan_dma_desc_free_list(terminated)

    def vchan_free_chan_resources(self) -> None:
        with self.lock:
            descs = self.vchan_get_all_descriptors()
            descs += self.desc_terminated
            self.desc_terminated.clear()
        for vd in descs:
            vd.clear_reuse()
        self.vchan_dma_desc_free_list(descs)

"""The mutations `make mutate` applies to pydma/, one at a time (tools/mutate.py).

Each is a realistic single bug, of the kind real dmaengine drivers and their clients keep
shipping (the reference's "bugs real drivers keep hitting", kernel fix commits): an
off-by-one, a list not cleared, a check dropped, a field packed wrong. `original` must occur
exactly once in `file` (tests/test_mutate.py checks it, so a code change that moves the
text fails `make test` and the list is kept true); `replacement` is what the buggy driver
has instead. `tests` overrides the regression subset the mutant runs against (pytest
arguments; default `DEFAULT_TESTS`). A mutant the subset cannot kill on purpose (an
equivalent change, or a bug outside the regression's reach) carries `explained`: the
reason, reported as such instead of failing the run.
"""

from __future__ import annotations

from dataclasses import dataclass

# the pure-Python driver regression: the driver stack on the controller model (model
# backend), the segment builders, the mapping API, the debug and strict modes; seconds
DEFAULT_TESTS: tuple[str, ...] = (
    "tests/test_segments.py",
    "tests/test_op_segments.py",
    "tests/test_hw_desc_ring.py",
    "tests/test_layout.py",
    "tests/test_dma_mapping.py",
    "tests/test_dma_debug.py",
    "tests/test_model_backend.py",
    "tests/test_async_tx_model.py",
    "tests/test_ops_model.py",
    "tests/test_limits.py",
    "tests/test_sleeping_calls.py",
    "tests/test_sysfs.py",
    "tests/test_raid_sw.py",
    "tests/test_zeroer.py",
    "tests/test_mutation_kills.py",
    "tests/test_interleaved.py",
    "tests/test_interleaved_model.py",
    "tests/test_xt_segments.py",
    "tests/test_repeat_model.py",
)


# simulations on native memory (one Verilator build per scratch tree, then seconds each):
# for the cocotb backend, which the model-backend tests above never run
SIM_TESTS: tuple[str, ...] = (
    "tests/test_hdl.py",
    "-k",
    "hdl_semantics-64-nostall-native or hdl_memcpy-64-nostall-native or hdl_slave-64-nostall-native",
)


@dataclass(frozen=True)
class Mutation:
    id: str
    file: str
    original: str
    replacement: str
    models: str  # the real bug it stands for
    tests: tuple[str, ...] | None = None  # pytest arguments; None: DEFAULT_TESTS
    explained: str | None = None  # why a survivor is acceptable (equivalent, out of reach)


M = Mutation
VD = "pydma/virt_dma.py"
DEV = "pydma/drivers/pydma_dmac/device.py"
IRQ = "pydma/drivers/pydma_dmac/irq.py"
ISSUE = "pydma/drivers/pydma_dmac/issue.py"
SEGS = "pydma/drivers/pydma_dmac/segments.py"
OPS = "pydma/drivers/pydma_dmac/op_segments.py"
DESC = "pydma/drivers/pydma_dmac/desc.py"
HWD = "pydma/drivers/pydma_dmac/hw_desc.py"
XTS = "pydma/drivers/pydma_dmac/xt_segments.py"

MUTATIONS: tuple[Mutation, ...] = (
    # -- cookies ---------------------------------------------------------------------------
    M(
        "cookie-wrap-off-by-one",
        "pydma/cookie.py",
        "if cookie > DMA_MAX_COOKIE:",
        "if cookie >= DMA_MAX_COOKIE:",
        "cookie wrap one early: the largest valid cookie is never used",
    ),
    M(
        "cookie-wrap-to-zero",
        "pydma/cookie.py",
        "        cookie = DMA_MIN_COOKIE\n    tx.cookie",
        "        cookie = 0\n    tx.cookie",
        "cookie wraps to 0 instead of DMA_MIN_COOKIE (a cookie dma_submit_error/tx_status treat as none)",
    ),
    M(
        "cookie-complete-not-recorded",
        "pydma/cookie.py",
        "    tx.chan.completed_cookie = tx.cookie\n",
        "",
        "dma_cookie_complete forgets chan->completed_cookie: tx_status never says DMA_COMPLETE",
    ),
    M(
        "cookie-not-cleared",
        "pydma/cookie.py",
        "    tx.cookie = 0\n",
        "",
        "dma_cookie_complete does not zero tx->cookie: a completed descriptor still looks in flight",
    ),
    M(
        "is-complete-inclusive",
        "pydma/cookie.py",
        "if cookie <= last_complete or cookie > last_used:",
        "if cookie < last_complete or cookie > last_used:",
        "dma_async_is_complete off by one: the last completed cookie reads as in progress",
    ),
    M(
        "is-complete-wrap-branch",
        "pydma/cookie.py",
        "elif cookie <= last_complete and cookie > last_used:",
        "elif cookie <= last_complete and cookie >= last_used:",
        "dma_async_is_complete after the cookie wrap: the newest cookie reads as complete",
    ),
    M(
        "cookie-status-residue-kept",
        "pydma/cookie.py",
        "        state.residue = 0\n",
        "",
        "dma_cookie_status leaves the caller's residue: a stale residue reported for a completed cookie",
    ),
    M(
        "submit-error-sign",
        "pydma/cookie.py",
        "return cookie < 0",
        "return cookie <= 0",
        "dma_submit_error treats cookie 0 as an error",
        explained="equivalent in practice: cookies are assigned from DMA_MIN_COOKIE (1) and a failed submit "
        "returns a negative errno, so 0 never reaches dma_submit_error",
    ),
    # -- virt-dma --------------------------------------------------------------------------
    M(
        "issue-pending-not-moved",
        VD,
        "        self.desc_issued.extend(self.desc_submitted)\n        self.desc_submitted.clear()\n",
        "        self.desc_issued.extend(self.desc_submitted)\n",
        "vchan_issue_pending does not empty desc_submitted: work issued twice (list_splice without init)",
    ),
    M(
        "issue-pending-gate-removed",
        DEV,
        "            if chan.vchan_issue_pending():\n                start_locked(chan)",
        "            chan.vchan_issue_pending()\n            start_locked(chan)",
        "hardware started whether or not anything is issued",
        explained="equivalent: start_locked returns when no issued transaction is off the hardware, which is "
        "exactly when vchan_issue_pending returns False; the gate is an optimisation",
    ),
    M(
        "start-in-submit",
        VD,
        "            self.desc_allocated.remove(vd)\n            self.desc_submitted.append(vd)\n",
        "            self.desc_allocated.remove(vd)\n            self.desc_issued.append(vd)\n",
        "the pl330 bug: tx_submit queues straight to the issued list, work starts without issue_pending",
    ),
    M(
        "double-submit-allowed",
        VD,
        "            if vd not in self.desc_allocated:\n                where",
        "            if False:\n                where",
        "tx_submit accepts a descriptor already in flight (double submit corrupts the lists)",
    ),
    M(
        "find-desc-issued-only",
        VD,
        "for vd in self.desc_issued + self.desc_submitted:",
        "for vd in self.desc_issued:",
        "vchan_find_desc misses submitted (not yet issued) descriptors: residue 0 for queued work",
    ),
    M(
        "callback-before-cookie-complete",
        VD,
        "        dma_descriptor_unmap(vd)\n        _cookie.dma_cookie_complete(vd)\n",
        "        dmaengine_desc_callback_invoke(vd, vd.tx_result)\n        dma_descriptor_unmap(vd)\n"
        "        _cookie.dma_cookie_complete(vd)\n",
        "callback run from the interrupt handler before its cookie completes (a callback that checks "
        "tx_status sees its own transaction in progress)",
    ),
    M(
        "unmap-after-cookie",
        VD,
        "        dma_descriptor_unmap(vd)\n        _cookie.dma_cookie_complete(vd)\n        if tracer",
        "        _cookie.dma_cookie_complete(vd)\n        if tracer",
        "completion never drops the descriptor's unmap reference (memcpy buffers never unmapped, 2011)",
    ),
    M(
        "complete-not-listed",
        VD,
        "        self._unlink(vd)\n        self.desc_completed.append(vd)\n",
        "        self._unlink(vd)\n",
        "completed descriptor not put on desc_completed: its callback never runs and it leaks",
    ),
    M(
        "tasklet-not-scheduled",
        VD,
        "        self.progress.set()\n        self.tasklet.schedule()\n",
        "        self.progress.set()\n",
        "vchan_cookie_complete forgets tasklet_schedule: callbacks run only when something else schedules it",
    ),
    M(
        "completed-list-not-cleared",
        VD,
        "            done = list(self.desc_completed)\n            self.desc_completed.clear()\n",
        "            done = list(self.desc_completed)\n",
        "the tasklet does not empty desc_completed: callbacks run again, descriptors freed twice",
    ),
    M(
        "cyclic-callback-dropped",
        VD,
        "        self.cyclic = vd\n        self.tasklet.schedule()",
        "        self.tasklet.schedule()",
        "vchan_cyclic_callback does not record the descriptor: period callbacks never run",
    ),
    M(
        "dependencies-not-run",
        VD,
        "            dma_run_dependencies(vd)\n",
        "",
        "async_tx: completion does not submit the dependent (dma_run_dependencies missing): chains hang",
    ),
    M(
        "reuse-ignored",
        VD,
        "        if vd.test_reuse():\n            with self.lock:",
        "        if False:\n            with self.lock:",
        "DMA_CTRL_REUSE ignored: a reusable descriptor freed after completion (use after free on resubmit)",
    ),
    M(
        "terminate-keeps-issued",
        VD,
        "for lst in (self.desc_allocated, self.desc_submitted, self.desc_issued, self.desc_completed):",
        "for lst in (self.desc_allocated, self.desc_submitted, self.desc_completed):",
        "vchan_get_all_descriptors skips desc_issued: terminate leaves issued work queued",
    ),
    M(
        "terminate-list-not-cleared",
        VD,
        "            out.extend(lst)\n            lst.clear()\n",
        "            out.extend(lst)\n",
        "terminate collects the descriptors without list_del: they stay listed and are freed twice",
    ),
    M(
        "terminate-cyclic-stale",
        VD,
        "        if self.cyclic is vd:\n            self.cyclic = None\n",
        "",
        "the 2017 stale vc->cyclic: a terminated cyclic descriptor's period callback still runs",
    ),
    M(
        "synchronize-no-tasklet-kill",
        VD,
        "        await self.tasklet.kill()\n",
        "",
        "vchan_synchronize without tasklet_kill: a callback may run after synchronize returned",
        explained="equivalent in pydma: terminate_all itself takes everything the tasklet would run "
        "(desc_completed and the cyclic pointer, under the lock), and a tasklet cannot be mid-run when "
        "process context calls synchronize (one thread; a tasklet runs to completion). In C the tasklet "
        "may be running on another CPU, which is what tasklet_kill waits for",
    ),
    M(
        "synchronize-leaks-terminated",
        VD,
        "            self.desc_terminated.clear()\n        self.vchan_dma_desc_free_list(terminated)",
        "            self.desc_terminated.clear()\n        terminated.clear()",
        "vchan_synchronize never frees the terminated descriptors (the leak its comment prevents)",
    ),
    M(
        "terminate-deps-not-aborted",
        VD,
        "            dma_descriptor_unmap(vd)\n            dma_abort_dependencies(vd)\n",
        "            dma_descriptor_unmap(vd)\n",
        "async_tx dependents of a terminated descriptor left waiting for ever",
    ),
    M(
        "free-chan-keeps-reuse",
        VD,
        "        for vd in descs:\n            vd.clear_reuse()\n",
        "        for vd in descs:\n            pass\n",
        "free_chan_resources keeps reusable descriptors on the allocated list: they leak past release",
    ),
    # -- dmaengine core ----------------------------------------------------------------------
    M(
        "callback-result-ignored",
        "pydma/dmaengine/descriptors.py",
        "    if desc.callback_result is not None:\n        desc.callback_result(desc.callback_param, result or "
        "DmaengineResult())\n    elif desc.callback is not None:",
        "    if desc.callback is not None:",
        "dmaengine_desc_callback_invoke calls only the legacy callback: callback_result (error reporting) lost",
    ),
    M(
        "desc-free-without-reuse",
        "pydma/dmaengine/descriptors.py",
        "    if not desc.test_reuse():\n        return EPERM\n    return desc.desc_free()",
        "    return desc.desc_free()",
        "dmaengine_desc_free of a descriptor not marked reusable is not refused",
    ),
    M(
        "reuse-without-caps",
        "pydma/dmaengine/descriptors.py",
        "    if not caps.descriptor_reuse:\n        return EPERM\n",
        "",
        "dmaengine_desc_set_reuse on a provider without descriptor_reuse (the 2016 reuse-caps misuse)",
    ),
    M(
        "release-no-synchronize",
        "pydma/dmaengine/request.py",
        "    await chan.device.device_synchronize(chan)\n    strict.synchronized(chan)\n",
        "    strict.synchronized(chan)\n",
        "dma_release_channel frees the channel without dmaengine_synchronize",
    ),
    M(
        "request-busy-channel",
        "pydma/dmaengine/request.py",
        "        if chan.client_count:\n            continue\n        if fn",
        "        if fn",
        "private_candidate hands out a channel already in use",
    ),
    M(
        "run-deps-no-issue",
        "pydma/dmaengine/dependencies.py",
        "        dep = dep_next\n    chan.device.device_issue_pending(chan)\n",
        "        dep = dep_next\n",
        "dma_run_dependencies submits the dependent but never issues it",
    ),
    M(
        "terminate-not-marked-strict",
        "pydma/dmaengine/channel.py",
        "        if ret == 0:\n            strict.terminated(self)\n",
        "",
        "strict mode's terminate mark lost: callback-after-synchronize no longer checked",
    ),
    M(
        "sync-wait-no-issue",
        "pydma/dmaengine/waits.py",
        "    chan.issue_pending()\n    rt = chan.device.runtime\n    deadline",
        "    rt = chan.device.runtime\n    deadline",
        "dma_sync_wait without dma_async_issue_pending: waits for work never started",
    ),
    M(
        "interleaved-repeat-not-gated",
        "pydma/dmaengine/channel.py",
        "if flags & DmaCtrlFlags.DMA_PREP_REPEAT and DmaTransactionType.DMA_REPEAT not in self.device.cap_mask:",
        "if flags & DmaCtrlFlags.DMA_PREP_REPEAT and DmaTransactionType.DMA_REPEAT in self.device.cap_mask:",
        "dmaengine_prep_interleaved_dma hands DMA_PREP_REPEAT to a provider without DMA_REPEAT "
        "(and refuses it where allowed)",
    ),
    M(
        "icg-common-before-own",
        "pydma/dmaengine/interleaved.py",
        "        if dir_icg:\n            return dir_icg\n        if sgl:\n            return icg\n",
        "        if sgl:\n            return icg\n        if dir_icg:\n            return dir_icg\n",
        "dmaengine_get_*_icg prefers the common icg over the side's own gap",
    ),
    M(
        "interleaved-last-gap-dropped",
        "pydma/dmaengine/interleaved.py",
        "    for _ in range(xt.numf):\n        for chunk in frame:\n",
        "    for _ in range(xt.numf):\n"
        "        if out:\n"
        "            src, dst = out[-1][0] + out[-1][2], out[-1][1] + out[-1][2]\n"
        "        for chunk in frame:\n",
        "a template's next frame starts right after the last chunk, without its gap",
    ),
    # -- provider: prep and segments ---------------------------------------------------------
    M(
        "split-max-off-by-one",
        SEGS,
        "Seg(src + off * src_inc, dst + off * dst_inc, min(HW_SEG_MAX, length - off))\n        for off in "
        "range(0, length, HW_SEG_MAX)",
        "Seg(src + off * src_inc, dst + off * dst_inc, min(HW_SEG_MAX - 1, length - off))\n        for off in "
        "range(0, length, HW_SEG_MAX)",
        "segment splitting off by one at the maximum segment: a byte lost per full segment",
    ),
    M(
        "seg-count-floor",
        SEGS,
        "return -(-length // HW_SEG_MAX)",
        "return length // HW_SEG_MAX + 1",
        "descriptor count rounded wrongly: one too many for an exact multiple of the maximum",
    ),
    M(
        "sg-walk-device-side-advanced",
        SEGS,
        "_split(addr, dev_addr, n, dst_inc=False)",
        "_split(addr, dev_addr, n)",
        "slave_sg split advances the fixed device FIFO address on a long entry",
    ),
    M(
        "memcpy-sg-dst-not-advanced",
        SEGS,
        "        if d_off == d_len:\n            di, d_off = di + 1, 0",
        "        if d_off == d_len:\n            di, d_off = di, 0",
        "memcpy_sg does not move to the next destination entry: later pieces overwrite the first",
    ),
    M(
        "slave-width-unchecked",
        SEGS,
        "        if n % width:\n            raise",
        "        if False:\n            raise",
        "prep_slave_sg accepts an entry that is not a whole number of FIFO elements",
    ),
    M(
        "bus-limit-off-by-one",
        SEGS,
        "if addr < 0 or addr + length > 1 << addr_width:",
        "if addr < 0 or addr + length >= 1 << addr_width:",
        "address-width check off by one: a buffer ending at the top of the bus refused",
    ),
    M(
        "overlap-check-removed",
        SEGS,
        "        if b < a + n:\n            raise",
        "        if b < a:\n            raise",
        "overlapping destination entries accepted",
    ),
    M(
        "cyclic-period-ignored",
        SEGS,
        "if period_len <= 0 or buf_len <= 0 or buf_len % period_len or period_len % width:",
        "if period_len <= 0 or buf_len <= 0 or period_len % width:",
        "prep_dma_cyclic accepts a buffer that is not a whole number of periods",
    ),
    M(
        "max-segs-unchecked",
        SEGS,
        '    if max_segs is not None and count > max_segs:\n        raise PrepRefused(f"{call} needs',
        '    if max_segs is not None and count > max_segs + 1:\n        raise PrepRefused(f"{call} needs',
        "descriptor-count limit off by one: one more hardware descriptor than the channel has",
    ),
    # -- provider: descriptors and layout ----------------------------------------------------
    M(
        "ioc-missing-on-last",
        DESC,
        "ctrl = seg.ctrl | (end_bits if last else layout.DescCtrl.IOC if cyclic else 0)",
        "ctrl = seg.ctrl | (0 if last else layout.DescCtrl.IOC if cyclic else 0)",
        "no interrupt on the last descriptor (DMA_PREP_INTERRUPT/IOC not set): completion never seen",
    ),
    M(
        "cyclic-ring-not-closed",
        DESC,
        "nxt = hw[0].phys if cyclic and last else 0 if last else hw[i + 1].phys",
        "nxt = 0 if last else hw[i + 1].phys",
        "cyclic chain not closed into a ring: the transfer stops after one lap",
    ),
    M(
        "fence-dropped",
        DESC,
        "end_bits = layout.DescCtrl.IOC | (layout.DescCtrl.FENCE if fence else 0)",
        "end_bits = layout.DescCtrl.IOC",
        "DMA_PREP_FENCE ignored: a dependent operation may read before the result is written",
    ),
    M(
        "residue-remaining-off-by-one",
        DESC,
        "return sum(h.length for h in self.hw[k:])",
        "return sum(h.length for h in self.hw[k + 1 :])",
        "residue arithmetic: the current descriptor's bytes left out",
    ),
    M(
        "status-not-cleared-on-reuse",
        ISSUE,
        "        desc.clear_statuses()\n",
        "",
        "a reused chain keeps the last run's written-back status words",
    ),
    M(
        "moved-not-reset",
        ISSUE,
        "        desc.moved = 0  # a reused transaction starts over\n",
        "",
        "a reused transaction's byte count not reset: residue of the second run wrong",
    ),
    M(
        "done-cnt-not-advanced",
        ISSUE,
        "chan.hw_handed = (chan.hw_handed + len(desc.hw)) & 0xFFFF_FFFF",
        "chan.hw_handed = (chan.hw_handed + len(desc.hw) - 1) & 0xFFFF_FFFF",
        "DONE_CNT bookkeeping off by one per transaction: residue of appended work wrong",
    ),
    M(
        "append-tail-not-linked",
        ISSUE,
        "        chan.hw_tail.set_next(head.phys)  # the controller re-reads a stale tail's NEXT\n",
        "",
        "work appended to a running chain without linking the old tail: it is never fetched",
    ),
    M(
        "setup-mismatch-appended",
        ISSUE,
        "batch = list(itertools.takewhile(lambda d: d.setup == setup and not d.cyclic, new))",
        "batch = list(itertools.takewhile(lambda d: not d.cyclic, new))",
        "slave work with another set-up appended to a running chain (wrong FIFO, width or direction)",
    ),
    M(
        "desc-pack-len-src-swapped",
        "pydma/hw/layout.py",
        "args = (next_desc, src, dst, length, ctrl)",
        "args = (next_desc, dst, src, length, ctrl)",
        "descriptor field packing: SRC and DST swapped",
    ),
    M(
        "opnd-coef-offset",
        "pydma/hw/layout.py",
        "        table[OPND_COEF_OFF + i] = c",
        "        table[OPND_COEF_OFF + i + 1] = c",
        "operand table packing: coefficients one byte off",
    ),
    M(
        "ctrl-nsrc-shift",
        "pydma/hw/layout.py",
        "return int(flags) | int(op) << DESC_CTRL_OP[0] | nsrc << DESC_CTRL_NSRC[0]",
        "return int(flags) | int(op) << DESC_CTRL_OP[0] | (nsrc - 1) << DESC_CTRL_NSRC[0]",
        "CTRL.NSRC written as count - 1 where the hardware wants the count",
    ),
    # -- provider: interrupt, completion, errors, residue ------------------------------------
    M(
        "error-result-read-write-swapped",
        IRQ,
        "    layout.ErrCode.WRITE: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,",
        "    layout.ErrCode.WRITE: DmaengineTxResult.DMA_TRANS_READ_FAILED,",
        "wrong error-result mapping: a write error reported as a read failure",
    ),
    M(
        "error-cookie-not-recorded",
        IRQ,
        "            if desc.tx_result.result != _NOERROR:\n                chan.error_cookies.append(desc.cookie)\n",
        "",
        "a failed transaction's cookie reads DMA_COMPLETE, not DMA_ERROR",
    ),
    M(
        "residue-lreq-ignored",
        IRQ,
        "            desc.tx_result.residue = desc.total - desc.moved\n            if desc.tx_result",
        "            desc.tx_result.residue = 0\n            if desc.tx_result",
        "residue of a packet the peripheral ended early (LREQ) reported as 0",
    ),
    M(
        "complete-first-descriptor",
        IRQ,
        "        if i == len(desc.hw) - 1:\n            desc.on_hw = False",
        "        if i == 0:\n            desc.on_hw = False",
        "transaction completed when its first hardware descriptor is done, not its last",
    ),
    M(
        "halt-victims-not-completed",
        IRQ,
        "        chan.error_cookies.append(desc.cookie)\n        chan.vchan_cookie_complete(desc)\n    abort_locked",
        "        chan.error_cookies.append(desc.cookie)\n    abort_locked",
        "error path that never completes the cookie: consumers hang (the dma350 review comment)",
    ),
    M(
        "abort-victims-not-aborted",
        IRQ,
        "            desc.tx_result.result = DmaengineTxResult.DMA_TRANS_ABORTED\n",
        "",
        "work behind a halted transaction reported as succeeded instead of DMA_TRANS_ABORTED",
    ),
    M(
        "cyclic-lap-base",
        IRQ,
        "ring.hw_base = (done_cnt - lap % len(ring.hw)) & 0xFFFF_FFFF",
        "ring.hw_base = done_cnt",
        "cyclic residue computed from the last interrupt, not the start of the lap",
    ),
    M(
        "sum-check-q-bit",
        IRQ,
        "    if bits & layout.DescStatus.SUM_CHECK_Q:\n        out |= SumCheckFlags.SUM_CHECK_Q_RESULT",
        "    if bits & layout.DescStatus.SUM_CHECK_Q:\n        out |= SumCheckFlags.SUM_CHECK_P_RESULT",
        "PQ_VAL: a Q mismatch reported as a P mismatch",
    ),
    M(
        "residue-xferred-ignored",
        DEV,
        "        residue = desc.remaining_from(k) - xferred",
        "        residue = desc.remaining_from(k)",
        "residue granularity claimed BURST but counted per segment (XFERRED ignored)",
    ),
    M(
        "cyclic-residue-zero-at-lap-end",
        DEV,
        "if desc.cyclic and residue == 0:",
        "if desc.cyclic and residue < 0:",
        "cyclic residue 0 when the lap's last period has moved but is not yet counted "
        "(ALSA reads 0 < residue <= buffer)",
    ),
    M(
        "residue-queued-behind-zero",
        DEV,
        "        if k >= 1 << 31:  # on the hardware behind others",
        "        if k >= 1 << 32:  # on the hardware behind others",
        "residue 0 for a transaction handed to the hardware behind others not done yet (DONE_CNT behind its base)",
    ),
    M(
        "residue-not-on-hw-zero",
        DEV,
        "state.residue = self._residue_locked(chan, desc) if desc.on_hw else desc.total",
        "state.residue = self._residue_locked(chan, desc) if desc.on_hw else 0",
        "residue of a queued transaction not yet on the hardware reported as 0 (done)",
    ),
    M(
        "tx-status-error-lost",
        DEV,
        "return DmaStatus.DMA_ERROR if cookie in chan.error_cookies else ret",
        "return ret",
        "tx_status says DMA_COMPLETE for a transaction that failed",
    ),
    M(
        "paused-status-lost",
        DEV,
        "        if chan.paused:\n            ret = DmaStatus.DMA_PAUSED\n",
        "",
        "tx_status of a paused channel says DMA_IN_PROGRESS",
    ),
    M(
        "terminate-no-abort",
        DEV,
        '                chan.stats["aborts"] += 1\n                abort_locked(chan)\n',
        '                chan.stats["aborts"] += 1\n',
        "terminate_all without stopping the hardware: it keeps writing into freed buffers",
    ),
    M(
        "terminate-keeps-hw-queue",
        DEV,
        "            chan.hw_queue.clear()\n            chan.hw_ring = None\n            chan.hw_tail = None\n"
        "            descs = chan.vchan_get_all_descriptors()",
        "            chan.hw_ring = None\n            chan.hw_tail = None\n"
        "            descs = chan.vchan_get_all_descriptors()",
        "terminate leaves the driver's queue of handed-over descriptors: later interrupts complete freed work",
        explained="equivalent: hw_queue holds entries only of transactions on the hardware, and whenever there "
        "is one the same terminate calls abort_locked, which clears hw_queue; a channel already aborting has "
        "been handed nothing since its abort cleared it",
    ),
    M(
        "synchronize-no-abort-wait",
        DEV,
        "        while chan.state is ChanState.ABORTING:\n            await chan.abort_done.wait()\n",
        "",
        "device_synchronize returns before the hardware acknowledged the abort",
    ),
    M(
        "pause-not-written",
        DEV,
        "            chan.paused = True\n            chan.regs.pause(True)",
        "            chan.paused = True",
        "device_pause only marks the channel: the hardware keeps moving",
    ),
    M(
        "interrupt-cap-missing",
        DEV,
        "        self.cap_mask.bits |= 1 << DmaTransactionType.DMA_INTERRUPT\n",
        "",
        "DMA_INTERRUPT not advertised: async_tx channel switches fall back to polling",
    ),
    # -- slave set-up -------------------------------------------------------------------------
    M(
        "slave-burst-m1",
        "pydma/drivers/pydma_slave.py",
        '| (self.maxburst - 1) << f("BURST_M1").lsb',
        '| self.maxburst << f("BURST_M1").lsb',
        "maxburst written as is into a minus-one field: bursts one element too long (FIFO overrun)",
    ),
    M(
        "slave-width-log2",
        "pydma/drivers/pydma_slave.py",
        '| (self.width.bit_length() - 1) << f("WIDTH").lsb',
        '| self.width.bit_length() << f("WIDTH").lsb',
        "addr_width encoded as bytes' bit length instead of log2 (the classic width-field bug)",
    ),
    M(
        "slave-direction-side",
        "pydma/drivers/pydma_slave.py",
        'side = "dst" if direction == DmaTransferDirection.DMA_MEM_TO_DEV else "src"',
        'side = "src" if direction == DmaTransferDirection.DMA_MEM_TO_DEV else "dst"',
        "slave config read from the wrong side (src_addr for MEM_TO_DEV)",
    ),
    # -- DMA mapping, unmap data, debug --------------------------------------------------------
    M(
        "unmap-direction-swapped",
        "pydma/dmaengine_unmap.py",
        "        (unmap.to_cnt, DmaDataDirection.DMA_TO_DEVICE),\n        (unmap.from_cnt, DmaDataDirection."
        "DMA_FROM_DEVICE),",
        "        (unmap.to_cnt, DmaDataDirection.DMA_FROM_DEVICE),\n        (unmap.from_cnt, DmaDataDirection."
        "DMA_TO_DEVICE),",
        "dmaengine_unmap with the directions swapped (to/from pages unmapped with the other direction)",
    ),
    M(
        "unmap-kref-not-taken",
        "pydma/dmaengine_unmap.py",
        "    unmap.kref += 1\n    tx.unmap = unmap",
        "    tx.unmap = unmap",
        "dma_set_unmap without kref_get: pages unmapped while the chain still runs",
    ),
    M(
        "dma-offset-ignored",
        "pydma/dma_mapping.py",
        "        return phys + self.dma_offset",
        "        return phys",
        "dma_map ignores dma-ranges: the device given a CPU address",
    ),
    M(
        "pool-boundary-crossed",
        "pydma/dma_mapping.py",
        "if self.boundary and start // self.boundary != end // self.boundary:",
        "if False:",
        "dma_pool hands out blocks that straddle its boundary",
    ),
    M(
        "pool-double-free-unchecked",
        "pydma/dma_mapping.py",
        "if dma not in pool._used or vaddr.addr != pool.dev.to_phys(dma):",
        "if vaddr.addr != pool.dev.to_phys(dma):",
        "dma_pool_free of a block that is not in use accepted (double free)",
    ),
    M(
        "sync-direction-unchecked",
        "pydma/dma_debug.py",
        "if m.direction != BIDIRECTIONAL and m.direction != direction:",
        "if False:",
        "DMA-API debug: a sync with the wrong direction not reported",
    ),
    M(
        "debug-device-write-to-device",
        "pydma/dma_debug.py",
        "            if write or m.direction != TO_DEVICE:",
        "            if write and m.direction != TO_DEVICE:",
        "DMA-API debug: the CPU reading a DMA_FROM_DEVICE buffer the device owns not reported",
    ),
    # -- strict, kcontext -----------------------------------------------------------------------
    M(
        "strict-cookie-order-inverted",
        "pydma/strict.py",
        "return 0 < (a - b) % _COOKIES < _HALF",
        "return 0 <= (a - b) % _COOKIES < _HALF",
        "strict mode: a cookie completed twice not reported",
    ),
    M(
        "might-sleep-not-checked",
        "pydma/kcontext.py",
        "    if not in_atomic():\n        return\n    ctx",
        "    if True:\n        return\n    ctx",
        "might_sleep check removed: a sleeping call from a callback goes unnoticed",
    ),
    M(
        "spinlock-not-exclusive",
        "pydma/kcontext.py",
        "        if self.held:\n            raise DeadlockError",
        "        if False:\n            raise DeadlockError",
        "spin_lock re-taken while held (a callback invoked with the driver lock held: the PL08x deadlock)",
    ),
    M(
        "tasklet-kill-no-wait",
        "pydma/kcontext.py",
        "        while self.scheduled or self.running:\n            await self._idle.wait()",
        "        while self.running:\n            await self._idle.wait()",
        "tasklet_kill does not wait for a scheduled (not yet running) tasklet",
    ),
    # -- the cocotb backend (simulation only) ----------------------------------------------------
    M(
        "sim-readl-no-flush",
        "pydma/sim/backend.py",
        "        self.reads += 1\n        await self.flush()\n",
        "        self.reads += 1\n",
        "a register read that does not wait for the posted writes before it (no read-back barrier): the "
        "driver may read STATUS before its own CTRL write reached the controller",
        tests=SIM_TESTS,
        explained="out of the bench's reach: no read in these modules overtakes a posted write (cocotbext-axi "
        "starts each write's task before the read's, and the controller's AXI-Lite slave takes the write in "
        "the same cycles), so the missing barrier never shows; catching it needs a bus model that holds "
        "writes back",
    ),
    M(
        "sim-irq-line-unchecked",
        "pydma/sim/backend.py",
        "        while not self.irq_asserted(line):\n            await self.irq.value_change\n",
        "        await self.irq.value_change\n",
        "the interrupt taken on any change of the IRQ vector (another channel's line, a deassertion) instead "
        "of its own line asserted: a shared-IRQ handler that does not check its source, and misses a level "
        "already high",
        tests=SIM_TESTS,
    ),
    # -- async_tx -------------------------------------------------------------------------------
    M(
        "async-tx-dep-chan-ignored",
        "pydma/async_tx/async_tx.py",
        "    if dep is not None and tx_type in dep.chan.device.cap_mask:\n        return dep.chan\n",
        "",
        "async_tx_find_channel ignores the dependency's channel: needless channel switches",
    ),
    M(
        "async-tx-ack-dependency-skipped",
        "pydma/async_tx/async_tx.py",
        "    if depend_tx is not None:\n        async_tx_ack(depend_tx)\n",
        "",
        "async_tx_submit does not ack the dependency: it is never reclaimed (leak in C)",
    ),
    M(
        "async-tx-quiesce-no-wait",
        "pydma/async_tx/async_tx.py",
        "    status = await dma_wait_for_async_tx(tx)\n    if status",
        "    status = DmaStatus.DMA_COMPLETE\n    if status",
        "async_tx_quiesce does not wait: the CPU fallback reads before the DMA finished",
    ),
    M(
        "xor-continuation-count",
        "pydma/async_tx/async_xor.py",
        "            src_cnt -= xor_src_cnt - 1  # the sources done, less the result that is one again",
        "            src_cnt -= xor_src_cnt  # the sources done, less the result that is one again",
        "XOR split over max_xor: the intermediate result not counted as a source (last source dropped)",
    ),
    M(
        "xor-intermediate-not-source",
        "pydma/async_tx/async_xor.py",
        "        if not first:  # the intermediate result is the first source\n            srcs[0] = dma_dest\n",
        "",
        "XOR split: the continuation does not take the intermediate result as a source",
    ),
    M(
        "pq-coefficient-wrong",
        "pydma/async_tx/async_pq.py",
        "            coefs.append(raid6_gfexp[i])\n            unmap.to_cnt += 1",
        "            coefs.append(raid6_gfexp[j])\n            unmap.to_cnt += 1",
        "wrong PQ coefficient: a disk's Q coefficient taken from its collapsed index, not its disk number",
    ),
    M(
        "pq-continue-flag-missing",
        "pydma/async_tx/async_pq.py",
        "        src_off += pq_src_cnt\n        dma_flags |= DmaCtrlFlags.DMA_PREP_CONTINUE\n",
        "        src_off += pq_src_cnt\n",
        "PQ over more disks than max_pq without DMA_PREP_CONTINUE: each part overwrites P and Q",
    ),
    M(
        "pq-continue-maxpq",
        "pydma/dmaengine_raid.py",
        "    return dma_dev_to_maxpq(dma) - 3\n",
        "    return dma_dev_to_maxpq(dma) - 2\n",
        "dma_maxpq for a continuation leaves room for 2 extra sources, not the 3 it needs",
    ),
    # -- interleaved (2D) templates ---------------------------------------------------------
    M(
        "xt-pitch-without-gap",
        XTS,
        "c.size + dmaengine_get_dst_icg(xt, c) * xt.dst_inc",
        "c.size + dmaengine_get_src_icg(xt, c) * xt.dst_inc",
        "the destination pitch taken from the source gap (dst_icg ignored): lines land at the wrong pitch",
    ),
    M(
        "xt-column-frame-pitch",
        XTS,
        "dst_frame = sum(c.size + dmaengine_get_dst_icg(xt, c) for c in frame)",
        "dst_frame = sum(c.size for c in frame)",
        "a frame of several chunks: the next frame's destination ignores the gaps (the last gap too)",
    ),
    M(
        "xt-split-rows-wrong",
        XTS,
        "Seg(src + r * sp, dst + r * dp, run.size * min(per, run.rows - r), XT, xt=(run.size, sp, dp))",
        "Seg(src + r * sp, dst + r * dp, run.size * run.rows, XT, xt=(run.size, sp, dp))",
        "a run split at 2**30 bytes gives every part all the rows: the frame is moved past its end",
    ),
    M(
        "xt-ext-not-written",
        HWD,
        "layout.pack_desc(next_phys, src, dst, length, ctrl, xt)",
        "layout.pack_desc(next_phys, src, dst, length, ctrl)",
        "a 2D descriptor written without its second half (ROW_LEN 0): the controller refuses it",
    ),
    M(
        "repeat-handover-without-load-eot",
        "pydma/drivers/pydma_dmac/issue.py",
        "if chan.hw_repeat is not None and not batch[0].load_eot:",
        "if False:",
        "work issued behind a repeated frame without DMA_PREP_LOAD_EOT replaces it at once, not after a terminate",
    ),
    M(
        "repeat-frames-no-callback",
        IRQ,
        "        head.frames += frames\n        chan.vchan_cyclic_callback(head)\n",
        "        head.frames += frames\n",
        "a repeated frame's end never reaches the client (no per-frame callback)",
    ),
    M(
        "repeat-bit-not-set",
        XTS,
        "return [segs[0]._replace(ctrl=segs[0].ctrl | REPEAT)]",
        "return segs",
        "DMA_PREP_REPEAT accepted but the descriptor not marked: the frame is shown once",
    ),
)

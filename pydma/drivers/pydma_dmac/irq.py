"""Interrupt and error handling of one channel.

The handler reads STATUS and DONE_CNT, completes the transactions whose last descriptor is
done (or signals a period of a cyclic one), handles a halt or the end of an abort, hands the
hardware what it can take next, and leaves the callbacks to the tasklet (virt-dma).
"""

from __future__ import annotations

from pydma.drivers.pydma_dmac.chan import ChanState, PydmaChan
from pydma.drivers.pydma_dmac.issue import start_locked
from pydma.drivers.pydma_dmac.regs import ABORT_IRQ, HALTED, err_code
from pydma.enums import DmaengineTxResult, SumCheckFlags
from pydma.errors import EIO, DmaError
from pydma.hw import layout
from pydma.kcontext import HARDIRQ, running_in
from pydma.reports import BUS_ERROR, driver_logger
from pydma.trace import tracer

log = driver_logger("pydma.dmac")

ERR_RESULT = {
    layout.ErrCode.READ: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    layout.ErrCode.FETCH: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    layout.ErrCode.DESC: DmaengineTxResult.DMA_TRANS_READ_FAILED,
    layout.ErrCode.WRITE: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,
    layout.ErrCode.WRITEBACK: DmaengineTxResult.DMA_TRANS_WRITE_FAILED,
}
_NOERROR = DmaengineTxResult.DMA_TRANS_NOERROR


def _sum_check_flags(bits: int) -> SumCheckFlags:
    out = SumCheckFlags(0)
    if bits & layout.DescStatus.SUM_CHECK_P:
        out |= SumCheckFlags.SUM_CHECK_P_RESULT
    if bits & layout.DescStatus.SUM_CHECK_Q:
        out |= SumCheckFlags.SUM_CHECK_Q_RESULT
    return out


def _result(code: int) -> DmaengineTxResult:
    return ERR_RESULT.get(code, DmaengineTxResult.DMA_TRANS_READ_FAILED)


async def irq_thread(chan: PydmaChan) -> None:
    """The channel's interrupt line, as a threaded handler would take it."""
    backend = chan.device.backend
    while True:
        await backend.wait_irq(chan.index)
        start = chan.device.runtime.now_ns() if tracer.enabled else None
        status, done_cnt, frame_cnt = await chan.regs.take_irq(frames=_repeating(chan))
        chan.stats["irqs"] += 1
        with running_in(HARDIRQ), chan.lock:
            irq_handler_locked(chan, status, done_cnt, frame_cnt)
        if tracer.enabled:  # from the line's wake-up: the status reads take bus time
            tracer.mark(chan, "irq handler", start, "irq", status=hex(status), done_cnt=done_cnt)


def _repeating(chan: PydmaChan) -> bool:
    """A repeating transaction is on the hardware: its frames are counted in FRAME_CNT."""
    return (bool(chan.hw_queue) and chan.hw_queue[0][0].repeat) or chan.hw_repeat is not None


def irq_handler_locked(chan: PydmaChan, status: int, done_cnt: int, frame_cnt: int | None = None) -> None:
    if status & ABORT_IRQ:
        abort_done_locked(chan, done_cnt)
    elif chan.state is ChanState.ABORTING:
        chan.hw_done_cnt = done_cnt  # what completes while aborting was terminated
        return
    newly = (done_cnt - chan.hw_done_cnt) & 0xFFFF_FFFF
    chan.hw_done_cnt = done_cnt
    failed_code = 0
    if chan.state is ChanState.CYCLIC:
        if newly:
            # the ring's base moves to the start of the current lap: the residue counts its
            # position from there, and DONE_CNT wraps at 2**32, which the ring's length
            # need not divide
            ring = chan.hw_ring
            lap = (done_cnt - ring.hw_base) & 0xFFFF_FFFF
            ring.hw_base = (done_cnt - lap % len(ring.hw)) & 0xFFFF_FFFF
            chan.vchan_cyclic_callback(ring)
    else:
        failed_code = complete_locked(chan, newly)
        if frame_cnt is not None:
            _frames_locked(chan, frame_cnt)
    if status & HALTED:
        halted_locked(chan, err_code(status))
    elif failed_code and chan.state is not ChanState.HALTING:
        # A status written back with an error means the channel halts on that
        # descriptor, but STATUS (read first) may not show it yet: DONE_CNT can count the
        # failed descriptor before HALTED is set, while later chunks still drain. What
        # is issued now is aborted once the halt is reported; work the client issues from
        # the failed transaction's callback waits for the abort instead of being written
        # into a halting channel (CUR_DESC is refused while it is not idle).
        chan.halt_victims = list(chan.desc_issued)
        chan.stats["halts_ahead"] += 1
        chan.enter(ChanState.HALTING)
    start_locked(chan)


def _frames_locked(chan: PydmaChan, frame_cnt: int) -> None:
    """Frames of the repeating transaction that ran again: its callback, coalesced as a
    cyclic one's periods are (vchan_cyclic_callback), while it is the one on the hardware."""
    frames = (frame_cnt - chan.hw_frames) & 0xFFFF_FFFF
    chan.hw_frames = frame_cnt
    head = chan.hw_queue[0][0] if chan.hw_queue else None
    if frames and head is not None and head.repeat:
        head.frames += frames
        chan.vchan_cyclic_callback(head)


def complete_locked(chan: PydmaChan, newly: int) -> int:
    """Complete the `newly` descriptors DONE_CNT counted; returns the error code the first
    failed one reported (0 if none failed)."""
    failed_code = 0
    if newly > len(chan.hw_queue):
        raise DmaError(EIO, f"{chan.name}: DONE_CNT says {newly} done, only {len(chan.hw_queue)} queued")
    for _ in range(newly):
        desc, i = chan.hw_queue.popleft()
        h = desc.hw[i]
        chan.ring.retire(h)
        done, err, moved = h.status()
        desc.moved += moved
        if not done:
            raise DmaError(EIO, f"{chan.name}: descriptor 0x{h.phys:x} counted done without DONE")
        if err and not failed_code:
            failed_code = err
        if err and desc.tx_result.result == _NOERROR:
            desc.tx_result.result = _result(err)
        if desc.sum_check is not None:
            desc.sum_bits |= h.sum_check()
        if i == len(desc.hw) - 1:
            desc.on_hw = False
            if desc.sum_check is not None:  # *result of the check, as the kernel writes it
                desc.sum_check.value = _sum_check_flags(desc.sum_bits)
            # a peripheral that ended the packet early (LREQ) leaves a residue
            desc.tx_result.residue = desc.total - desc.moved
            if desc.tx_result.result != _NOERROR:
                chan.error_cookies.append(desc.cookie)
            chan.vchan_cookie_complete(desc)
    if not chan.hw_queue and chan.state is ChanState.RUNNING:
        chan.enter(ChanState.IDLE)
    return failed_code


def halted_locked(chan: PydmaChan, code: layout.ErrCode) -> None:
    """The channel stopped on an error. The transaction it stopped in completes with the
    error, every other issued one with DMA_TRANS_ABORTED (callbacks run, no cookie hangs),
    and the channel is reset with ABORT; work issued later starts after it."""
    if chan.state is ChanState.HALTING:
        victims = [d for d in chan.halt_victims if d in chan.desc_issued]
    else:
        victims = chan.desc_issued
    chan.halt_victims = []
    # A data or descriptor error was written back and counted (so the transaction may
    # have completed with it already); a fetch or write-back error stopped uncounted.
    head = chan.hw_queue[0][0] if chan.hw_queue else None
    uncounted = code in (layout.ErrCode.FETCH, layout.ErrCode.WRITEBACK)
    head_failed = head is not None and (uncounted or head.tx_result.result != _NOERROR)
    failed = chan.hw_ring or (head if head_failed else None)
    culprit = failed.cookie if failed is not None else (chan.error_cookies[-1] if chan.error_cookies else None)
    log.error(
        "%s: channel halted on %s error in transaction %s",
        chan.name,
        code.name,
        culprit,
        extra={"pydma_tag": BUS_ERROR},
    )
    if failed is not None and failed.tx_result.result == _NOERROR:
        failed.tx_result.result = _result(code)
    for desc in list(victims):
        if desc is not failed:
            desc.tx_result.result = DmaengineTxResult.DMA_TRANS_ABORTED
            desc.moved = 0
        desc.tx_result.residue = desc.total - desc.moved
        desc.on_hw = False
        chan.error_cookies.append(desc.cookie)
        chan.vchan_cookie_complete(desc)
    abort_locked(chan)


def abort_locked(chan: PydmaChan) -> None:
    """Let go of everything on the hardware and write CTRL.ABORT (terminate, halt)."""
    chan.hw_queue.clear()
    chan.hw_ring = None
    chan.hw_repeat = None
    chan.hw_tail = None
    chan.paused = False
    chan.halt_victims = []
    chan.regs.abort()
    chan.enter(ChanState.ABORTING)


def abort_done_locked(chan: PydmaChan, done_cnt: int) -> None:
    """ABORT_IRQ: the controller is idle and will touch nothing of the old work again."""
    chan.hw_done_cnt = chan.hw_handed = done_cnt
    chan.ring.unpin()
    chan.halt_victims = []
    chan.enter(ChanState.IDLE)

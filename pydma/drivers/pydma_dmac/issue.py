"""Handing issued transactions to the hardware.

On an idle channel the driver writes the slave set-up, CUR_DESC and TAIL_DESC; on a running
one it links the old tail to new work with the same set-up and rings TAIL_DESC (the
controller re-reads a stale tail's NEXT, so appending is race-free). Work with another
set-up, or behind a cyclic ring, waits until the channel is idle again; nothing is handed
over while the channel halts or aborts (the interrupt that ends that comes back here).
Behind a repeating transaction (DMA_PREP_REPEAT, the hardware's tail) only one prepared
with DMA_PREP_LOAD_EOT is handed over: the controller then ends the repetition at the next
frame boundary and goes on with it. Anything else waits until the repetition is terminated,
as the kernel's API says.
"""

from __future__ import annotations

import itertools

from pydma import strict
from pydma.drivers.pydma_dmac import fence_check
from pydma.drivers.pydma_dmac.chan import ChanState, PydmaChan
from pydma.drivers.pydma_dmac.desc import PydmaDesc
from pydma.reports import driver_logger
from pydma.trace import tracer

log = driver_logger("pydma.dmac")


def start_locked(chan: PydmaChan) -> None:
    """Hand the hardware the issued transactions it can take now: on an idle channel, a
    cyclic ring or a run with one set-up; on a running one, more of the running set-up."""
    if chan.state not in (ChanState.IDLE, ChanState.RUNNING):
        return
    new: list[PydmaDesc] = [d for d in chan.desc_issued if not d.on_hw]
    if not new:
        return
    idle = chan.state is ChanState.IDLE
    if idle and new[0].cyclic:
        batch = new[:1]
    else:
        setup = new[0].setup if idle else chan.regs.setup
        batch = list(itertools.takewhile(lambda d: d.setup == setup and not d.cyclic, new))
        if not batch:
            return  # waits until the running chain is done
        if chan.hw_repeat is not None and not batch[0].load_eot:
            if not batch[0].waits_logged:
                batch[0].waits_logged = True
                log.warning(
                    "%s: transaction %d waits behind the repeating %d until it is terminated "
                    "(not prepared with DMA_PREP_LOAD_EOT)",
                    chan.name,
                    batch[0].cookie,
                    chan.hw_repeat.cookie,
                )
            return
    if strict.enabled and not batch[0].cyclic:
        fence_check.check(chan.name, [d for d in chan.desc_issued if d.on_hw], batch)
    for prev, desc in itertools.pairwise(batch):
        prev.hw[-1].set_next(desc.hw[0].phys)
    for desc in batch:
        desc.clear_statuses()
        desc.on_hw = True
        desc.moved = 0  # a reused transaction starts over
        desc.sum_bits = 0
        desc.hw_base = chan.hw_handed
        if tracer.enabled:
            tracer.phase(desc, "on hardware", hw_descriptors=len(desc.hw), appended=not idle)
        if desc.cyclic:
            chan.hw_ring = desc
        else:
            chan.hw_handed = (chan.hw_handed + len(desc.hw)) & 0xFFFF_FFFF  # DONE_CNT wraps at 2**32
            chan.hw_queue.extend(desc.queue_entries())
    head, tail = batch[0].hw[0], batch[-1].hw[-1]
    if idle:
        chan.regs.start(batch[0].setup, batch[0].cyclic, head.phys)
        chan.stats["starts"] += 1
        chan.enter(ChanState.CYCLIC if batch[0].cyclic else ChanState.RUNNING)
    else:  # (a repeating tail ends at its frame's end now: TAIL_DESC moves past it)
        chan.hw_tail.set_next(head.phys)  # the controller re-reads a stale tail's NEXT
        chan.stats["appends"] += 1
    chan.regs.ring_tail(tail.phys)
    chan.hw_tail = tail
    chan.hw_repeat = batch[-1] if batch[-1].repeat else None

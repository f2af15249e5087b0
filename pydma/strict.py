"""Strict mode: the context and ordering rules of dmaengine, checked as they happen.

Always on, whatever the mode: a sleeping call (`dmaengine_synchronize`,
`dmaengine_terminate_sync`, `dma_sync_wait`, `dma_release_channel`, ...: every
`pydma.kcontext.sleeping` call) from a callback or an interrupt handler raises
`DmaApiMisuse` at the call.

With strict mode on (the test environment turns it on), these client bugs are reported
through `pydma.reports` too (`pydma.kcontext` files them):

- that sleeping call from a callback or an interrupt handler (`sleep-in-atomic`), also
  raised at the call, so that a callback catching the exception does not hide it;
- a sleeping call made without `await` and never started: it did nothing
  (`never-awaited`, with the line that made it).

- a `dma_sync_wait` on a cookie its channel never assigned (`foreign-cookie`): the kernel
  answers DMA_COMPLETE at once, so the wait "succeeds" without anything done (a cookie of
  another channel, or a stale one);

And these provider bugs:

- a completion callback that runs after `dmaengine_synchronize` (or `terminate_sync`)
  returned, for a descriptor submitted before the terminate it synchronized with: the
  guarantee a client relies on to free what its callback uses;
- a cookie completing out of order (before a cookie submitted earlier on the channel that
  already completed), or twice: `tx_status` answers by comparing cookies, so it would lie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydma import reports

if TYPE_CHECKING:
    from pydma.dmaengine import DmaAsyncTxDescriptor, DmaChan

enabled = False
_COOKIES = (1 << 31) - 1  # cookies count up from 1 to 2**31 - 1 (an s32), then wrap to 1
_HALF = 1 << 30  # compare within half of them


def enable() -> None:
    global enabled
    enabled = True


def disable() -> None:
    global enabled
    enabled = False


def _after(a: int, b: int) -> bool:
    """Cookie `a` was assigned after cookie `b` (across the wrap)."""
    return 0 < (a - b) % _COOKIES < _HALF


def terminated(chan: DmaChan) -> None:
    """terminate_all succeeded: every cookie assigned so far is terminated."""
    chan.terminated_upto = chan.cookie


def synchronized(chan: DmaChan) -> None:
    """synchronize returned: no callback of a terminated cookie may run from now on."""
    chan.synced_upto = chan.terminated_upto


def cookie_completing(tx: DmaAsyncTxDescriptor) -> None:
    chan = tx.chan
    if enabled and not _after(tx.cookie, chan.completed_cookie):
        again = "again" if tx.cookie == chan.completed_cookie else f"after cookie {chan.completed_cookie}"
        reports.reporter.report(
            reports.COOKIE_ORDER,
            f"{chan.name}: cookie {tx.cookie} ({tx!r}) completed {again}: cookies complete in submission order",
        )


def callback_invoking(desc: DmaAsyncTxDescriptor) -> None:
    chan = desc.chan
    if enabled and chan.synced_upto and not _after(desc.last_cookie, chan.synced_upto):
        reports.reporter.report(
            reports.CALLBACK_AFTER_SYNC,
            f"{chan.name}: callback of cookie {desc.last_cookie} ({desc!r}) ran after dmaengine_synchronize "
            f"returned; it was submitted before the terminate (cookies up to {chan.synced_upto})",
        )


def sync_waiting(chan: DmaChan, cookie: int) -> None:
    """A dma_sync_wait on `cookie` of `chan` starts."""
    if enabled and (cookie < 1 or _after(cookie, chan.cookie)):
        reports.reporter.report(
            reports.FOREIGN_COOKIE,
            f"dma_sync_wait on cookie {cookie} of {chan.name}, which that channel never assigned (its last is "
            f"{chan.cookie}): the kernel says DMA_COMPLETE at once and nothing was waited for (a cookie of "
            "another channel?)",
        )

"""Cookie bookkeeping, as drivers/dma/dmaengine.h does it: in order, wrapping to 1."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydma import strict
from pydma.enums import DmaStatus

if TYPE_CHECKING:
    from pydma.dmaengine import DmaAsyncTxDescriptor, DmaChan, DmaTxState

DMA_MIN_COOKIE = 1
DMA_MAX_COOKIE = 0x7FFF_FFFF  # dma_cookie_t is an s32


def dma_submit_error(cookie: int) -> bool:
    return cookie < 0


def dma_cookie_init(chan: DmaChan) -> None:
    chan.cookie = DMA_MIN_COOKIE
    chan.completed_cookie = DMA_MIN_COOKIE
    chan.terminated_upto = chan.synced_upto = 0  # strict mode's marks restart with the cookies


def dma_cookie_assign(tx: DmaAsyncTxDescriptor) -> int:
    chan = tx.chan
    cookie = chan.cookie + 1
    if cookie > DMA_MAX_COOKIE:  # the s32 overflow the kernel handles with "< DMA_MIN_COOKIE"
        cookie = DMA_MIN_COOKIE
    tx.cookie = tx.last_cookie = chan.cookie = cookie
    if tx.memcpy_len is not None:  # a memcpy submitted: the channel's sysfs counters (pydma/sysfs.py)
        chan.local.memcpy_count += 1
        chan.local.bytes_transferred += tx.memcpy_len
    return cookie


def dma_cookie_complete(tx: DmaAsyncTxDescriptor) -> None:
    if tx.cookie < DMA_MIN_COOKIE:
        raise AssertionError(f"completing descriptor {tx!r} with no cookie")
    strict.cookie_completing(tx)
    tx.chan.completed_cookie = tx.cookie
    tx.cookie = 0


def dma_async_is_complete(cookie: int, last_complete: int, last_used: int) -> DmaStatus:
    if last_complete <= last_used:
        if cookie <= last_complete or cookie > last_used:
            return DmaStatus.DMA_COMPLETE
    elif cookie <= last_complete and cookie > last_used:
        return DmaStatus.DMA_COMPLETE
    return DmaStatus.DMA_IN_PROGRESS


def dma_cookie_status(chan: DmaChan, cookie: int, state: DmaTxState | None) -> DmaStatus:
    used = chan.cookie
    complete = chan.completed_cookie
    if state is not None:
        state.last = complete
        state.used = used
        state.residue = 0
        state.in_flight_bytes = 0
    return dma_async_is_complete(cookie, complete, used)

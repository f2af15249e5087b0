"""Tests written to kill mutants that `make mutate` (tools/mutate.py) found surviving: each
checks a rule of the driver stack that no other test checked."""

from __future__ import annotations

import asyncio
import random
from types import SimpleNamespace

import pytest

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_TO_DEVICE,
    DmaCapMask,
    dma_request_channel,
)
from pydma import cookie as _cookie
from pydma.dmaengine import DmaChanPercpu, DmaTxState
from pydma.enums import DmaStatus
from pydma.errors import DmaApiMisuse
from pydma.model import run
from tb.model_env import Guarded, started


def _chan_and_tx() -> tuple[SimpleNamespace, SimpleNamespace]:
    chan = SimpleNamespace(cookie=0, completed_cookie=0, local=DmaChanPercpu(), name="fake0chan0")
    _cookie.dma_cookie_init(chan)
    tx = SimpleNamespace(chan=chan, cookie=-22, last_cookie=0, memcpy_len=None)
    return chan, tx


def test_a_completed_descriptor_has_no_cookie_any_more() -> None:
    """dma_cookie_complete: the channel's completed cookie moves to the descriptor's, and the
    descriptor's is zeroed (it is no longer in flight; completing it again is a bug)."""
    chan, tx = _chan_and_tx()
    cookie = _cookie.dma_cookie_assign(tx)
    assert tx.cookie == cookie == chan.cookie
    _cookie.dma_cookie_complete(tx)
    assert chan.completed_cookie == cookie
    assert tx.cookie == 0 and tx.last_cookie == cookie


def test_tx_status_of_a_completed_cookie_resets_the_callers_state() -> None:
    """dma_cookie_status fills every field of the caller's dma_tx_state: a state reused from
    an earlier call must not keep that call's residue."""
    chan, tx = _chan_and_tx()
    cookie = _cookie.dma_cookie_assign(tx)
    _cookie.dma_cookie_complete(tx)
    state = DmaTxState(last=0, used=0, residue=4096, in_flight_bytes=64)
    assert _cookie.dma_cookie_status(chan, cookie, state) == DmaStatus.DMA_COMPLETE
    assert state == DmaTxState(last=cookie, used=cookie, residue=0, in_flight_bytes=0)


# -- on the controller model (the driver as the simulation runs it) -----------------------------


def _memcpy_channel():
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    assert chan is not None
    return chan


def test_a_second_submit_of_the_same_descriptor_is_refused(seed: int) -> None:
    """tx_submit of a descriptor already submitted is the client's bug: refused with
    DmaApiMisuse (and the lists left as they were: the first submit still completes)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = _memcpy_channel()
            src = Guarded(env, 256, DMA_TO_DEVICE, rng)
            dst = Guarded(env, 256, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, 256, DMA_PREP_INTERRUPT)
            cookie = tx.submit()
            with pytest.raises(DmaApiMisuse, match="double submit"):
                tx.submit()
            assert chan.tx_status(cookie).name == "DMA_IN_PROGRESS"
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            src.finish()
            assert dst.finish() == src.original
            await chan.release()

    run(body())


def test_tasklet_kill_waits_for_a_scheduled_tasklet() -> None:
    """tasklet_kill returns only once the tasklet is neither scheduled nor running: a tasklet
    scheduled but not yet started runs first (what dmaengine_synchronize relies on)."""
    from pydma.kcontext import Tasklet
    from pydma.model import AsyncioRuntime

    async def body() -> list[str]:
        ran: list[str] = []
        tasklet = Tasklet("t", lambda: ran.append("ran"), AsyncioRuntime())
        await asyncio.sleep(0)  # its task waits for a schedule
        tasklet.schedule()
        await tasklet.kill()
        assert ran == ["ran"], "tasklet_kill returned before the scheduled tasklet ran"
        tasklet.stop()
        return ran

    run(body())

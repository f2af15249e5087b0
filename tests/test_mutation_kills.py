"""Tests written to kill mutants that `make mutate` (tools/mutate.py) found surviving: each
checks a rule of the driver stack that no other test checked."""

from __future__ import annotations

from types import SimpleNamespace

from pydma import cookie as _cookie
from pydma.dmaengine import DmaChanPercpu, DmaTxState
from pydma.enums import DmaStatus


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

"""The kernel-style module-level wrappers of include/linux/dmaengine.h: dmaengine_prep_*,
dma_async_issue_pending, dmaengine_tx_status, dma_async_is_tx_complete,
dmaengine_slave_config, dmaengine_terminate_async/sync, dmaengine_synchronize,
dmaengine_pause, dmaengine_resume: each the same call as a `DmaChan` method."""

from __future__ import annotations

from pydma.dmaengine.channel import _TERMINATE_HINT, DmaChan
from pydma.dmaengine.descriptors import DmaTxState
from pydma.dmaengine.interleaved import DmaInterleavedTemplate, DmaVec
from pydma.dmaengine.slave import DmaSlaveConfig
from pydma.enums import DmaStatus
from pydma.kcontext import sleeping


def dmaengine_prep_dma_memcpy(chan: DmaChan, dest: int, src: int, length: int, flags: int = 0):
    return chan.prep_dma_memcpy(dest, src, length, flags)


def dmaengine_prep_slave_sg(chan: DmaChan, sgl, sg_len, direction, flags=0):
    return chan.prep_slave_sg(sgl, sg_len, direction, flags)


def dmaengine_prep_slave_single(chan: DmaChan, buf: int, length: int, direction, flags=0):
    return chan.prep_slave_single(buf, length, direction, flags)


def dmaengine_prep_dma_cyclic(chan: DmaChan, buf_addr: int, buf_len: int, period_len: int, direction, flags=0):
    return chan.prep_dma_cyclic(buf_addr, buf_len, period_len, direction, flags)


def dmaengine_prep_interleaved_dma(chan: DmaChan, xt: DmaInterleavedTemplate, flags: int = 0):
    return chan.prep_interleaved_dma(xt, flags)


def dmaengine_prep_peripheral_dma_vec(chan: DmaChan, vecs: list[DmaVec], nents: int, direction, flags: int = 0):
    return chan.prep_peripheral_dma_vec(vecs, nents, direction, flags)


def dma_async_issue_pending(chan: DmaChan) -> None:
    chan.issue_pending()


def dmaengine_tx_status(chan: DmaChan, cookie: int, state: DmaTxState | None = None) -> DmaStatus:
    return chan.tx_status(cookie, state)


def dma_async_is_tx_complete(chan: DmaChan, cookie: int) -> tuple[DmaStatus, int, int]:
    state = DmaTxState()
    status = chan.tx_status(cookie, state)
    return status, state.last, state.used


def dmaengine_slave_config(chan: DmaChan, config: DmaSlaveConfig) -> int:
    return chan.slave_config(config)


def dmaengine_terminate_async(chan: DmaChan) -> int:
    return chan.terminate_async()


@sleeping("dmaengine_terminate_sync", hint=_TERMINATE_HINT)
async def dmaengine_terminate_sync(chan: DmaChan) -> int:
    return await chan.terminate_sync()


@sleeping("dmaengine_synchronize")
async def dmaengine_synchronize(chan: DmaChan) -> None:
    await chan.synchronize()


def dmaengine_pause(chan: DmaChan) -> int:
    return chan.pause()


def dmaengine_resume(chan: DmaChan) -> int:
    return chan.resume()

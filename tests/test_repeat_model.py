"""Repeated frames (DMA_PREP_REPEAT, DMA_PREP_LOAD_EOT) on the controller model: a display
reads a frame again and again; frames queued with LOAD_EOT take over exactly at a frame
boundary (the stream the display received is whole frames, each entirely one buffer, in
order); a callback per repeated frame (coalesced as a cyclic one's); the residue falls
within a frame; work queued without LOAD_EOT waits until a terminate; the refusals."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest

from pydma import (
    DMA_MEM_TO_DEV,
    DMA_MEM_TO_MEM,
    DMA_PREP_INTERRUPT,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaSlaveConfig,
    DmaStatus,
    DmaTxState,
    dma_request_channel,
)
from pydma.dmaengine import DataChunk, DmaInterleavedTemplate
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaCtrlFlags, DmaTransactionType
from pydma.model import TxFifo, run
from tb.model_env import Guarded, started, until

DISPLAY = 0x0800_0000
REPEAT, LOAD_EOT = DmaCtrlFlags.DMA_PREP_REPEAT, DmaCtrlFlags.DMA_PREP_LOAD_EOT
WIDTH, LINE_BYTES, PITCH, LINES = 4, 64, 96, 6  # a tiny frame: 6 lines of 64 bytes at a pitch of 96
FRAME = LINE_BYTES * LINES


def display_channel(env):
    dev = env.model.attach_device(2, TxFifo(DISPLAY, width=WIDTH, maxburst=8, depth=32, ns_per_element=10))
    chan = dma_request_channel(DmaCapMask(DmaTransactionType.DMA_SLAVE), pydma_filter, PydmaRequest(line=2))
    assert chan.slave_config(DmaSlaveConfig(dst_addr=DISPLAY, dst_addr_width=WIDTH, dst_maxburst=8)) == 0
    return dev, chan


def frame_template(buf: Guarded, direction=DMA_MEM_TO_DEV) -> DmaInterleavedTemplate:
    return DmaInterleavedTemplate(
        src_start=buf.addr, dst_start=0, dir=direction, src_inc=True, dst_inc=direction == DMA_MEM_TO_MEM,
        src_sgl=True, numf=LINES, frame_size=1, sgl=[DataChunk(size=LINE_BYTES, icg=PITCH - LINE_BYTES)],
    )  # fmt: skip


def visible(buf: Guarded) -> bytes:
    return b"".join(buf.original[i * PITCH : i * PITCH + LINE_BYTES] for i in range(LINES))


def test_scanout_swaps_at_frame_boundaries(seed: int) -> None:
    """Frame A repeats; B, C, D are queued with LOAD_EOT at random moments; the display's
    stream is whole frames, each one buffer, A..D in order, each shown at least once; the
    repeating transaction's callback runs per frame; each replaced one completes."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dev, chan = display_channel(env)
            assert DmaTransactionType.DMA_REPEAT in chan.device.cap_mask
            bufs = [Guarded(env, PITCH * LINES, DMA_TO_DEVICE, rng) for _ in range(4)]
            frames = [visible(b) for b in bufs]
            events: list[str] = []
            txs = []
            for i, b in enumerate(bufs):
                tx = chan.prep_interleaved_dma(frame_template(b), REPEAT | (LOAD_EOT if i else 0) | DMA_PREP_INTERRUPT)
                assert tx is not None
                tx.callback = lambda name, i=i: events.append(name)
                tx.callback_param = "ABCD"[i]
                txs.append(tx)
            cookies = [txs[0].submit()]
            chan.issue_pending()
            await until(lambda: events.count("A") >= 3, "three frames of A")
            state = DmaTxState()
            assert chan.tx_status(cookies[0], state) == DmaStatus.DMA_IN_PROGRESS and 0 < state.residue <= FRAME
            for tx in txs[1:]:
                await asyncio.sleep(rng.uniform(0, 3 * FRAME // WIDTH * 10e-9))
                cookies.append(tx.submit())
                chan.issue_pending()
            await until(lambda: len(dev.received) >= FRAME * 12, "frames of D")
            # whole frames of one buffer each, in order; every one shown
            got = bytes(dev.received[: FRAME * 12])
            shown = [frames.index(got[k : k + FRAME]) for k in range(0, len(got), FRAME)]
            assert shown == sorted(shown) and set(shown) == {0, 1, 2, 3}, f"frames shown: {shown}"
            for c in cookies[:3]:
                assert chan.tx_status(c) == DmaStatus.DMA_COMPLETE, "a replaced frame completes"
            assert chan.tx_status(cookies[3]) == DmaStatus.DMA_IN_PROGRESS, "the last one repeats"
            assert events.count("D") >= 1 and events.count("A") >= 3
            assert await chan.terminate_sync() == 0
            for b in bufs:
                assert b.finish() == b.original
            await chan.release()

    run(body())


def test_without_load_eot_it_waits(seed: int, caplog) -> None:
    """A frame queued without LOAD_EOT behind a repeating one is not started (the kernel's
    rule: it waits until the repetition is terminated), with a warning saying so."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dev, chan = display_channel(env)
            a, b = (Guarded(env, PITCH * LINES, DMA_TO_DEVICE, rng) for _ in range(2))
            chan.prep_interleaved_dma(frame_template(a), REPEAT | DMA_PREP_INTERRUPT).submit()
            chan.issue_pending()
            await until(lambda: len(dev.received) >= 2 * FRAME, "two frames")
            late = chan.prep_interleaved_dma(frame_template(b), DMA_PREP_INTERRUPT).submit()
            chan.issue_pending()
            await until(lambda: len(dev.received) >= 6 * FRAME, "more frames")
            assert chan.tx_status(late) == DmaStatus.DMA_IN_PROGRESS
            got = bytes(dev.received[: 6 * FRAME])
            assert got == visible(a) * 6, "only A is shown"
            assert "waits behind the repeating" in caplog.text
            assert await chan.terminate_sync() == 0
            a.finish()
            b.finish()
            await chan.release()

    with caplog.at_level(logging.WARNING, "pydma"):
        run(body())


@pytest.mark.parametrize(
    ("case", "why"),
    [("memcpy", "memory-to-memory template"), ("two descriptors", "a repeated frame must be one")],
)
def test_refused_repeats(seed: int, case: str, why: str, caplog) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            buf = Guarded(env, PITCH * LINES, DMA_TO_DEVICE, rng)
            if case == "memcpy":
                chan = dma_request_channel(DmaCapMask(DmaTransactionType.DMA_INTERLEAVE))
                xt = frame_template(buf, DMA_MEM_TO_MEM)
                xt.dst_start = buf.addr + PITCH * LINES + 64
            else:
                _, chan = display_channel(env)
                xt = frame_template(buf)
                xt.frame_size, xt.sgl = 2, [DataChunk(size=8, icg=8), DataChunk(size=16, icg=8)]
            assert chan.prep_interleaved_dma(xt, REPEAT) is None
            assert why in caplog.text, caplog.text
            buf.finish()
            await chan.release()

    with caplog.at_level(logging.ERROR, "pydma"):
        run(body())

"""Interleaved (2D) transfers end to end on the controller model (pydma.model): random
templates through dmaengine_prep_interleaved_dma, the result checked against the reference
model of the kernel's semantics (interleaved_chunks) byte for byte, gaps and guard bytes
included; the descriptors each template becomes (xt_segments' mapping) counted; slave
templates to a device FIFO in template order; dma_vec; and the refusals."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest

from pydma import (
    DMA_DEV_TO_MEM,
    DMA_FROM_DEVICE,
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
from pydma.dmaengine import DataChunk, DmaInterleavedTemplate, DmaVec, interleaved_chunks
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaTransactionType
from pydma.model import RxFifo, TxFifo, run
from tb.model_env import Guarded, started

TX_ADDR, RX_ADDR = 0x0800_0000, 0x0800_1000


def xt_channel():
    chan = dma_request_channel(DmaCapMask(DmaTransactionType.DMA_INTERLEAVE))
    assert chan is not None, "the device offers DMA_INTERLEAVE (OPS_CONFIG.XT)"
    return chan


def random_template(rng: random.Random, uniform: bool) -> DmaInterleavedTemplate:
    frame_size = 1 if uniform and rng.random() < 0.5 else rng.randrange(1, 4)
    size, sgap, dgap = rng.randrange(1, 300), rng.randrange(0, 80), rng.randrange(0, 80)
    chunks = []
    for _ in range(frame_size):
        if not uniform:
            size, sgap, dgap = rng.randrange(1, 300), rng.randrange(0, 80), rng.randrange(0, 80)
        # the side's own gap, or the common icg with *_sgl (dmaengine_get_*_icg)
        chunks.append(DataChunk(size=size, icg=sgap, src_icg=0, dst_icg=dgap if dgap != sgap else 0))
    return DmaInterleavedTemplate(
        dir=DMA_MEM_TO_MEM,
        src_inc=True,
        dst_inc=True,
        src_sgl=True,
        dst_sgl=True,
        numf=rng.randrange(1, 9),
        frame_size=frame_size,
        sgl=chunks,
    )


def span(xt: DmaInterleavedTemplate) -> tuple[int, int]:
    """Bytes each side of a template at start 0 covers."""
    rows = interleaved_chunks(xt)
    return max(s + n for s, _, n in rows), max(d + n for _, d, n in rows)


@pytest.mark.parametrize("uniform", [True, False], ids=["uniform", "mixed"])
def test_random_templates_against_the_reference(seed: int, uniform: bool) -> None:
    """Twelve random memory-to-memory templates, each one transaction: the destination,
    gaps between rows included, is what the reference model makes of the original bytes;
    a template whose rows are all alike is one hardware descriptor."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = xt_channel()
            for _ in range(12):
                xt = random_template(rng, uniform)
                src_n, dst_n = span(xt)
                src = Guarded(env, src_n, DMA_TO_DEVICE, rng)
                dst = Guarded(env, dst_n, DMA_FROM_DEVICE, rng)
                xt.src_start, xt.dst_start = src.addr, dst.addr
                done_before = env.model.channels[chan.index].done_cnt
                tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
                assert tx is not None
                total = sum(n for _, _, n in interleaved_chunks(xt))
                state = DmaTxState()
                assert chan.tx_status(tx.submit(), state) == DmaStatus.DMA_IN_PROGRESS and state.residue == total
                chan.issue_pending()
                assert await chan.sync_wait(tx.cookie) == DmaStatus.DMA_COMPLETE
                expect = bytearray(dst.original)
                for s, d, n in interleaved_chunks(xt):
                    expect[d - dst.addr : d - dst.addr + n] = src.original[s - src.addr : s - src.addr + n]
                assert src.finish() == src.original
                assert dst.finish() == bytes(expect), f"template {xt}"
                descs = env.model.channels[chan.index].done_cnt - done_before
                if len({(c.size, c.icg, c.dst_icg) for c in xt.sgl}) == 1:
                    assert descs == 1, f"rows alike: one descriptor, not {descs}"
                else:
                    assert descs <= xt.frame_size, "a mixed frame: a descriptor per chunk"
            await asyncio.sleep(0)
            await chan.release()

    run(body())


@pytest.mark.parametrize("direction", [DMA_MEM_TO_DEV, DMA_DEV_TO_MEM], ids=["to_dev", "from_dev"])
def test_slave_template_in_template_order(seed: int, direction) -> None:
    """A frame of rows at a pitch to or from a paced device FIFO: the device sees (or
    fills) the rows in the template's order; the gaps between rows are untouched."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            to_dev = direction == DMA_MEM_TO_DEV
            width, burst = 4, 8
            if to_dev:
                dev = env.model.attach_device(
                    2, TxFifo(TX_ADDR, width=width, maxburst=burst, depth=16, ns_per_element=20)
                )
                cfg = DmaSlaveConfig(dst_addr=TX_ADDR, dst_addr_width=width, dst_maxburst=burst)
            else:
                dev = env.model.attach_device(
                    2, RxFifo(RX_ADDR, width=width, maxburst=burst, depth=16, ns_per_element=20)
                )
                cfg = DmaSlaveConfig(src_addr=RX_ADDR, src_addr_width=width, src_maxburst=burst)
            chan = dma_request_channel(DmaCapMask(DmaTransactionType.DMA_SLAVE), pydma_filter, PydmaRequest(line=2))
            assert chan.slave_config(cfg) == 0
            # rows of 5 elements (a burst spans row ends), then 3: a mixed frame in order
            chunks = [DataChunk(size=20, icg=12), DataChunk(size=12, icg=4)]
            numf = 6
            mem_n = numf * (20 + 12 + 12 + 4)
            buf = Guarded(env, mem_n, DMA_TO_DEVICE if to_dev else DMA_FROM_DEVICE, rng)
            xt = DmaInterleavedTemplate(
                src_start=buf.addr if to_dev else 0,
                dst_start=0 if to_dev else buf.addr,
                dir=direction,
                src_inc=to_dev,
                dst_inc=not to_dev,
                src_sgl=to_dev,
                dst_sgl=not to_dev,
                numf=numf,
                frame_size=2,
                sgl=chunks,
            )
            rows = [(s if to_dev else d) - buf.addr for s, d, _ in interleaved_chunks(xt)]
            sizes = [n for _, _, n in interleaved_chunks(xt)]
            if to_dev:
                dev.expect(b"".join(buf.original[r : r + n] for r, n in zip(rows, sizes)))
            tx = chan.prep_interleaved_dma(xt, DMA_PREP_INTERRUPT)
            assert tx is not None
            tx.submit()
            chan.issue_pending()
            assert await chan.sync_wait(tx.cookie) == DmaStatus.DMA_COMPLETE
            if to_dev:
                assert buf.finish() == buf.original
                assert bytes(dev.received) == b"".join(buf.original[r : r + n] for r, n in zip(rows, sizes))
            else:
                expect = bytearray(buf.original)
                stream = dev.expected(0, sum(sizes) // width)
                at = 0
                for r, n in zip(rows, sizes):
                    expect[r : r + n] = stream[at : at + n]
                    at += n
                assert buf.finish() == bytes(expect)
            await chan.release()

    run(body())


def test_dma_vec_to_a_device(seed: int) -> None:
    """prep_peripheral_dma_vec: three (address, length) vectors sent in order."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dev = env.model.attach_device(1, TxFifo(TX_ADDR, width=2, maxburst=4, depth=8, ns_per_element=10))
            chan = dma_request_channel(DmaCapMask(DmaTransactionType.DMA_SLAVE), pydma_filter, PydmaRequest(line=1))
            assert chan.slave_config(DmaSlaveConfig(dst_addr=TX_ADDR, dst_addr_width=2, dst_maxburst=4)) == 0
            bufs = [Guarded(env, 2 * rng.randrange(1, 50), DMA_TO_DEVICE, rng) for _ in range(3)]
            tx = chan.prep_peripheral_dma_vec(
                [DmaVec(b.addr, len(b.original)) for b in bufs], 3, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT
            )
            assert tx is not None
            tx.submit()
            chan.issue_pending()
            assert await chan.sync_wait(tx.cookie) == DmaStatus.DMA_COMPLETE
            assert bytes(dev.received) == b"".join(b.original for b in bufs)
            for b in bufs:
                assert b.finish() == b.original
            await chan.release()

    run(body())


REFUSALS = {
    "memory side not incrementing": ({"dst_inc": False}, "dst_inc is false but the dst is memory"),
    "no frame": ({"numf": 0}, "numf 0"),
    "empty chunk": ({"sgl": [DataChunk(size=0)]}, "chunk 0: size 0"),
    "pitch beyond 32 bits": ({"sgl": [DataChunk(size=16, icg=1 << 32)]}, "more than 32 bits"),
    "overlapping rows": ({"dst_start": 0x1008}, "overlaps"),  # (0x1010 would fill the gaps: fine)
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_templates(seed: int, case: str, caplog) -> None:
    """What the controller cannot do is refused at prep (None, the reason logged), and
    nothing is held."""
    change, why = REFUSALS[case]

    async def body() -> None:
        async with started():
            chan = xt_channel()
            args = {
                "src_start": 0x1000, "dst_start": 0x100000, "dir": DMA_MEM_TO_MEM, "src_inc": True, "dst_inc": True,
                "src_sgl": True, "dst_sgl": True, "numf": 4, "frame_size": 1, "sgl": [DataChunk(size=16, icg=16)],
            }  # fmt: skip
            args.update(change)
            assert chan.prep_interleaved_dma(DmaInterleavedTemplate(**args)) is None
            assert why in caplog.text, caplog.text
            assert chan.ring.in_use == 0
            await chan.release()

    with caplog.at_level(logging.ERROR, "pydma"):
        run(body())

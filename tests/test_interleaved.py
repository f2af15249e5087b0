"""The interleaved-template API of the dmaengine core (pydma/dmaengine/interleaved.py), without
a simulator: dmaengine_get_{src,dst}_icg as the kernel's inline functions, the reference
model of what a template moves, and dmaengine_prep_interleaved_dma / _peripheral_dma_vec's
own checks (None for DMA_PREP_REPEAT without DMA_REPEAT, the capability's op checked at
registration)."""

from __future__ import annotations

import itertools
import random

import pytest

from pydma import (
    DMA_MEM_TO_DEV,
    DataChunk,
    DmaCapMask,
    DmaChan,
    DmaCtrlFlags,
    DmaDevice,
    DmaInterleavedTemplate,
    DmaStatus,
    DmaVec,
    dma_async_device_register,
    dma_async_device_unregister,
    dmaengine_get_dst_icg,
    dmaengine_get_src_icg,
    dmaengine_prep_interleaved_dma,
    dmaengine_prep_peripheral_dma_vec,
)
from pydma.dma_mapping import Device
from pydma.dmaengine import interleaved_chunks
from pydma.dmaengine.interleaved import dmaengine_get_icg, template_error
from pydma.enums import DmaTransactionType
from pydma.errors import EIO
from pydma.model import ModelMemory
from pydma.model.runtime import AsyncioRuntime

# -- the gaps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("inc", "sgl", "dir_icg", "want"), [
    (False, False, 0, 0),
    (False, True, 0, 0),
    (False, True, 7, 0),  # a side that does not increment has no gap, whatever is given
    (False, False, 7, 0),
    (True, False, 0, 0),  # icg applies only with *_sgl
    (True, True, 0, 100),
    (True, False, 7, 7),  # the side's own gap, with or without *_sgl
    (True, True, 7, 7),
])  # fmt: skip
def test_icg_as_the_kernel_picks_it(inc: bool, sgl: bool, dir_icg: int, want: int) -> None:
    assert dmaengine_get_icg(inc, sgl, 100, dir_icg) == want
    chunk = DataChunk(size=16, icg=100, src_icg=dir_icg, dst_icg=dir_icg)
    src_side = DmaInterleavedTemplate(src_inc=inc, src_sgl=sgl, dst_inc=not inc, dst_sgl=not sgl)
    dst_side = DmaInterleavedTemplate(dst_inc=inc, dst_sgl=sgl, src_inc=not inc, src_sgl=not sgl)
    assert dmaengine_get_src_icg(src_side, chunk) == want
    assert dmaengine_get_dst_icg(dst_side, chunk) == want


# -- what a template moves --------------------------------------------------------------------------


def test_a_video_frame_with_a_pitch_is_one_chunk_per_line() -> None:
    """1280 XRGB pixels per line at a 5632-byte pitch, 720 lines, packed into a buffer."""
    xt = DmaInterleavedTemplate(
        src_start=0x1000_0000, dst_start=0x2000_0000, src_inc=True, dst_inc=True, src_sgl=True,
        numf=720, frame_size=1, sgl=[DataChunk(size=5120, icg=512)],
    )  # fmt: skip
    chunks = interleaved_chunks(xt)
    assert len(chunks) == 720
    assert chunks[1] == (0x1000_0000 + 5632, 0x2000_0000 + 5120, 5120)
    assert chunks[-1] == (0x1000_0000 + 719 * 5632, 0x2000_0000 + 719 * 5120, 5120)


def test_frames_continue_after_the_last_gap_and_a_fixed_side_stays() -> None:
    xt = DmaInterleavedTemplate(
        src_start=0x100, dst_start=0xF00, src_inc=True, dst_inc=False, src_sgl=True, dir=DMA_MEM_TO_DEV,
        numf=2, frame_size=2, sgl=[DataChunk(size=4, icg=2), DataChunk(size=8, icg=1, src_icg=3)],
    )  # fmt: skip
    assert interleaved_chunks(xt) == [(0x100, 0xF00, 4), (0x106, 0xF00, 8), (0x111, 0xF00, 4), (0x117, 0xF00, 8)]


def _moved_byte_by_byte(xt: DmaInterleavedTemplate) -> list[tuple[int, int]]:
    """An independent walk of the template, one byte at a time: (source, destination) of each."""
    out = []
    src, dst = xt.src_start, xt.dst_start
    for _ in range(xt.numf):
        for c in range(xt.frame_size):
            chunk = xt.sgl[c]
            for i in range(chunk.size):
                out.append((src + i if xt.src_inc else src, dst + i if xt.dst_inc else dst))
            if xt.src_inc:
                src += chunk.size + (chunk.src_icg or (chunk.icg if xt.src_sgl else 0))
            if xt.dst_inc:
                dst += chunk.size + (chunk.dst_icg or (chunk.icg if xt.dst_sgl else 0))
    return out


@pytest.mark.parametrize("case", range(200))
def test_random_templates_against_a_byte_walk(case: int, seed: int) -> None:
    rng = random.Random(f"{seed}-{case}")
    frame_size = rng.randint(1, 4)
    xt = DmaInterleavedTemplate(
        src_start=rng.randrange(1 << 20),
        dst_start=rng.randrange(1 << 20),
        src_inc=rng.random() < 0.8,
        dst_inc=rng.random() < 0.8,
        src_sgl=rng.random() < 0.5,
        dst_sgl=rng.random() < 0.5,
        numf=rng.randint(1, 5),
        frame_size=frame_size,
        sgl=[
            DataChunk(
                size=rng.randint(1, 40),
                icg=rng.randint(0, 9),
                src_icg=rng.choice([0, 0, 5]),
                dst_icg=rng.choice([0, 3]),
            )
            for _ in range(frame_size + rng.randint(0, 2))  # chunks past frame_size are not used
        ],
    )
    walked = [
        (s + i if xt.src_inc else s, d + i if xt.dst_inc else d) for s, d, n in interleaved_chunks(xt) for i in range(n)
    ]
    assert walked == _moved_byte_by_byte(xt), f"seed {seed} case {case}: {xt}"


@pytest.mark.parametrize(("xt", "why"), [
    (DmaInterleavedTemplate(numf=0, frame_size=1, sgl=[DataChunk(4)]), "numf 0"),
    (DmaInterleavedTemplate(numf=1, frame_size=0, sgl=[DataChunk(4)]), "frame_size 0"),
    (DmaInterleavedTemplate(numf=1, frame_size=2, sgl=[DataChunk(4)]), "only 1 chunks"),
    (DmaInterleavedTemplate(numf=1, frame_size=1, sgl=[DataChunk(0)]), "chunk 0: size 0"),
    (DmaInterleavedTemplate(numf=1, frame_size=1, sgl=[DataChunk(4, icg=-1)]), "negative gap"),
])  # fmt: skip
def test_a_template_that_moves_nothing_is_refused_with_its_reason(xt: DmaInterleavedTemplate, why: str) -> None:
    assert why in (template_error(xt) or "")
    with pytest.raises(ValueError, match=why):
        interleaved_chunks(xt)


# -- the core's checks --------------------------------------------------------------------------------


class TwoDDevice(DmaDevice):
    """A provider that records the interleaved and vector preps it is handed."""

    def __init__(self, caps: tuple[DmaTransactionType, ...]) -> None:
        super().__init__("dma9", Device("video0", ModelMemory()), AsyncioRuntime())
        self.cap_mask = DmaCapMask(*caps)
        self.channels = [DmaChan(self, 0)]
        self.seen: list[tuple] = []

    def device_prep_interleaved_dma(self, chan, xt, flags):
        self.seen.append(("interleaved", xt, flags))
        return "desc"

    def device_prep_peripheral_dma_vec(self, chan, vecs, nents, direction, flags):
        self.seen.append(("vec", list(vecs), nents, direction, flags))
        return "desc"

    def device_tx_status(self, chan, cookie, state):
        return DmaStatus.DMA_COMPLETE

    def device_issue_pending(self, chan):
        pass


def _held(device: TwoDDevice) -> DmaChan:
    chan = device.channels[0]
    chan.client_count = 1  # as dma_request_channel leaves it
    return chan


XT = DmaInterleavedTemplate(src_inc=True, dst_inc=True, numf=1, frame_size=1, sgl=[DataChunk(64)])


@pytest.mark.parametrize("caps", list(itertools.product([False, True], repeat=2)))
def test_repeat_needs_the_capability(caps: tuple[bool, bool]) -> None:
    """dmaengine_prep_interleaved_dma returns NULL for DMA_PREP_REPEAT without DMA_REPEAT,
    before the provider sees it; DMA_PREP_LOAD_EOT is the provider's to judge."""
    repeat, load_eot = caps
    device = TwoDDevice(
        (DmaTransactionType.DMA_INTERLEAVE,)
        + ((DmaTransactionType.DMA_REPEAT,) if repeat else ())
        + ((DmaTransactionType.DMA_LOAD_EOT,) if load_eot else ())
    )
    chan = _held(device)
    got = dmaengine_prep_interleaved_dma(chan, XT, DmaCtrlFlags.DMA_PREP_REPEAT | DmaCtrlFlags.DMA_PREP_INTERRUPT)
    assert got == ("desc" if repeat else None)
    assert len(device.seen) == (1 if repeat else 0)
    assert dmaengine_prep_interleaved_dma(chan, XT, DmaCtrlFlags.DMA_PREP_LOAD_EOT) == "desc"
    assert device.seen[-1] == ("interleaved", XT, DmaCtrlFlags.DMA_PREP_LOAD_EOT)


def test_vectors_reach_the_provider_as_given() -> None:
    device = TwoDDevice(())
    chan = _held(device)
    vecs = [DmaVec(0x1000, 64), DmaVec(0x3000, 128)]
    assert dmaengine_prep_peripheral_dma_vec(chan, vecs, 2, DMA_MEM_TO_DEV, 1) == "desc"
    assert device.seen == [("vec", vecs, 2, DMA_MEM_TO_DEV, DmaCtrlFlags(1))]


def test_a_device_without_the_ops_returns_none() -> None:
    device = DmaDevice("dma8", Device("x", ModelMemory()), AsyncioRuntime())
    chan = DmaChan(device, 0)
    chan.client_count = 1
    assert chan.prep_interleaved_dma(XT, 0) is None
    assert chan.prep_peripheral_dma_vec([DmaVec(0, 4)], 1, DMA_MEM_TO_DEV) is None


def test_interleave_capability_without_its_op_is_refused_at_registration() -> None:
    class NoOp(TwoDDevice):
        device_prep_interleaved_dma = DmaDevice.device_prep_interleaved_dma

    device = NoOp((DmaTransactionType.DMA_INTERLEAVE,))
    assert dma_async_device_register(device) == EIO
    ok = TwoDDevice((DmaTransactionType.DMA_INTERLEAVE,))
    assert dma_async_device_register(ok) == 0
    dma_async_device_unregister(ok)

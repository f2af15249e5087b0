"""What an interleaved template becomes (pydma/drivers/pydma_dmac/xt_segments.py), without
a controller: the segments' rows cover exactly the template's chunks (reference model:
interleaved_chunks), in template order for a device; how many descriptors each shape takes;
the split at a descriptor's length limit."""

from __future__ import annotations

import random

import pytest

from pydma.dmaengine import DataChunk, DmaInterleavedTemplate, interleaved_chunks
from pydma.drivers.pydma_dmac import xt_segments
from pydma.drivers.pydma_dmac.segments import PrepRefused
from pydma.enums import DmaTransferDirection
from pydma.hw import layout

M2M, M2D, D2M = (DmaTransferDirection.DMA_MEM_TO_MEM, DmaTransferDirection.DMA_MEM_TO_DEV,
                 DmaTransferDirection.DMA_DEV_TO_MEM)  # fmt: skip
DEV = 0x9000_0000


def xt(chunks, numf, direction=M2M, src=0x1000, dst=0x100_0000) -> DmaInterleavedTemplate:
    return DmaInterleavedTemplate(
        src_start=src, dst_start=dst, dir=direction, src_inc=direction != D2M, dst_inc=direction != M2D,
        src_sgl=True, dst_sgl=True, numf=numf, frame_size=len(chunks), sgl=chunks,
    )  # fmt: skip


def rows(segs, side: str) -> list[tuple[int, int]]:
    return [r for s in segs for r in s.rows(side)]


def merged(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent ranges joined (a plain descriptor may cover several gapless rows)."""
    out: list[tuple[int, int]] = []
    for a, n in sorted(pieces):
        if out and out[-1][0] + out[-1][1] == a:
            out[-1] = (out[-1][0], out[-1][1] + n)
        else:
            out.append((a, n))
    return out


@pytest.mark.parametrize("case", range(200))
def test_rows_cover_the_template(case: int) -> None:
    """Random memory-to-memory templates: the rows the segments read and write are the
    template's chunks, source against destination byte for byte."""
    rng = random.Random(case)
    chunks = [
        DataChunk(size=rng.randint(1, 500), icg=rng.choice([0, rng.randint(0, 99)]), dst_icg=rng.randint(0, 99))
        for _ in range(rng.randint(1, 4))
    ]
    if rng.random() < 0.4:
        chunks = chunks[:1] * rng.randint(1, 3)  # rows all alike
    t = xt(chunks, rng.randint(1, 12))
    segs = xt_segments.interleaved(t, 32)
    # byte map: destination byte -> source byte
    want = {d + i: s + i for s, d, n in interleaved_chunks(t) for i in range(n)}
    got = {}
    for seg in segs:
        for (s, n), (d, m) in zip(seg.rows("src"), seg.rows("dst"), strict=True):
            assert n == m
            got.update({d + i: s + i for i in range(n)})
    assert got == want
    alike = len({(c.size, c.icg, c.dst_icg) for c in t.sgl}) == 1
    assert len(segs) == 1 if alike else len(segs) <= t.frame_size


def test_one_frame_is_one_descriptor() -> None:
    """1280x720 XRGB at a pitch of 5632 bytes: one 2D descriptor, the strides the pitches."""
    t = xt([DataChunk(size=5120, icg=0, dst_icg=512)], 720)
    (seg,) = xt_segments.interleaved(t, 32)
    assert seg.ctrl & layout.DescCtrl.XT and seg.xt == (5120, 5120, 5632) and seg.length == 5120 * 720


def test_gapless_rows_are_a_plain_descriptor() -> None:
    (seg,) = xt_segments.interleaved(xt([DataChunk(size=64)], 10), 32)
    assert seg.xt is None and not seg.ctrl & layout.DescCtrl.XT and seg.length == 640


def test_slave_templates_keep_template_order() -> None:
    """To a device, a frame of two different chunks: descriptors in template order, the
    device side the fixed device address."""
    t = xt([DataChunk(size=20, icg=12), DataChunk(size=12, icg=4)], 3, M2D)
    segs = xt_segments.interleaved(t, 32, slave=xt_segments.Slave(True, DEV, 4))
    assert rows(segs, "src") == [(s, n) for s, _, n in interleaved_chunks(t)]
    assert {s.dst for s in segs} == {DEV}
    t = xt([DataChunk(size=16, icg=48)], 5, D2M)
    (seg,) = xt_segments.interleaved(t, 32, slave=xt_segments.Slave(False, DEV, 4))
    assert (
        seg.src == DEV and seg.xt == (16, 0, 64) and rows([seg], "dst") == [(d, n) for _, d, n in interleaved_chunks(t)]
    )


def test_split_at_the_descriptor_limit(monkeypatch) -> None:
    """A run longer than a descriptor takes is split at whole rows, each part its own rows."""
    monkeypatch.setattr(xt_segments, "HW_SEG_MAX", 1000)
    t = xt([DataChunk(size=300, icg=20, dst_icg=50)], 10)
    segs = xt_segments.interleaved(t, 32)
    assert [s.length for s in segs] == [900, 900, 900, 300]
    assert merged(rows(segs, "dst")) == merged([(d, n) for _, d, n in interleaved_chunks(t)])
    assert merged(rows(segs, "src")) == merged([(s, n) for s, _, n in interleaved_chunks(t)])


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"src_inc": False}, "src_inc is false"),
        ({"numf": 0}, "numf 0"),
        ({"sgl": [DataChunk(size=16, icg=1 << 32)]}, "more than 32 bits"),
        ({"sgl": [DataChunk(size=6, icg=2)]}, "not a multiple of width 4"),
    ],
)
def test_refusals(change: dict, why: str) -> None:
    t = xt([DataChunk(size=16, icg=16)], 4, M2D)
    for k, v in change.items():
        setattr(t, k, v)
    with pytest.raises(PrepRefused, match=why):
        xt_segments.interleaved(t, 32, slave=xt_segments.Slave(True, DEV, 4))

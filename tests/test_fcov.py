"""The functional coverage model, its sampling hooks, merge and report (tb/fcov), without a
simulator: the classes, the exclusions, a sample landing in its bins, an export merged
with another adding the hits, unhit bins reported with their waiver or NOT EXPLAINED, and
the prep hook sampling a memcpy the driver prepares on the controller model."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

pytest.importorskip("cocotb_coverage")  # Python 3.11+ (requirements.lock)

from pydma import DMA_FROM_DEVICE, DMA_PREP_INTERRUPT, DMA_TO_DEVICE, DmaStatus
from pydma.model import run
from tb.fcov import hooks, model, report
from tb.model_env import Guarded, started


@pytest.fixture(autouse=True)
def _fresh():
    model.reset()
    yield
    model.reset()


def hits(name: str) -> dict:
    return dict(model.coverage_db[name].detailed_coverage)


def test_classes() -> None:
    assert [model.align_class(a, 8) for a in (0x1000, 0x1001, 0x1003, 0x1004, 0x1007)] == [
        "aligned",
        "low",
        "low",
        "high",
        "high",
    ]
    assert model.align_class(None, 8) == "none"
    assert model.length_class(5, [(0, 5)], 8) == "sub_beat"
    assert model.length_class(8, [(0, 8)], 8) == "sub_burst"
    assert model.length_class(511, [(0, 511)], 8) == "sub_burst"  # 64 beats of 8 bytes is a burst
    assert model.length_class(512, [(0, 512)], 8) == "multi_burst"
    assert model.length_class(100, [(4090, 100)], 8) == "cross_4k"
    assert model.length_class(4096, [(0, 4096)], 8) == "multi_burst"  # a whole page, not across
    assert model.length_class(4097, [(0, 4097)], 8) == "multi_chunk"
    assert model.length_class(0, [], 8) == "none"
    assert [model.maxburst_class(m) for m in (1, 4, 8, 16, 32)] == ["1", "2-8", "2-8", "9-16", "17+"]
    assert [model.pacing_class(p) for p in ("fixed(1)", "fixed(3)", "random", "manual")] == list(model.PACINGS)


def test_exclusions_leave_only_possible_bins() -> None:
    cross = hits("pydma.xfer.op_src_dst_len")
    assert len(cross) == 4 * 45 + 8 * 15 + 1  # copies/xor/pq; one-sided ops; the interrupt
    assert ("memset", "aligned", "low", "sub_beat") not in cross  # memset reads no memory
    assert ("memset", "none", "low", "sub_beat") in cross
    assert ("interrupt", "none", "none", "none") in cross
    assert ("memcpy", "low", "high", "none") not in cross
    assert len(hits("pydma.fault.phase_kind_chan")) == 4 * 2 * 4 + 4  # bus phases x SLVERR/DECERR, DESC
    assert len(hits("pydma.request.dir_hs_kind_last")) == 12  # a transmitter never raises LREQ
    assert model.excluded_count("pydma.xfer.op_src_dst_len") == 13 * 4 * 4 * 6 - 301


def test_a_sample_lands_in_its_bins() -> None:
    model.sample_xfer(model.Xfer("memcpy", 64, "stall", "low", "high", "cross_4k"))
    assert hits("pydma.xfer.op_width_stall")[("memcpy", 64, "stall")] == 1
    assert hits("pydma.xfer.op_src_dst_len")[("memcpy", "low", "high", "cross_4k")] == 1
    assert hits("pydma.xfer.memcpy_path")[(64, "low", "high", "cross_4k", "stall")] == 1
    model.sample_xfer(model.Xfer("xor", 32, "nostall", "aligned", "aligned", "sub_beat"))
    assert sum(hits("pydma.xfer.memcpy_path").values()) == 1, "only memcpy samples the memcpy path"
    model.sample_fault(model.FaultHit("write", "DECERR", 2))
    assert hits("pydma.fault.phase_kind_chan")[("write", "DECERR", 2)] == 1


def export(tmp_path, name: str) -> report.Merged:
    path = hooks.export(tmp_path / name)
    return report.load(path)


def test_merge_adds_hits_across_runs(tmp_path) -> None:
    model.sample_xfer(model.Xfer("memcpy", 64, "stall", "low", "high", "cross_4k"))
    one = export(tmp_path, "one.yml")
    model.reset()
    model.sample_xfer(model.Xfer("memcpy", 64, "stall", "low", "high", "cross_4k"))
    model.sample_xfer(model.Xfer("memset", 128, "nostall", "none", "aligned", "multi_chunk"))
    two = export(tmp_path, "two.yml")
    merged = report.merge([one, two])
    assert merged["pydma.xfer.op_src_dst_len"]["memcpy/low/high/cross_4k"] == 2
    assert merged["pydma.xfer.op_src_dst_len"]["memset/none/aligned/multi_chunk"] == 1
    assert merged["pydma.xfer.op"]["memcpy"] == 2
    assert len(merged["pydma.xfer.op_src_dst_len"]) == 301  # every bin kept, hit or not
    hit, total = report.totals(merged)
    assert total == sum(item.size for item in model.items().values())
    assert hit == report.totals(report.merge([two]))[0]  # the second run hit a superset


def test_unhit_bins_are_listed_with_their_reason(tmp_path) -> None:
    model.sample_terminate("idle")
    merged = export(tmp_path, "run.yml")
    waivers = [("pydma.terminate.point", "abort*", "a reason given")]
    text, figure = report.render(merged, 1, waivers)
    assert "- pydma.terminate.point `aborting` -- a reason given" in text
    assert "- pydma.terminate.point `cyclic` -- NOT EXPLAINED" in text
    assert "- pydma.terminate.point `idle`" not in text
    assert "| pydma.terminate.point | 1 | 8 | 12.5% |" in text
    assert 0 < figure < 1
    assert "### Excluded from the crosses (impossible)" in text


def test_waiver_file_parses(tmp_path) -> None:
    path = tmp_path / "w.txt"
    path.write_text("# comment\n\npydma.x.* | a/*/c | why not\nbroken line\n")
    assert report.read_waivers(path) == [("pydma.x.*", "a/*/c", "why not")]
    assert report.reason_for("pydma.x.y", "a/b/c", report.read_waivers(path)) == "why not"
    assert report.reason_for("pydma.x.y", "a/b/d", report.read_waivers(path)) == report.NOT_EXPLAINED
    for _item, pattern, reason in report.read_waivers():  # the repository's own: well formed
        assert pattern and reason


def test_prep_hook_samples_what_the_driver_prepared(seed: int) -> None:
    """On the controller model (8-byte bus): a memcpy from an aligned source to a
    destination 3 bytes into a word, 100 bytes, with the testbench's stalls on."""
    fake_tb = SimpleNamespace(stalls=0.3, devices=[], dma1=None)
    hooks.install(fake_tb, at_exit=False)
    try:

        async def body() -> None:
            rng = random.Random(seed)
            async with started() as env:
                from pydma import DMA_MEMCPY, DmaCapMask, dma_request_channel

                chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
                src = Guarded(env, 256, DMA_TO_DEVICE, rng)
                dst = Guarded(env, 256, DMA_FROM_DEVICE, rng)
                base = dst.addr - dst.addr % 8
                tx = chan.prep_dma_memcpy(base + 8 + 3, src.addr - src.addr % 8 + 8, 100, DMA_PREP_INTERRUPT)
                assert await chan.sync_wait(tx.submit()) == DmaStatus.DMA_COMPLETE
                assert chan.terminate_async() == 0  # nothing left: an idle channel
                src.finish()
                dst.finish()
                await chan.release()

        run(body())
    finally:
        hooks.uninstall()
    assert hits("pydma.xfer.op_src_dst_len")[("memcpy", "aligned", "low", "sub_burst")] == 1
    assert hits("pydma.xfer.op_width_stall")[("memcpy", 64, "stall")] == 1
    assert hits("pydma.terminate.point")["idle"] == 1
    assert sum(hits("pydma.xfer.op").values()) == 1


def test_xt_and_repeat_hooks_sample_a_scanout(seed: int) -> None:
    """On the controller model: frame A repeats, B takes over with LOAD_EOT, C (without it)
    waits behind B, then a terminate: three 2D preps to a device with their flags, and each
    repeat event."""
    from pydma import DMA_MEM_TO_DEV, DmaCapMask, DmaSlaveConfig, dma_request_channel
    from pydma.dmaengine import DataChunk, DmaInterleavedTemplate
    from pydma.drivers.pydma_dmac import pydma_filter
    from pydma.drivers.pydma_slave import PydmaRequest
    from pydma.enums import DmaCtrlFlags, DmaTransactionType
    from pydma.model import TxFifo
    from tb.model_env import until

    display, repeat, load_eot = 0x0800_0000, DmaCtrlFlags.DMA_PREP_REPEAT, DmaCtrlFlags.DMA_PREP_LOAD_EOT
    hooks.install(SimpleNamespace(stalls=0.0, devices=[], dma1=None), at_exit=False)
    try:

        async def body() -> None:
            rng = random.Random(seed)
            async with started() as env:
                dev = env.model.attach_device(2, TxFifo(display, width=4, maxburst=8, depth=32, ns_per_element=10))
                cap = DmaCapMask(DmaTransactionType.DMA_SLAVE)
                chan = dma_request_channel(cap, pydma_filter, PydmaRequest(line=2))
                assert chan.slave_config(DmaSlaveConfig(dst_addr=display, dst_addr_width=4, dst_maxburst=8)) == 0
                bufs = [Guarded(env, 96 * 6, DMA_TO_DEVICE, rng) for _ in range(3)]

                def frame(b: Guarded) -> DmaInterleavedTemplate:
                    return DmaInterleavedTemplate(
                        src_start=b.addr, dst_start=0, dir=DMA_MEM_TO_DEV, src_inc=True, dst_inc=False,
                        src_sgl=True, numf=6, frame_size=1, sgl=[DataChunk(size=64, icg=32)],
                    )  # fmt: skip

                flags = (repeat, repeat | load_eot, repeat)
                preps = zip(bufs, flags, strict=True)
                txs = [chan.prep_interleaved_dma(frame(b), DMA_PREP_INTERRUPT | f) for b, f in preps]
                for tx, frames in zip(txs, (3, 3, 2), strict=True):
                    seen = len(dev.received)
                    tx.submit()
                    chan.issue_pending()
                    await until(lambda s=seen, k=frames: len(dev.received) >= s + k * 384, "frames shown")
                assert await chan.terminate_sync() == 0
                for b in bufs:
                    b.finish()
                await chan.release()

        run(body())
    finally:
        hooks.uninstall()
    assert hits("pydma.xt.dir_shape")[("to_dev", "one_2d")] == 3
    assert hits("pydma.xt.flags") == {"plain": 0, "repeat": 2, "repeat_load_eot": 1}
    events = hits("pydma.repeat.event")
    assert events["frame"] >= 2 and events["load_eot_handover"] == 1, events
    assert events["waits_behind"] == 1 and events["terminated"] == 1, events


def test_the_report_counts_the_current_models_bins(tmp_path) -> None:
    model.sample_pause("idle")
    merged = export(tmp_path, "run.yml")
    merged["pydma.pause.point"]["gone"] = 3  # a bin of an older model
    del merged["pydma.terminate.point"]  # an item no run wrote
    fixed = report.conform(merged)
    assert "gone" not in fixed["pydma.pause.point"] and fixed["pydma.pause.point"]["idle"] == 1
    assert fixed["pydma.terminate.point"] == dict.fromkeys(model.TERMINATE_POINTS, 0)
    assert report.totals(fixed)[1] == sum(item.size for item in model.items().values())

"""Waves (make sim WAVES=1): FST where the LZ4 header is there, else VCD with the hint;
WAVES=fst refuses clearly without it; and the GTKWave save file written next to the dump
groups the controller's ports and channels, every signal in it one the dump has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tb import waves
from tb.runner import run

HDL = Path(__file__).resolve().parent / "hdl"


def test_format_choice(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("PYDMA_FST", "0")  # a machine without liblz4-dev
    assert waves.resolve("1") == "vcd"
    assert "liblz4-dev" in capsys.readouterr().out
    assert waves.resolve("vcd") == "vcd"
    with pytest.raises(SystemExit, match="liblz4-dev"):
        waves.resolve("fst")
    monkeypatch.setenv("PYDMA_FST", "1")
    assert waves.resolve("1") == waves.resolve(True) == waves.resolve("fst") == "fst"
    assert waves.resolve(None) is None and waves.resolve("0") is None
    with pytest.raises(SystemExit, match="WAVES=bogus"):
        waves.resolve("bogus")


def test_waves_and_save_file(seed: int) -> None:
    fmt = waves.resolve("1")
    run_dir = run(HDL / "hdl_smoke.py", params={"DATA_W": 64}, seed=seed, waves="1", results_name="hdl_smoke_waves")
    dump = run_dir / waves.dump_file(fmt)
    assert dump.stat().st_size > 1000
    text = (run_dir / "dump.gtkw").read_text()
    assert f'[dumpfile] "{dump.resolve()}"' in text
    have = set(waves.dump_signals(dump).values())
    listed = [ln for ln in text.splitlines() if ln and ln[0] not in "[@-"]
    missing = [s for s in listed if s not in have]
    assert not missing, missing
    groups = re.findall(r"^@800200\n-(.+)$", text, re.M)
    want = ["AXI4 AR", "AXI4 R", "AXI4 AW", "AXI4 W", "AXI4 B", "AXI-Lite registers", "interrupts", "request lines"]
    want += [f"channel {c}" for c in range(4)]
    assert [g.split(" ", 1)[1] for g in groups[1:]] == want, groups
    for c in range(4):
        assert f"pydma_dmac.g_ch[{c}].u_chan.state[3:0]" in listed

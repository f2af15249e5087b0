"""The native build's main loop skips the falling edge (tb/native/sim_main.cpp), so the
build refuses any source with logic sensitive to it instead of leaving it silently dead."""

from pathlib import Path

import pytest

from tb.runner import NATIVE_TOPLEVEL, _check_no_falling_edge_logic, sources


def test_native_sources_have_no_falling_edge_logic() -> None:
    _check_no_falling_edge_logic(sources(NATIVE_TOPLEVEL))


def test_falling_edge_logic_is_refused(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.sv"
    quiet.write_text("// a comment may say negedge\nalways_ff @(posedge clk) q <= d;\n")
    _check_no_falling_edge_logic([quiet])
    loud = tmp_path / "loud.sv"
    loud.write_text("module m;\n  always_ff @(negedge clk) q <= d;\nendmodule\n")
    with pytest.raises(SystemExit, match=r"loud\.sv:2: negedge logic"):
        _check_no_falling_edge_logic([loud])

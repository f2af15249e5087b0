"""The native build's main loop skips the falling edge (tb/native/sim_main.cpp), so the
build refuses any source with logic sensitive to it, and a model with a clock trigger
besides the top's clk, instead of leaving that logic silently dead."""

from pathlib import Path

import pytest

from tb.runner import NATIVE_TOPLEVEL, _check_no_falling_edge_logic, _check_single_clock_trigger, sources


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


def test_a_second_clock_trigger_is_refused(tmp_path: Path) -> None:
    header = tmp_path / "Vtop___024root.h"
    top_clk = "        CData/*0:0*/ __Vtrigprevexpr___TOP__clk__0;\n"
    header.write_text(top_clk)
    _check_single_clock_trigger(tmp_path)
    # every signal public (the waves build): one record per module, none the loop would set
    header.write_text("        CData/*0:0*/ __Vtrigprevexpr___TOP__pydma_native_top__DOT__clk__0;\n" * 2)
    _check_single_clock_trigger(tmp_path)
    header.write_text(top_clk + "        CData/*0:0*/ __Vtrigprevexpr___TOP__u_dmac__DOT__clk__0;\n")
    with pytest.raises(SystemExit, match="clock triggers besides the top's clk"):
        _check_single_clock_trigger(tmp_path)

"""Synthesizability of rtl/ (make test): one configuration through Yosys's slang front end and
synth_ecp5, failing on any slang or Yosys warning and on what `check -assert` finds (latches,
combinational loops, multiply driven nets). The full matrix with place and route is
`make synth` (tools/synth.py)."""

from __future__ import annotations

import pytest

from tools import synth

LATCH = """
module has_latch (input logic en, input logic [3:0] d, output logic [3:0] q);
    always @* if (en) q = d;  // no else: a latch
endmodule
"""

LOOP = """
module has_loop (input logic a, output logic y);
    logic x;
    assign x = a ^ y;
    assign y = x;   // y depends on itself through x
endmodule
"""

TWO_DRIVERS = """
module has_two_drivers (input logic a, input logic b, output logic y);
    assign y = a;
    assign y = b;
endmodule
"""


def test_rtl_synthesizes_clean(tmp_path):
    """The regression's check: one configuration of pydma_dmac, no warning, no problem."""
    rec = synth.run_yosys(tmp_path, synth.RTL, synth.rtl_files(), synth.TOP, synth.CHECK_CONFIG.params)
    assert synth.problems(rec) == [], f"see {rec['log']}"
    cells = rec["cells"]
    # it is the controller, not an empty shell: flip-flops, LUTs and the data FIFO's RAM
    assert cells.get("TRELLIS_FF", 0) > 1000 and cells.get("LUT4", 0) > 1000, cells


@pytest.mark.parametrize(
    "name,text,expect",
    [("has_latch", LATCH, "latch"), ("has_loop", LOOP, "loop"), ("has_two_drivers", TWO_DRIVERS, "driver")],
)
def test_check_catches(tmp_path, name, text, expect):
    """The same flow fails on each class of problem it is there to catch."""
    src = tmp_path / "src"
    src.mkdir()
    (src / f"{name}.sv").write_text(text)
    rec = synth.run_yosys(tmp_path / "work", src, [f"{name}.sv"], name, {})
    found = synth.problems(rec)
    assert found, f"{name} passed the check; see {rec['log']}"
    log = (tmp_path / "work" / "yosys.log").read_text().lower()
    assert expect in log or expect in " ".join(found).lower(), found


def test_slang_summary_parsing():
    assert synth.slang_diagnostics("Build succeeded: 0 errors, 0 warnings") == (0, 0)
    assert synth.slang_diagnostics("Build succeeded: 0 errors, 2 warnings") == (0, 2)
    assert synth.slang_diagnostics("Build failed: 3 errors, 1 warning") == (3, 1)
    assert synth.slang_diagnostics("Segmentation fault") == (1, 0)  # no summary: a failure


def test_copy_only_config_names_real_parameters():
    """ch1_d64_copy leaves the operations out through pydma_dmac's own parameters (a renamed
    parameter would leave them in without a word)."""
    top = (synth.RTL / f"{synth.TOP}.sv").read_text()
    cfg = {c.name: c for c in synth.CONFIGS}["ch1_d64_copy"]
    for name in cfg.params:
        assert f"parameter int {name} " in top or f"parameter bit {name} " in top, name
    assert cfg.params["MAX_XOR"] == cfg.params["MAX_PQ"] == cfg.params["FILL"] == 0
    assert "MAX_XOR=0" in cfg.label()

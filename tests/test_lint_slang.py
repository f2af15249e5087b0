"""make lint's second front end (tools/lint.py, slang_check): pyslang elaborates a top with its
parameters overridden, and any diagnostic, error or warning, makes it fail."""

from __future__ import annotations

from pathlib import Path

from tools.lint import slang_check

GOOD = """\
module top #(parameter int W = 8) (
    input  logic         clk,
    input  logic [W-1:0] d,
    output logic [W-1:0] q
);
    if (W % 8 != 0) begin : g_bad_w
        $error("W must be a multiple of 8");
    end
    always_ff @(posedge clk) q <= d;
endmodule
"""

# a width-mismatched assignment: slang's defaults are silent on it, the lint's warnings are not
NARROW = GOOD.replace("    always_ff", "    logic [3:0] narrow;\n    assign narrow = d;\n    always_ff")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "top.sv"
    path.write_text(text)
    return path


def test_clean_design_passes(tmp_path: Path) -> None:
    clean, text = slang_check("top", [_write(tmp_path, GOOD)], {"W": 16})
    assert clean, text
    assert text == ""


def test_width_mismatch_fails_with_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, NARROW)
    clean, text = slang_check("top", [path], {"W": 16})
    assert not clean
    assert "top.sv:10:" in text and "truncates from 16 to 4 bits" in text and "[-Wwidth-trunc]" in text


def test_parameter_override_reaches_the_top(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    clean, text = slang_check("top", [path], {"W": 12})
    assert not clean
    assert "top.sv:7:" in text and "W must be a multiple of 8" in text


def test_missing_top_fails(tmp_path: Path) -> None:
    clean, text = slang_check("nosuchtop", [_write(tmp_path, GOOD)])
    assert not clean and "nosuchtop" in text


def test_unknown_parameter_fails(tmp_path: Path) -> None:
    clean, text = slang_check("top", [_write(tmp_path, GOOD)], {"WIDTH": 16})
    assert not clean and "top has no parameter WIDTH" in text

"""make coverage's progress line (tb/pytest_progress.py): a pytest run's tests done of total,
counted on the controller, with pytest's progress letters replaced by a line per failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

TESTS = """
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("no")

@pytest.mark.parametrize("i", range(8))
def test_ok(i):
    pass

def test_fail():
    assert False

def test_error(broken):
    pass
"""

ARGS = ("-p", "tb.pytest_progress", "--progress-what", "make coverage", "--progress-unit", "simulations", "-q")


def _check(lines: list[str]) -> None:
    progress = [line for line in lines if line.startswith("make coverage: ")]
    assert progress, lines
    assert progress[-1].startswith("make coverage: 10/10 simulations (100%), ") and "left" not in progress[-1]
    assert len(progress) <= 10  # a plain line per tenth in a log, the end once
    assert "FAILED test_progress_demo.py::test_fail" in lines
    assert "ERROR test_progress_demo.py::test_error (setup)" in lines
    assert not any(re.match(r"[.FE]+( +\[100%\])?$", line) for line in lines)  # no row of letters


def test_counts_every_test_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_progress_demo=TESTS)
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=8, failed=1, errors=1)
    _check(result.outlines)


def test_counts_on_the_xdist_controller(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xdist")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the plugin's package, for the subprocess
    pytester.makepyfile(test_progress_demo=TESTS)
    result = pytester.runpytest_subprocess(*ARGS, "-n", "2")
    result.assert_outcomes(passed=8, failed=1, errors=1)
    _check(result.outlines)


def test_short_summary_keeps_its_words(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_progress_demo=TESTS)
    result = pytester.runpytest(*ARGS, "-ra")
    result.stdout.fnmatch_lines(["FAILED test_progress_demo.py::test_fail - assert False"])


def test_without_the_plugin_nothing_changes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_progress_demo=TESTS)
    result = pytester.runpytest("-q")
    assert not any(line.startswith("pytest: ") for line in result.outlines)
    result.stdout.fnmatch_lines(["*.F*"])

"""`make soak SEEDS=a-b` (tb/sweep): the seed list it parses, and one item per seed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tb.sweep.conftest import parse_seeds

ROOT = Path(__file__).resolve().parent.parent


def test_parse_seeds():
    assert parse_seeds("3-5") == [3, 4, 5]
    assert parse_seeds("3-5,9, 11") == [3, 4, 5, 9, 11]
    assert parse_seeds("7") == [7]
    with pytest.raises(ValueError):
        parse_seeds("a-b")


def test_one_item_per_seed():
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "tb/sweep", "--rootdir", "tb/sweep",
         "--seeds", "3-5,9"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    ids = [line.rsplit("[", 1)[1].rstrip("]") for line in out.splitlines() if "::test_soak[" in line]
    assert ids == ["seed3", "seed4", "seed5", "seed9"], out

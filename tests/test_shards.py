"""`make test SHARD=k/N` (pytest-split): the shards of the regression are disjoint and their
union is exactly the whole suite, for a few N, so a CI matrix of N machines runs everything
once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def collected(*args: str) -> list[str]:
    """The test ids pytest selects with these options (collection only, no run)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *args],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [line for line in proc.stdout.splitlines() if "::" in line]


@pytest.fixture(scope="module")
def whole() -> list[str]:
    tests = collected()
    assert len(tests) > 100, tests[:5]  # the real suite, not an empty collection
    return tests


@pytest.mark.parametrize("n", [2, 3, 5])
def test_shards_partition_the_suite(n, whole):
    shards = [collected("--splits", str(n), "--group", str(k)) for k in range(1, n + 1)]
    seen: list[str] = [t for s in shards for t in s]
    assert len(seen) == len(set(seen)), "a test is in two shards"
    assert sorted(seen) == sorted(whole), "the shards' union is not the suite"
    assert all(shards), "an empty shard"
    # deterministic: the same split twice
    assert collected("--splits", str(n), "--group", "1") == shards[0]


def test_make_passes_the_shard_on():
    """SHARD=k/N reaches pytest as pytest-split's group k of N splits, and JUnit goes to build/reports."""
    out = subprocess.run(
        ["make", "-n", "test", "SHARD=2/3"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    line = next(x for x in out.splitlines() if "-m pytest" in x)
    assert "--splits 3 --group 2" in line, line
    assert "--junitxml=build/reports/junit.xml" in line, line

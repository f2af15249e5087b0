"""`make soak SEEDS=a-b`: the seed sweep's report. Each item is one soak run with one seed;
at the end, the seeds that failed and the command that reruns each one alone."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seeds", default="1-4", help="seeds to sweep: a-b (inclusive) or a,b,c")
    parser.addoption("--rerun", default="make soak", help="the command a failed seed is rerun with")


def parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        a, sep, b = part.strip().partition("-")
        seeds += list(range(int(a), int(b) + 1)) if sep else [int(a)]
    if not seeds:
        raise pytest.UsageError(f"--seeds {text!r}: no seed")
    return seeds


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sweep_seed" in metafunc.fixturenames:
        seeds = parse_seeds(metafunc.config.getoption("--seeds"))
        metafunc.parametrize("sweep_seed", seeds, ids=[f"seed{s}" for s in seeds])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    failed = [r for r in terminalreporter.stats.get("failed", []) if "[seed" in r.nodeid]
    seeds = sorted(int(r.nodeid.rsplit("[seed", 1)[1].rstrip("]")) for r in failed)
    total = len(parse_seeds(config.getoption("--seeds")))
    terminalreporter.section("seed sweep")
    terminalreporter.write_line(f"{total - len(seeds)} of {total} seeds passed")
    for s in seeds:
        terminalreporter.write_line(f"seed {s} FAILED: rerun with `{config.getoption('--rerun')} SEED={s}`")

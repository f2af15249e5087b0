"""Regression configuration: one seed for the whole run (printed; `make test SEED=n`
reruns it), handed to every simulation."""

from __future__ import annotations

import os
import random

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", type=int, default=None, help="random seed for every simulation")


def pytest_configure(config: pytest.Config) -> None:
    seed = config.getoption("--seed")
    if seed is None:
        seed = int(os.environ.get("PYDMA_SEED", random.randrange(1, 2**31)))
    os.environ["PYDMA_SEED"] = str(seed)  # xdist workers inherit it
    # PYDMA_JITTER=1 make test: a loaded machine's interrupt and tasklet latencies in every
    # simulation (pydma/jitter.py); not on by default yet: tests that take a completed cookie
    # for a run callback fail under it (docs/debug.md)


def pytest_report_header(config: pytest.Config) -> str:
    return f"pydma seed: {os.environ['PYDMA_SEED']} (rerun with: make test SEED={os.environ['PYDMA_SEED']})"


@pytest.fixture
def seed() -> int:
    return int(os.environ["PYDMA_SEED"])

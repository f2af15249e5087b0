"""Regression configuration: one seed for the whole run (printed; `make test SEED=n`
reruns it), handed to every simulation."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

# Files whose items run for many seconds (simulations, synthesis, waves, the shard check).
# They go first and the quick pure-Python tests last, so that pytest-xdist's workers end on
# small items together instead of one idling while the other runs a long one (the Makefile's
# --maxschedchunk 2 hands them out two at a time: xdist's default would give one worker
# the first quarter of the suite at once).
LONG_FILES = {"test_hdl.py", "test_synth.py", "test_waves.py", "test_shards.py", "test_trace.py"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", type=int, default=None, help="random seed for every simulation")


def pytest_configure(config: pytest.Config) -> None:
    seed = config.getoption("--seed")
    if seed is None:
        seed = int(os.environ.get("PYDMA_SEED", random.randrange(1, 2**31)))
    os.environ["PYDMA_SEED"] = str(seed)  # xdist workers inherit it
    # a loaded machine's interrupt and tasklet latencies in every simulation, drawn from the
    # seed (pydma/jitter.py, docs/debug.md); PYDMA_JITTER=0 make test runs without them
    os.environ.setdefault("PYDMA_JITTER", "1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: Path(str(item.path)).name not in LONG_FILES)  # (a stable sort)


def pytest_report_header(config: pytest.Config) -> str:
    jitter = "on" if os.environ["PYDMA_JITTER"] == "1" else "off"
    return (
        f"pydma seed: {os.environ['PYDMA_SEED']} (rerun with: make test SEED={os.environ['PYDMA_SEED']}); "
        f"interrupt and tasklet jitter {jitter} (PYDMA_JITTER)"
    )


@pytest.fixture
def seed() -> int:
    return int(os.environ["PYDMA_SEED"])

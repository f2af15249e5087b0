"""One soak run per seed (make soak SEEDS=a-b; tb/sweep/conftest.py reports the failures),
spread over pytest-xdist's workers: on this machine's cores, or on several machines with
xdist's remote workers (docs/faults.md, "Seed sweeps")."""

from __future__ import annotations

import os

from tb.runner import run

HDL_SOAK = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "hdl", "hdl_soak.py")


def test_soak(sweep_seed: int) -> None:
    env = {"PYDMA_SOAK_OPS": os.environ.get("SOAK_OPS", "1000"), "PYDMA_STALLS": os.environ.get("STALLS", "0.2")}
    params = {k: int(os.environ[k]) for k in ("DATA_W", "ADDR_W", "NUM_CH") if os.environ.get(k)}
    run(
        os.path.abspath(HDL_SOAK),
        params=params,
        seed=sweep_seed,
        extra_env=env,
        results_name=f"soak-seed{sweep_seed}",
        mem="native",
    )

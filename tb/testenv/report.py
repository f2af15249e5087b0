"""Numbers a test reports for people (build/reports/*.json): several tests, maybe in
parallel pytest-xdist workers, each own one key of a file."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

REPORTS = Path(__file__).resolve().parents[2] / "build" / "reports"


def update_report(name: str, key: str, value: dict) -> Path:
    """Set `key` of the JSON object in build/reports/`name` to `value`, keeping the others."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / name
    with open(REPORTS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data = {k: v for k, v in data.items() if isinstance(v, dict)}  # (each test's own object)
        data[key] = value
        path.write_text(json.dumps(data, indent=2) + "\n")
    return path

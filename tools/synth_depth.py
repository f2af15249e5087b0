"""Every slow register-to-register path of a synthesized netlist, before place and route.

nextpnr reports one worst path per clock, and a place-and-route run takes minutes; this walks
the flat ECP5 netlist that Yosys wrote (build/synth/<config>/netlist.json) and estimates the
arrival time at every register, RAM write port and block RAM input, so the paths to cut show
at once, grouped by the register they end in:

    python -m tools.synth_depth ch4_d64            the 30 slowest endpoints
    python -m tools.synth_depth ch4_d64 --over 11.1 every endpoint slower than 90 MHz

The delays are a rough model of an LFE5U speed grade 6 (cell delays from its timing data,
one average routing delay per net between slices, none inside a slice: LUT4 -> PFUMX ->
L6MUX21, and along a carry chain). They rank paths; the post-route figure is nextpnr's.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

WORK = Path("build/synth")

ROUTE_NS = 1.3  # an average net between slices (nextpnr's routed paths: about 1-2 ns a net)
CLK_TO_Q = {"TRELLIS_FF": 0.4, "DP16KD": 5.8}  # path starts
COMB_CELLS = {"LUT4", "PFUMX", "L6MUX21", "CCU2C", "TRELLIS_DPR16X4"}  # DPR16X4: RAD -> DO
# cell delay from an input (port name, digits dropped) to an output
COMB = {
    "LUT4": 0.25,
    "PFUMX": 0.2,
    "L6MUX21": 0.2,
    ("CCU2C", "CIN"): 0.05,  # along the chain (per CCU2C: two bits)
    ("CCU2C", "in"): 0.45,  # A/B/C/D into the chain or to S
    ("CCU2C", "S"): 0.3,  # from CIN to a sum output
    "TRELLIS_DPR16X4": 0.6,  # RAD -> DO (the write side is a register)
}
# nets that do not leave the slice: no routing delay
LOCAL = {("PFUMX", "ALUT"), ("PFUMX", "BLUT"), ("L6MUX21", "D0"), ("L6MUX21", "D1"), ("CCU2C", "CIN")}
SEQ_IN = {"TRELLIS_FF", "DP16KD", "TRELLIS_DPR16X4"}


def port_kind(port: str) -> str:
    return re.sub(r"\d+$", "", port)


def load(config: str) -> dict:
    path = WORK / config / "netlist.json"
    if not path.exists():
        sys.exit(f"{path} not found: run python -m tools.synth --only {config} --no-pnr first")
    mods = json.loads(path.read_text())["modules"]
    return mods["pydma_dmac"]


def net_names(mod: dict) -> dict[int, str]:
    """Each bit's most readable name (a visible net name, bit index appended)."""
    names: dict[int, tuple[int, str]] = {}
    for name, n in mod["netnames"].items():
        rank = 1 if n.get("hide_name") else 0
        for i, b in enumerate(n["bits"]):
            if isinstance(b, int):
                label = name if len(n["bits"]) == 1 else f"{name}[{i}]"
                if b not in names or (rank, len(label)) < (names[b][0], len(names[b][1])):
                    names[b] = (rank, label)
    return {b: v[1] for b, v in names.items()}


def analyze(mod: dict):
    cells = mod["cells"]
    driver: dict[int, tuple[str, str]] = {}
    for cname, c in cells.items():
        for port, bits in c["connections"].items():
            if c["port_directions"].get(port) == "output":
                for b in bits:
                    if isinstance(b, int):
                        driver[b] = (cname, port)
    arrival: dict[int, tuple[float, int | None]] = {}  # bit -> (ns, the start bit of its worst path)
    prev: dict[int, int] = {}  # bit -> the input bit on its worst path

    def arrive(bit: int) -> tuple[float, int | None]:
        """Iterative depth-first evaluation (the netlist has no combinational loop)."""
        stack = [bit]
        while stack:
            b = stack[-1]
            if b in arrival:
                stack.pop()
                continue
            if b not in driver:  # a top-level input or a constant
                arrival[b] = (0.0, b)  # a top-level input
                stack.pop()
                continue
            cname, oport = driver[b]
            c = cells[cname]
            if c["type"] not in COMB_CELLS:
                arrival[b] = (CLK_TO_Q.get(c["type"], 0.0), b)
                stack.pop()
                continue
            ins = comb_inputs(c, oport)
            todo = [i for _, i in ins if isinstance(i, int) and i not in arrival]
            if todo:
                stack.extend(todo)
                continue
            best, via = (0.0, None), None
            for port, i in ins:
                if not isinstance(i, int):
                    continue
                t, s = arrival[i]
                kind = port_kind(port)
                route = 0.0 if (c["type"], kind) in LOCAL else ROUTE_NS
                t = t + route + cell_delay(c["type"], kind, oport)
                if t > best[0]:
                    best, via = (t, s), i
            arrival[b] = best
            if via is not None:
                prev[b] = via
            stack.pop()
        return arrival[bit]

    ends = []
    for cname, c in cells.items():
        if c["type"] not in SEQ_IN:
            continue
        for port, bits in c["connections"].items():
            if c["port_directions"].get(port) != "input" or port in ("CLK", "WCK", "CLKA", "CLKB"):
                continue
            if c["type"] == "TRELLIS_DPR16X4" and port_kind(port) == "RAD":
                continue  # a read address feeds the combinational DO, not a register
            for b in bits:
                if isinstance(b, int):
                    t, s = arrive(b)
                    ends.append((t + ROUTE_NS, cname, port, s, b))
    return ends, driver, arrival, prev


def comb_inputs(c: dict, oport: str) -> list[tuple[str, int]]:
    """The inputs a combinational output depends on."""
    conn = c["connections"]
    if c["type"] == "TRELLIS_DPR16X4":
        return [(p, b) for p, bits in conn.items() if port_kind(p) == "RAD" for b in bits]
    if c["type"] == "CCU2C":
        half = oport[-1] if oport != "COUT" else None
        out = []
        for p, bits in conn.items():
            if c["port_directions"].get(p) != "input":
                continue
            if half == "0" and p[-1] == "1":
                continue  # S0 does not depend on the upper half's operands
            out += [(p, b) for b in bits]
        return out
    return [(p, b) for p, bits in conn.items() if c["port_directions"].get(p) == "input" for b in bits]


def cell_delay(ctype: str, kind: str, oport: str) -> float:
    if ctype == "CCU2C":
        if kind == "CIN":
            return COMB[("CCU2C", "CIN")] if oport == "COUT" else COMB[("CCU2C", "S")]
        return COMB[("CCU2C", "in")]
    return COMB.get(ctype, 0.25)


def register_name(label: str) -> str:
    """A register's name without its bit index and Yosys' decorations."""
    label = label.lstrip("\\")
    label = re.sub(r"\[\d+\]$", "", label)
    label = re.sub(r"(\.mem)\.\d+\.\d+", r"\1", label)  # a RAM's slices
    return re.sub(r"\$.*$", "", label) or label


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config")
    ap.add_argument("--over", type=float, help="every endpoint slower than this (ns)")
    ap.add_argument("--top", type=int, default=30, help="the slowest endpoints (grouped by register)")
    ap.add_argument("--path", metavar="REG", help="the worst path into the register REG, step by step")
    args = ap.parse_args(argv)
    mod = load(args.config)
    names = net_names(mod)
    ends, driver, arrival, prev = analyze(mod)
    # the slowest bit of each register (a RAM: of each input port kind), and how many are slow
    by_reg: dict[str, tuple[float, int | None, int]] = {}
    count: dict[str, int] = defaultdict(int)
    for t, cname, port, start, bit in ends:
        cell = mod["cells"][cname]
        if cell["type"] == "TRELLIS_FF":
            q = cell["connections"]["Q"][0]
            reg = register_name(names.get(q, cname) if isinstance(q, int) else cname)
        else:
            reg = f"{cell['type']} {register_name(cname)}.{port_kind(port)}"
        if args.over is None or t > args.over:
            count[reg] += 1
        if reg not in by_reg or t > by_reg[reg][0]:
            by_reg[reg] = (t, start, bit)
    if args.path:
        if args.path not in by_reg:
            sys.exit(f"no endpoint named {args.path}")
        chain, b = [], by_reg[args.path][2]
        while b is not None:
            chain.append(b)
            b = prev.get(b)
        for b in reversed(chain):
            cname, _ = driver.get(b, ("input", ""))
            ctype = mod["cells"][cname]["type"] if cname in mod["cells"] else "input"
            print(f"{arrival[b][0]:6.1f} ns  {ctype:16s} {names.get(b, cname)[:100]}")
        return 0
    rows = sorted(((r, v) for r, v in by_reg.items() if count[r]), key=lambda kv: -kv[1][0])
    if args.over is None:
        rows = rows[: args.top]
    worst = max((e[0] for e in ends), default=0.0)
    print(f"{args.config}: {len(ends)} endpoint bits, estimated worst {worst:.1f} ns ({1000 / worst:.0f} MHz)")
    for reg, (t, start, _bit) in rows:
        src = register_name(names.get(start, "?")) if start is not None else "?"
        print(f"{t:6.1f} ns  {count[reg]:4d} bits  {reg[:70]:70s} <- {src[:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Waveforms (make sim WAVES=1): the format, and a GTKWave save file that opens them grouped.

FST where the machine can: Verilator's FST writer compresses with LZ4, so it needs the LZ4
header (Debian/Ubuntu: `apt install liblz4-dev`; Fedora: `dnf install lz4-devel`); without it
WAVES=1 writes VCD and says so. WAVES=fst insists on FST (and stops with that hint), WAVES=vcd
asks for VCD (larger, but every viewer reads it). GTKWave and Surfer open both.

The save file (dump.gtkw next to the dump; `gtkwave dump.gtkw`) groups what a DMA user looks
at: per controller its AXI4 master port channel by channel (AR, R, AW, W, B), the AXI-Lite
register port, the interrupt lines, the request lines, and per channel its state. Only
signals the dump has are listed (read from its own declarations).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

LZ4_HINT = "FST needs the LZ4 header (Debian/Ubuntu: apt install liblz4-dev; Fedora: dnf install lz4-devel)"


def lz4_available() -> bool:
    """Whether the C++ compiler finds <lz4.h> (PYDMA_FST=0/1 overrides the probe)."""
    forced = os.environ.get("PYDMA_FST")
    if forced in ("0", "1"):
        return forced == "1"
    cxx = os.environ.get("CXX", "c++")
    try:
        proc = subprocess.run([cxx, "-E", "-x", "c++", "-"], input="#include <lz4.h>\n", capture_output=True, text=True)
    except OSError:
        return False
    return proc.returncode == 0


def resolve(request: bool | str | None) -> str | None:
    """The wave format to build and run with: None (no waves), "fst" or "vcd"."""
    if not request or request == "0":
        return None
    req = str(request).lower()
    if req in ("1", "true", "auto"):
        if lz4_available():
            return "fst"
        print(f"waves: writing VCD; {LZ4_HINT}")
        return "vcd"
    if req == "fst":
        if not lz4_available():
            raise SystemExit(f"WAVES=fst: {LZ4_HINT} (or WAVES=vcd)")
        return "fst"
    if req == "vcd":
        return "vcd"
    raise SystemExit(f"WAVES={request}: 1, fst or vcd")


def dump_file(fmt: str) -> str:
    return f"dump.{fmt}"


# -- the GTKWave save file ---------------------------------------------------------------------

AXI = {
    "AR": ["arvalid", "arready", "arid", "araddr", "arlen", "arsize", "arburst"],
    "R": ["rvalid", "rready", "rid", "rdata", "rresp", "rlast"],
    "AW": ["awvalid", "awready", "awid", "awaddr", "awlen", "awsize", "awburst"],
    "W": ["wvalid", "wready", "wdata", "wstrb", "wlast"],
    "B": ["bvalid", "bready", "bid", "bresp"],
}
AXIL = ["awvalid", "awready", "awaddr", "wvalid", "wready", "wdata", "wstrb", "bvalid", "bready", "bresp",
        "arvalid", "arready", "araddr", "rvalid", "rready", "rdata", "rresp"]  # fmt: skip
LINES = ["dma_breq", "dma_sreq", "dma_lreq", "dma_ack", "dma_tc"]
CHANNEL = ["busy_o", "halted_o", "state", "cur", "tail", "done_cnt", "irq"]


def dump_signals(path: Path) -> dict[str, str]:
    """Hierarchical name -> the name GTKWave lists (a vector with its [msb:lsb]), read from
    the dump's declarations (VCD or FST, through wellen: Surfer's waveform library)."""
    import pywellen

    out: dict[str, str] = {}
    hier = pywellen.Waveform(str(path), stream_only=True)
    for var in hier.all_vars():
        name, width = var.full_name, var.bitwidth
        out[name] = name + (f"[{width - 1}:0]" if width and width > 1 else "")
    return out


def _controllers(signals: dict[str, str]) -> list[str]:
    """The scopes of the controller instances (each has m_axi_arvalid and a g_ch scope)."""
    ports = [n.removesuffix(".m_axi_arvalid") for n in signals if n.endswith(".m_axi_arvalid")]
    return sorted(p for p in ports if any(s.startswith(p + ".g_ch[") for s in signals))


def save_file(dump: Path, signals: dict[str, str], out: Path | None = None) -> Path:
    """Write a GTKWave save file for `dump` listing `signals` (dump_signals) in groups."""
    lines = [f'[dumpfile] "{dump.resolve()}"', "[timestart] 0"]

    def group(title: str, names: list[str]) -> None:
        present = [signals[n] for n in names if n in signals]
        if not present:
            return
        lines.extend(["@800200", f"-{title}"])
        for full in present:
            lines.extend(["@22" if full.endswith("]") else "@28", full])
        lines.extend(["@1000200", f"-{title}"])

    for inst in _controllers(signals):
        short = inst.split(".")[-1]
        group(f"{short} clock/reset", [f"{inst}.clk", f"{inst}.rst"])
        for ch, names in AXI.items():
            group(f"{short} AXI4 {ch}", [f"{inst}.m_axi_{n}" for n in names])
        group(f"{short} AXI-Lite registers", [f"{inst}.s_axil_{n}" for n in AXIL])
        group(f"{short} interrupts", [f"{inst}.irq"])
        group(f"{short} request lines", [f"{inst}.{n}" for n in LINES])
        chans = sorted({int(m.group(1)) for n in signals if (m := re.match(re.escape(inst) + r"\.g_ch\[(\d+)\]", n))})
        for c in chans:
            group(f"{short} channel {c}", [f"{inst}.g_ch[{c}].u_chan.{n}" for n in CHANNEL])
    path = out or dump.with_suffix(".gtkw")
    path.write_text("\n".join(lines) + "\n")
    return path

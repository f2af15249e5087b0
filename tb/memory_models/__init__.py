"""The memory on the controller's AXI master port, behind one interface (`MemoryModel`):
cocotbext-axi's slave in Python, or the native model (tb/native), as the simulation was built."""

from __future__ import annotations

import random

from tb.memory_models.base import AccessWatch, MemoryModel, SimMemory
from tb.memory_models.native_model import NativeMemoryModel
from tb.memory_models.python_model import PythonMemoryModel
from tb.runner import NATIVE_TOPLEVEL

__all__ = ["AccessWatch", "MemoryModel", "NativeMemoryModel", "PythonMemoryModel", "SimMemory", "memory_model_for"]


def memory_model_for(dut, base: int, size: int, addr_width: int, rng: random.Random) -> MemoryModel:
    """The model the running simulation was built with (`tb.runner --mem`): its toplevel says."""
    model = NativeMemoryModel if dut._name == NATIVE_TOPLEVEL else PythonMemoryModel
    return model(dut, base, size, addr_width, rng)

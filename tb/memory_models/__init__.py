"""The memory on the controller's AXI master port, behind one interface (`MemoryModel`):
cocotbext-axi's slave in Python, or the native model (tb/native), as the simulation was built."""

from __future__ import annotations

import random

from tb.memory_models.base import AccessWatch, MemoryModel, SimMemory
from tb.memory_models.native_model import NativeMemoryModel
from tb.memory_models.python_model import PythonMemoryModel
from tb.runner import DUAL_TOPS, NATIVE_TOPS

__all__ = [
    "AccessWatch",
    "MemoryModel",
    "NativeMemoryModel",
    "PythonMemoryModel",
    "SimMemory",
    "is_dual",
    "memory_model_for",
]


def is_dual(dut) -> bool:
    """Whether the simulation has two controllers (`tb.runner --devices 2`): its toplevel says."""
    return dut._name in DUAL_TOPS


def memory_model_for(
    dut, base: int, size: int, addr_width: int, rng: random.Random, dma1_offset: int = 0
) -> MemoryModel:
    """The model the running simulation was built with (`tb.runner --mem`): its toplevel says,
    and whether a second controller's port, seeing memory at `dma1_offset`, is on it."""
    model = NativeMemoryModel if dut._name in NATIVE_TOPS else PythonMemoryModel
    if is_dual(dut):
        return model(dut, base, size, addr_width, rng, dual=True, dma1_offset=dma1_offset)
    return model(dut, base, size, addr_width, rng)

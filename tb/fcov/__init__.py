"""Functional coverage of the regression (make coverage): the model (`model`), the sampling
hooks DmaTb installs under PYDMA_COVERAGE=1 (`hooks`), and the merge and report (`report`).
See docs/debug.md, "Functional coverage".

The model is cocotb-coverage's (2.0, the release for cocotb 2; it needs Python 3.11): where
it is not installed, nothing is sampled and the report says so."""

from __future__ import annotations

import importlib.util
import os


def enabled() -> bool:
    """Sampled under PYDMA_COVERAGE=1 (make coverage) or PYDMA_FCOV=1."""
    return os.environ.get("PYDMA_COVERAGE", "0") == "1" or os.environ.get("PYDMA_FCOV", "0") == "1"


def available() -> bool:
    """cocotb-coverage is installed (requirements.lock pins it for Python 3.11 and later)."""
    return importlib.util.find_spec("cocotb_coverage") is not None

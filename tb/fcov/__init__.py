"""Functional coverage of the regression (make coverage): the model (`model`), the sampling
hooks DmaTb installs under PYDMA_COVERAGE=1 (`hooks`), and the merge and report (`report`).
See docs/debug.md, "Functional coverage"."""

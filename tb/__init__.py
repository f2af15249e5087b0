"""The cocotb environment around the pydma controller."""

import warnings

# cocotbext-axi 0.1.28 uses cocotb 1.x APIs that cocotb 2.1 deprecates; the noise hides real
# messages. Only these modules' DeprecationWarnings are silenced, and nothing becomes an error.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"cocotbext\.axi.*|cocotb_bus.*")

"""Turns the HDL protocol checkers (tb/axi4_checker.sv, tb/axil_checker.sv, bound to the
controller's ports by tb/checkers_bind.sv) into test failures.

The checkers print each violation with its time and details and count them; `ProtocolWatch`
wakes only when a count changes and fails the running test with the rule that was broken.
"""

from __future__ import annotations

import cocotb
from cocotb.triggers import First, ReadOnly

# the checkers' violation codes (code_t in tb/axi4_checker.sv)
CODES = {
    1: "AW payload changed or VALID dropped before AWREADY",
    2: "W payload changed or VALID dropped before WREADY",
    3: "AR payload changed or VALID dropped before ARREADY",
    4: "B payload changed or VALID dropped before BREADY",
    5: "R payload changed or VALID dropped before RREADY",
    6: "reserved AxBURST",
    7: "AxSIZE wider than the bus",
    8: "FIXED burst longer than 16 beats",
    9: "illegal WRAP burst (length or alignment)",
    10: "INCR burst crosses a 4 KiB boundary",
    11: "WLAST not on the last beat of the burst",
    12: "WSTRB outside the beat's byte lanes",
    13: "B response with no write of its ID outstanding",
    14: "B response before the last W beat of its burst",
    15: "R beat with no read of its ID outstanding",
    16: "RLAST not on the last beat of the read",
    17: "VALID held during reset or in the first cycle after it",
    18: "checker tracking capacity exceeded",
}

CHECKERS = ("u_m_axi_checker", "u_s_axil_checker")


class ProtocolViolation(AssertionError):
    pass


class ProtocolWatch:
    """Fails the test on the first new protocol violation; `check()` reports on demand."""

    def __init__(self, dut, label: str = "") -> None:
        self.label = label  # which controller, where a simulation has two ("dma1 ")
        self.checkers = {name: getattr(dut, name) for name in CHECKERS}
        self.baseline = {name: self._count(name) for name in self.checkers}  # earlier tests' violations
        self._task = cocotb.start_soon(self._watch())

    def _count(self, name: str) -> int:
        return int(self.checkers[name].violations.value)

    def new_violations(self) -> list[str]:
        found = []
        for name, chk in self.checkers.items():
            n = self._count(name) - self.baseline[name]
            if n:
                code = int(chk.code.value)
                where = f"{self.label}{name[2:-8]}"
                found.append(f"{n} AXI protocol violation(s) on {where}, the first: {CODES.get(code, code)}")
        return found

    def check(self) -> None:
        found = self.new_violations()
        if found:
            raise ProtocolViolation("; ".join(found) + " (each is printed with its time above)")

    async def _watch(self) -> None:
        while True:
            await First(*(chk.violations.value_change for chk in self.checkers.values()))
            await ReadOnly()
            self.check()

    def stop(self) -> None:
        self._task.cancel()

"""`DmaMemory` over the native memory model (tb/native): the bytes live in C++ inside the
simulator process, where the SystemVerilog AXI slave reads and writes them through DPI
without entering Python; Python sees the same bytes through a memoryview (no copies).

The allocator, the allocation table and the API are those of `AxiSimMemory`, so the
driver, the DMA-API debug mode and the tests cannot tell the two apart. Peripheral regions
go into `space` (a cocotbext-axi AddressSpace) behind the slave's pass-through port.

The device's accesses are logged in C++ as merged byte runs, with the number of the AXI port
that made them (a two-controller top has a port per controller); `drain_accesses()` hands
them to the port's sink (the DMA-API debug mode, told which device it was, which judges each
run beat by beat), split per allocation. It runs before every change of the state they are
judged against (allocations here, mappings in pydma.dma_debug) and at interrupts.
"""

from __future__ import annotations

import bisect
import ctypes
from collections.abc import Callable

from cocotbext.axi import AddressSpace
from cocotbext.axi.buddy_allocator import BuddyAllocator

from pydma.allocations import AllocationTable, whole_lines

_u64, _int, _dbl = ctypes.c_uint64, ctypes.c_int, ctypes.c_double
_SIGNATURES = {
    "pnm_region_create": (ctypes.c_void_p, [_u64, _u64]),
    "pnm_mark": (None, [_u64, _u64, _int]),
    "pnm_reset_all": (None, []),
    "pnm_set_timing": (None, [_int, _int, _int]),
    "pnm_set_external": (None, [_int, _int]),
    "pnm_set_stalls": (None, [_dbl, _u64]),
    "pnm_log_enable": (None, [_int]),
    "pnm_log_take": (_int, [ctypes.POINTER(_u64), ctypes.POINTER(_u64), ctypes.POINTER(_int), _int]),
    "pnm_bursts": (_u64, [_int, _int]),
    "pnm_fault_add": (None, [_int, _int, _int, _int, _u64, _u64, _u64, _int]),
    "pnm_fault_remove": (None, [_int]),
    "pnm_fault_hits": (ctypes.c_int64, [_int]),
    "pnm_fault_log_count": (_int, []),
    "pnm_fault_log_get": (
        None,
        [_int, ctypes.POINTER(_int), ctypes.POINTER(_int), ctypes.POINTER(_u64), ctypes.POINTER(_u64)],
    ),
}


def native_lib() -> ctypes.CDLL:
    """The store's C functions, exported by the simulator executable (-rdynamic)."""
    lib = ctypes.CDLL(None)
    try:
        for name, (res, args) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
    except AttributeError as exc:
        raise RuntimeError("the native memory model is not in this simulation (build with --mem native)") from exc
    return lib


class NativeMemory(AllocationTable):
    """System memory of `size` bytes at bus address `base`, stored in C++."""

    _BATCH = 4096

    def __init__(self, size: int = 1 << 26, base: int = 0x1000_0000, addr_width: int = 64):
        self.lib = native_lib()
        ptr = self.lib.pnm_region_create(base, size)
        if not ptr:
            raise RuntimeError(f"cannot create native memory [0x{base:x}+0x{size:x}] (one size per simulation)")
        self.mem = memoryview((ctypes.c_ubyte * size).from_address(ptr)).cast("B")
        self.lib.pnm_reset_all()
        super().__init__(base, size)
        self.space = AddressSpace(2**addr_width)  # peripheral registers (pass-through port)
        self.allocator = BuddyAllocator(size)
        self.access_sinks: dict[int, Callable[[int, int, bool], None]] = {}  # by port
        self._log_lo = (_u64 * self._BATCH)()
        self._log_hi = (_u64 * self._BATCH)()
        self._log_w = (_int * self._BATCH)()
        # an earlier test in this simulation may have left allocations marked
        self.lib.pnm_mark(base, size, 0)

    # -- allocation ---------------------------------------------------------------------------
    def alloc(self, size: int, align: int = 1) -> int:
        whole = whole_lines(size, align)  # as in AxiSimMemory, from the same buddy allocator
        self.drain_accesses()
        try:
            off = self.allocator.alloc(whole)
        except Exception as exc:
            raise MemoryError(f"out of simulated memory allocating {size} bytes") from exc
        addr = self.base + off
        self._record(addr, whole)
        self.mem[off : off + whole] = bytes(whole)  # fresh memory reads as zeros
        self.lib.pnm_mark(addr, whole, 1)
        return addr

    def free(self, addr: int) -> None:
        if addr not in self._sizes:
            raise ValueError(f"free of unknown allocation 0x{addr:x}")
        self.drain_accesses()
        size = self._forget(addr)
        self.allocator.free(addr - self.base)
        self.lib.pnm_mark(addr, size, 0)

    # -- CPU access -----------------------------------------------------------------------------
    def _offset(self, addr: int, length: int) -> int:
        self._within(addr, length)
        return addr - self.base

    def read(self, addr: int, length: int) -> bytes:
        off = self._offset(addr, length)
        return bytes(self.mem[off : off + length])

    def write(self, addr: int, data: bytes) -> None:
        off = self._offset(addr, len(data))
        self.mem[off : off + len(data)] = data

    def buffer(self, addr: int, size: int) -> memoryview:
        off = self._offset(addr, size)
        return self.mem[off : off + size]

    def attach_external(self) -> None:
        """A model now answers the pass-through port (until then, bursts outside the region
        answer SLVERR in the native model, as accesses to nothing do)."""
        self.lib.pnm_set_external(0, 1)

    # -- timing and pauses (applied in the HDL) ------------------------------------------------
    def set_timing(self, read_latency: int = 1, write_latency: int = 1, jitter: int = 0) -> None:
        """Cycles from AR to the first R beat and from the last W beat to B (at least 1),
        plus 0..jitter random cycles per burst."""
        self.lib.pnm_set_timing(read_latency, write_latency, jitter)

    def set_stalls(self, probability: float, seed: int) -> None:
        """Each AXI channel pauses (READY or VALID low) with this probability per cycle."""
        self.lib.pnm_set_stalls(probability, seed & (2**64 - 1))

    # -- the device's accesses, for the DMA-API debug mode ---------------------------------------
    def watch_accesses(self, sink: Callable[[int, int, bool], None] | None, port: int = 0) -> None:
        """Show `sink` the accesses of AXI port `port` (0: the one controller, or dma0)."""
        if sink is None:
            self.access_sinks.pop(port, None)
        else:
            self.access_sinks[port] = sink
        self.lib.pnm_log_enable(1 if self.access_sinks else 0)

    def drain_accesses(self) -> None:
        """Hand every logged device access to its port's sink, split per allocation."""
        sinks = self.access_sinks
        if not sinks:
            return
        while True:
            n = self.lib.pnm_log_take(self._log_lo, self._log_hi, self._log_w, self._BATCH)
            for i in range(n):
                lo, hi, tag = self._log_lo[i], self._log_hi[i], self._log_w[i]
                write, sink = bool(tag & 1), sinks.get(tag >> 1)
                if sink is None:
                    continue
                while lo < hi:
                    found = self.allocation_at(lo)
                    end = hi if found is None else min(hi, found[0] + found[1])
                    if found is None:  # up to the next allocation
                        j = bisect.bisect_right(self._starts, lo)
                        if j < len(self._starts):
                            end = min(hi, self._starts[j])
                    sink(lo, end - lo, write)
                    lo = end
            if n < self._BATCH:
                return

"""Two controllers on one memory (`tb.runner --devices 2`, tb/dual): dma0 (memcpy, slave,
cyclic) and dma1 (memcpy, XOR, PQ, memset), each with its own register port, interrupts and
struct device; dma1 sees memory at its DMA offset (tb.dma1_offset), so every buffer is
mapped for the device that uses it.

- a memcpy on each device at once, with guard bytes around both buffers;
- an async_tx chain across the devices: a copy on dma0, an XOR that depends on it on dma1
  (a channel switch), a copy that depends on the XOR (stays on dma1); bytes checked, every
  streaming mapping unmapped at the end;
- a dma_addr_t mapped for one device in the other's descriptor: the DMA-API debug mode
  reports it (and the transfer fails: the address is outside memory for that device);
- a raid6test slice with both devices registered (copies on dma0, XOR and PQ on dma1);
- fault injection on dma1's port: its copy fails, dma0's copy of the same buffer does not.
"""

from __future__ import annotations

import cocotb
from cocotbext.axi import AxiResp

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEMCPY,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaStatus,
    dma_find_channel,
    dma_map_single,
    dma_request_channel,
    dma_unmap_single,
    dmaengine_get,
    dmaengine_put,
    kfree,
    kmalloc,
    reports,
)
from pydma.async_tx import (
    AsyncTxFlags,
    async_memcpy,
    async_tx_issue_pending_all,
    async_xor,
    dma_wait_for_async_tx,
    init_async_submit,
)
from pydma.enums import DmaTransactionType
from pydma.raid import xor_blocks
from pydma.raid6test import raid6test
from tb.faults import Fault
from tb.testenv import started

GUARD = 64
TIMEOUT_NS = 20_000_000


def _channel_of(dma, *caps):
    """A channel of device `dma` with the capabilities `caps`."""
    chan = dma_request_channel(DmaCapMask(*caps), lambda c, want: c.device is want, dma)
    assert chan is not None and chan.device is dma, f"no {caps} channel on {dma}"
    return chan


def _streaming(tb) -> list:
    """Live streaming mappings (the descriptor pools' coherent memory aside)."""
    return [m for m in tb.dma_debug.live() if m.kind != "coherent"] if tb.dma_debug is not None else []


class _Guarded:
    """kmalloc'd bytes with GUARD random bytes each side, mapped whole for `dev`."""

    def __init__(self, tb, dev, size: int, direction, data: bytes | None = None) -> None:
        self.dev, self.size, self.direction = dev, size, direction
        self.view = kmalloc(dev, size + 2 * GUARD, 64)
        self.fill = tb.rng.randbytes(size + 2 * GUARD)
        if data is not None:
            self.fill = self.fill[:GUARD] + data + self.fill[GUARD + size :]
        self.view.write(0, self.fill)
        self.dma = dma_map_single(dev, self.view, size + 2 * GUARD, direction)
        assert self.dma == self.view.addr + dev.dma_offset, "the device's bus address of the buffer"
        self.addr = self.dma + GUARD

    def finish(self) -> bytes:
        """Unmap, check the guards, free; the middle's bytes."""
        dma_unmap_single(self.dev, self.dma, self.size + 2 * GUARD, self.direction)
        raw = self.view.read()
        kfree(self.view)
        assert raw[:GUARD] == self.fill[:GUARD], "bytes before the buffer changed"
        assert raw[GUARD + self.size :] == self.fill[GUARD + self.size :], "bytes after the buffer changed"
        return raw[GUARD : GUARD + self.size]

    @property
    def original(self) -> bytes:
        return self.fill[GUARD : GUARD + self.size]


async def _two_device_tb(dut):
    tb = await started(dut)
    assert tb.dma1 is not None, "a two-controller build (tb.runner --devices 2)"
    assert tb.dev1.dma_offset == tb.dma1_offset != 0 and tb.dev.dma_offset == 0
    return tb


@cocotb.test()
async def test_memcpy_on_each_device(dut):
    tb = await _two_device_tb(dut)
    rng = tb.rng
    jobs = []
    for dma, dev in ((tb.dma, tb.dev), (tb.dma1, tb.dev1)):
        chan = _channel_of(dma, DMA_MEMCPY)
        size = 5000 + rng.randrange(3000)
        src = _Guarded(tb, dev, size + 8, DMA_TO_DEVICE)
        dst = _Guarded(tb, dev, size + 8, DMA_FROM_DEVICE)
        s_off, d_off = rng.randrange(8), rng.randrange(8)
        tx = chan.prep_dma_memcpy(dst.addr + d_off, src.addr + s_off, size, 0)
        assert tx is not None
        jobs.append((chan, tx.submit(), src, dst, s_off, d_off, size))
    for chan, *_ in jobs:  # both controllers at once, on the one memory
        chan.issue_pending()
    for chan, cookie, src, dst, s_off, d_off, size in jobs:
        assert await chan.sync_wait(cookie, TIMEOUT_NS) == DmaStatus.DMA_COMPLETE, chan.name
        want = src.original[s_off : s_off + size]
        orig = dst.original
        got = dst.finish()
        src.finish()
        assert got[d_off : d_off + size] == want, f"{chan.name}: copied bytes differ"
        assert got[:d_off] == orig[:d_off] and got[d_off + size :] == orig[d_off + size :], chan.name
        await chan.release()
    await tb.stop()


@cocotb.test()
async def test_async_tx_chain_across_devices(dut):
    """As tests/test_async_tx_model.py::test_chain_across_devices, on the controllers."""
    tb = await _two_device_tb(dut)
    rng = tb.rng
    dmaengine_get()
    assert dma_find_channel(DmaTransactionType.DMA_MEMCPY).device is tb.dma
    assert dma_find_channel(DmaTransactionType.DMA_XOR).device is tb.dma1
    size = 5000
    src, other, tmp, out = (kmalloc(tb.dev, size, 64) for _ in range(4))
    for p in (src, other, tmp, out):
        p.write(0, rng.randbytes(size))
    submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None, [0] * 4)
    tx1 = await async_memcpy(tmp, src, 0, 0, size, submit)
    assert tx1.chan.device is tb.dma
    flags = AsyncTxFlags.ASYNC_TX_XOR_DROP_DST | AsyncTxFlags.ASYNC_TX_FENCE
    init_async_submit(submit, flags, tx1, None, None, [0] * 4)
    tx2 = await async_xor(tmp, [tmp, other], 0, 2, size, submit)
    assert tx2.chan.device is tb.dma1 and tx2.cookie < 0, "waits for the channel switch"
    init_async_submit(submit, AsyncTxFlags.ASYNC_TX_ACK, tx2, None, None, None)
    tx3 = await async_memcpy(out, tmp, 0, 0, size, submit)
    assert tx3.chan is tx2.chan, "a dependent copy stays on the XOR's channel"
    assert tb.dma_debug is None or _streaming(tb), "the operations' pages are mapped"
    # the pages are mapped for each operation's own device: dma1's at its offset
    assert tb.dma_debug is None or {m.dev for m in _streaming(tb)} == {tb.dev, tb.dev1}
    async_tx_issue_pending_all()
    assert await dma_wait_for_async_tx(tx3) == DmaStatus.DMA_COMPLETE
    await tb.idle_cycles(20)  # the completion tasklet unmaps
    assert out.read() == xor_blocks([src.read(), other.read()])
    assert _streaming(tb) == [], "every operation's pages unmapped at its completion"
    await dmaengine_put()
    for p in (src, other, tmp, out):
        kfree(p)
    await tb.stop()


@cocotb.test()
async def test_another_devices_address_is_reported(dut):
    """A dma_addr_t mapped for one device in the other device's descriptor (both ways): for
    the device that uses it the address is outside memory, so the read fails, nothing lands,
    and the debug mode names the mapping and the device it was made for."""
    tb = await _two_device_tb(dut)
    for user, owner in ((tb.dma1, tb.dev), (tb.dma, tb.dev1)):
        chan = _channel_of(user, DMA_MEMCPY)
        src = _Guarded(tb, owner, 4096, DMA_TO_DEVICE)  # mapped for the wrong device
        dst = _Guarded(tb, user.dev, 4096, DMA_FROM_DEVICE)
        tx = chan.prep_dma_memcpy(dst.addr, src.addr, 4096, 0)
        with tb.reports.provoking(reports.DEVICE_ACCESS, reports.BUS_ERROR):
            status = await chan.sync_wait(tx.submit(), TIMEOUT_NS)
        assert status == DmaStatus.DMA_ERROR, f"{chan.name}: {status.name}"
        if tb.dma_debug is not None:
            found = tb.reports.take("device-access")
            assert len(found) == 1 and "a mapping for another device" in str(found[0]), found  # once per mapping
            assert owner.name in str(found[0]) and chan.name in str(found[0]), found[0]
        assert dst.finish() == dst.original, "nothing lands"
        src.finish()
        await chan.release()
    await tb.stop()


@cocotb.test()
async def test_raid6test_both_devices(dut):
    tb = await _two_device_tb(dut)
    writes1 = tb.backend1.writes
    tests, failures = await raid6test(tb.dev, tb.backend.runtime, [4, 5], page_size=512, seed=tb.seed)
    assert (tests, failures) == (6 + 10, 0)
    assert tb.backend1.writes > writes1 + 16, "the syndromes and recoveries went to dma1"
    assert _streaming(tb) == []
    await tb.stop()


@cocotb.test()
async def test_fault_on_dma1s_port(dut):
    """A read fault armed on dma1's port (CPU addresses, as the memory sees them) fails
    dma1's copy of a buffer and leaves dma0's copy of the same buffer alone."""
    tb = await _two_device_tb(dut)
    size = 3000
    data = tb.rng.randbytes(size)
    fault = None
    for dma, dev in ((tb.dma1, tb.dev1), (tb.dma, tb.dev)):
        chan = _channel_of(dma, DMA_MEMCPY)
        src = _Guarded(tb, dev, size, DMA_TO_DEVICE, data)
        dst = _Guarded(tb, dev, size, DMA_FROM_DEVICE)
        if fault is None:
            cpu = src.view.addr + GUARD
            fault = tb.fault_injector(1).add(Fault("read", AxiResp.SLVERR, lo=cpu, hi=cpu + size))
        status = await chan.sync_wait(chan.prep_dma_memcpy(dst.addr, src.addr, size, 0).submit(), TIMEOUT_NS)
        got = dst.finish()
        src.finish()
        if dma is tb.dma1:
            assert status == DmaStatus.DMA_ERROR and fault.hits > 0, (status.name, fault.hits)
            assert got == dst.original, "nothing lands behind the fault"
        else:
            assert status == DmaStatus.DMA_COMPLETE and got == data, "dma0's port has no fault"
        await chan.release()
    assert fault in tb.fault_injector(1).armed() and not tb.fault_injector(0).armed()
    tb.fault_injector(1).clear()
    await tb.stop()

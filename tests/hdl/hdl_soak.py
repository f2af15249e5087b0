"""The soak: a long random mix on every channel at once -- memcpy batches, paced transfers
to and from peripherals, cyclic rings, bus errors injected on memory and on the devices,
and terminates at random moments -- with every result checked as it lands.

    make soak [SOAK_OPS=2000] [SEED=n]     # long run; `make test` runs a bounded slice

Per operation: data of every copy that reports success is exact; guard bytes around every
buffer survive whatever happened; a faulted transaction reports READ/WRITE_FAILED and the
ones queued behind it DMA_TRANS_ABORTED; after terminate_sync no callback runs and nothing
is written; each device sees its elements in order. At the end: no AXI or request-line
violation, no DMA-API debug or strict report, no descriptor or memory leaked.
"""

from __future__ import annotations

import os

import cocotb
from cocotb.triggers import ClockCycles, Event, with_timeout
from cocotbext.axi import AxiResp

from pydma import (
    DMA_CYCLIC,
    DMA_DEV_TO_MEM,
    DMA_FROM_DEVICE,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    dma_map_single,
    dma_request_channel,
    dma_unmap_single,
    kfree,
    kmalloc,
)
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaengineTxResult as R
from tb.dma_tb import DmaTb
from tb.faults import Fault
from tb.peripherals import Pacing, element
from tb.progress import Progress
from tb.testenv import configure, stall_setting, started

GUARD = 64
TX_LINE, RX_LINE = 1, 2
MAXBURST = 8


class Job:
    """One transaction on a kmalloc'd, mapped buffer pair (or one buffer for slave work),
    with guard bytes inside the allocation and its callback results recorded."""

    def __init__(self, tb: DmaTb, length: int, src_fill: bytes | None, dst_fill: bytes | None) -> None:
        self.tb = tb
        self.length = length
        self.results: list = []
        self.done = Event()
        self.bufs = []  # (view, dma address, direction, contents when mapped)
        for fill, direction in ((src_fill, DMA_TO_DEVICE), (dst_fill, DMA_FROM_DEVICE)):
            if fill is None:
                continue
            view = kmalloc(tb.dev, length + 2 * GUARD)
            assert view is not None
            whole = tb.rng.randbytes(GUARD) + fill + tb.rng.randbytes(GUARD)
            view.write(0, whole)
            addr = dma_map_single(tb.dev, view, view.size, direction)
            self.bufs.append((view, addr, direction, whole))

    def addr(self, i: int) -> int:
        return self.bufs[i][1] + GUARD

    def callback(self, _param, result) -> None:
        self.results.append(result)
        self.done.set()

    def finish(self) -> list[bytes]:
        """Unmap, check the guards, free; returns what each buffer's payload holds now."""
        out = []
        for view, addr, direction, whole in self.bufs:
            dma_unmap_single(self.tb.dev, addr, view.size, direction)
            now = view.read()
            assert now[:GUARD] == whole[:GUARD], f"guard below 0x{view.addr + GUARD:x} overwritten"
            assert now[-GUARD:] == whole[-GUARD:], f"guard above 0x{view.addr + GUARD:x}+{self.length} overwritten"
            out.append(now[GUARD:-GUARD])
            kfree(view)
        return out


class Soak:
    def __init__(self, tb: DmaTb, ops: int) -> None:
        self.tb = tb
        self.rng = tb.rng
        self.ops = ops
        self.faults = tb.fault_injector()
        self.counts: dict[str, int] = {}
        self.progress: Progress | None = None
        self.width = min(4, tb.bus_bytes)

    def count(self, what: str) -> None:  # (once per operation, as it starts)
        self.counts[what] = self.counts.get(what, 0) + 1
        if self.progress is not None:
            self.progress.advance()

    def fault(self, direction: str, lo: int, hi: int) -> Fault:
        resp = self.rng.choice((AxiResp.SLVERR, AxiResp.DECERR))
        return self.faults.add(Fault(direction, resp, lo=lo, hi=hi, once=True))

    def disarm(self, fault: Fault | None) -> None:
        if fault is not None:
            self.faults.remove(fault)

    async def run(self, chan, jobs: list[Job], kind: str, fault: Fault | None, max_wait: int = 2000) -> None:
        """Issue; then terminate_sync at a random cycle (kind "terminate") or wait for the
        last callback; then check the terminate guarantees and disarm an unfired fault."""
        chan.issue_pending()
        if kind == "terminate":
            await ClockCycles(self.tb.dut.clk, self.rng.randint(0, max_wait))
            assert await chan.terminate_sync() == 0
            await self.settle(jobs, chan)
        else:
            await with_timeout(jobs[-1].done.wait(), 50, "ms")
        self.disarm(fault)

    def slave_fault(self, kind: str, job: Job, mem_side: str, dev) -> Fault | None:
        """For kind "fault": one on the buffer (mem_side access), or on the device register."""
        if kind != "fault":
            return None
        if self.rng.random() < 0.5:
            at = job.addr(0) + self.rng.randrange(job.length)
            return self.fault(mem_side, at, at + 1)
        dev_side = "write" if mem_side == "read" else "read"
        return self.fault(dev_side, dev.data_addr, dev.data_addr + self.width)

    @staticmethod
    def expected_failure(fault: Fault) -> R:
        return R.DMA_TRANS_READ_FAILED if fault.direction == "read" else R.DMA_TRANS_WRITE_FAILED

    async def settle(self, jobs: list[Job], chan) -> None:
        """After terminate_sync: no callback and no memory write any more."""

        def memory() -> list[bytes]:  # the testbench's view (a backdoor, not a CPU access)
            return [self.tb.memory.read(v.addr, v.size) for j in jobs for v, _, _, _ in j.bufs]

        calls = [len(j.results) for j in jobs]
        snap = memory()
        await ClockCycles(self.tb.dut.clk, 300)
        assert [len(j.results) for j in jobs] == calls, f"{chan.name}: a callback ran after terminate_sync"
        assert memory() == snap, f"{chan.name}: memory written after terminate_sync"

    # -- memcpy -------------------------------------------------------------------------------
    async def memcpy_worker(self, chan) -> None:
        for _ in range(self.ops):
            kind = self.rng.choices(("batch", "fault", "terminate"), (6, 2, 2))[0]
            self.count(f"memcpy {kind}")
            jobs = []
            for _ in range(self.rng.randint(1, 4)):
                n = self.rng.choice((self.rng.randint(1, 64), self.rng.randint(1, 3000), self.rng.randint(3000, 12000)))
                job = Job(self.tb, n, self.rng.randbytes(n), self.rng.randbytes(n))
                tx = chan.prep_dma_memcpy(job.addr(1), job.addr(0), n, DMA_PREP_INTERRUPT)
                assert tx is not None
                tx.callback_result = job.callback
                tx.submit()
                jobs.append(job)
            victim, fault = None, None
            if kind == "fault":
                victim = self.rng.randrange(len(jobs))
                side = self.rng.choice(("read", "write"))
                j = jobs[victim]
                at = j.addr(0 if side == "read" else 1) + self.rng.randrange(j.length)
                fault = self.fault(side, at, at + 1)
            await self.run(chan, jobs, kind, fault)
            terminated = kind == "terminate"
            for i, job in enumerate(jobs):
                assert len(job.results) <= 1, f"{chan.name}: callback ran {len(job.results)} times"
                src, dst = job.finish()
                got = job.results[0].result if job.results else None
                if victim is not None and fault.hits:
                    before = R.DMA_TRANS_NOERROR if i < victim else R.DMA_TRANS_ABORTED
                    want = self.expected_failure(fault) if i == victim else before
                    assert got == want, f"{chan.name} job {i} of {len(jobs)}, fault on {victim}: {got}"
                elif not terminated:
                    assert got == R.DMA_TRANS_NOERROR, f"{chan.name} job {i}: {got}"
                if got == R.DMA_TRANS_NOERROR:
                    assert dst == src, f"{chan.name}: a copy of {job.length} bytes reported success, data differs"

    # -- paced transfers ----------------------------------------------------------------------
    async def tx_worker(self, chan, dev) -> None:
        configure(chan, DMA_MEM_TO_DEV, dev.data_addr, self.width, MAXBURST)
        w = self.width
        for _ in range(self.ops):
            kind = self.rng.choices(("single", "fault", "terminate", "cyclic"), (5, 2, 2, 2))[0]
            self.count(f"tx {kind}")
            if kind == "cyclic":
                await self.cyclic(chan, dev)
                continue
            n = w * self.rng.randint(1, 300)
            job = Job(self.tb, n, self.rng.randbytes(n), None)
            dev.expect(job.bufs[0][3][GUARD:-GUARD])
            tx = chan.prep_slave_single(job.addr(0), n, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
            tx.callback_result = job.callback
            tx.submit()
            fault = self.slave_fault(kind, job, "read", dev)
            # pipelined, bursts issued behind a failing one still arrive: a gap, then order
            dev.gaps_ok = dev.pipelined and fault is not None
            await self.run(chan, [job], kind, fault, max_wait=1500)
            dev.gaps_ok = False
            got = job.results[0].result if job.results else None
            if fault is not None and fault.hits:
                assert got == self.expected_failure(fault), f"tx fault {fault}: {got}"
            elif kind != "terminate":
                assert got == R.DMA_TRANS_NOERROR, f"tx: {got}"
                assert not dev.expected, f"tx: {len(dev.expected)} elements never reached the device"
            dev.expected.clear()  # what a fault or terminate cut off will not come
            job.finish()

    async def rx_worker(self, chan, dev) -> None:
        configure(chan, DMA_DEV_TO_MEM, dev.data_addr, self.width, MAXBURST)
        w = self.width
        for _ in range(self.ops):
            kind = self.rng.choices(("single", "fault", "terminate"), (5, 2, 2))[0]
            self.count(f"rx {kind}")
            elems = self.rng.randint(1, 300)
            n = w * elems
            job = Job(self.tb, n, None, bytes(n))
            first = dev.read_count  # the device hands out elements in order
            tx = chan.prep_slave_single(job.addr(0), n, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
            tx.callback_result = job.callback
            tx.submit()
            fault = self.slave_fault(kind, job, "write", dev)
            await self.run(chan, [job], kind, fault, max_wait=1500)
            got = job.results[0].result if job.results else None
            (data,) = job.finish()
            if fault is not None and fault.hits:
                assert got == self.expected_failure(fault), f"rx fault {fault}: {got}"
            elif kind != "terminate":
                assert got == R.DMA_TRANS_NOERROR, f"rx: {got}"
            if got == R.DMA_TRANS_NOERROR:
                want = b"".join(element(first + i, w) for i in range(elems))
                assert data == want, f"rx of {elems} elements from element {first}: data differs"
            else:  # cut short: each element slot holds its element or is still untouched
                # (pipelined, bursts issued behind a failed one still land, and their elements
                # come earlier in the stream if the failed reads did not take any)
                shift = elems if dev.pipelined and fault is not None and fault.hits else 0
                for i in range(elems):
                    slot = data[i * w : (i + 1) * w]
                    ok = [element(first + j, w) for j in range(max(0, i - shift), i + 1)]
                    assert slot == bytes(w) or slot in ok, f"rx slot {i}: {slot.hex()}"

    async def cyclic(self, chan, dev) -> None:
        """A ring of 2-4 periods runs a random while, then terminate_sync."""
        w = self.width
        period = w * self.rng.randint(8, 64)
        periods = self.rng.randint(2, 4)
        job = Job(self.tb, period * periods, self.rng.randbytes(period * periods), None)
        ring = job.bufs[0][3][GUARD:-GUARD]
        for _ in range(64):
            dev.expect(ring)
        calls = []
        tx = chan.prep_dma_cyclic(job.addr(0), len(ring), period, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
        tx.callback = calls.append
        tx.submit()
        chan.issue_pending()
        await ClockCycles(self.tb.dut.clk, self.rng.randint(100, 6000))
        assert await chan.terminate_sync() == 0
        n = len(calls)
        moved = dev.transfers
        await ClockCycles(self.tb.dut.clk, 300)
        assert len(calls) == n, "a period callback ran after terminate_sync"
        assert dev.transfers == moved, "the device was written after terminate_sync"
        dev.expected.clear()
        job.finish()


@cocotb.test()
async def test_soak(dut):
    ops = int(os.environ.get("PYDMA_SOAK_OPS", "12"))
    tb = await started(dut, stalls=stall_setting(default=0.2))
    allocations = tb.memory.allocations()
    soak = Soak(tb, ops)
    w = soak.width
    # one device speaks the pipelined request handshake, the other the four-phase one
    tx_pipe = tb.rng.random() < 0.5
    tb.log.info("soak: the %s device uses the pipelined request handshake", "transmit" if tx_pipe else "receive")
    txd = tb.add_tx_device(TX_LINE, w, MAXBURST, depth=32, pacing=Pacing.random(tb.rng), pipelined=tx_pipe)
    rxd = tb.add_rx_device(RX_LINE, w, MAXBURST, depth=32, pacing=Pacing.random(tb.rng), pipelined=not tx_pipe)
    tx_chan = dma_request_channel(
        DmaCapMask(DMA_SLAVE, DMA_CYCLIC), pydma_filter, PydmaRequest(TX_LINE, pipelined=tx_pipe)
    )
    rx_chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(RX_LINE, pipelined=not tx_pipe))
    mem_chans = [dma_request_channel(DmaCapMask(DMA_MEMCPY)) for _ in range(tb.num_ch - 2)]
    assert tx_chan and rx_chan and all(mem_chans)
    tb.log.info("soak: %d operations per channel on %d channels", ops, tb.num_ch)
    soak.progress = Progress("soak", ops * tb.num_ch, unit="operations started")
    workers = [cocotb.start_soon(soak.memcpy_worker(c)) for c in mem_chans]
    workers += [cocotb.start_soon(soak.tx_worker(tx_chan, txd)), cocotb.start_soon(soak.rx_worker(rx_chan, rxd))]
    for t in workers:
        await t
    soak.progress.finish()
    tb.log.info("soak done at cycle %d: %s", tb.cycles(), dict(sorted(soak.counts.items())))
    tb.log.info("faults hit: %d bursts; %s", len(soak.faults.log), soak.faults.log[:8])
    tb.check_peripherals()
    for chan in (tx_chan, rx_chan, *mem_chans):
        assert chan.ring.in_use == 0, f"{chan.name}: {chan.ring.in_use} hardware descriptors still held"
        await chan.release()
    assert tb.memory.allocations() == allocations, "memory leaked"
    await tb.stop()

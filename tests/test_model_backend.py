"""The driver on the controller model (pydma.model): no simulator, no cocotb.

The same driver code as in the simulation (PydmaDevice.probe, channel requests, prep,
submit/issue_pending, callbacks, tx_status with residue, terminate, release) runs a memcpy,
scatter-gather chains (appended to while they run), slave transfers both ways, a cyclic ring
and a terminate in the middle of a chain, with the DMA-API debug and strict modes on: any
report fails the test, as in tb/dma_tb.py. Each test runs on a virtual-time loop
(pydma.model.run); one runs on a plain asyncio.run.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from pydma import (
    DMA_DEV_TO_MEM,
    DMA_FROM_DEVICE,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaengineResult,
    DmaengineTxResult,
    DmaSlaveConfig,
    DmaStatus,
    DmaTxState,
    dma_map_sg,
    dma_request_channel,
    dma_unmap_sg,
    dmaengine_slave_config,
    kfree,
    kmalloc,
    reports,
    sg_init_table,
    sg_set_buf,
)
from pydma.drivers.pydma_dmac import ChanState, pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.hw import layout
from pydma.model import AsyncioRuntime, ControllerModel, ModelBackend, ModelMemory, RxFifo, TxFifo, run
from tb.model_env import GUARD, Guarded, ModelEnv, started, until

TX_ADDR, RX_ADDR = 0x0800_0000, 0x0800_1000  # device data registers, outside memory


def memcpy_channel():
    chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    assert chan is not None
    return chan


def slave_channel(line: int):
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=line))
    assert chan is not None
    return chan


def residue(chan, cookie: int) -> tuple[DmaStatus, int]:
    state = DmaTxState()
    status = chan.tx_status(cookie, state)
    return status, state.residue


def test_memcpy(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            n = 9000
            src = Guarded(env, n, DMA_TO_DEVICE, rng)
            dst = Guarded(env, n + 8, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr + 3, src.addr, n, DMA_PREP_INTERRUPT)
            results: list[DmaengineResult] = []
            tx.callback_result = lambda param, result: results.append((param, result))
            tx.callback_param = "copy"
            cookie = tx.submit()
            assert residue(chan, cookie) == (DmaStatus.DMA_IN_PROGRESS, n), "nothing moves before issue_pending"
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)  # the tasklet runs the callback
            assert residue(chan, cookie) == (DmaStatus.DMA_COMPLETE, 0)
            assert [(p, r.result, r.residue) for p, r in results] == [("copy", DmaengineTxResult.DMA_TRANS_NOERROR, 0)]
            expect = dst.original[:3] + src.original + dst.original[3 + n :]
            assert src.finish() == src.original
            assert dst.finish() == expect
            assert env.model.channels[chan.index].done_cnt == 1  # one hardware descriptor
            await chan.release()

    run(body())


class Arena:
    """kmalloc'd random bytes carved into pieces with gaps between them: a scatterlist whose
    gaps must survive the DMA."""

    def __init__(self, env: ModelEnv, lengths: list[int], direction, rng: random.Random) -> None:
        self.env, self.direction = env, direction
        self.pieces: list[tuple[int, int]] = []
        at = GUARD
        for n in lengths:
            self.pieces.append((at, n))
            at += n + rng.randrange(1, 2 * GUARD)
        self.view = kmalloc(env.dev, at + GUARD)
        self.fill = rng.randbytes(at + GUARD)
        self.view.write(0, self.fill)
        self.sgl = sg_init_table(len(lengths))
        for sg, (off, n) in zip(self.sgl, self.pieces):
            sg_set_buf(sg, self.view.ptr(off, n), n)
        assert dma_map_sg(env.dev, self.sgl, len(self.sgl), direction) == len(self.sgl)
        self.addrs = [sg.dma_address for sg in self.sgl]  # bus addresses (unmapping clears them)

    @property
    def original(self) -> bytes:
        return b"".join(self.fill[off : off + n] for off, n in self.pieces)

    def finish(self) -> bytes:
        """Unmap, check every gap, free; the pieces' bytes, joined."""
        dma_unmap_sg(self.env.dev, self.sgl, len(self.sgl), self.direction)
        raw = self.view.read()
        kfree(self.view)
        at = 0
        for off, n in [*self.pieces, (len(raw), 0)]:
            assert raw[at:off] == self.fill[at:off], f"gap [{at}, {off}) changed"
            at = off + n
        return b"".join(raw[off : off + n] for off, n in self.pieces)


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


def test_sg_chain_and_appending_to_it(seed: int) -> None:
    """A scatter-gather copy of many descriptors; while the controller walks it, more copies
    are appended (TAIL_DESC on a running channel); everything lands, in cookie order."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            total = 48 * 1024
            src = Arena(env, split(total, 24, rng), DMA_TO_DEVICE, rng)
            dst = Arena(env, split(total, 17, rng), DMA_FROM_DEVICE, rng)
            done: list[int] = []
            tx = chan.prep_dma_memcpy_sg(dst.sgl, len(dst.sgl), src.sgl, len(src.sgl), DMA_PREP_INTERRUPT)
            assert tx is not None and len(tx.hw) >= 24  # one descriptor wherever either list's piece ends
            tx.callback, tx.callback_param = done.append, "chain"
            first = tx.submit()
            chan.issue_pending()
            hw = env.model.channels[chan.index]
            while hw.done_cnt == 0:  # virtual time: until a part of the chain is done
                await asyncio.sleep(1e-6)
            assert hw.busy and hw.done_cnt < len(tx.hw), "the chain should be running"
            status, left = residue(chan, first)
            assert status == DmaStatus.DMA_IN_PROGRESS and 0 < left < total

            copies = []
            for i in range(6):  # appended one by one, with time passing in between
                n = rng.randrange(1, 3000)
                s, d = Guarded(env, n, DMA_TO_DEVICE, rng), Guarded(env, n, DMA_FROM_DEVICE, rng)
                t = chan.prep_dma_memcpy(d.addr, s.addr, n, DMA_PREP_INTERRUPT)
                t.callback, t.callback_param = done.append, i
                copies.append((s, d, t.submit()))
                chan.issue_pending()
                await asyncio.sleep(rng.randrange(0, 3000) * 1e-9)
            assert chan.stats["appends"] >= 1 and chan.stats["starts"] == 1, chan.stats
            assert await chan.sync_wait(copies[-1][2]) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            assert done == ["chain", 0, 1, 2, 3, 4, 5], "callbacks in cookie order"
            assert dst.finish() == src.finish()
            for s, d, cookie in copies:
                assert chan.tx_status(cookie) == DmaStatus.DMA_COMPLETE
                assert d.finish() == s.finish()
            await chan.release()

    run(body())


def test_slave_transmit(seed: int) -> None:
    """Memory to a paced transmit FIFO through prep_slave_sg: bursts of maxburst elements,
    every byte in order, the FIFO never overflowing."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            uart = env.model.attach_device(3, TxFifo(TX_ADDR, width=4, maxburst=8, depth=16, ns_per_element=40))
            chan = slave_channel(3)
            cfg = DmaSlaveConfig(dst_addr=uart.addr, dst_addr_width=4, dst_maxburst=8)
            assert dmaengine_slave_config(chan, cfg) == 0
            msg = Arena(env, [4 * rng.randrange(1, 60) for _ in range(3)], DMA_TO_DEVICE, rng)
            uart.expect(msg.original)
            tx = chan.prep_slave_sg(msg.sgl, len(msg.sgl), DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
            outcome: list[DmaengineResult] = []
            tx.callback_result = lambda param, result: outcome.append(result)
            cookie = tx.submit()
            await asyncio.sleep(1e-6)
            assert not uart.received, "nothing moves before issue_pending"
            start = env.now_ns()
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            assert [(r.result, r.residue) for r in outcome] == [(DmaengineTxResult.DMA_TRANS_NOERROR, 0)]
            assert bytes(uart.received) == msg.original
            elements = len(msg.original) // 4
            assert env.now_ns() - start >= (elements - uart.depth) * 40, "paced by the device's consumer"
            msg.finish()
            await chan.release()

    run(body())


def test_slave_receive(seed: int) -> None:
    """A paced receive FIFO into memory through prep_slave_single, width 2, bursts of 4: the
    elements land in order; the residue falls while it runs."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            rx = env.model.attach_device(5, RxFifo(RX_ADDR, width=2, maxburst=4, depth=8, ns_per_element=50))
            chan = slave_channel(5)
            assert chan.slave_config(DmaSlaveConfig(src_addr=rx.addr, src_addr_width=2, src_maxburst=4)) == 0
            n = 2 * 301  # not a whole number of bursts: single requests for the tail
            buf = Guarded(env, n, DMA_FROM_DEVICE, rng)
            tx = chan.prep_slave_single(buf.addr, n, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
            cookie = tx.submit()
            chan.issue_pending()
            seen = []
            while chan.tx_status(cookie) != DmaStatus.DMA_COMPLETE:
                seen.append(residue(chan, cookie)[1])
                await asyncio.sleep(2e-6)
            assert seen == sorted(seen, reverse=True) and len(set(seen)) > 3, f"residue by bursts: {seen}"
            assert buf.finish() == rx.expected(0, n // 2)
            await chan.release()

    run(body())


def test_slave_receive_packet_ended_by_device(seed: int) -> None:
    """device_fc: the peripheral ends its packet with LREQ; the transaction completes early
    with the unfilled part as its residue, and the next one takes the next packet."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            rx = env.model.attach_device(2, RxFifo(RX_ADDR, width=4, maxburst=8, depth=32))
            chan = slave_channel(2)
            cfg = DmaSlaveConfig(src_addr=rx.addr, src_addr_width=4, src_maxburst=8, device_fc=True)
            assert chan.slave_config(cfg) == 0
            rx.send_packets([75, 20])
            results = []
            bufs = [Arena(env, [4 * 60, 4 * 40], DMA_FROM_DEVICE, rng) for _ in range(2)]
            cookies = []
            for b in bufs:  # two segments each: the packet may end in either
                t = chan.prep_slave_sg(b.sgl, 2, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
                t.callback_result = lambda param, r: results.append((r.result, r.residue))
                cookies.append(t.submit())
            assert await chan.sync_wait(cookies[-1]) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(0)
            ok = DmaengineTxResult.DMA_TRANS_NOERROR
            assert results == [(ok, 400 - 75 * 4), (ok, 400 - 20 * 4)]
            first, second = (b.finish() for b in bufs)
            assert first[: 75 * 4] == rx.expected(0, 75)
            assert second[: 20 * 4] == rx.expected(75, 20)
            await chan.release()

    run(body())


def test_cyclic_periods_then_terminate(seed: int) -> None:
    """A ring of 4 periods to a paced device: a callback per period, residue within the
    ring, the ring's bytes over and over in order; nothing after terminate_sync."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            dev = env.model.attach_device(1, TxFifo(TX_ADDR, width=4, maxburst=8, depth=32, ns_per_element=20))
            chan = slave_channel(1)
            assert chan.slave_config(DmaSlaveConfig(dst_addr=dev.addr, dst_addr_width=4, dst_maxburst=8)) == 0
            period, periods = 32 * 4, 4
            ring = Guarded(env, period * periods, DMA_TO_DEVICE, rng)
            dev.expect(ring.original * 40)
            tx = chan.prep_dma_cyclic(ring.addr, ring.size, period, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
            calls, residues = [], []

            def on_period(param) -> None:
                calls.append(env.now_ns())
                residues.append(residue(chan, tx.cookie)[1])

            tx.callback = on_period
            cookie = tx.submit()
            chan.issue_pending()
            await until(lambda: len(calls) >= 30, "30 period callbacks")
            assert chan.tx_status(cookie) == DmaStatus.DMA_IN_PROGRESS
            assert all(0 < r <= ring.size for r in residues), residues
            assert await chan.terminate_sync() == 0
            n_calls, sent = len(calls), len(dev.received)
            await asyncio.sleep(20e-6)
            assert len(calls) == n_calls, "a period callback ran after terminate_sync"
            assert len(dev.received) == sent, "the device was written after terminate_sync"
            assert n_calls <= sent // period <= n_calls + 1  # a period cut short by the terminate has no callback
            assert ring.finish() == ring.original
            await chan.release()

    run(body())


def test_terminate_in_the_middle_of_a_chain(seed: int) -> None:
    """terminate_sync while a 40-descriptor chain runs: no callback, the descriptors the
    controller finished moved all their bytes, the rest none (whole 4 KiB chunks of the one in
    flight at most); then the channel copies correctly again."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            seg, nseg = 8192, 40
            src = Arena(env, [seg] * nseg, DMA_TO_DEVICE, rng)
            dst = Arena(env, [seg] * nseg, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy_sg(dst.sgl, nseg, src.sgl, nseg, DMA_PREP_INTERRUPT)
            called = []
            tx.callback = called.append
            cookie = tx.submit()
            chan.issue_pending()
            hw = env.model.channels[chan.index]
            await until(lambda: hw.done_cnt != 0, "a first descriptor done")
            await asyncio.sleep(rng.uniform(0, 150e-6))  # a segment takes about 10 us
            assert hw.busy and 0 < hw.done_cnt < nseg
            status, left = residue(chan, cookie)
            assert status == DmaStatus.DMA_IN_PROGRESS and 0 < left < nseg * seg
            assert await chan.terminate_sync() == 0
            assert not hw.busy and chan.state is ChanState.IDLE
            got, want = dst.finish(), src.finish()  # before the release: no mapping may be left
            full = [got[i * seg : (i + 1) * seg] == want[i * seg : (i + 1) * seg] for i in range(nseg)]
            k = full.index(False)
            assert 0 < k < nseg and not any(full[k + 1 :]), f"a prefix of whole segments: {full}"
            # the segment in flight moved whole chunks (they end on 4 KiB-aligned destinations)
            part, was, new = (b[k * seg : (k + 1) * seg] for b in (got, dst.original, want))
            seg_dst = dst.addrs[k]
            cuts = [0] + [j for j in range(1, seg) if (seg_dst + j) % 4096 == 0]
            assert any(part == new[:j] + was[j:] for j in cuts), "the segment in flight: whole chunks"
            assert got[(k + 1) * seg :] == dst.original[(k + 1) * seg :]
            await asyncio.sleep(10e-6)
            assert not called, "no callback for a terminated transaction"

            again = Guarded(env, 5000, DMA_FROM_DEVICE, rng)
            s = Guarded(env, 5000, DMA_TO_DEVICE, rng)
            t = chan.prep_dma_memcpy(again.addr, s.addr, 5000, DMA_PREP_INTERRUPT)
            assert await chan.sync_wait(t.submit()) == DmaStatus.DMA_COMPLETE
            assert again.finish() == s.finish()
            await chan.release()

    run(body())


def test_pause_resume_and_bus_error_recovery(seed: int) -> None:
    """Pause holds a copy at a chunk boundary (tx_status DMA_PAUSED, nothing moves), resume
    finishes it; a read error injected on a source halts the channel, the transaction
    reports READ_FAILED, the one behind it is aborted, and the channel works again."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            hw = env.model.channels[chan.index]
            n = 64 * 1024
            src, dst = Guarded(env, n, DMA_TO_DEVICE, rng), Guarded(env, n, DMA_FROM_DEVICE, rng)
            cookie = chan.prep_dma_memcpy(dst.addr, src.addr, n, DMA_PREP_INTERRUPT).submit()
            chan.issue_pending()
            await asyncio.sleep(10e-6)
            chan.pause()
            await asyncio.sleep(1e-6)
            assert hw.at_gate and chan.tx_status(cookie) == DmaStatus.DMA_PAUSED
            held = hw.xferred
            await asyncio.sleep(50e-6)
            assert hw.xferred == held and 0 < held < n, "nothing moves while paused"
            chan.resume()
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
            assert dst.finish() == src.finish()

            results = []
            bad_s, bad_d = Guarded(env, 6000, DMA_TO_DEVICE, rng), Guarded(env, 6000, DMA_FROM_DEVICE, rng)
            fault = env.model.inject_fault("read", bad_s.addr + 5000, bad_s.addr + 5001, once=True)
            after_s, after_d = Guarded(env, 100, DMA_TO_DEVICE, rng), Guarded(env, 100, DMA_FROM_DEVICE, rng)
            for s, d in ((bad_s, bad_d), (after_s, after_d)):
                t = chan.prep_dma_memcpy(d.addr, s.addr, 6000 if s is bad_s else 100, DMA_PREP_INTERRUPT)
                t.callback_result = lambda param, r: results.append(r.result)
                last = t.submit()
            assert await chan.sync_wait(last) == DmaStatus.DMA_ERROR
            await asyncio.sleep(1e-6)
            assert fault.hits == 1
            assert results == [DmaengineTxResult.DMA_TRANS_READ_FAILED, DmaengineTxResult.DMA_TRANS_ABORTED]
            first = 4096 - bad_d.addr % 4096  # chunks end on 4 KiB-aligned destinations
            assert first < 5000, "the fault must be in the second chunk"
            got = bad_d.finish()
            assert got[:first] == bad_s.original[:first], "the chunk before the fault lands"
            assert got[first:] == bad_d.original[first:], "the failed chunk lands nothing"
            bad_s.finish()
            assert after_d.finish() == after_d.original and after_s.finish() == after_s.original

            s, d = Guarded(env, 777, DMA_TO_DEVICE, rng), Guarded(env, 777, DMA_FROM_DEVICE, rng)
            t = chan.prep_dma_memcpy(d.addr, s.addr, 777, DMA_PREP_INTERRUPT)
            assert await chan.sync_wait(t.submit()) == DmaStatus.DMA_COMPLETE
            assert d.finish() == s.finish()
            await chan.release()

    run(body())


class HaltReportedLate(ModelBackend):
    """On the RTL, DONE_CNT can count a failed descriptor before STATUS shows HALTED, while
    later chunks still drain (pydma/drivers/pydma_dmac/irq.py). The model halts at once, so
    this backend hides the halt from the first STATUS read that shows it, opening the same
    window: the driver sees the failure before the halt (ChanState.HALTING)."""

    hidden = 0

    async def readl(self, offset: int) -> int:
        value = await super().readl(offset)
        halted = layout.reg("STATUS").field("HALTED").mask
        if offset == layout.chan_reg_addr(0, "STATUS") and value & halted and not self.hidden:
            self.hidden += 1
            value &= ~halted
        return value


def test_terminate_while_the_channel_halts(seed: int) -> None:
    """The chain's last descriptor fails, and its callback terminates the channel and starts
    new work before the halt is reported (the usual error recovery). Nothing of the failed
    chain is left on the hardware, but the channel is halting: terminate must abort it, and
    the new work must wait for the abort instead of being written into the halting channel
    (its CUR_DESC would be refused and the interrupt thread would die)."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(HaltReportedLate, num_ch=1) as env:
            chan = memcpy_channel()
            bad_s, bad_d = Guarded(env, 3000, DMA_TO_DEVICE, rng), Guarded(env, 3000, DMA_FROM_DEVICE, rng)
            s, d = Guarded(env, 2000, DMA_TO_DEVICE, rng), Guarded(env, 2000, DMA_FROM_DEVICE, rng)
            env.model.inject_fault("read", bad_s.addr + 100, bad_s.addr + 101, once=True)
            states, results, again = [], [], []

            def failed(param, result: DmaengineResult) -> None:
                results.append(result.result)
                states.append(chan.state)
                assert chan.terminate_async() == 0
                states.append(chan.state)
                t = chan.prep_dma_memcpy(d.addr, s.addr, 2000, DMA_PREP_INTERRUPT)
                t.callback_result = lambda p, r: results.append(r.result)
                again.append(t.submit())
                chan.issue_pending()

            tx = chan.prep_dma_memcpy(bad_d.addr, bad_s.addr, 3000, DMA_PREP_INTERRUPT)
            tx.callback_result = failed
            tx.submit()
            chan.issue_pending()
            await until(lambda: bool(again), "the resubmitted transfer")
            assert env.backend.hidden == 1 and chan.stats["halts_ahead"] == 1, "the window was not opened"
            assert states == [ChanState.HALTING, ChanState.ABORTING], f"terminate while halting: {states}"
            assert await chan.sync_wait(again[0], timeout_ns=1_000_000) == DmaStatus.DMA_COMPLETE
            assert not chan.irq_task.done(), "the interrupt thread died"
            assert results == [DmaengineTxResult.DMA_TRANS_READ_FAILED, DmaengineTxResult.DMA_TRANS_NOERROR]
            assert d.finish() == s.finish()
            bad_s.finish()
            bad_d.finish()
            await chan.release()

    run(body())


def test_on_plain_asyncio_run(seed: int) -> None:
    """The backend needs no special loop: a stock asyncio loop (wall time) runs it too."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started(num_ch=2, data_bytes=16, addr_width=64) as env:
            assert len(env.dma.channels) == 2 and env.dma.data_bytes == 16 and env.dma.addr_width == 64
            chan = memcpy_channel()
            src, dst = Guarded(env, 3000, DMA_TO_DEVICE, rng), Guarded(env, 3000, DMA_FROM_DEVICE, rng)
            cookie = chan.prep_dma_memcpy(dst.addr, src.addr, 3000, 0).submit()
            assert await chan.sync_wait(cookie, timeout_ns=10e9) == DmaStatus.DMA_COMPLETE
            assert dst.finish() == src.finish()
            await chan.release()

    asyncio.run(body())


class Oops(Exception):
    pass


def test_an_exception_in_a_callback_fails_the_test(seed: int) -> None:
    """A callback that raises kills the channel's tasklet, as an oops would. The test ends
    with that exception, as cocotb ends a test whose task raised: not later with a confusing
    consequence of the dead tasklet, and not silently. On a stock asyncio loop the test's task
    is cancelled with the exception named."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            src, dst = Guarded(env, 64, DMA_TO_DEVICE, rng), Guarded(env, 64, DMA_FROM_DEVICE, rng)
            tx = chan.prep_dma_memcpy(dst.addr, src.addr, 64, DMA_PREP_INTERRUPT)

            def callback(_param) -> None:
                raise Oops("raised by the callback")

            tx.callback = callback
            assert await chan.sync_wait(tx.submit(), timeout_ns=10e9) == DmaStatus.DMA_COMPLETE
            await asyncio.sleep(1e-3)  # the tasklet runs the callback, the test is stopped
            raise AssertionError("the test went on after its callback raised")

    with pytest.raises(Oops, match="raised by the callback"):
        run(body())
    with pytest.raises(
        asyncio.CancelledError, match=r"ended with Oops\('raised by the callback'\) and nothing awaits it"
    ):
        asyncio.run(body())


def test_an_exception_of_an_awaited_task_is_the_awaiters() -> None:
    """A spawned task whose exception is taken by whoever awaits it does not fail the test."""

    async def fails() -> None:
        await asyncio.sleep(1e-9)
        raise Oops("mine")

    async def body() -> str:
        rt = AsyncioRuntime()
        with pytest.raises(Oops):
            await rt.spawn(fails())
        with pytest.raises(Oops):
            await asyncio.gather(rt.spawn(fails()), rt.spawn(asyncio.sleep(1e-6)))
        await asyncio.sleep(1e-6)
        return "went on"

    assert run(body()) == "went on"


def test_register_port_refusals() -> None:
    """dma_regs' rules: read-only and unmapped registers, and a busy channel's set-up,
    answer SLVERR (the backend: EIO at the next read) and change nothing."""

    async def body() -> None:
        from pydma.errors import DmaError
        from pydma.hw import layout
        from pydma.model import RegisterError

        model = ControllerModel(ModelMemory())
        with pytest.raises(RegisterError):
            model.write(layout.reg("ID").offset, 1)
        with pytest.raises(RegisterError):
            model.write(layout.chan_reg_addr(0, "DONE_CNT"), 1)
        with pytest.raises(RegisterError):
            model.read(layout.chan_reg_addr(4, "CTRL"))  # only 4 channels
        backend = ModelBackend(model)
        backend.writel(0x003, 0)
        with pytest.raises(DmaError):
            await backend.readl(layout.reg("ID").offset)
        assert await backend.readl(layout.reg("ID").offset) == layout.ID_MAGIC  # reported once

    run(body())


def test_debug_mode_sees_the_models_accesses(seed: int) -> None:
    """The DMA-API debug mode judges every access the model makes, as it judges the
    simulation's beats: a copy into kmalloc memory the client never mapped is reported."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = memcpy_channel()
            src = Guarded(env, 256, DMA_TO_DEVICE, rng)
            unmapped = kmalloc(env.dev, 256)  # the client's bug: no dma_map_single
            t = chan.prep_dma_memcpy(unmapped.addr, src.addr, 256, DMA_PREP_INTERRUPT)
            assert await chan.sync_wait(t.submit()) == DmaStatus.DMA_COMPLETE
            found = env.reports.take(reports.DEVICE_ACCESS)
            assert len(found) == 1 and f"0x{unmapped.addr:x}" in found[0].message, found
            assert "descriptor: dma0chan" in found[0].message  # it names the descriptor in flight
            src.finish()
            kfree(unmapped)
            await chan.release()

    run(body())


def test_register_level_contract() -> None:
    """The controller contract itself, without the driver (docs/architecture.md, "Appending
    to a running channel"): a tail whose NEXT was stale when fetched is re-read; a doorbell
    on an idle channel after a completed tail resumes through NEXT; CUR_DESC is refused while
    busy; a source outside any allocation halts the channel with READ, counted and written
    back; ABORT leaves the halt."""
    from pydma.errors import DmaError
    from pydma.hw import layout

    async def body() -> None:
        mem = ModelMemory()
        model = ControllerModel(mem)
        be = ModelBackend(model)
        descs = [mem.alloc(64, 64) for _ in range(4)]
        src, dst = mem.alloc(4 * 8192), mem.alloc(4 * 8192)
        mem.write(src, random.Random(1).randbytes(4 * 8192))

        def reg(name: str) -> int:
            return layout.chan_reg_addr(0, name)

        def put(i: int, nxt: int, source: int | None = None) -> None:
            mem.write(descs[i], layout.pack_desc(nxt, source or src + i * 8192, dst + i * 8192, 8192, 0))

        def ring(tail: int) -> None:
            be.writel(reg("TAIL_DESC_HI"), tail >> 32)
            be.writel(reg("TAIL_DESC_LO"), tail & 0xFFFF_FFFF)

        def status(i: int) -> int:
            return int.from_bytes(mem.read(descs[i] + 0x20, 4), "little")

        be.writel(reg("CTRL"), 1 | 4 | 8)  # RUN, IOC_IRQ_EN, ERR_IRQ_EN
        put(0, 0)
        be.writel(reg("CUR_DESC_HI"), 0)
        be.writel(reg("CUR_DESC_LO"), descs[0])
        ring(descs[0])
        await asyncio.sleep(300e-9)  # descriptor 0 fetched as the tail, NEXT = 0: stale soon
        assert model.channels[0].busy
        be.writel(reg("CUR_DESC_LO"), descs[1])
        with pytest.raises(DmaError):  # refused while busy
            await be.flush()
        put(0, descs[1])
        put(1, 0)
        ring(descs[1])
        while await be.readl(reg("STATUS")) & 1:
            await asyncio.sleep(1e-6)
        assert await be.readl(reg("DONE_CNT")) == 2 and status(0) == status(1) == 1  # DONE, no error

        put(1, descs[2])  # idle after a completed tail: the doorbell resumes through its NEXT
        put(2, 0)
        ring(descs[2])
        while await be.readl(reg("DONE_CNT")) != 3:
            await asyncio.sleep(1e-6)
        assert mem.read(dst, 3 * 8192) == mem.read(src, 3 * 8192)

        put(2, descs[3])  # a source outside any allocation: READ, counted, halted
        put(3, 0, source=mem.base + mem.size - 4096)
        ring(descs[3])
        while not await be.readl(reg("STATUS")) & 2:
            await asyncio.sleep(1e-6)
        st = await be.readl(reg("STATUS"))
        assert st >> 16 & 0xF == layout.ErrCode.READ and st & 1 << 9  # ERR_CODE, ERR_IRQ
        assert status(3) == 1 | layout.ErrCode.READ << 4 and await be.readl(reg("DONE_CNT")) == 4
        assert model.irq(0)
        be.writel(reg("STATUS"), 0xFFFF_FFFF)  # W1C
        be.writel(reg("CTRL"), 1 | 4 | 8 | 32)  # ABORT leaves the halt
        assert await be.readl(reg("STATUS")) == 1 << 10  # idle, ABORT_IRQ only
        await be.wait_irq(0)

    run(body())


def test_dmatest_on_the_model(seed: int) -> None:
    """pydma.dmatest (the kernel's dmatest, ported) runs unchanged: copy, xor and pq threads,
    two of each per channel, share each channel, so descriptors are appended, retired and
    reused all the time; then memset threads (dmatest=1)."""
    from pydma.dmatest import Dmatest, DmatestParams

    async def body() -> None:
        for args, kinds in (("", ("copy", "xor", "pq")), ("dmatest=1", ("set", "xor", "pq"))):
            async with started() as env:
                params = DmatestParams.parse(f"iterations=20 threads_per_chan=2 seed={seed} {args}")
                threads = await Dmatest(params, env.dev).run()
                names = sorted(t.name for t in threads)
                assert names == sorted(f"dma0chan{c}-{k}{i}" for c in range(4) for k in kinds for i in range(2))
                assert all((t.total_tests, t.failed_tests) == (20, 0) for t in threads), [
                    (t.name, t.total_tests, t.failed_tests) for t in threads
                ]

    run(body())


def test_a_poll_for_what_never_comes_ends_at_the_time_limit() -> None:
    """A loop waiting for a callback a buggy driver never makes fails, not hangs."""
    from pydma.model import VirtualTimeLimit

    async def body() -> None:
        calls: list[int] = []
        while len(calls) < 30:  # (a bare poll: the loop's limit is what ends it)
            await asyncio.sleep(1e-6)

    with pytest.raises(VirtualTimeLimit, match="modelled time"):
        run(body(), limit_s=0.01)

"""pydma.sysfs: the per-channel attributes (memcpy_count, bytes_transferred, in_use) as a
kernel user reads them, counted once per memcpy submitted whichever way the client submits
it (prep + submit, a reused descriptor, async_memcpy, dmatest) and never for other
operations; the debugfs summary exactly as the kernel prints it (two devices, a channel
requested by name and one by mask), the pydma provider's lines in it, and the errors of
paths that do not exist. On the controller model (no simulator) and on stub providers."""

from __future__ import annotations

import asyncio
import random
import re
from types import SimpleNamespace

import pytest

from pydma import (
    DMA_FROM_DEVICE,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    Device,
    DmaCapMask,
    DmaChan,
    DmaDevice,
    DmaFilter,
    DmaSlaveConfig,
    DmaSlaveMap,
    DmaStatus,
    channel_table,
    dma_async_device_register,
    dma_async_device_unregister,
    dma_devices,
    dma_map_sg,
    dma_release_channel,
    dma_request_chan,
    dma_request_channel,
    dma_unmap_sg,
    dmaengine_get,
    dmaengine_prep_dma_memcpy,
    dmaengine_put,
    dmaengine_submit,
    kfree,
    kmalloc,
    sg_init_table,
    sg_set_buf,
    sysfs,
)
from pydma.async_tx import AsyncTxFlags, async_memcpy, async_xor, dma_wait_for_async_tx, init_async_submit
from pydma.dmaengine_raid import SumCheckResult
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.model import ModelMemory, TxFifo, run
from pydma.model.runtime import AsyncioRuntime
from tb.model_env import Guarded, started

TX_ADDR = 0x0800_0000  # a peripheral's data register, outside memory


def attr(chan: DmaChan, name: str) -> str:
    return sysfs.read(f"/sys/class/dma/{chan.name}/{name}")


def counters(chan: DmaChan) -> tuple[int, int]:
    return sysfs.memcpy_count(chan), sysfs.bytes_transferred(chan)


def started_with(slave_map: list[DmaSlaveMap], **model_args):
    """tb.model_env.started, with a board table for dma_request_chan and a second device."""
    return started(second={}, probe={"slave_map": slave_map}, **model_args)


# -- the counters ---------------------------------------------------------------------------------


def test_memcpy_counters_count_each_memcpy_submitted(seed: int) -> None:
    """N memcpys of known lengths (through chan.prep_dma_memcpy and the dmaengine_* wrappers),
    a reused descriptor at each submit, nothing for a prep never submitted, nor for
    memcpy_sg, memset and XOR on the same channel; the counters outlive the release."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            other = env.dma.channels[1] if chan is env.dma.channels[0] else env.dma.channels[0]
            assert (attr(chan, "memcpy_count"), attr(chan, "bytes_transferred")) == ("0\n", "0\n")
            size = 9000
            src = Guarded(env, size, DMA_TO_DEVICE, rng)
            dst = Guarded(env, size, DMA_FROM_DEVICE, rng)
            lengths = [1, 100, 4096, size]
            cookie = 0
            for i, n in enumerate(lengths):
                if i % 2:
                    cookie = dmaengine_submit(dmaengine_prep_dma_memcpy(chan, dst.addr, src.addr, n))
                else:
                    cookie = chan.prep_dma_memcpy(dst.addr, src.addr, n).submit()
                assert counters(chan) == (i + 1, sum(lengths[: i + 1])), "counted at submit"
            never = chan.prep_dma_memcpy(dst.addr, src.addr, 77)
            assert never is not None and counters(chan) == (4, sum(lengths)), "a prep alone counts nothing"
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE

            reused = chan.prep_dma_memcpy(dst.addr, src.addr, 500)
            assert reused.set_reuse() == 0
            for _ in range(2):
                assert await chan.sync_wait(reused.submit()) == DmaStatus.DMA_COMPLETE
                await asyncio.sleep(0)  # the tasklet gives it back
            assert reused.free() == 0
            expect = (6, sum(lengths) + 2 * 500)
            assert counters(chan) == expect, "a reused descriptor counts at each submit"

            # other operations on the same channel are no memcpy
            views = [kmalloc(env.dev, n) for n in (256, 256, 512)]
            sgl, dsg = sg_init_table(2), sg_init_table(1)
            for sg, v in zip(sgl, views[:2]):
                sg_set_buf(sg, v, 256)
            sg_set_buf(dsg[0], views[2], 512)
            assert dma_map_sg(env.dev, sgl, 2, DMA_TO_DEVICE) == 2
            assert dma_map_sg(env.dev, dsg, 1, DMA_FROM_DEVICE) == 1
            tx_sg = chan.prep_dma_memcpy_sg(dsg, 1, sgl, 2)
            tx_set = chan.prep_dma_memset(dst.addr, 0x5A, 1000)
            check = SumCheckResult()
            tx_xor = chan.prep_dma_xor(dst.addr + 2000, [src.addr, src.addr + 3000], 2, 1000)
            tx_val = chan.prep_dma_xor_val([src.addr, src.addr], 2, 1000, check)
            for tx in (tx_sg, tx_set, tx_xor, tx_val):
                assert tx is not None
                cookie = tx.submit()
            assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
            assert counters(chan) == expect, "memcpy_sg, memset, XOR and XOR_VAL are not counted"
            assert counters(other) == (0, 0)
            dma_unmap_sg(env.dev, sgl, 2, DMA_TO_DEVICE)
            dma_unmap_sg(env.dev, dsg, 1, DMA_FROM_DEVICE)
            for v in views:
                kfree(v)
            src.finish()
            dst.finish()
            await chan.release()
            assert attr(chan, "memcpy_count") == f"{expect[0]}\n"
            assert attr(chan, "bytes_transferred") == f"{expect[1]}\n", "kept after the release, as the kernel"

    run(body())


def test_slave_transfer_is_not_a_memcpy(seed: int) -> None:
    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            uart = env.model.attach_device(3, TxFifo(TX_ADDR, width=4, maxburst=8, depth=16))
            chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=3))
            assert chan.slave_config(DmaSlaveConfig(dst_addr=uart.addr, dst_addr_width=4, dst_maxburst=8)) == 0
            msg = Guarded(env, 256, DMA_TO_DEVICE, rng)
            uart.expect(msg.original)
            tx = chan.prep_slave_single(msg.addr, 256, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
            assert await chan.sync_wait(tx.submit()) == DmaStatus.DMA_COMPLETE
            assert bytes(uart.received) == msg.original
            assert attr(chan, "memcpy_count") == "0\n" and attr(chan, "bytes_transferred") == "0\n"
            assert attr(chan, "in_use") == "1\n"
            msg.finish()
            await chan.release()

    run(body())


def test_async_memcpy_counts_when_submitted_and_not_in_software(seed: int) -> None:
    """async_memcpy calls the device's prep op directly: counted once per operation. A copy
    on the memcpy-only dma0, an XOR on dma1 that depends on it (a channel switch), a copy
    that depends on the XOR (on dma1 too, submitted by the XOR's completion: counted then);
    the XOR is no memcpy; without a channel (the CPU's fallback) nothing is counted."""

    async def body() -> None:
        rng = random.Random(seed)
        size = 3000
        async with started(second={}, max_xor=0, max_pq=0, fill=False) as env:
            chans = env.dma.channels + env.dma1.channels

            def total() -> tuple[int, int]:
                return sum(sysfs.memcpy_count(c) for c in chans), sum(sysfs.bytes_transferred(c) for c in chans)

            pages = [kmalloc(env.dev, size, 64) for _ in range(4)]
            for p in pages:
                p.write(0, rng.randbytes(size))
            src, other, tmp, out = pages
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_ACK, None, None, None)
            assert await async_memcpy(tmp, src, 0, 0, size, submit) is None, "no channel: the CPU copies"
            assert total() == (0, 0)

            dmaengine_get()
            submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None, [0] * 4)
            tx1 = await async_memcpy(tmp, src, 0, 0, size, submit)
            flags = AsyncTxFlags.ASYNC_TX_XOR_DROP_DST | AsyncTxFlags.ASYNC_TX_FENCE
            init_async_submit(submit, flags, tx1, None, None, [0] * 4)
            tx2 = await async_xor(tmp, [tmp, other], 0, 2, size, submit)
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_ACK, tx2, None, None, None)
            tx3 = await async_memcpy(out, tmp, 0, 0, size, submit)
            assert tx1.chan.device is env.dma and tx3.chan is tx2.chan and tx2.chan.device is env.dma1
            assert tx3.cookie < 0 and total() == (1, size), "the dependent copy is not submitted yet"
            assert await dma_wait_for_async_tx(tx3) == DmaStatus.DMA_COMPLETE
            assert total() == (2, 2 * size), "each memcpy once"
            assert counters(tx1.chan) == counters(tx3.chan) == (1, size)
            assert all(sysfs.in_use(c) == 1 for c in chans), "dmaengine_get holds every channel"
            await env.backend.runtime.sleep_ns(100)
            await dmaengine_put()
            assert all(attr(c, "in_use") == "0\n" for c in chans)
            for p in pages:
                kfree(p)

    run(body())


def test_dmatest_copy_threads_are_counted(seed: int) -> None:
    """dmatest's copy threads (prep through the device op, as the kernel's): memcpy_count is
    each channel's copy tests and bytes_transferred their lengths; its xor and pq threads on
    the same channels add nothing."""
    from pydma.dmatest import Dmatest, DmatestParams

    async def body() -> None:
        async with started() as env:
            threads = await Dmatest(DmatestParams.parse(f"iterations=5 seed={seed}"), env.dev).run()
            for chan in env.dma.channels:
                mine = {t.name.split("-")[1]: t for t in threads if t.chan is chan}
                assert set(mine) == {"copy0", "xor0", "pq0"}
                assert all(t.failed_tests == 0 for t in mine.values())
                copy = mine["copy0"]
                assert counters(chan) == (copy.total_tests, copy.total_len) == (5, copy.total_len)
                assert sysfs.in_use(chan) == 0, "dmatest released its channels"

    run(body())


def test_in_use_through_request_and_release(seed: int) -> None:
    async def body() -> None:
        async with started() as env:
            chans = env.dma.channels
            assert [attr(c, "in_use") for c in chans] == ["0\n"] * 4
            a = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            b = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            assert [sysfs.in_use(c) for c in chans] == [int(c in (a, b)) for c in chans]
            assert attr(a, "in_use") == "1\n"
            await a.release()
            assert attr(a, "in_use") == "0\n" and attr(b, "in_use") == "1\n"
            await dma_release_channel(b)
            assert [attr(c, "in_use") for c in chans] == ["0\n"] * 4

    run(body())


# -- the summary ----------------------------------------------------------------------------------


class StubDevice(DmaDevice):
    """A provider with no dbg_summary_show: the core prints its lines."""

    def __init__(self, name: str, dev_name: str, nchan: int, slave_map: list[DmaSlaveMap]) -> None:
        super().__init__(name, Device(dev_name, ModelMemory()), AsyncioRuntime())
        self.cap_mask = DmaCapMask(DMA_MEMCPY)
        self.channels = [DmaChan(self, i) for i in range(nchan)]
        self.filter = DmaFilter(fn=lambda chan, param: chan.chan_id == param, map=slave_map)

    def device_prep_dma_memcpy(self, chan, dest, src, length, flags):
        return None

    def device_tx_status(self, chan, cookie, state):
        return DmaStatus.DMA_COMPLETE

    def device_issue_pending(self, chan):
        pass


@pytest.fixture
def stubs():
    """Two registered stub devices (dma0: 3 channels, channel 1 mapped as uart0's "tx";
    dma1: 2 channels), unregistered at the end."""
    for stale in dma_devices():
        dma_async_device_unregister(stale)
    devs = [
        StubDevice("dma0", "e0000000.dma-controller", 3, [DmaSlaveMap("uart0", "tx", 1)]),
        StubDevice("dma1", "0000:00:04.0", 2, []),
    ]
    for d in devs:
        assert dma_async_device_register(d) == 0
    yield devs
    for d in devs:
        dma_async_device_unregister(d)
    channel_table.reset()


def test_summary_as_the_kernel_prints_it(stubs) -> None:
    """dmaengine_summary_show with the core's dbg summary: a header per device, a line per
    channel in use (dma_request_chan's "<dev>:<name>", "in-use" by mask), a blank line
    between devices and none after the last."""
    dma0, dma1 = stubs

    async def body() -> None:
        assert sysfs.debugfs_summary() == (
            "dma0 (e0000000.dma-controller): number of channels: 3\n\ndma1 (0000:00:04.0): number of channels: 2\n"
        )
        named = dma_request_chan(Device("uart0", ModelMemory()), "tx")
        by_mask = dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, _: c.device is dma1)
        assert (named, by_mask) == (dma0.channels[1], dma1.channels[0])
        text = (
            "dma0 (e0000000.dma-controller): number of channels: 3\n"
            " dma0chan1    | uart0:tx\n"
            "\n"
            "dma1 (0000:00:04.0): number of channels: 2\n"
            " dma1chan0    | in-use\n"
        )
        assert sysfs.debugfs_summary() == text
        assert sysfs.read("/sys/kernel/debug/dmaengine/summary") == text
        assert await sysfs.debugfs_summary_async() == text, "no provider reads anything"
        assert await sysfs.read_async("/sys/kernel/debug/dmaengine/summary") == text
        await named.release()
        assert named.dbg_client_name is None, "the release forgets the client"
        by_name_again = dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, _: c is named)
        assert sysfs.debugfs_summary() == (
            "dma0 (e0000000.dma-controller): number of channels: 3\n"
            " dma0chan1    | in-use\n"
            "\n"
            "dma1 (0000:00:04.0): number of channels: 2\n"
            " dma1chan0    | in-use\n"
        ), "the same channel by mask: no client name"
        await by_name_again.release()
        await by_mask.release()
        dma_async_device_unregister(dma1)
        assert sysfs.debugfs_summary() == "dma0 (e0000000.dma-controller): number of channels: 3\n"
        dma_async_device_unregister(dma0)
        assert sysfs.debugfs_summary() == "", "no device: an empty file"

    asyncio.run(body())


def test_summary_with_the_pydma_provider(seed: int) -> None:
    """Two pydma controllers: a channel by name (a slave, its request line in the table) and
    a channel by mask with work prepared, submitted and (later) done. The synchronous summary
    shows what the driver knows; the asynchronous one adds each channel's registers."""

    async def body() -> None:
        rng = random.Random(seed)
        table = [DmaSlaveMap("uart0", "tx", PydmaRequest(line=2, chan=1))]
        async with started_with(table) as env:
            named = dma_request_chan(Device("uart0", env.memory), "tx")
            by_mask = dma_request_channel(DmaCapMask(DMA_MEMCPY), lambda c, _: c.device is env.dma1)
            assert (named, by_mask) == (env.dma.channels[1], env.dma1.channels[0])
            on_dma1 = SimpleNamespace(dev=env.second[2])  # buffers mapped for dma1's struct device
            src = Guarded(on_dma1, 4000, DMA_TO_DEVICE, rng)
            dst = Guarded(on_dma1, 4000, DMA_FROM_DEVICE, rng)
            cookies = [by_mask.prep_dma_memcpy(dst.addr, src.addr, n).submit() for n in (1000, 3000)]
            spare = by_mask.prep_dma_memcpy(dst.addr, src.addr, 10)
            assert cookies == [2, 3] and spare is not None
            idle_named = (
                " dma0chan1    | uart0:tx\n"
                "   driver: state idle, cookie 1, completed 1, req line 2\n"
                "   vchan: allocated 0, submitted 0, issued 0, completed 0, terminated 0\n"
                "   hw: queued 0, handed 0, done_cnt 0, ring 0; starts 0, appends 0, irqs 0, aborts 0, halts_ahead 0\n"
            )
            dma0_head = "dma0 (pydma-model): number of channels: 4\n"
            dma1_head = "dma1 (pydma-model1): number of channels: 4\n"
            busy_by_mask = (
                " dma1chan0    | in-use\n"
                "   driver: state idle, cookie 3, completed 1\n"
                "   vchan: allocated 1 [-], submitted 2 [2 3], issued 0, completed 0, terminated 0\n"
                "   hw: queued 0, handed 0, done_cnt 0, ring 3; starts 0, appends 0, irqs 0, aborts 0, halts_ahead 0\n"
            )
            assert sysfs.debugfs_summary() == dma0_head + idle_named + "\n" + dma1_head + busy_by_mask
            assert await by_mask.sync_wait(cookies[-1]) == DmaStatus.DMA_COMPLETE
            await env.backend.runtime.sleep_ns(100)  # the tasklet frees them
            text = await sysfs.read_async("/sys/kernel/debug/dmaengine/summary")
            blocks = text.split("\n\n")
            assert blocks[0] == (
                dma0_head + idle_named + "   regs: CTRL 0x0000000d STATUS 0x00000000 (idle) CUR_DESC 0x0 TAIL_DESC 0x0"
                " DONE_CNT 0 XFERRED 0 SLAVE_CFG 0x00000000 DEV_ADDR 0x0"
            ), "a channel that never ran: its registers after reset"
            lines = blocks[1].splitlines()
            assert len(lines) == 6, blocks[1]
            assert lines[:5] == [
                dma1_head.rstrip("\n"),
                " dma1chan0    | in-use",
                "   driver: state idle, cookie 3, completed 3",
                "   vchan: allocated 1 [-], submitted 0, issued 0, completed 0, terminated 0",
                "   hw: queued 0, handed 2, done_cnt 2, ring 1; starts 1, appends 0, irqs 2, aborts 0, halts_ahead 0",
            ]
            assert re.fullmatch(
                r"   regs: CTRL 0x0000000d STATUS 0x00000000 \(idle\) CUR_DESC 0x[0-9a-f]+ TAIL_DESC 0x[0-9a-f]+"
                r" DONE_CNT 2 XFERRED 0 SLAVE_CFG 0x00000000 DEV_ADDR 0x0",
                lines[5],
            ), lines[5]
            assert "regs:" not in sysfs.debugfs_summary(), "the synchronous summary reads no register"
            src.finish()
            dst.finish()
            await named.release()
            await by_mask.release()
            assert sysfs.debugfs_summary() == dma0_head + "\n" + dma1_head

    run(body())


def test_the_summary_names_what_the_hardware_is_on(seed: int) -> None:
    """While a chain runs: the issued cookies, the hardware queue, STATUS BUSY and CUR_DESC
    in one of the issued transactions."""

    async def body() -> None:
        rng = random.Random(seed)
        async with started() as env:
            chan = dma_request_channel(DmaCapMask(DMA_MEMCPY))
            n = 60000
            src = Guarded(env, n, DMA_TO_DEVICE, rng)
            dst = Guarded(env, n, DMA_FROM_DEVICE, rng)
            k = 20000
            cookies = [chan.prep_dma_memcpy(dst.addr + i * k, src.addr + i * k, k).submit() for i in range(3)]
            chan.issue_pending()
            await env.backend.runtime.sleep_ns(500)
            text = await sysfs.debugfs_summary_async()
            assert "   driver: state running, cookie 4, completed 1\n" in text, text
            assert "issued 3 [2 3 4]" in text
            m = re.search(r"STATUS 0x00000001 \(BUSY\) CUR_DESC 0x[0-9a-f]+ \(cookie (\d) #0\)", text)
            assert m and int(m.group(1)) in cookies, text
            assert await chan.sync_wait(cookies[-1]) == DmaStatus.DMA_COMPLETE
            src.finish()
            dst.finish()
            await chan.release()

    run(body())


# -- paths ----------------------------------------------------------------------------------------


def test_paths_that_do_not_exist(stubs) -> None:
    chan = stubs[0].channels[0]
    assert sysfs.listdir("/sys/class/dma") == ["dma0chan0", "dma0chan1", "dma0chan2", "dma1chan0", "dma1chan1"]
    assert sysfs.listdir("/sys/class/dma/dma0chan0/") == ["memcpy_count", "bytes_transferred", "in_use"]
    assert sysfs.read("/sys/class/dma/dma0chan0/in_use") == "0\n"
    assert sysfs.read("/sys/class/dma//dma0chan0/./memcpy_count") == "0\n", "normalised as a path"
    with pytest.raises(FileNotFoundError, match=r"dma0chan0 has no attribute 'memcpy_cnt' \(it has memcpy_count"):
        sysfs.read("/sys/class/dma/dma0chan0/memcpy_cnt")
    with pytest.raises(FileNotFoundError) as info:
        sysfs.read("/sys/class/dma/dma0chan0/memcpy_cnt")
    assert info.value.errno == 2 and info.value.filename == "/sys/class/dma/dma0chan0/memcpy_cnt"
    with pytest.raises(FileNotFoundError, match=r"no channel 'dma2chan0' \(channels: dma0chan0, dma0chan1"):
        sysfs.read("/sys/class/dma/dma2chan0/in_use")
    with pytest.raises(FileNotFoundError, match="only memcpy_count, bytes_transferred, in_use"):
        sysfs.read("/sys/class/dma/dma0chan0/in_use/x")
    with pytest.raises(FileNotFoundError, match="/sys/kernel/debug/dmaengine/summary"):
        sysfs.read("/sys/kernel/debug/dmaengine/sumary")
    with pytest.raises(IsADirectoryError):
        sysfs.read(f"/sys/class/dma/{chan.name}")
    with pytest.raises(NotADirectoryError):
        sysfs.listdir("/sys/class/dma/dma0chan0/in_use")
    for d in stubs:
        dma_async_device_unregister(d)
    with pytest.raises(FileNotFoundError, match="none: no device registered"):
        sysfs.read("/sys/class/dma/dma0chan0/in_use")

"""A port of the kernel's crypto/async_tx/raid6test.c: generate the P and Q syndromes of
random data disks with async_gen_syndrome, then for every pair of failed blocks recover them
(data+data with async_raid6_2data_recov, data+P with async_raid6_datap_recov, data+Q with
async_xor then async_gen_syndrome, P+Q with async_gen_syndrome), validate the stripe with
async_syndrome_val and compare the recovered blocks with the originals. The messages are the
kernel's, ending with `raid6test: complete (N tests, M failures)`.

The kernel runs 4, 5, 11, 12, 24 and NDISKS (64) disks; `disk_counts` bounds a run (the
regression runs a slice).

One deviation: the kernel's raid6test submits the recovery (and, for a data+Q failure, the
XOR before the syndrome) without ASYNC_TX_FENCE, although the next operation reads what it
writes. async_tx's contract asks for the fence; an engine that pipelines operations, as this
controller does (and strict mode reports it), may read the blocks before they are written,
and validation then fails at random. The port sets the fence on those operations.

Offload goes through async_tx's public channel table, so the devices must not be private;
without a PQ channel everything runs in software.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from pydma.async_tx import (
    AsyncTxFlags,
    async_gen_syndrome,
    async_raid6_2data_recov,
    async_raid6_datap_recov,
    async_syndrome_val,
    async_tx_issue_pending_all,
    async_xor,
    init_async_submit,
)
from pydma.channel_table import dmaengine_get, dmaengine_put
from pydma.dma_mapping import Device, kfree, kmalloc
from pydma.dmaengine_raid import SumCheckResult
from pydma.memory import MemView
from pydma.runtime import Runtime

log = logging.getLogger("pydma.raid6test")

NDISKS = 64  # including P and Q
PAGE_SIZE = 4096


def pr(fmt: str, *args) -> None:
    log.info("raid6test: " + fmt, *args)


def kernel_disk_counts(ndisks: int = NDISKS) -> list[int]:
    """The disk counts raid6_test() runs for NDISKS (4 and 5 are special for the recovery
    code, 11, 12 and 24 for ioatdma's continuation)."""
    counts = [n for n in (4, 5) if ndisks > n]
    if ndisks > 12:
        counts += [11, 12]
    if ndisks > 24:
        counts.append(24)
    return [*counts, ndisks]


def _disk_type(d: int, disks: int) -> str:
    return "P" if d == disks - 2 else "Q" if d == disks - 1 else "D"


class Raid6Test:
    def __init__(self, dev: Device, runtime: Runtime, ndisks: int, page_size: int, seed: int) -> None:
        self.dev, self.runtime, self.page_size = dev, runtime, page_size
        self.rng = random.Random(seed)
        self.data: list[MemView] = [kmalloc(dev, page_size, 64) for _ in range(ndisks + 3)]
        self.dataptrs: list[MemView | None] = [None] * ndisks
        self.dataoffs = [0] * ndisks
        self.addr_conv = [0] * ndisks  # the scribble: async_tx may keep the table as it is
        self.spare = self.recovi = self.recovj = None
        self.on_pair: Callable[[], None] | None = None  # after each pair of failed blocks

    def free(self) -> None:
        for page in self.data:
            kfree(page)

    async def _wait(self, done) -> bool:
        """wait_for_completion_timeout(&cmp, 3000 ms) != 0."""
        try:
            await self.runtime.wait_for(done.wait(), 3_000_000_000)
            return True
        except TimeoutError:
            return False

    async def dual_recov(self, disks: int, nbytes: int, faila: int, failb: int) -> None:
        ptrs, offs = self.dataptrs, self.dataoffs
        faila, failb = min(faila, failb), max(faila, failb)
        # (the kernel's raid6test submits these with no flags, though the validation reads
        # what they write; the port fences them: see the module docstring)
        submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_FENCE, None, None, None, self.addr_conv)
        if failb == disks - 1:
            if faila == disks - 2:  # P+Q failure: just rebuild the syndrome
                tx = await async_gen_syndrome(ptrs, offs, disks, nbytes, submit)
            else:  # data+Q failure: the data from P, then the syndrome
                blocks = [ptrs[i] for i in reversed(range(disks)) if i not in (faila, failb)]
                xor_flags = AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST | AsyncTxFlags.ASYNC_TX_FENCE
                init_async_submit(submit, xor_flags, None, None, None, self.addr_conv)
                tx = await async_xor(ptrs[faila], blocks, 0, len(blocks), nbytes, submit)
                init_async_submit(submit, AsyncTxFlags.ASYNC_TX_FENCE, tx, None, None, self.addr_conv)
                tx = await async_gen_syndrome(ptrs, offs, disks, nbytes, submit)
        elif failb == disks - 2:  # data+P failure
            tx = await async_raid6_datap_recov(disks, nbytes, faila, ptrs, offs, submit)
        else:  # data+data failure
            tx = await async_raid6_2data_recov(disks, nbytes, faila, failb, ptrs, offs, submit)
        done = self.runtime.event()
        result = SumCheckResult()
        result.value = ~0
        init_async_submit(submit, AsyncTxFlags.ASYNC_TX_ACK, tx, _complete, done, self.addr_conv)
        await async_syndrome_val(ptrs, offs, disks, nbytes, result, self.spare, 0, submit)
        async_tx_issue_pending_all()
        if not await self._wait(done):
            pr("raid6_dual_recov: timeout! (faila: %d failb: %d disks: %d)", faila, failb, disks)
        if result.value != 0:
            pr(
                "raid6_dual_recov: validation failure! faila: %d failb: %d sum_check_flags: %x",
                faila,
                failb,
                int(result.value),
            )

    async def test_disks(self, i: int, j: int, disks: int) -> int:
        size = self.page_size
        self.recovi.write(0, b"\xf0" * size)
        self.recovj.write(0, b"\xba" * size)
        self.dataptrs[i], self.dataptrs[j] = self.recovi, self.recovj
        await self.dual_recov(disks, size, i, j)
        erra = self.data[i].read() != self.recovi.read()
        errb = self.data[j].read() != self.recovj.read()
        verdict = "OK" if not erra and not errb else "ERRB" if not erra else "ERRA" if not errb else "ERRAB"
        pr(
            "test_disks(%d, %d): faila=%3d(%s)  failb=%3d(%s)  %s",
            i, j, i, _disk_type(i, disks), j, _disk_type(j, disks), verdict,
        )  # fmt: skip
        self.dataptrs[i], self.dataptrs[j] = self.data[i], self.data[j]
        return int(erra or errb)

    async def test(self, disks: int, counts: list[int]) -> int:
        size = self.page_size
        self.recovi, self.recovj, self.spare = self.data[disks], self.data[disks + 1], self.data[disks + 2]
        for i in range(disks):  # makedata
            self.data[i].write(0, self.rng.randbytes(size))
            self.dataptrs[i], self.dataoffs[i] = self.data[i], 0
        self.data[disks - 2].write(0, b"\xee" * size)  # nuke the syndromes
        self.data[disks - 1].write(0, b"\xee" * size)
        done = self.runtime.event()
        submit = init_async_submit(None, AsyncTxFlags.ASYNC_TX_ACK, None, _complete, done, self.addr_conv)
        await async_gen_syndrome(self.dataptrs, self.dataoffs, disks, size, submit)
        async_tx_issue_pending_all()
        if not await self._wait(done):
            pr("error: initial gen_syndrome(%d) timed out", disks)
            return 1
        pr("testing the %d-disk case...", disks)
        err = 0
        for i in range(disks - 1):
            for j in range(i + 1, disks):
                counts[0] += 1
                err += await self.test_disks(i, j, disks)
                if self.on_pair is not None:
                    self.on_pair()
        return err


def _complete(cmp) -> None:
    """The kernel's callback(): complete(cmp)."""
    cmp.set()


async def raid6test(
    dev: Device,
    runtime: Runtime,
    disk_counts: list[int] | None = None,
    page_size: int = PAGE_SIZE,
    seed: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Run the port; returns (tests, failures). `dev` is the struct device the pages are
    allocated with (the CPU's memory); async_tx maps them for each operation's device.
    `on_progress(done, total)`, if given, is called after each pair of failed blocks."""
    counts = disk_counts or kernel_disk_counts()
    ndisks = max(counts)
    dmaengine_get()  # async_tx's module init (async_dmaengine_get)
    t = Raid6Test(dev, runtime, ndisks, page_size, seed)
    tests, err = [0], 0
    if on_progress is not None:
        total = sum(d * (d - 1) // 2 for d in counts)  # every pair i < j of each disk count
        t.on_pair = lambda: on_progress(tests[0], total)
    try:
        for disks in counts:
            err += await t.test(disks, tests)
    finally:
        # the last put synchronizes the channels: the completion tasklets have dropped every
        # unmap reference before the pages go (the kernel frees them at module exit, later)
        await dmaengine_put()
        t.free()
    pr("")
    pr("complete (%d tests, %d failure%s)", tests[0], err, "" if err == 1 else "s")
    return tests[0], err

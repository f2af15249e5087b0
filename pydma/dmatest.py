"""A port of drivers/dma/dmatest.c: memcpy (`dmatest=0`) or memset (`dmatest=1`) threads,
and xor and pq threads on channels that have them; the same parameters and defaults, the
same byte patterns, the same six-range verification of every source and destination, the
same unmap data and the same result and summary lines, so logs can be diffed against a
kernel run. XOR forces an odd source count (`xor_sources | 1`, at most `max_xor`) and PQ
uses all-one coefficients, so every destination must equal the source pattern.

Deviations (simulation): time is simulated time, so "iops" and "KB/s" are per simulated
second; CPU fill and compare take no simulated time, so runtime needs no correction for them;
`msleep(100)` after a prep or submit error sleeps 100 us of simulated time; `iterations=0`
(run forever) is refused, since nothing can stop it from outside a simulation.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from pydma.dma_mapping import Device, dma_map_page, dma_mapping_error, kfree, kmalloc
from pydma.dmaengine import (
    DmaCapMask,
    DmaChan,
    dma_async_is_tx_complete,
    dma_request_channel,
    dma_sync_wait,
)
from pydma.dmaengine_raid import dma_maxpq
from pydma.dmaengine_unmap import dmaengine_get_unmap_data, dmaengine_unmap_put
from pydma.enums import DmaCtrlFlags, DmaDataDirection, DmaStatus, DmaTransactionType

T = DmaTransactionType
OP_NAMES = {T.DMA_MEMCPY: "copy", T.DMA_MEMSET: "set", T.DMA_XOR: "xor", T.DMA_PQ: "pq"}

log = logging.getLogger("pydma.dmatest")

PATTERN_SRC = 0x80
PATTERN_DST = 0x00
PATTERN_COPY = 0x40
PATTERN_OVERWRITE = 0x20
PATTERN_COUNT_MASK = 0x1F
MAX_ERROR_COUNT = 32
FIXPT_SHIFT = 8


@dataclass
class DmatestParams:
    """The module parameters of dmatest.ko, with the kernel defaults."""

    test_buf_size: int = 16384
    channel: str = ""
    device: str = ""
    threads_per_chan: int = 1
    max_channels: int = 0
    iterations: int = 0
    dmatest: int = 0  # 0 = memcpy, 1 = memset
    xor_sources: int = 3
    pq_sources: int = 3
    timeout: int = 3000  # ms of the runtime's clock (simulated time here); -1 = infinite
    noverify: bool = False
    norandom: bool = False
    verbose: bool = False
    alignment: int = -1
    transfer_size: int = 0
    polled: bool = False
    seed: int | None = None  # pydma: the random source of the length and offset choices

    @classmethod
    def parse(cls, text: str) -> DmatestParams:
        """From 'name=value ...', as on an insmod command line."""
        params = cls()
        types = {f.name: f.type for f in fields(cls)}
        for item in text.split():
            name, sep, value = item.partition("=")
            if name not in types:
                raise ValueError(f"dmatest: unknown parameter '{name}'")
            kind = types[name]
            if "bool" in str(kind):
                setattr(params, name, value.upper() in ("", "1", "Y", "YES", "TRUE") if sep else True)
            elif "int" in str(kind):
                setattr(params, name, int(value, 0))
            else:
                setattr(params, name, value)
        return params


@dataclass
class DmatestThread:
    name: str
    chan: DmaChan
    type: DmaTransactionType = DmaTransactionType.DMA_MEMCPY
    lines: list[str] = field(default_factory=list)
    total_tests: int = 0
    failed_tests: int = 0
    total_len: int = 0
    runtime_us: float = 0.0
    ret: int = 0


def gen_inv_idx(index: int, is_memset: bool) -> int:
    return 0x1E if is_memset else (~index & PATTERN_COUNT_MASK)


def min_odd(x: int, y: int) -> int:
    val = min(x, y)
    return val if val % 2 else val - 1


def _pattern(pattern: int, counter: int, length: int, is_memset: bool = False) -> bytes:
    """pattern | inv(counter + i) for i in range(length): period 32, so tile one period."""
    if is_memset:
        return bytes([pattern | gen_inv_idx(0, True)]) * length
    period = bytes(pattern | (~(counter + i) & PATTERN_COUNT_MASK) for i in range(PATTERN_COUNT_MASK + 1))
    return (period * (length // len(period) + 1))[:length]


def _fill(size: int, start: int, length: int, base: int, window: int, is_memset: bool = False) -> bytes:
    return (
        _pattern(base, 0, start, is_memset)
        + _pattern(base | window, start, length, is_memset)
        + _pattern(base, start + length, size - start - length, is_memset)
    )


def _persec(runtime_us: int, val: int) -> int:
    per_sec = 1_000_000
    if runtime_us <= 0:
        return 0
    while runtime_us > 0xFFFF_FFFF:
        runtime_us >>= 1
        per_sec <<= 1
    per_sec *= val
    return (per_sec << FIXPT_SHIFT) // runtime_us


class Dmatest:
    def __init__(self, params: DmatestParams, dev: Device) -> None:
        self.params = params
        self.dev = dev
        self.rng = random.Random(params.seed)
        self.threads: list[DmatestThread] = []
        # progress of a long run, if the caller wants it: called with (tests begun, of total)
        self.on_progress: Callable[[int, int], None] | None = None
        self._begun = 0

    def _pr(self, thread: DmatestThread | None, text: str, warn: bool = False) -> None:
        line = f"dmatest: {thread.name + ': ' if thread else ''}{text}"
        if thread is not None:
            thread.lines.append(line)
        (log.warning if warn else log.info)(line)

    def _result(
        self, thread: DmatestThread, err: str, n: int, src_off: int, dst_off: int, length: int, data: int
    ) -> None:
        self._pr(
            thread, f"result #{n}: '{err}' with src_off=0x{src_off:x} dst_off=0x{dst_off:x} len=0x{length:x} ({data})"
        )

    def _verify(
        self,
        thread: DmatestThread,
        bufs: list[bytes],
        start: int,
        end: int,
        counter: int,
        pattern: int,
        is_srcbuf: bool,
        is_memset: bool,
    ) -> int:
        errors = 0
        for buf in bufs:
            errors += self._verify_one(thread, buf, start, end, counter, pattern, is_srcbuf, is_memset, errors)
        if errors > MAX_ERROR_COUNT:
            self._pr(thread, f"{errors - MAX_ERROR_COUNT} errors suppressed", warn=True)
        return errors

    def _verify_one(
        self,
        thread: DmatestThread,
        buf: bytes,
        start: int,
        end: int,
        counter: int,
        pattern: int,
        is_srcbuf: bool,
        is_memset: bool,
        error_count: int,
    ) -> int:
        if buf[start:end] == _pattern(pattern, counter, end - start, is_memset):
            return 0  # the per-byte walk below only runs to report mismatches
        errors = 0
        for i in range(start, end):
            actual = buf[i]
            expected = pattern | gen_inv_idx(counter, is_memset)
            if actual != expected:
                if error_count + errors < MAX_ERROR_COUNT:
                    diff = actual ^ pattern
                    if is_srcbuf:
                        what = "srcbuf[0x%x] overwritten!"
                    elif pattern & PATTERN_COPY and diff & (PATTERN_COPY | PATTERN_OVERWRITE):
                        what = "dstbuf[0x%x] not copied!"
                    elif diff & PATTERN_SRC:
                        what = "dstbuf[0x%x] was copied!"
                    else:
                        what = "dstbuf[0x%x] mismatch!"
                    self._pr(thread, (what % i) + f" Expected {expected:02x}, got {actual:02x}", warn=True)
                errors += 1
            counter += 1
        return errors

    def _shape(self, thread: DmatestThread) -> tuple[int, int, int]:
        """(alignment, sources, destinations) of a thread's operation, as dmatest_func."""
        p, dev = self.params, thread.chan.device
        if thread.type == T.DMA_MEMCPY:
            align, src_cnt, dst_cnt = dev.copy_align, 1, 1
        elif thread.type == T.DMA_MEMSET:
            align, src_cnt, dst_cnt = dev.fill_align, 1, 1
        elif thread.type == T.DMA_XOR:  # force odd to ensure dst = src
            align, src_cnt, dst_cnt = dev.xor_align, min_odd(p.xor_sources | 1, dev.max_xor), 1
        else:  # DMA_PQ, all coefficients 1: P = Q = src for an odd count
            align, src_cnt, dst_cnt = dev.pq_align, min_odd(p.pq_sources | 1, dma_maxpq(dev, 0)), 2
        return (align if p.alignment < 0 else p.alignment), src_cnt, dst_cnt

    def _prep(self, thread: DmatestThread, dsts: list[int], srcs: list[int], length: int, value: int, flags):
        chan, dev = thread.chan, thread.chan.device
        if thread.type == T.DMA_MEMCPY:
            return dev.device_prep_dma_memcpy(chan, dsts[0], srcs[0], length, flags)
        if thread.type == T.DMA_MEMSET:
            return dev.device_prep_dma_memset(chan, dsts[0], value, length, flags)
        if thread.type == T.DMA_XOR:
            return dev.device_prep_dma_xor(chan, dsts[0], srcs, len(srcs), length, flags)
        return dev.device_prep_dma_pq(chan, dsts, srcs, len(srcs), [1] * len(srcs), length, flags)

    async def _thread(self, thread: DmatestThread) -> None:
        p = self.params
        chan = thread.chan
        ddev = chan.device.dev  # what the pages are mapped for: the DMA device
        buf_size = p.test_buf_size
        is_memset = thread.type == T.DMA_MEMSET
        align, src_cnt, dst_cnt = self._shape(thread)
        if src_cnt + dst_cnt >= 255:  # the unmap data's counters are u8
            self._pr(thread, f"too many buffers ({src_cnt + dst_cnt} of 255 supported)", warn=True)
            thread.ret = -22
            return
        if p.transfer_size and p.transfer_size >= buf_size:
            self._pr(thread, "transfer_size must be lower than test_buf_size", warn=True)
            thread.ret = -22
            return
        src_bufs = [kmalloc(self.dev, buf_size) for _ in range(src_cnt)]
        dst_bufs = [kmalloc(self.dev, buf_size) for _ in range(dst_cnt)]
        if any(b is None for b in src_bufs + dst_bufs):
            for b in src_bufs + dst_bufs:
                if b is not None:
                    kfree(b)
            thread.ret = -12
            return
        flags = DmaCtrlFlags.DMA_CTRL_ACK | (0 if p.polled else DmaCtrlFlags.DMA_PREP_INTERRUPT)
        rt = chan.device.runtime  # the scheduler and clock of the channel's machine
        start_ns = rt.now_ns()
        while thread.total_tests < p.iterations:
            thread.total_tests += 1
            n = thread.total_tests
            self._begun += 1
            if self.on_progress is not None:
                self.on_progress(self._begun, p.iterations * len(self.threads))
            if p.transfer_size:
                length = p.transfer_size
            elif p.norandom:
                length = buf_size
            else:
                length = self.rng.randrange(2**32) % buf_size + 1
            if not p.transfer_size:
                length = (length >> align) << align
                if length == 0:
                    length = 1 << align
            thread.total_len += length
            if p.norandom:
                src_off = dst_off = 0
            else:
                src_off = (self.rng.randrange(2**32) % (buf_size - length + 1)) >> align << align
                dst_off = (self.rng.randrange(2**32) % (buf_size - length + 1)) >> align << align
            if not p.noverify:
                for b in src_bufs:
                    b.write(0, _fill(buf_size, src_off, length, PATTERN_SRC, PATTERN_COPY, is_memset))
                for b in dst_bufs:
                    b.write(0, _fill(buf_size, dst_off, length, PATTERN_DST, PATTERN_OVERWRITE, is_memset))

            um = dmaengine_get_unmap_data(ddev, src_cnt + dst_cnt)
            um.len = buf_size
            failed = None
            for i, b in enumerate(src_bufs):
                um.addr[i] = dma_map_page(ddev, b, 0, buf_size, DmaDataDirection.DMA_TO_DEVICE)
                if dma_mapping_error(ddev, um.addr[i]):
                    failed = "src mapping error"
                    break
                um.to_cnt += 1
            # map the destinations bidirectional: dmatest "forces writeback/invalidate"
            for i, b in enumerate(dst_bufs if failed is None else ()):
                um.addr[src_cnt + i] = dma_map_page(ddev, b, 0, buf_size, DmaDataDirection.DMA_BIDIRECTIONAL)
                if dma_mapping_error(ddev, um.addr[src_cnt + i]):
                    failed = "dst mapping error"
                    break
                um.bidi_cnt += 1
            if failed is not None:  # what was mapped is unmapped; the rest never was
                self._result(thread, failed, n, src_off, dst_off, length, -12)
                dmaengine_unmap_put(um)
                thread.failed_tests += 1
                continue
            srcs = [a + src_off for a in um.addr[:src_cnt]]
            dsts = [a + dst_off for a in um.addr[src_cnt : src_cnt + dst_cnt]]
            value = src_bufs[0].read(src_off, 1)[0]  # memset: the source byte at src_off

            tx = self._prep(thread, dsts, srcs, length, value, flags)
            if tx is None:
                self._result(thread, "prep error", n, src_off, dst_off, length, 0)
                thread.failed_tests += 1
                dmaengine_unmap_put(um)
                await rt.sleep_ns(100_000)  # the kernel's msleep(100), shortened (module docstring)
                continue
            done = rt.event()
            if not p.polled:
                tx.callback = lambda _param, done=done: done.set()
                tx.callback_param = thread
            cookie = tx.submit()
            if cookie < 0:
                self._result(thread, "submit error", n, src_off, dst_off, length, 0)
                thread.failed_tests += 1
                dmaengine_unmap_put(um)
                await rt.sleep_ns(100_000)  # the kernel's msleep(100), shortened (module docstring)
                continue

            if p.polled:
                status = await dma_sync_wait(chan, cookie)
                await chan.terminate_sync()
            else:
                chan.issue_pending()
                try:
                    if p.timeout < 0:
                        await done.wait()
                    else:
                        await rt.wait_for(done.wait(), p.timeout * 1_000_000)
                except TimeoutError:
                    self._result(thread, "test timed out", n, src_off, dst_off, length, 0)
                    thread.failed_tests += 1
                    dmaengine_unmap_put(um)
                    continue
                status, _, _ = dma_async_is_tx_complete(chan, cookie)
            dmaengine_unmap_put(um)
            if status != DmaStatus.DMA_COMPLETE:
                msg = "completion error status" if status == DmaStatus.DMA_ERROR else "completion busy status"
                self._result(thread, msg, n, src_off, dst_off, length, int(status))
                thread.failed_tests += 1
                continue
            if p.noverify:
                if p.verbose:
                    self._result(thread, "test passed", n, src_off, dst_off, length, 0)
                continue
            src = [b.read() for b in src_bufs]
            dst = [b.read() for b in dst_bufs]
            m = is_memset
            errors = self._verify(thread, src, 0, src_off, 0, PATTERN_SRC, True, m)
            errors += self._verify(thread, src, src_off, src_off + length, src_off, PATTERN_SRC | PATTERN_COPY, True, m)
            errors += self._verify(thread, src, src_off + length, buf_size, src_off + length, PATTERN_SRC, True, m)
            errors += self._verify(thread, dst, 0, dst_off, 0, PATTERN_DST, False, m)
            errors += self._verify(
                thread, dst, dst_off, dst_off + length, src_off, PATTERN_SRC | PATTERN_COPY, False, m
            )
            errors += self._verify(thread, dst, dst_off + length, buf_size, dst_off + length, PATTERN_DST, False, m)
            if errors:
                self._result(thread, "data error", n, src_off, dst_off, length, errors)
                thread.failed_tests += 1
            elif p.verbose:
                self._result(thread, "test passed", n, src_off, dst_off, length, 0)
        runtime_us = int(rt.now_ns() - start_ns) // 1000
        thread.runtime_us = runtime_us
        iops = _persec(runtime_us, thread.total_tests)
        kbs = _persec(runtime_us, thread.total_len >> 10) >> FIXPT_SHIFT
        frac = ((iops & ((1 << FIXPT_SHIFT) - 1)) * 100) >> FIXPT_SHIFT
        for b in src_bufs + dst_bufs:
            kfree(b)
        if thread.failed_tests:
            await chan.terminate_sync()
        self._pr(
            thread,
            f"summary {thread.total_tests} tests, {thread.failed_tests} failures "
            f"{iops >> FIXPT_SHIFT}.{frac:02d} iops {kbs} KB/s ({thread.ret})",
        )

    def _filter(self, chan: DmaChan, _param: object) -> bool:
        p = self.params
        if p.channel and chan.name != p.channel:
            return False
        return not (p.device and chan.device.name != p.device)

    def _request_channels(self, cap: DmaTransactionType, channels: list[DmaChan]) -> None:
        """request_channels: every free channel that can do `cap`, up to max_channels
        (checked after each one added, as the kernel does)."""
        p = self.params
        mask = DmaCapMask(cap)
        while True:
            chan = dma_request_channel(mask, self._filter)
            if chan is None:
                break
            channels.append(chan)
            self._add_channel(chan)
            if p.max_channels and len(channels) >= p.max_channels:
                break

    def _add_channel(self, chan: DmaChan) -> None:
        """dmatest_add_channel: copy or set threads (as `dmatest` says), xor and pq threads
        where the device has them."""
        p, caps = self.params, chan.device.cap_mask
        types = [T.DMA_MEMCPY] if p.dmatest == 0 and T.DMA_MEMCPY in caps else []
        types += [T.DMA_MEMSET] if p.dmatest == 1 and T.DMA_MEMSET in caps else []
        types += [t for t in (T.DMA_XOR, T.DMA_PQ) if t in caps]
        for t in types:
            for i in range(p.threads_per_chan):
                self.threads.append(DmatestThread(f"{chan.name}-{OP_NAMES[t]}{i}", chan, t))
        log.info("dmatest: Added %d threads using %s", len(types) * p.threads_per_chan, chan.name)

    async def run(self) -> list[DmatestThread]:
        p = self.params
        if p.iterations <= 0:
            raise ValueError("dmatest: iterations=0 (run forever) cannot end in a simulation")
        if p.dmatest not in (0, 1):
            raise ValueError(f"dmatest: dmatest={p.dmatest}: 0 (memcpy) or 1 (memset)")
        channels: list[DmaChan] = []
        for cap in (T.DMA_MEMCPY, T.DMA_MEMSET, T.DMA_XOR, T.DMA_PQ):  # add_threaded_test's order
            self._request_channels(cap, channels)
        if not channels:
            log.info("dmatest: Could not start test, no channels configured")
            return []
        for chan in channels:
            log.info("dmatest: Started %d threads using %s", sum(t.chan is chan for t in self.threads), chan.name)
        tasks = [t.chan.device.runtime.spawn(self._thread(t)) for t in self.threads]
        for task in tasks:
            await task
        for chan in channels:
            await chan.release()
        return self.threads

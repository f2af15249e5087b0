"""Transfers of every shape the functional coverage model classifies (tb/fcov): for each
operation the device offers, each source and destination alignment class (byte offset in the
bus word: 0, below half, half or above) and each length class (under a beat, under a burst,
several bursts in one page, across a 4 KiB page, more than one 4 KiB chunk), one transfer
placed and sized to that shape, its result checked against pydma.raid / a plain copy, and
the bytes around its destination unchanged.

    await run_shapes(tb, short=tb.mem_model == "python")
"""

from __future__ import annotations

import itertools
import os
import random

from cocotb.triggers import Event, with_timeout

from pydma import (
    DMA_DEV_TO_MEM,
    DMA_MEM_TO_DEV,
    DMA_MEMCPY,
    DMA_MEMSET,
    DMA_PQ,
    DMA_PREP_INTERRUPT,
    DMA_XOR,
    DmaCapMask,
    DmaStatus,
    SumCheckResult,
    dma_request_channel,
)
from pydma.dma_mapping import Scatterlist
from pydma.raid import pq_blocks, xor_blocks
from tb.dma_tb import DmaTb
from tb.fcov import classes as fcov_classes
from tb.peripherals import Pacing
from tb.testenv.slave import LINE, PIPELINED, configure, slave_channel, stream

PAGE = 4096
ALIGNS = fcov_classes.MEM_ALIGNS
LENGTHS = tuple(c for c in fcov_classes.LENGTHS if c != "none")


def max_burst() -> int:
    return int(os.environ.get("PARAM_MAX_BURST", "64"), 0)


def pick_length(cls: str, b: int, rng: random.Random, short: bool) -> int | None:
    """A length of class `cls` on a bus of `b` bytes (None if the build has none)."""
    burst = b * max_burst()
    lo, hi = {
        "sub_beat": (1, b - 1),
        "sub_burst": (b, min(burst, PAGE) - 1),
        "multi_burst": (burst, PAGE - b),
        "cross_4k": (b + 1, PAGE),  # room for any alignment class on each side of the page end
        "multi_chunk": (PAGE + 1, PAGE + 2000),
    }[cls]
    if lo > hi:
        return None
    if short:
        hi = min(hi, lo + 3 * b + 7)
    return rng.randint(lo, hi)


def offset_of(cls: str, b: int, rng: random.Random) -> int:
    if cls == "aligned":
        return 0
    return rng.randrange(1, b // 2) if cls == "low" else rng.randrange(b // 2, b)


class Place:
    """A guarded buffer with room for one range of `length` at alignment `align`, crossing a
    4 KiB page when `cross` (and never otherwise, for lengths up to a page)."""

    def __init__(self, tb: DmaTb, length: int, align: str, cross: bool, fill: bytes | None = None) -> None:
        b, rng = tb.bus_bytes, tb.rng
        self.buf = tb.alloc_guarded(length + 3 * PAGE, fill=fill)
        page = (self.buf.addr + PAGE) & ~(PAGE - 1)  # a page boundary, a page into the buffer
        off = offset_of(align, b, rng)
        if cross:
            for _ in range(64):
                start = page + PAGE - rng.randint(1, max(1, length - 1))
                start += off - start % b
                if start < page + PAGE < start + length:
                    break
            else:
                raise AssertionError(f"no crossing placement for {length} bytes at {align}")
        else:
            start = page + off
        self.addr = start
        self.at = start - self.buf.addr  # offset in the buffer's view
        self.length = length
        self.before = self.buf.view.read()

    def read(self) -> bytes:
        return self.buf.view.read(self.at, self.length)

    def write(self, data: bytes) -> None:
        self.buf.view.write(self.at, data)
        self.before = self.buf.view.read()

    def check(self, want: bytes | None) -> None:
        """`want` landed in the range (None: the range was only read) and nothing else moved."""
        got = self.buf.view.read()
        exp = self.before if want is None else self.before[: self.at] + want + self.before[self.at + self.length :]
        why = "wrong data" if want is not None else "a range only read changed"
        assert got == exp, f"range 0x{self.addr:x}+{self.length}: {why}"
        self.buf.check_guards()

    def free(self) -> None:
        self.buf.free()


async def _run(chan, tx, what: str) -> None:
    assert tx is not None, f"{what}: prep refused"
    assert await chan.sync_wait(tx.submit(), 50_000_000) == DmaStatus.DMA_COMPLETE, what


def _sg(entries: list[tuple[int, int]]) -> list[Scatterlist]:
    return [Scatterlist(dma_address=a, dma_length=n) for a, n in entries]


async def one_shape(tb: DmaTb, chans: dict, op: str, src: str, dst: str, length: int, cross: bool) -> None:
    """One transfer of `op` with its first source at `src`, its destination at `dst`."""
    rng = tb.rng
    what = f"{op} src {src} dst {dst} length {length}{' across a page' if cross else ''}"
    tb.log.debug("shape: %s", what)
    places: list[Place] = []

    def place(align: str, first: bool, fill: bytes | None = None) -> Place:
        # the first source (or the destination of an op without one) carries the crossing;
        # other ranges cross only with lengths over a page (they are the op's too)
        p = Place(tb, length, align, cross and first, fill)
        places.append(p)
        return p

    res = SumCheckResult()
    if op in ("memcpy", "memcpy_sg"):
        s, d = place(src, True), place(dst, cross)
        data = s.read()
        if op == "memcpy":
            tx = chans["copy"].prep_dma_memcpy(d.addr, s.addr, length, 0)
        else:
            cut = rng.randint(1, length - 1) if length > 1 else length
            dst_ents = [(d.addr, cut)] + ([(d.addr + cut, length - cut)] if cut < length else [])
            tx = chans["copy"].prep_dma_memcpy_sg(_sg(dst_ents), len(dst_ents), _sg([(s.addr, length)]), 1, 0)
        await _run(chans["copy"], tx, what)
        s.check(None)
        d.check(data)
    elif op == "xor":
        srcs = [place(src, True)] + [place(rng.choice(ALIGNS), False) for _ in range(2)]
        d = place(dst, cross)
        data = [p.read() for p in srcs]
        await _run(chans["xor"], chans["xor"].prep_dma_xor(d.addr, [p.addr for p in srcs], 3, length, 0), what)
        d.check(xor_blocks(data))
    elif op == "xor_val":
        srcs = [place(src, True)] + [place(rng.choice(ALIGNS), False) for _ in range(2)]
        srcs[2].write(xor_blocks([srcs[0].read(), srcs[1].read()]))  # consistent: the check passes
        tx = chans["xor"].prep_dma_xor_val([p.addr for p in srcs], 3, length, res, 0)
        await _run(chans["xor"], tx, what)
        assert res.value == 0, f"{what}: consistent sources reported {res.value!r}"
    elif op in ("pq", "pq_val"):
        srcs = [place(src, True)] + [place(rng.choice(ALIGNS), False) for _ in range(2)]
        coefs = [rng.randrange(1, 256) for _ in srcs]
        data = [p.read() for p in srcs]
        want_p, want_q = pq_blocks(data, coefs)
        p_, q_ = place(dst if op == "pq" else rng.choice(ALIGNS), cross), place(rng.choice(ALIGNS), False)
        addrs = [p.addr for p in srcs]
        if op == "pq":
            await _run(chans["pq"], chans["pq"].prep_dma_pq([p_.addr, q_.addr], addrs, 3, coefs, length, 0), what)
            p_.check(want_p)
            q_.check(want_q)
        else:
            p_.write(want_p)
            q_.write(want_q)
            tx = chans["pq"].prep_dma_pq_val([p_.addr, q_.addr], addrs, 3, coefs, length, res, 0)
            await _run(chans["pq"], tx, what)
            assert res.value == 0, f"{what}: consistent P and Q reported {res.value!r}"
    elif op in ("memset", "memset_sg"):
        d = place(dst, True)
        value = rng.randrange(256)
        if op == "memset":
            tx = chans["fill"].prep_dma_memset(d.addr, value, length, 0)
        else:
            cut = rng.randint(1, length - 1) if length > 1 else length
            ents = [(d.addr, cut)] + ([(d.addr + cut, length - cut)] if cut < length else [])
            tx = chans["fill"].prep_dma_memset_sg(_sg(ents), len(ents), value, 0)
        await _run(chans["fill"], tx, what)
        d.check(bytes([value]) * length)
    elif op in ("slave_tx", "slave_rx", "cyclic_tx", "cyclic_rx"):
        await _slave(tb, chans["slave"], op, src if op.endswith("tx") else dst, length, cross, places)
    else:
        raise ValueError(op)
    for p in places:
        p.free()


async def _slave(tb: DmaTb, chan, op: str, align: str, length: int, cross: bool, places: list[Place]) -> None:
    """A peripheral paced every cycle, of the widest element (up to 8 bytes) that divides the
    length, on the memory range's side; a cyclic transfer is a ring of one period,
    terminated after its first period's callback."""
    to_dev, cyclic = op.endswith("tx"), op.startswith("cyclic")
    width = next(w for w in (8, 4, 2, 1) if w <= tb.bus_bytes and length % w == 0)
    mk = tb.add_tx_device if to_dev else tb.add_rx_device
    dev = mk(LINE, width, 16, depth=64, pacing=Pacing.fixed(1), pipelined=PIPELINED)
    buf = Place(tb, length, align, cross)
    places.append(buf)
    if to_dev:
        # a ring goes round until terminated: after its first period's callback, which a
        # loaded CPU (PYDMA_JITTER) may run thousands of cycles later
        laps = 3 + 4000 // (length // width) if cyclic else 1
        dev.expect(buf.read() * laps)
    else:
        dev.limit = length // width  # the receiver's stream ends after one period: the ring waits
    direction = DMA_MEM_TO_DEV if to_dev else DMA_DEV_TO_MEM
    configure(chan, direction, dev.data_addr, width, 16)
    what = f"{op} {align} {length}"
    if cyclic:
        periods = Event()
        tx = chan.prep_dma_cyclic(buf.addr, length, length, direction, DMA_PREP_INTERRUPT)
        assert tx is not None, f"{what}: prep refused"
        tx.callback = lambda param: periods.set()
        tx.submit()
        chan.issue_pending()
        await with_timeout(periods.wait(), 50_000, "us")
        assert await chan.terminate_sync() == 0
    else:
        await _run(chan, chan.prep_slave_single(buf.addr, length, direction, DMA_PREP_INTERRUPT), what)
    if to_dev:
        got = len(dev.received)
        assert got >= length // width and (cyclic or not dev.expected), f"{what}: {got} elements arrived"
        buf.check(None)
    else:
        buf.check(stream(0, length // width, width))
    dev.stop()
    tb.check_peripherals()


def shapes(op: str) -> list[tuple[str, str, str]]:
    """(source class, destination class, length class) of every shape `op` has."""
    srcs = ("none",) if op in fcov_classes.NO_SOURCE else ALIGNS
    dsts = ("none",) if op in fcov_classes.NO_DEST else ALIGNS
    return list(itertools.product(srcs, dsts, LENGTHS))


OPS = tuple(op for op in fcov_classes.OPS if op != "interrupt")  # every operation a shape has


async def run_shapes(
    tb: DmaTb,
    short: bool = False,
    ops: tuple[str, ...] = OPS,
    part: tuple[int, int] = (0, 1),
    whole: tuple[str, ...] = (),
) -> int:
    """The shapes of every op in `ops` the device offers, once each: all of them for the ops
    in `whole`, part k of n of them (every n-th, from the k-th) for the others; `short`:
    lengths near each class's lower end (the Python memory, where every beat is Python).
    Returns the count."""
    mem = dma_request_channel(DmaCapMask(DMA_MEMCPY, DMA_XOR, DMA_PQ, DMA_MEMSET))
    if mem is None:  # a device without the RAID operations: copies only
        mem = dma_request_channel(DmaCapMask(DMA_MEMCPY))
    caps = mem.device.cap_mask
    chans = {
        "copy": mem,
        "xor": mem if DMA_XOR in caps else None,
        "pq": mem if DMA_PQ in caps else None,
        "fill": mem if DMA_MEMSET in caps else None,
        "slave": slave_channel(),
    }
    need = {"memcpy": "copy", "memcpy_sg": "copy", "xor": "xor", "xor_val": "xor", "pq": "pq", "pq_val": "pq"}
    need |= {"memset": "fill", "memset_sg": "fill"}
    need |= dict.fromkeys(("slave_tx", "slave_rx", "cyclic_tx", "cyclic_rx"), "slave")
    n = 0
    for op in ops:
        if chans[need[op]] is None:
            continue
        k, parts = (0, 1) if op in whole else part
        for src, dst, cls in shapes(op)[k::parts]:
            length = pick_length(cls, tb.bus_bytes, tb.rng, short or need[op] == "slave")
            if length is None:
                continue
            if need[op] == "slave":  # whole elements of up to 8 bytes (fewer cycles), in the same class
                w = min(8, tb.bus_bytes)
                if cls in ("sub_burst", "multi_burst"):  # classes starting at a multiple of w
                    length -= length % w
                elif cls == "cross_4k":
                    length = min(length + (-length) % w, PAGE)
                elif cls == "multi_chunk":
                    length += (-length) % w
            await one_shape(tb, chans, op, src, dst, length, cls == "cross_4k")
            n += 1
    irq = chans["copy"].prep_dma_interrupt(0)
    if irq is not None:
        await _run(chans["copy"], irq, "interrupt")
    for chan in {id(c): c for c in chans.values() if c is not None}.values():
        await chan.release()
    return n

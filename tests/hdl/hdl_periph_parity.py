"""The native peripheral models (tb/native/native_periph.cpp) against the Python ones
(tb/peripherals.py) in one simulation on the native memory: the same paced transfers and
peripheral-ended packets, run once with each model on the same request line, leave the same
bytes in memory (guards intact), the same elements at the device and the same residues; and
the native checks catch what the Python ones catch (a wrong expected element, more data than
expected, a FIFO overflow, an underflow), named by device and element, reported as events;
and a native device's transfer runs no Python per cycle."""

from __future__ import annotations

import sys

import cocotb
from cocotb.triggers import ClockCycles

from pydma import DMA_DEV_TO_MEM, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT
from pydma.enums import DmaengineTxResult
from tb.native.peripherals import NativeRxDevice, NativeTxDevice
from tb.peripherals import Pacing, RxDevice, TxDevice
from tb.testenv import (
    LINE,
    PIPELINED,
    configure,
    run_to_completion,
    sg_of,
    slave_channel,
    started_for_slaves,
    stream,
)

MODELS = ("python", "native")
# the longer native transfer may make this many more Python calls per extra cycle: a wake-up
# per cycle adds at least one per cycle (the Python model makes about 120), one per element
# at least one per element (0.3 per cycle under random pacing); what runs on a timer (the
# hang detector, jittered interrupts) adds a few hundredths
PER_CYCLE = 0.1


def check_model(dev, model: str) -> None:
    native = isinstance(dev, (NativeTxDevice, NativeRxDevice))
    assert native == (model == "native"), f"asked for the {model} model, got {type(dev).__name__}"


async def paced(tb, chan, model, direction, width, maxburst, pacing, segs, data, reg_offset):
    """One prep_slave_sg of `segs` elements per segment with a fresh device of `model`: what
    memory and the device hold afterwards."""
    mk = tb.add_tx_device if direction == DMA_MEM_TO_DEV else tb.add_rx_device
    dev = mk(LINE, width, maxburst, depth=2 * maxburst, pacing=pacing, reg_offset=reg_offset, pipelined=PIPELINED,
             model=model)  # fmt: skip
    check_model(dev, model)
    total = sum(segs)
    if direction == DMA_MEM_TO_DEV:
        bufs, at = [], 0
        for n in segs:
            b = tb.alloc_guarded(n * width)
            b.view.write(0, data[at : at + n * width])
            bufs.append(b)
            at += n * width
        dev.expect(data)
    else:
        bufs = [tb.alloc_guarded(n * width, fill=bytes(n * width)) for n in segs]
        dev.limit = total
    configure(chan, direction, dev.data_addr, width, maxburst)
    tx = chan.prep_slave_sg(sg_of(bufs), len(bufs), direction, DMA_PREP_INTERRUPT)
    result = await run_to_completion(tx)
    assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR and result.residue == 0, f"{model}: {result}"
    await dev.wait_done()  # set already: every element is at the device or in memory
    memory = b"".join(b.view.read() for b in bufs)
    for b in bufs:
        b.check_guards()
        b.free()
    at_device = b"".join(dev.received) if direction == DMA_MEM_TO_DEV else None
    outcome = (memory, at_device, dev.transfers, not dev.expected if direction == DMA_MEM_TO_DEV else dev.read_count)
    dev.stop()
    tb.check_peripherals()
    return outcome


@cocotb.test()
async def test_same_paced_transfers(dut):
    """Each direction and device width, under fixed and random pacing, at a random lane:
    the Python and the native model give the same memory, device contents and counts."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    widths = [w for w in (1, 2, 4, 8) if w <= tb.bus_bytes]
    for direction in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM):
        for width in widths:
            for pacing_kind in ("fixed", "random"):
                maxburst = tb.rng.choice((1, 4, 16))
                segs = [tb.rng.randint(1, 3 * maxburst + 5) for _ in range(tb.rng.randint(1, 3))]
                data = tb.rng.randbytes(sum(segs) * width)
                reg_offset = width * tb.rng.randrange(max(1, tb.bus_bytes // width))
                every = tb.rng.choice((1, 3))
                outcomes = []
                for model in MODELS:
                    pacing = Pacing.fixed(every) if pacing_kind == "fixed" else Pacing.random(tb.rng)
                    tb.log.info("%s %s width %d maxburst %d %s segs %s lane %d", model, direction.name, width,
                                maxburst, pacing.name, segs, reg_offset)  # fmt: skip
                    outcomes.append(await paced(tb, chan, model, direction, width, maxburst, pacing, segs, data,
                                                reg_offset))  # fmt: skip
                py, nat = outcomes
                if direction == DMA_MEM_TO_DEV:
                    assert py[1] == nat[1] == data, "the devices received different elements"
                else:
                    assert py[0] == nat[0] == stream(0, sum(segs), width), "memory differs between the models"
                assert py[2:] == nat[2:], f"python {py[2:]} != native {nat[2:]}"
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_same_packets(dut):
    """device_fc with peripheral-ended packets (LREQ): the same residues, data and packet
    ends, and a TC with each end, with either model."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width, maxburst, cap = min(4, tb.bus_bytes), 8, 48
    lengths = [tb.rng.randint(1, cap) for _ in range(5)] + [maxburst * tb.rng.randint(1, 5)]
    tb.rng.shuffle(lengths)
    seen = {}
    for model in MODELS:
        rxd = tb.add_rx_device(LINE, width, maxburst, depth=32, pacing=Pacing.random(tb.rng), pipelined=PIPELINED,
                               model=model)  # fmt: skip
        check_model(rxd, model)
        rxd.send_packets(lengths)
        configure(chan, DMA_DEV_TO_MEM, rxd.data_addr, width, maxburst, fc=True)
        before = len(tb.req_monitor.handshakes)
        residues, data = [], []
        for _ in lengths:
            bufs = [tb.alloc_guarded(width * k, fill=bytes(width * k)) for k in (16, cap - 16)]
            tx = chan.prep_slave_sg(sg_of(bufs), 2, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
            result = await run_to_completion(tx)
            assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
            residues.append(result.residue)
            data.append(b"".join(b.view.read() for b in bufs))
            for b in bufs:
                b.check_guards()
                b.free()
        hs = tb.req_monitor.handshakes[before:]
        ends = [h for h in hs if h.last]
        assert len(ends) == len(lengths) == rxd.packets_ended, f"{model}: {len(ends)} packet ends"
        if not PIPELINED:
            assert all(h.tc for h in ends), f"{model}: a packet end without TC"
        seen[model] = (residues, data)
        rxd.stop()
        tb.check_peripherals()
    assert seen["python"] == seen["native"], "the models ended packets differently"
    assert seen["native"][0] == [(cap - n) * width for n in lengths]
    await chan.release()
    await tb.stop()


async def transmit(tb, chan, dev, data: bytes) -> None:
    buf = tb.alloc_guarded(len(data))
    buf.view.write(0, data)
    configure(chan, DMA_MEM_TO_DEV, dev.data_addr, dev.width, dev.maxburst)
    tx = chan.prep_slave_single(buf.addr, buf.size, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    result = await run_to_completion(tx)
    assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
    buf.check_guards()
    buf.free()


def failure(dev) -> str:
    try:
        dev.check()
    except AssertionError as exc:
        return str(exc)
    raise AssertionError(f"{dev.name}: the check passed, a failure was due")


@cocotb.test()
async def test_checks_catch_bugs(dut):
    """A wrong expected element, more data than expected, a full FIFO written and an empty
    one read are each reported by both models, naming the device and the element; the
    native model reports them to Python as events."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width, maxburst = min(4, tb.bus_bytes), 4
    for model in MODELS:
        # one element of the expected data differs from what memory holds
        dev = tb.add_tx_device(LINE, width, maxburst, pacing=Pacing.fixed(1), pipelined=PIPELINED, model=model)
        data = tb.rng.randbytes(20 * width)
        wrong = bytearray(data)
        wrong[7 * width] ^= 0x5A
        dev.expect(bytes(wrong[: 19 * width]))  # and the last element not expected at all
        events = tb.periph_hub.events
        await transmit(tb, chan, dev, data)
        text = failure(dev)
        assert dev.name in text and "element 7 = " in text, text
        assert f"expected {wrong[7 * width : 8 * width].hex()}" in text, text
        assert "element 19 = " in text and "not expected" in text, text
        if model == "native":
            assert tb.periph_hub.events > events, "the native failure was not reported as an event"
        dev.stop()

        # manual pacing: the consumer never drains, so a second burst overflows the FIFO
        dev = tb.add_tx_device(LINE, width, maxburst, depth=maxburst, pacing=Pacing.manual(), pipelined=PIPELINED,
                               model=model)  # fmt: skip
        data = tb.rng.randbytes(2 * maxburst * width)
        dev.expect(data)
        dev.request("burst")
        dev.request("burst")
        await transmit(tb, chan, dev, data)
        await dev.wait_served(2)
        text = failure(dev)
        assert f"overflow: element {maxburst} written to a full FIFO" in text and dev.name in text, text
        dev.stop()

        # manual pacing: the producer never fills, so a burst reads an empty FIFO
        rxd = tb.add_rx_device(LINE, width, maxburst, pacing=Pacing.manual(), pipelined=PIPELINED, model=model)
        buf = tb.alloc_guarded(maxburst * width)
        configure(chan, DMA_DEV_TO_MEM, rxd.data_addr, width, maxburst)
        tx = chan.prep_slave_single(buf.addr, buf.size, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
        rxd.request("burst")
        result = await run_to_completion(tx)
        assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
        assert buf.view.read() == bytes(maxburst * width), "an empty FIFO gives zeros"
        buf.check_guards()
        buf.free()
        text = failure(rxd)
        assert "underflow: read 0 of an empty FIFO" in text and rxd.name in text, text
        rxd.stop()
        await ClockCycles(dut.clk, 10)
    assert not tb.req_monitor.errors, tb.req_monitor.errors
    await chan.release()
    await tb.stop()


class PythonCalls:
    """Counts Python function calls (sys.setprofile 'call' events) while active (as in
    hdl_idle_python)."""

    def __init__(self) -> None:
        self.count = 0

    def _hook(self, _frame, event: str, _arg) -> None:
        if event == "call":
            self.count += 1

    def __enter__(self) -> PythonCalls:
        self.count = 0
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *_exc) -> None:
        sys.setprofile(None)


@cocotb.test()
async def test_native_runs_no_python_per_cycle(dut):
    """A paced transfer with a native device runs no Python per cycle or per element: the
    Python calls over a transfer 32 times longer (10,000 cycles more at least) stay within a
    small allowance per extra cycle (the Python model makes about 120 per cycle)."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width, maxburst = min(4, tb.bus_bytes), 16
    for direction in (DMA_MEM_TO_DEV, DMA_DEV_TO_MEM):
        runs = []
        for count in (256, 8192):
            mk = tb.add_tx_device if direction == DMA_MEM_TO_DEV else tb.add_rx_device
            dev = mk(LINE, width, maxburst, depth=4 * maxburst, pacing=Pacing.random(tb.rng), pipelined=PIPELINED,
                     model="native")  # fmt: skip
            buf = tb.alloc_guarded(count * width, fill=bytes(count * width))
            if direction == DMA_MEM_TO_DEV:
                dev.expect(buf.view.read())
            else:
                dev.limit = count
            configure(chan, direction, dev.data_addr, width, maxburst)
            tx = chan.prep_slave_single(buf.addr, buf.size, direction, DMA_PREP_INTERRUPT)
            t0 = tb.cycles()
            with PythonCalls() as calls:
                result = await run_to_completion(tx, timeout_us=200_000)
            runs.append((tb.cycles() - t0, calls.count))
            assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
            if direction == DMA_DEV_TO_MEM:
                assert buf.view.read() == stream(0, count, width)
            buf.check_guards()
            buf.free()
            dev.stop()
            tb.check_peripherals()
        (c0, n0), (c1, n1) = runs
        tb.log.info("%s: %d Python calls in %d cycles, %d in %d", direction.name, n0, c0, n1, c1)
        assert c1 - c0 >= 10_000, f"{c1} against {c0} cycles: too close to tell"
        assert n1 <= n0 + PER_CYCLE * (c1 - c0), f"{n1} Python calls in {c1} cycles against {n0} in {c0}: per cycle"
    await chan.release()
    await tb.stop()


class CountingAdc(RxDevice):
    """A device of one's own in Python (docs/slave-transfers.md): a 2-byte ADC whose samples
    count up, asking only for whole bursts."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, source=lambda i: (i & 0xFFFF).to_bytes(2, "little"), **kwargs)

    def want(self) -> tuple[str, bool] | None:
        return ("burst", False) if len(self.fifo) - self.reserved >= self.maxburst else None


@cocotb.test()
async def test_own_python_device_beside_native(dut):
    """A Python device of one's own on one line while a native device works on another:
    both move their data, each line's handshakes are recorded, the Python one only bursts."""
    tb = await started_for_slaves(dut)
    tx_chan, rx_chan = slave_channel(3), slave_channel(5)
    width, maxburst = min(4, tb.bus_bytes), 8
    txd = tb.add_tx_device(3, width, maxburst, pacing=Pacing.random(tb.rng), pipelined=PIPELINED, model="native")
    adc = tb.add_python_device(CountingAdc, 5, 2, maxburst, depth=32, pacing=Pacing.fixed(2), pipelined=PIPELINED)
    assert isinstance(txd, NativeTxDevice) and type(adc) is CountingAdc
    out = tb.alloc_guarded(width * 200)
    samples = tb.alloc_guarded(2 * maxburst * 20, fill=bytes(2 * maxburst * 20))
    txd.expect(out.view.read())
    configure(tx_chan, DMA_MEM_TO_DEV, txd.data_addr, width, maxburst)
    configure(rx_chan, DMA_DEV_TO_MEM, adc.data_addr, 2, maxburst)
    t1 = tx_chan.prep_slave_single(out.addr, out.size, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    t2 = rx_chan.prep_slave_single(samples.addr, samples.size, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
    first = cocotb.start_soon(run_to_completion(t1))  # both at once
    r2 = await run_to_completion(t2)
    r1 = await first
    assert r1.result == r2.result == DmaengineTxResult.DMA_TRANS_NOERROR
    assert samples.view.read() == b"".join((i & 0xFFFF).to_bytes(2, "little") for i in range(maxburst * 20))
    assert not txd.expected and len(txd.received) == 200
    for b in (out, samples):
        b.check_guards()
    hs = tb.req_monitor.handshakes
    assert {h.kind for h in hs if h.line == 5} == {"burst"}, "the ADC asks only for bursts"
    assert sum(1 for h in hs if h.line == 5) == 20
    assert any(h.line == 3 for h in hs), "the native line's handshakes are recorded"
    tb.check_peripherals()
    await tx_chan.release()
    await rx_chan.release()
    await tb.stop()


@cocotb.test()
async def test_which_model(dut):
    """Which model a call gets on the native top: native by default (PYDMA_PERIPH unset),
    Python when asked, and Python for what the native models do not hold (a pacing
    generator of one's own, elements wider than 8 bytes), where asking for native raises."""
    tb = await started_for_slaves(dut)

    def bursty():
        while True:
            yield from (0, 0, 0, 4)

    own = Pacing(bursty(), "bursty")
    assert tb.periph_model() == "native"
    assert tb.periph_model("python") == "python"
    assert tb.periph_model(pacing=own) == "python"
    assert tb.periph_model(width=16) == "python"
    for kwargs in ({"pacing": own}, {"width": 16}):
        try:
            tb.periph_model("native", **kwargs)
        except ValueError as exc:
            assert "no native peripheral model here" in str(exc), exc
        else:
            raise AssertionError(f"native granted for {kwargs}")
    dev = tb.add_tx_device(LINE, min(4, tb.bus_bytes), 4, pacing=own, pipelined=PIPELINED)
    assert type(dev) is TxDevice, "a pacing of one's own is paced by the Python model"
    dev.stop()
    await tb.stop()

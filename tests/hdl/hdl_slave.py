"""Externally paced slave transfers: every direction, device width and maxburst under each
pacing profile, checked element by element at the device and byte by byte (with guards) in
memory; nothing moves before issue_pending; peripheral-ended packets; residue."""

from __future__ import annotations

import itertools

import cocotb
from cocotb.triggers import ClockCycles

from pydma import DMA_DEV_TO_MEM, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT, DmaStatus, DmaTxState
from pydma.enums import DmaengineTxResult
from tb.peripherals import Pacing
from tb.testenv import (
    LINE,
    PIPELINED,
    configure,
    run_to_completion,
    sg_of,
    slave_channel,
    started_for_slaves,
    stream,
    wait_complete,
    wait_paused,
)


async def one_transfer(tb, chan, direction, width, maxburst, pacing, n_elems_per_seg, reg_offset=0):
    """One prep_slave_sg over guarded buffers to or from a fresh device on LINE."""
    mk = tb.add_tx_device if direction == DMA_MEM_TO_DEV else tb.add_rx_device
    dev = mk(
        LINE, width, maxburst, depth=max(2 * maxburst, 8), pacing=pacing, reg_offset=reg_offset, pipelined=PIPELINED
    )
    bufs = [tb.alloc_guarded(n * width) for n in n_elems_per_seg]
    total = sum(n_elems_per_seg)
    if direction == DMA_MEM_TO_DEV:
        dev.expect(b"".join(b.view.read() for b in bufs))
    else:
        dev.limit = total
    configure(chan, direction, dev.data_addr, width, maxburst)
    tx = chan.prep_slave_sg(sg_of(bufs), len(bufs), direction, DMA_PREP_INTERRUPT)
    assert tx is not None
    result = await run_to_completion(tx)
    assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
    assert result.residue == 0
    if direction == DMA_MEM_TO_DEV:
        assert len(dev.received) == total and not dev.expected, f"{len(dev.received)} of {total} elements arrived"
    else:
        got = b"".join(b.view.read() for b in bufs)
        assert got == stream(0, total, width), "received data differs from the device's stream"
    for b in bufs:
        b.check_guards()
        b.free()
    dev.stop()
    tb.check_peripherals()
    return dev


@cocotb.test()
async def test_directions_widths_bursts(dut):
    """Each direction x device width x maxburst, under fixed and random pacing."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    widths = [w for w in (1, 2, 4, 8) if w <= tb.bus_bytes]
    combos = list(itertools.product((DMA_MEM_TO_DEV, DMA_DEV_TO_MEM), widths, (1, 4, 16, 32), ("fixed", "random")))
    # a fixed pace of every cycle or every third, alternating over the combinations and with
    # the stall setting: the matrix's two runs of one width and handshake differ in their
    # stall setting (tests/test_hdl.py), so between them each combination meets both paces
    stalled = tb.stalls > 0
    for i, (direction, width, maxburst, pacing_name) in enumerate(combos):
        every = 1 if (i // 2 + stalled) % 2 else 3
        pacing = Pacing.fixed(every) if pacing_name == "fixed" else Pacing.random(tb.rng)
        segs = [tb.rng.randint(1, 3 * maxburst + 5) for _ in range(tb.rng.randint(1, 3))]
        reg_offset = width * tb.rng.randrange(max(1, tb.bus_bytes // width))  # any lane
        tb.log.info(
            "%s width %d maxburst %d %s segs %s lane %d", direction.name, width, maxburst, pacing.name, segs, reg_offset
        )
        await one_transfer(tb, chan, direction, width, maxburst, pacing, segs, reg_offset)
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_manual_pacing(dut):
    """The test raises each request itself (an external agent clocking a bitstream): one
    burst moves exactly maxburst elements, one single exactly one."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width, maxburst = min(4, tb.bus_bytes), 8
    dev = tb.add_tx_device(3, width, maxburst, depth=64, pacing=Pacing.manual(), pipelined=PIPELINED)
    buf = tb.alloc_guarded(width * (3 * maxburst + 2))
    dev.expect(buf.view.read())
    configure(chan, DMA_MEM_TO_DEV, dev.data_addr, width, maxburst)
    tx = chan.prep_slave_single(buf.addr, buf.size, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    cookie = tx.submit()  # (tx itself is freed once complete: its cookie is not to be read then)
    chan.issue_pending()
    moved = 0
    for kind, n in (("burst", maxburst), ("single", 1), ("burst", maxburst), ("single", 1), ("burst", maxburst)):
        await ClockCycles(dut.clk, 200)
        assert dev.transfers == moved, "data moved without a request"
        dev.request(kind)
        await ClockCycles(dut.clk, 200)
        moved += n
        assert dev.transfers == moved, f"a {kind} request moved {dev.transfers - moved + n} elements, not {n}"
    await wait_complete(chan, cookie, 100)  # its interrupt may come late (PYDMA_JITTER)
    hs = tb.req_monitor.handshakes
    assert [h.kind for h in hs] == ["burst", "single", "burst", "single", "burst"]
    if PIPELINED:  # one TC pulse, after the last request was accepted
        tcs = tb.req_monitor.tc_pulses
        assert len(tcs) == 1 and tcs[0][1] >= hs[-1].time_ns, f"TC must end the transfer only: {tcs}"
    else:
        assert [h.tc for h in hs] == [False, False, False, False, True], "TC must come with the last transfer only"
    buf.check_guards()
    tb.check_peripherals()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_requests_before_issue_pending(dut):
    """Requests up long before issue_pending: nothing moves until it is called, then the
    whole list goes out in one piece."""
    tb = await started_for_slaves(dut)
    tx_chan = slave_channel(3)
    rx_chan = slave_channel(5)
    width = min(4, tb.bus_bytes)
    txd = tb.add_tx_device(3, width, 4, depth=16, pacing=Pacing.fixed(1), pipelined=PIPELINED)
    rxd = tb.add_rx_device(5, width, 4, depth=16, pacing=Pacing.fixed(1), pipelined=PIPELINED)
    rxd.limit = 200
    out = [tb.alloc_guarded(width * n) for n in (50, 30, 20)]
    inp = [tb.alloc_guarded(width * n) for n in (100, 100)]
    txd.expect(b"".join(b.view.read() for b in out))
    configure(tx_chan, DMA_MEM_TO_DEV, txd.data_addr, width, 4)
    configure(rx_chan, DMA_DEV_TO_MEM, rxd.data_addr, width, 4)
    t1 = tx_chan.prep_slave_sg(sg_of(out), 3, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    t2 = rx_chan.prep_slave_sg(sg_of(inp), 2, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
    c1, c2 = t1.submit(), t2.submit()
    await ClockCycles(dut.clk, 3000)
    assert txd.requesting and rxd.requesting, "the devices should be requesting"
    assert txd.transfers == 0 and rxd.transfers == 0, "data moved before issue_pending"
    assert not tb.req_monitor.handshakes
    tx_chan.issue_pending()
    rx_chan.issue_pending()
    assert await tx_chan.sync_wait(c1) == DmaStatus.DMA_COMPLETE
    assert await rx_chan.sync_wait(c2) == DmaStatus.DMA_COMPLETE
    assert len(txd.received) == 100
    assert b"".join(b.view.read() for b in inp) == stream(0, 200, width)
    for b in out + inp:
        b.check_guards()
    tb.check_peripherals()
    await tx_chan.release()
    await rx_chan.release()
    await tb.stop()


@cocotb.test()
async def test_peripheral_ends_packets(dut):
    """device_fc: the receiver ends each packet (random length) with LREQ; the written-back
    length and the callback's residue say what arrived; nothing lands past it."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width, maxburst = min(4, tb.bus_bytes), 8
    rxd = tb.add_rx_device(3, width, maxburst, depth=32, pacing=Pacing.random(tb.rng), pipelined=PIPELINED)
    # one packet of whole bursts, so that its end comes with a burst request (LREQ with BREQ)
    lengths = [tb.rng.randint(1, 60) for _ in range(11)] + [maxburst * tb.rng.randint(1, 7)]
    tb.rng.shuffle(lengths)
    rxd.send_packets(lengths)  # before its first request: every request belongs to a packet
    configure(chan, DMA_DEV_TO_MEM, rxd.data_addr, width, maxburst, fc=True)
    first = 0
    for n in lengths:
        cap = 64
        # three segments, so an early end also skips whole descriptors
        bufs = [tb.alloc_guarded(width * k, fill=bytes(width * k)) for k in (20, 20, cap - 40)]
        tx = chan.prep_slave_sg(sg_of(bufs), 3, DMA_DEV_TO_MEM, DMA_PREP_INTERRUPT)
        result = await run_to_completion(tx)
        assert result.result == DmaengineTxResult.DMA_TRANS_NOERROR
        assert result.residue == (cap - n) * width, f"packet of {n}: residue {result.residue}"
        got = b"".join(b.view.read() for b in bufs)
        assert got[: n * width] == stream(first, n, width), f"packet of {n} elements corrupted"
        assert got[n * width :] == bytes((cap - n) * width), "data landed after the end of the packet"
        for b in bufs:
            b.check_guards()
            b.free()
        first += n
    assert sum(1 for h in tb.req_monitor.handshakes if h.last) == 12
    if PIPELINED:  # each packet end is one TC pulse, and nothing else pulses TC
        assert len(tb.req_monitor.tc_pulses) == 12, f"{len(tb.req_monitor.tc_pulses)} TC pulses for 12 packets"
    else:
        assert all(h.tc for h in tb.req_monitor.handshakes if h.last), "the packet end must come with TC"
    tb.check_peripherals()
    await chan.release()
    await tb.stop()


@cocotb.test()
async def test_residue_pause_resume(dut):
    """Residue at burst granularity: exact while paused (equal to what the device has not
    received yet), never increasing while running; nothing lost across pause/resume."""
    tb = await started_for_slaves(dut)
    chan = slave_channel()
    width, maxburst = min(4, tb.bus_bytes), 4
    dev = tb.add_tx_device(3, width, maxburst, depth=16, pacing=Pacing.fixed(4), pipelined=PIPELINED)
    bufs = [tb.alloc_guarded(width * n) for n in (64, 96, 32)]
    dev.expect(b"".join(b.view.read() for b in bufs))
    configure(chan, DMA_MEM_TO_DEV, dev.data_addr, width, maxburst)
    tx = chan.prep_slave_sg(sg_of(bufs), 3, DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    cookie = tx.submit()
    total = sum(b.size for b in bufs)
    chan.issue_pending()
    state = DmaTxState()
    last = total
    paused_checks = 0
    # pause as the residue passes 3/4, 1/2 and 1/4 of the total (a schedule in steps of
    # random length could miss the third pause when the transfer ends early)
    pause_at = [total * 3 // 4, total // 2, total // 4]
    for _ in range(400):
        await ClockCycles(dut.clk, tb.rng.randint(1, 20))
        status = chan.tx_status(cookie, state)
        if status == DmaStatus.DMA_COMPLETE:
            break
        assert state.residue <= last, f"residue rose from {last} to {state.residue}"
        last = state.residue
        if pause_at and state.residue <= pause_at[0]:
            pause_at.pop(0)
            chan.pause()
            await wait_paused(tb, chan)
            if chan.tx_status(cookie, state) == DmaStatus.DMA_COMPLETE:
                chan.resume()  # its last burst finished before the pause took hold
                break
            assert chan.tx_status(cookie, state) == DmaStatus.DMA_PAUSED
            r1 = state.residue
            moved = dev.transfers
            await ClockCycles(dut.clk, 300)
            chan.tx_status(cookie, state)
            assert state.residue == r1, "residue changed while paused"
            assert dev.transfers == moved, "data moved while paused"
            assert r1 == total - moved * width, f"paused residue {r1}, device is owed {total - moved * width}"
            paused_checks += 1
            chan.resume()
    assert await chan.sync_wait(cookie) == DmaStatus.DMA_COMPLETE
    assert paused_checks >= 3
    assert len(dev.received) == total // width and not dev.expected
    tb.check_peripherals()
    await chan.release()
    await tb.stop()

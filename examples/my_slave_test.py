"""A driver author's first paced transfer: a UART-like transmit FIFO on request line 2 takes
one byte every 4 cycles; the DMA feeds it a buffer through prep_slave_single.

Run it with:  make sim TEST=examples/my_slave_test.py
"""

import cocotb
from cocotb.triggers import Event, with_timeout

from pydma import (
    DMA_MEM_TO_DEV,
    DMA_PREP_INTERRUPT,
    DMA_SLAVE,
    DMA_TO_DEVICE,
    DmaCapMask,
    DmaSlaveConfig,
    dma_map_single,
    dma_request_channel,
    dma_unmap_single,
    kfree,
    kmalloc,
)
from pydma.drivers.pydma_dmac import pydma_filter
from pydma.drivers.pydma_slave import PydmaRequest
from pydma.enums import DmaengineTxResult
from tb.dma_tb import DmaTb
from tb.peripherals import Pacing

LINE = 2
MESSAGE = b"Hello from the DMA, one byte per request line handshake. " * 4


@cocotb.test()
async def send_to_a_uart(dut):
    tb = DmaTb(dut)
    await tb.start()
    # the peripheral: a 16-byte FIFO with a 1-byte data register, drained every 4 cycles
    uart = tb.add_tx_device(LINE, width=1, maxburst=8, depth=16, pacing=Pacing.fixed(4))
    uart.expect(MESSAGE)  # it checks every byte, in order, and its FIFO never overflows

    # the board says: this UART's TX is request line 2
    chan = dma_request_channel(DmaCapMask(DMA_SLAVE), pydma_filter, PydmaRequest(line=LINE))
    cfg = DmaSlaveConfig(dst_addr=uart.data_addr, dst_addr_width=1, dst_maxburst=8)
    assert chan.slave_config(cfg) == 0

    buf = kmalloc(tb.dev, len(MESSAGE))
    buf.write(0, MESSAGE)
    dma = dma_map_single(tb.dev, buf, len(MESSAGE), DMA_TO_DEVICE)
    tx = chan.prep_slave_single(dma, len(MESSAGE), DMA_MEM_TO_DEV, DMA_PREP_INTERRUPT)
    sent, outcome = Event(), []
    tx.callback_result = lambda param, result: (outcome.append(result), sent.set())
    tx.submit()
    chan.issue_pending()  # only now may the DMA answer the UART's requests
    await with_timeout(sent.wait(), 1, "ms")
    dma_unmap_single(tb.dev, dma, len(MESSAGE), DMA_TO_DEVICE)

    assert outcome[0].result == DmaengineTxResult.DMA_TRANS_NOERROR and outcome[0].residue == 0
    assert b"".join(uart.received) == MESSAGE
    tb.check_peripherals()  # FIFO overflow/underflow, element order, request-line protocol
    dut._log.info("%d bytes sent in %d handshakes", len(MESSAGE), len(tb.req_monitor.handshakes))
    uart.stop()
    kfree(buf)
    await chan.release()
    await tb.stop()

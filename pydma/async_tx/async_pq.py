"""async_gen_syndrome and async_syndrome_val (crypto/async_tx/async_pq.c): RAID-6 P and Q of
data pages, and their check, offloaded to DMA_PQ / DMA_PQ_VAL channels (several operations
chained with DMA_PREP_CONTINUE when there are more sources than dma_maxpq), else computed by
the CPU (lib/raid6, pydma.raid).

blocks holds the data pages, then P (blocks[disks-2]) and Q (blocks[disks-1]); a None data
page counts as zeros, a None P or Q is not generated (or not checked)."""

from __future__ import annotations

from collections.abc import Sequence

from pydma.async_tx.async_tx import (
    AsyncSubmitCtl,
    AsyncTxFlags,
    async_tx_find_channel,
    async_tx_quiesce,
    async_tx_submit,
    async_tx_sync_epilog,
    init_async_submit,
    prep_until_done,
)
from pydma.async_tx.async_xor import async_xor_offs
from pydma.dma_mapping import dma_map_page
from pydma.dmaengine import DmaAsyncTxDescriptor, DmaChan
from pydma.dmaengine_raid import SumCheckResult, dma_maxpq, is_dma_pq_aligned
from pydma.dmaengine_unmap import DmaengineUnmapData, dma_set_unmap, dmaengine_get_unmap_data, dmaengine_unmap_put
from pydma.enums import DmaCtrlFlags, DmaDataDirection, DmaTransactionType, SumCheckFlags
from pydma.errors import DmaApiMisuse
from pydma.kcontext import sleeping
from pydma.memory import MemView
from pydma.raid import gen_syndrome, xor_syndrome
from pydma.raid.gf import raid6_gfexp

MAX_DISKS = 255  # the kernel's limit on a syndrome's disks


def _pq_aligned(device, offsets: Sequence[int], disks: int, length: int) -> bool:
    return all(is_dma_pq_aligned(device, offsets[i], 0, length) for i in range(disks))


async def _do_async_gen_syndrome(
    chan: DmaChan,
    scfs: list[int],
    disks: int,
    unmap: DmaengineUnmapData,
    dma_flags: DmaCtrlFlags,
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor:
    dma = chan.device
    flags_orig, cb_fn_orig, cb_param_orig = submit.flags, submit.cb_fn, submit.cb_param
    src_cnt, src_off = disks - 2, 0
    tx = None
    while src_cnt > 0:
        submit.flags = flags_orig
        pq_src_cnt = min(src_cnt, dma_maxpq(dma, dma_flags))
        if src_cnt > pq_src_cnt:  # more to come: keep the chain open and the callback for the end
            submit.flags &= ~AsyncTxFlags.ASYNC_TX_ACK
            submit.flags |= AsyncTxFlags.ASYNC_TX_FENCE
            submit.cb_fn = submit.cb_param = None
        else:
            submit.cb_fn, submit.cb_param = cb_fn_orig, cb_param_orig
            if cb_fn_orig is not None:
                dma_flags |= DmaCtrlFlags.DMA_PREP_INTERRUPT
        if submit.flags & AsyncTxFlags.ASYNC_TX_FENCE:
            dma_flags |= DmaCtrlFlags.DMA_PREP_FENCE
        dma_dest = [unmap.addr[disks - 2], unmap.addr[disks - 1]]
        srcs = unmap.addr[src_off : src_off + pq_src_cnt]
        coefs = scfs[src_off : src_off + pq_src_cnt]
        flags_now = dma_flags
        tx = await prep_until_done(
            chan,
            submit,
            lambda d=dma_dest, s=srcs, c=coefs, n=pq_src_cnt, f=flags_now: dma.device_prep_dma_pq(
                chan, d, s, n, c, unmap.len, f
            ),
        )
        dma_set_unmap(tx, unmap)
        await async_tx_submit(chan, tx, submit)
        submit.depend_tx = tx
        src_cnt -= pq_src_cnt
        src_off += pq_src_cnt
        dma_flags |= DmaCtrlFlags.DMA_PREP_CONTINUE
    return tx


def _do_sync_gen_syndrome(
    blocks: Sequence[MemView | None], offsets: Sequence[int], disks: int, length: int, submit: AsyncSubmitCtl
) -> None:
    data = [b.read(o, length) if b is not None else bytes(length) for b, o in zip(blocks[: disks - 2], offsets)]
    p_page, q_page = blocks[disks - 2], blocks[disks - 1]
    if p_page is None or q_page is None:
        raise DmaApiMisuse("a synchronous syndrome needs P and Q pages (the kernel's BUG_ON)")
    p_off, q_off = offsets[disks - 2], offsets[disks - 1]
    if submit.flags & AsyncTxFlags.ASYNC_TX_PQ_XOR_DST:
        present = [i for i, b in enumerate(blocks[: disks - 2]) if b is not None]
        if present:
            p, q = xor_syndrome(data, present[0], present[-1], p_page.read(p_off, length), q_page.read(q_off, length))
            p_page.write(p_off, p)
            q_page.write(q_off, q)
    else:
        p, q = gen_syndrome(data)
        p_page.write(p_off, p)
        q_page.write(q_off, q)
    async_tx_sync_epilog(submit)


@sleeping("async_gen_syndrome", kernel_sleeps=False)
async def async_gen_syndrome(
    blocks: list[MemView | None], offsets: list[int], disks: int, length: int, submit: AsyncSubmitCtl
) -> DmaAsyncTxDescriptor | None:
    src_cnt = disks - 2
    if disks > MAX_DISKS or (blocks[disks - 2] is None and blocks[disks - 1] is None):
        raise DmaApiMisuse(f"async_gen_syndrome of {disks} disks without P and Q, or too many (the kernel's BUG_ON)")
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_PQ)
    device = chan.device if chan is not None else None
    unmap = dmaengine_get_unmap_data(device.dev, disks) if device is not None else None
    if (
        unmap is not None
        and not submit.flags & AsyncTxFlags.ASYNC_TX_PQ_XOR_DST
        and (src_cnt <= dma_maxpq(device, 0) or dma_maxpq(device, DmaCtrlFlags.DMA_PREP_CONTINUE) > 0)
        and _pq_aligned(device, offsets, disks, length)
    ):
        dma_flags = DmaCtrlFlags(0)
        coefs = []
        unmap.len = length
        j = 0
        for i in range(src_cnt):  # collapse the empty sources, keeping each one's coefficient
            if blocks[i] is None:
                continue
            unmap.addr[j] = dma_map_page(device.dev, blocks[i], offsets[i], length, DmaDataDirection.DMA_TO_DEVICE)
            coefs.append(raid6_gfexp[i])
            unmap.to_cnt += 1
            j += 1
        # the destinations are sources too for a continued operation: bidirectional
        for k, disable in (
            (disks - 2, DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P),
            (disks - 1, DmaCtrlFlags.DMA_PREP_PQ_DISABLE_Q),
        ):
            unmap.bidi_cnt += 1
            if blocks[k] is not None:
                unmap.addr[j] = dma_map_page(
                    device.dev, blocks[k], offsets[k], length, DmaDataDirection.DMA_BIDIRECTIONAL
                )
            else:
                unmap.addr[j] = 0
                dma_flags |= disable
            j += 1
        try:
            return await _do_async_gen_syndrome(chan, coefs, j, unmap, dma_flags, submit)
        finally:
            dmaengine_unmap_put(unmap)
    dmaengine_unmap_put(unmap)
    submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
    blocks = list(blocks)
    offsets = list(offsets)
    for k in (disks - 2, disks - 1):  # a disabled P or Q goes to a scratch page
        if blocks[k] is None:
            blocks[k] = _Scratch(length)
            offsets[k] = 0
    _do_sync_gen_syndrome(blocks, offsets, disks, length, submit)
    return None


class _Scratch:
    """pq_scribble_page: where the synchronous path puts a P or Q nobody asked for."""

    def __init__(self, length: int) -> None:
        self.data = bytearray(length)

    def read(self, offset: int, length: int) -> bytes:
        return bytes(self.data[offset : offset + length])

    def write(self, offset: int, data: bytes) -> None:
        self.data[offset : offset + len(data)] = data


@sleeping("async_syndrome_val", kernel_sleeps=False)
async def async_syndrome_val(
    blocks: list[MemView | None],
    offsets: list[int],
    disks: int,
    length: int,
    pqres: SumCheckResult,
    spare: MemView | None,
    s_off: int,
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor | None:
    """pqres.value gets SUM_CHECK_P_RESULT / SUM_CHECK_Q_RESULT for a P or Q that does not
    match the data. The synchronous path recomputes into `spare` (the kernel's rule: a
    spare page and a scribble are required)."""
    if disks < 4 or disks > MAX_DISKS:
        raise DmaApiMisuse(f"async_syndrome_val of {disks} disks (4 to {MAX_DISKS}: the kernel's BUG_ON)")
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_PQ_VAL)
    device = chan.device if chan is not None else None
    dma_flags = DmaCtrlFlags.DMA_PREP_INTERRUPT if submit.cb_fn is not None else DmaCtrlFlags(0)
    unmap = dmaengine_get_unmap_data(device.dev, disks) if device is not None else None
    tx = None
    if unmap is not None and disks <= dma_maxpq(device, 0) and _pq_aligned(device, offsets, disks, length):
        unmap.len = length
        coefs, j = [], 0
        for i in range(disks - 2):
            if blocks[i] is not None:
                unmap.addr[j] = dma_map_page(device.dev, blocks[i], offsets[i], length, DmaDataDirection.DMA_TO_DEVICE)
                coefs.append(raid6_gfexp[i])
                unmap.to_cnt += 1
                j += 1
        src_cnt = j
        pq = [0, 0]
        for side, k, disable in (
            (0, disks - 2, DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P),
            (1, disks - 1, DmaCtrlFlags.DMA_PREP_PQ_DISABLE_Q),
        ):
            if blocks[k] is None:
                dma_flags |= disable
            else:
                pq[side] = dma_map_page(device.dev, blocks[k], offsets[k], length, DmaDataDirection.DMA_TO_DEVICE)
                unmap.addr[j] = pq[side]
                unmap.to_cnt += 1
                j += 1
        if submit.flags & AsyncTxFlags.ASYNC_TX_FENCE:
            dma_flags |= DmaCtrlFlags.DMA_PREP_FENCE
        try:
            tx = await prep_until_done(
                chan,
                submit,
                lambda: device.device_prep_dma_pq_val(
                    chan, pq, unmap.addr[:src_cnt], src_cnt, coefs, length, pqres, dma_flags
                ),
            )
        except BaseException:
            dmaengine_unmap_put(unmap)
            raise
        dma_set_unmap(tx, unmap)
        await async_tx_submit(chan, tx, submit)
    else:
        p_src, q_src = blocks[disks - 2], blocks[disks - 1]
        p_off, q_off = offsets[disks - 2], offsets[disks - 1]
        flags_orig, cb_fn_orig, cb_param_orig, scribble = submit.flags, submit.cb_fn, submit.cb_param, submit.scribble
        if spare is None or scribble is None:
            raise DmaApiMisuse("async_syndrome_val without a spare page and a scribble (the kernel's BUG_ON)")
        submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
        result = SumCheckFlags(0)
        if p_src is not None:
            init_async_submit(submit, AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST, None, None, None, scribble)
            t = await async_xor_offs(spare, s_off, blocks, offsets, disks - 2, length, submit)
            await async_tx_quiesce(t)
            if p_src.read(p_off, length) != spare.read(s_off, length):
                result |= SumCheckFlags.SUM_CHECK_P_RESULT
        if q_src is not None:
            vblocks, voffs = list(blocks), list(offsets)
            vblocks[disks - 2], vblocks[disks - 1], voffs[disks - 1] = None, spare, s_off
            init_async_submit(submit, 0, None, None, None, scribble)
            t = await async_gen_syndrome(vblocks, voffs, disks, length, submit)
            await async_tx_quiesce(t)
            if q_src.read(q_off, length) != spare.read(s_off, length):
                result |= SumCheckFlags.SUM_CHECK_Q_RESULT
        pqres.value = result
        submit.cb_fn, submit.cb_param, submit.flags = cb_fn_orig, cb_param_orig, flags_orig
        async_tx_sync_epilog(submit)
        tx = None
    dmaengine_unmap_put(unmap)
    return tx

"""Recovery of two failed blocks of a RAID-6 stripe (crypto/async_tx/async_raid6_recov.c),
as chains of PQ, XOR and copy operations: two data blocks, or a data block and P. The
special cases of 4 and 5 disks are the kernel's (DMA engines do not uniformly take a PQ
with no or one source). Without a PQ channel, or without a scribble, recovery runs in
software (lib/raid6/recov.c, pydma.raid)."""

from __future__ import annotations

from pydma.async_tx.async_memcpy import async_memcpy
from pydma.async_tx.async_pq import async_gen_syndrome
from pydma.async_tx.async_tx import (
    AsyncSubmitCtl,
    AsyncTxFlags,
    async_tx_find_channel,
    async_tx_quiesce,
    async_tx_submit,
    async_tx_sync_epilog,
    init_async_submit,
)
from pydma.async_tx.async_xor import async_xor_offs
from pydma.channel_table import dma_find_channel
from pydma.dma_mapping import dma_map_page
from pydma.dmaengine import DmaAsyncTxDescriptor
from pydma.dmaengine_unmap import dma_set_unmap, dmaengine_get_unmap_data, dmaengine_unmap_put
from pydma.enums import DmaCtrlFlags, DmaDataDirection, DmaTransactionType
from pydma.errors import DmaApiMisuse
from pydma.kcontext import sleeping
from pydma.memory import MemView
from pydma.raid import raid6_2data_recov, raid6_datap_recov
from pydma.raid.gf import gf_scale, raid6_gfexi, raid6_gfexp, raid6_gfinv, raid6_gfmul

FENCE = AsyncTxFlags.ASYNC_TX_FENCE
DROP_DST = AsyncTxFlags.ASYNC_TX_XOR_DROP_DST
ZERO_DST = AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST


async def async_sum_product(
    dest: MemView,
    d_off: int,
    srcs: list[MemView],
    src_offs: list[int],
    coef: list[int],
    length: int,
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor | None:
    """dest = coef[0]*srcs[0] + coef[1]*srcs[1]: a two-source PQ with P disabled."""
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_PQ)
    dma = chan.device if chan is not None else None
    unmap = dmaengine_get_unmap_data(dma.dev, 3) if dma is not None else None
    if unmap is not None:
        dma_flags = DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P
        if submit.flags & FENCE:
            dma_flags |= DmaCtrlFlags.DMA_PREP_FENCE
        for i in range(2):
            unmap.addr[i] = dma_map_page(dma.dev, srcs[i], src_offs[i], length, DmaDataDirection.DMA_TO_DEVICE)
        unmap.to_cnt = 2
        unmap.addr[2] = dma_map_page(dma.dev, dest, d_off, length, DmaDataDirection.DMA_BIDIRECTIONAL)
        unmap.bidi_cnt = 1
        unmap.len = length
        pq = [0, unmap.addr[2]]  # the engine only looks at Q, but expects it to follow P
        tx = dma.device_prep_dma_pq(chan, pq, unmap.addr[:2], 2, coef, length, dma_flags)
        if tx is not None:
            dma_set_unmap(tx, unmap)
            await async_tx_submit(chan, tx, submit)
            dmaengine_unmap_put(unmap)
            return tx
        dmaengine_unmap_put(unmap)  # no descriptor: unmap and do it synchronously
    submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
    a = srcs[0].read(src_offs[0], length).translate(raid6_gfmul[coef[0]])
    b = srcs[1].read(src_offs[1], length).translate(raid6_gfmul[coef[1]])
    dest.write(d_off, (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(length, "little"))
    return None


async def async_mult(
    dest: MemView, d_off: int, src: MemView, s_off: int, coef: int, length: int, submit: AsyncSubmitCtl
) -> DmaAsyncTxDescriptor | None:
    """dest = coef * src: a one-source PQ with P disabled."""
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_PQ)
    dma = chan.device if chan is not None else None
    unmap = dmaengine_get_unmap_data(dma.dev, 3) if dma is not None else None
    if unmap is not None:
        dma_flags = DmaCtrlFlags.DMA_PREP_PQ_DISABLE_P
        if submit.flags & FENCE:
            dma_flags |= DmaCtrlFlags.DMA_PREP_FENCE
        unmap.addr[0] = dma_map_page(dma.dev, src, s_off, length, DmaDataDirection.DMA_TO_DEVICE)
        unmap.to_cnt += 1
        unmap.addr[1] = dma_map_page(dma.dev, dest, d_off, length, DmaDataDirection.DMA_BIDIRECTIONAL)
        unmap.bidi_cnt += 1
        unmap.len = length
        # P at dma_dest[0] is ignored as a destination (DMA_PREP_PQ_DISABLE_P)
        tx = dma.device_prep_dma_pq(chan, [0, unmap.addr[1]], unmap.addr[:1], 1, [coef], length, dma_flags)
        if tx is not None:
            dma_set_unmap(tx, unmap)
            dmaengine_unmap_put(unmap)
            await async_tx_submit(chan, tx, submit)
            return tx
        dmaengine_unmap_put(unmap)
    submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
    dest.write(d_off, gf_scale(src.read(s_off, length), coef))
    return None


def _recov_coefs(faila: int, failb: int) -> list[int]:
    return [raid6_gfexi[failb - faila], raid6_gfinv[raid6_gfexp[faila] ^ raid6_gfexp[failb]]]


async def _2data_recov_4(disks, nbytes, faila, failb, blocks, offs, submit):
    flags, cb_fn, cb_param, scribble = submit.flags, submit.cb_fn, submit.cb_param, submit.scribble
    p, p_off, q, q_off = blocks[disks - 2], offs[disks - 2], blocks[disks - 1], offs[disks - 1]
    a, a_off, b, b_off = blocks[faila], offs[faila], blocks[failb], offs[failb]
    # in the 4 disk case P + Pxy == P and Q + Qxy == Q; Dx = A*(P+Pxy) + B*(Q+Qxy)
    init_async_submit(submit, FENCE, None, None, None, scribble)
    tx = await async_sum_product(b, b_off, [p, q], [p_off, q_off], _recov_coefs(faila, failb), nbytes, submit)
    # Dy = P+Pxy+Dx
    init_async_submit(submit, flags | ZERO_DST, tx, cb_fn, cb_param, scribble)
    return await async_xor_offs(a, a_off, [p, b], [p_off, b_off], 2, nbytes, submit)


async def _2data_recov_5(disks, nbytes, faila, failb, blocks, offs, submit):
    flags, cb_fn, cb_param, scribble = submit.flags, submit.cb_fn, submit.cb_param, submit.scribble
    good = [i for i in range(disks - 2) if blocks[i] is not None and i not in (faila, failb)]
    if len(good) > 1:
        raise DmaApiMisuse("_2data_recov_5 with more than one good data block (the kernel's BUG_ON)")
    good = good[0]
    p, p_off, q, q_off = blocks[disks - 2], offs[disks - 2], blocks[disks - 1], offs[disks - 1]
    g, g_off = blocks[good], offs[good]
    # the syndrome with zeros for the missing pages, in the dead pages (delta P, delta Q)
    dp, dp_off, dq, dq_off = blocks[faila], offs[faila], blocks[failb], offs[failb]
    init_async_submit(submit, FENCE, None, None, None, scribble)
    tx = await async_memcpy(dp, g, dp_off, g_off, nbytes, submit)
    init_async_submit(submit, FENCE, tx, None, None, scribble)
    tx = await async_mult(dq, dq_off, g, g_off, raid6_gfexp[good], nbytes, submit)
    return await _finish_2data(
        dp, dp_off, dq, dq_off, p, p_off, q, q_off, tx, faila, failb, nbytes, submit, flags, cb_fn, cb_param, scribble
    )


async def _finish_2data(
    dp, dp_off, dq, dq_off, p, p_off, q, q_off, tx, faila, failb, nbytes, submit, flags, cb_fn, cb_param, scribble
):
    # P + Pxy
    init_async_submit(submit, FENCE | DROP_DST, tx, None, None, scribble)
    tx = await async_xor_offs(dp, dp_off, [dp, p], [dp_off, p_off], 2, nbytes, submit)
    # Q + Qxy
    init_async_submit(submit, FENCE | DROP_DST, tx, None, None, scribble)
    tx = await async_xor_offs(dq, dq_off, [dq, q], [dq_off, q_off], 2, nbytes, submit)
    # Dx = A*(P+Pxy) + B*(Q+Qxy)
    init_async_submit(submit, FENCE, tx, None, None, scribble)
    tx = await async_sum_product(dq, dq_off, [dp, dq], [dp_off, dq_off], _recov_coefs(faila, failb), nbytes, submit)
    # Dy = P+Pxy+Dx
    init_async_submit(submit, flags | DROP_DST, tx, cb_fn, cb_param, scribble)
    return await async_xor_offs(dp, dp_off, [dp, dq], [dp_off, dq_off], 2, nbytes, submit)


async def _2data_recov_n(disks, nbytes, faila, failb, blocks, offs, submit):
    flags, cb_fn, cb_param, scribble = submit.flags, submit.cb_fn, submit.cb_param, submit.scribble
    p, p_off, q, q_off = blocks[disks - 2], offs[disks - 2], blocks[disks - 1], offs[disks - 1]
    dp, dp_off, dq, dq_off = blocks[faila], offs[faila], blocks[failb], offs[failb]
    # the syndrome with zeros for the missing pages, written into the dead pages
    blocks[faila] = blocks[failb] = None
    blocks[disks - 2], offs[disks - 2] = dp, dp_off
    blocks[disks - 1], offs[disks - 1] = dq, dq_off
    init_async_submit(submit, FENCE, None, None, None, scribble)
    tx = await async_gen_syndrome(blocks, offs, disks, nbytes, submit)
    # restore the pointer table
    blocks[faila], offs[faila], blocks[failb], offs[failb] = dp, dp_off, dq, dq_off
    blocks[disks - 2], offs[disks - 2], blocks[disks - 1], offs[disks - 1] = p, p_off, q, q_off
    return await _finish_2data(
        dp, dp_off, dq, dq_off, p, p_off, q, q_off, tx, faila, failb, nbytes, submit, flags, cb_fn, cb_param, scribble
    )


def _pages(blocks, offs, disks, nbytes):
    return [blocks[i].read(offs[i], nbytes) if blocks[i] is not None else bytes(nbytes) for i in range(disks)]


@sleeping("async_raid6_2data_recov", kernel_sleeps=False)
async def async_raid6_2data_recov(
    disks: int,
    nbytes: int,
    faila: int,
    failb: int,
    blocks: list[MemView | None],
    offs: list[int],
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor | None:
    """Rebuild data blocks faila and failb (their pages receive the data)."""
    if faila == failb:
        raise DmaApiMisuse(f"async_raid6_2data_recov of block {faila} twice (the kernel's BUG_ON)")
    faila, failb = min(faila, failb), max(faila, failb)
    if dma_find_channel(DmaTransactionType.DMA_PQ) is None or not submit.scribble:
        submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
        data = _pages(blocks, offs, disks, nbytes)
        da, db = raid6_2data_recov(
            [None if i in (faila, failb) else data[i] for i in range(disks - 2)],
            data[disks - 2],
            data[disks - 1],
            faila,
            failb,
        )
        blocks[faila].write(offs[faila], da)
        blocks[failb].write(offs[failb], db)
        async_tx_sync_epilog(submit)
        return None
    non_zero = sum(1 for i in range(disks - 2) if blocks[i] is not None)
    if non_zero < 2:
        raise DmaApiMisuse("async_raid6_2data_recov needs at least the two failed blocks' pages (the kernel's BUG)")
    if non_zero == 2:
        return await _2data_recov_4(disks, nbytes, faila, failb, blocks, offs, submit)
    if non_zero == 3:
        return await _2data_recov_5(disks, nbytes, faila, failb, blocks, offs, submit)
    return await _2data_recov_n(disks, nbytes, faila, failb, blocks, offs, submit)


@sleeping("async_raid6_datap_recov", kernel_sleeps=False)
async def async_raid6_datap_recov(
    disks: int, nbytes: int, faila: int, blocks: list[MemView | None], offs: list[int], submit: AsyncSubmitCtl
) -> DmaAsyncTxDescriptor | None:
    """Rebuild data block faila and P."""
    flags, cb_fn, cb_param, scribble = submit.flags, submit.cb_fn, submit.cb_param, submit.scribble
    if dma_find_channel(DmaTransactionType.DMA_PQ) is None or not scribble:
        submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
        data = _pages(blocks, offs, disks, nbytes)
        dx, p = raid6_datap_recov([None if i == faila else data[i] for i in range(disks - 2)], data[disks - 1], faila)
        blocks[faila].write(offs[faila], dx)
        blocks[disks - 2].write(offs[disks - 2], p)
        async_tx_sync_epilog(submit)
        return None
    good = [i for i in range(disks - 2) if i != faila and blocks[i] is not None][:2]
    if not good:
        raise DmaApiMisuse("async_raid6_datap_recov without a good data block (the kernel's BUG_ON)")
    p, p_off, q, q_off = blocks[disks - 2], offs[disks - 2], blocks[disks - 1], offs[disks - 1]
    # the syndrome with zero for the missing page; the dead page holds delta Q
    dq, dq_off = blocks[faila], offs[faila]
    blocks[faila] = None
    blocks[disks - 1], offs[disks - 1] = dq, dq_off
    if len(good) == 1:  # 4 disks: one source multiplication with the good block
        g, g_off = blocks[good[0]], offs[good[0]]
        init_async_submit(submit, FENCE, None, None, None, scribble)
        tx = await async_memcpy(p, g, p_off, g_off, nbytes, submit)
        init_async_submit(submit, FENCE, tx, None, None, scribble)
        tx = await async_mult(dq, dq_off, g, g_off, raid6_gfexp[good[0]], nbytes, submit)
    else:
        init_async_submit(submit, FENCE, None, None, None, scribble)
        tx = await async_gen_syndrome(blocks, offs, disks, nbytes, submit)
    blocks[faila], offs[faila] = dq, dq_off
    blocks[disks - 1], offs[disks - 1] = q, q_off
    coef = raid6_gfinv[raid6_gfexp[faila]]  # g^-faila
    init_async_submit(submit, FENCE | DROP_DST, tx, None, None, scribble)
    tx = await async_xor_offs(dq, dq_off, [dq, q], [dq_off, q_off], 2, nbytes, submit)
    init_async_submit(submit, FENCE, tx, None, None, scribble)
    tx = await async_mult(dq, dq_off, dq, dq_off, coef, nbytes, submit)
    init_async_submit(submit, flags | DROP_DST, tx, cb_fn, cb_param, scribble)
    return await async_xor_offs(p, p_off, [p, dq], [p_off, dq_off], 2, nbytes, submit)

"""async_xor and async_xor_val (crypto/async_tx/async_xor.c): XOR of pages into a
destination, and the zero check of an XOR, offloaded to DMA_XOR / DMA_XOR_VAL channels
(split into several operations when there are more sources than the device's max_xor, the
intermediate result being the next operation's first source), else done by the CPU."""

from __future__ import annotations

from collections.abc import Sequence

from pydma.async_tx.async_tx import (
    AsyncSubmitCtl,
    AsyncTxFlags,
    async_tx_find_channel,
    async_tx_quiesce,
    async_tx_submit,
    async_tx_sync_epilog,
    prep_until_done,
)
from pydma.dma_mapping import dma_map_page
from pydma.dmaengine import DmaAsyncTxDescriptor, DmaChan
from pydma.dmaengine_raid import SumCheckResult, is_dma_xor_aligned
from pydma.dmaengine_unmap import DmaengineUnmapData, dma_set_unmap, dmaengine_get_unmap_data, dmaengine_unmap_put
from pydma.enums import DmaCtrlFlags, DmaDataDirection, DmaTransactionType, SumCheckFlags
from pydma.errors import DmaApiMisuse
from pydma.kcontext import sleeping
from pydma.memory import MemView
from pydma.raid import xor_blocks


def _offs(src_offs: Sequence[int] | None, offset: int, n: int) -> list[int]:
    return list(src_offs[:n]) if src_offs is not None else [offset] * n


async def _do_async_xor(chan: DmaChan, unmap: DmaengineUnmapData, submit: AsyncSubmitCtl) -> DmaAsyncTxDescriptor:
    dma = chan.device
    cb_fn_orig, cb_param_orig, flags_orig = submit.cb_fn, submit.cb_param, submit.flags
    src_cnt = unmap.to_cnt
    dma_dest = unmap.addr[unmap.to_cnt]
    src_list = list(unmap.addr[: unmap.to_cnt])
    tx = None
    first = True
    dma_flags = DmaCtrlFlags(0)  # (declared once, as in the kernel: a FENCE stays set)
    while src_cnt:
        submit.flags = flags_orig
        xor_src_cnt = min(src_cnt, dma.max_xor)
        if src_cnt > xor_src_cnt:  # more to come: keep the chain open, no callback yet
            submit.flags &= ~AsyncTxFlags.ASYNC_TX_ACK
            submit.flags |= AsyncTxFlags.ASYNC_TX_FENCE
            submit.cb_fn = submit.cb_param = None
        else:
            submit.cb_fn, submit.cb_param = cb_fn_orig, cb_param_orig
        if submit.cb_fn is not None:
            dma_flags |= DmaCtrlFlags.DMA_PREP_INTERRUPT
        if submit.flags & AsyncTxFlags.ASYNC_TX_FENCE:
            dma_flags |= DmaCtrlFlags.DMA_PREP_FENCE
        srcs = list(src_list[:xor_src_cnt])
        if not first:  # the intermediate result is the first source
            srcs[0] = dma_dest
        tx = await prep_until_done(
            chan,
            submit,
            lambda srcs=srcs, n=xor_src_cnt, f=dma_flags: dma.device_prep_dma_xor(
                chan, dma_dest, srcs, n, unmap.len, f
            ),
        )
        dma_set_unmap(tx, unmap)
        await async_tx_submit(chan, tx, submit)
        submit.depend_tx = tx
        if src_cnt > xor_src_cnt:
            src_cnt -= xor_src_cnt - 1  # the sources done, less the result that is one again
            src_list = src_list[xor_src_cnt - 1 :]
            first = False
        else:
            break
    return tx


def _do_sync_xor(
    dest: MemView, offset: int, src_list: Sequence[MemView | None], offs: list[int], length: int, submit: AsyncSubmitCtl
) -> None:
    blocks = [s.read(o, length) for s, o in zip(src_list, offs, strict=True) if s is not None]
    if not submit.flags & AsyncTxFlags.ASYNC_TX_XOR_ZERO_DST:
        blocks.append(dest.read(offset, length))  # the destination is a source (xor_blocks)
    dest.write(offset, xor_blocks(blocks) if blocks else bytes(length))
    async_tx_sync_epilog(submit)


@sleeping("async_xor_offs", kernel_sleeps=False)
async def async_xor_offs(
    dest: MemView,
    offset: int,
    src_list: Sequence[MemView | None],
    src_offs: Sequence[int] | None,
    src_cnt: int,
    length: int,
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor | None:
    """dest = XOR of src_list (ASYNC_TX_XOR_ZERO_DST), or dest ^= XOR of src_list[1:] when
    src_list[0] is dest (ASYNC_TX_XOR_DROP_DST). None sources are skipped."""
    if src_cnt <= 1:
        raise DmaApiMisuse(f"async_xor with {src_cnt} source(s): at least 2 (the kernel's BUG_ON)")
    src_list = list(src_list[:src_cnt])
    offs = _offs(src_offs, offset, src_cnt)
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_XOR)
    device = chan.device if chan is not None else None
    unmap = dmaengine_get_unmap_data(device.dev, src_cnt + 1) if device is not None else None
    if unmap is not None and all(is_dma_xor_aligned(device, offset, o, length) for o in offs):
        unmap.len = length
        j = 0
        for s, o in zip(src_list, offs, strict=True):
            if s is None:
                continue
            unmap.to_cnt += 1
            unmap.addr[j] = dma_map_page(device.dev, s, o, length, DmaDataDirection.DMA_TO_DEVICE)
            j += 1
        # bidirectional: it may be used as a source again
        unmap.addr[j] = dma_map_page(device.dev, dest, offset, length, DmaDataDirection.DMA_BIDIRECTIONAL)
        unmap.bidi_cnt = 1
        try:
            return await _do_async_xor(chan, unmap, submit)
        finally:
            dmaengine_unmap_put(unmap)
    dmaengine_unmap_put(unmap)
    # in the synchronous case the destination is an implied source (assumed the first)
    if submit.flags & AsyncTxFlags.ASYNC_TX_XOR_DROP_DST:
        src_list, offs = src_list[1:], offs[1:]
    submit.depend_tx = await async_tx_quiesce(submit.depend_tx)
    _do_sync_xor(dest, offset, src_list, offs, length, submit)
    return None


@sleeping("async_xor", kernel_sleeps=False)
async def async_xor(
    dest: MemView, src_list: Sequence[MemView | None], offset: int, src_cnt: int, length: int, submit: AsyncSubmitCtl
) -> DmaAsyncTxDescriptor | None:
    return await async_xor_offs(dest, offset, src_list, None, src_cnt, length, submit)


@sleeping("async_xor_val_offs", kernel_sleeps=False)
async def async_xor_val_offs(
    dest: MemView,
    offset: int,
    src_list: Sequence[MemView],
    src_offs: Sequence[int] | None,
    src_cnt: int,
    length: int,
    result: SumCheckResult,
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor | None:
    """result.value = SUM_CHECK_P_RESULT when the XOR of src_list is not zero (dest is
    src_list[0]; the synchronous fallback XORs the others into it, as the kernel's does)."""
    if src_cnt <= 1:
        raise DmaApiMisuse(f"async_xor_val with {src_cnt} source(s): at least 2 (the kernel's BUG_ON)")
    src_list = list(src_list[:src_cnt])
    offs = _offs(src_offs, offset, src_cnt)
    chan = async_tx_find_channel(submit, DmaTransactionType.DMA_XOR_VAL)
    device = chan.device if chan is not None else None
    unmap = dmaengine_get_unmap_data(device.dev, src_cnt) if device is not None else None
    tx = None
    if (
        unmap is not None
        and src_cnt <= device.max_xor
        and all(is_dma_xor_aligned(device, offset, o, length) for o in offs)
    ):
        dma_flags = DmaCtrlFlags(0)
        if submit.cb_fn is not None:
            dma_flags |= DmaCtrlFlags.DMA_PREP_INTERRUPT
        if submit.flags & AsyncTxFlags.ASYNC_TX_FENCE:
            dma_flags |= DmaCtrlFlags.DMA_PREP_FENCE
        for i, (s, o) in enumerate(zip(src_list, offs, strict=True)):
            unmap.addr[i] = dma_map_page(device.dev, s, o, length, DmaDataDirection.DMA_TO_DEVICE)
            unmap.to_cnt += 1
        unmap.len = length
        try:
            tx = await prep_until_done(
                chan,
                submit,
                lambda: device.device_prep_dma_xor_val(chan, unmap.addr[:src_cnt], src_cnt, length, result, dma_flags),
            )
        except BaseException:
            dmaengine_unmap_put(unmap)
            raise
        dma_set_unmap(tx, unmap)
        await async_tx_submit(chan, tx, submit)
    else:
        flags_orig = submit.flags
        submit.flags |= AsyncTxFlags.ASYNC_TX_XOR_DROP_DST
        submit.flags &= ~AsyncTxFlags.ASYNC_TX_ACK
        cb_fn, submit.cb_fn = submit.cb_fn, None
        tx = await async_xor_offs(dest, offset, src_list, src_offs, src_cnt, length, submit)
        await async_tx_quiesce(tx)
        nonzero = any(dest.read(offset, length))
        result.value = SumCheckFlags.SUM_CHECK_P_RESULT if nonzero else SumCheckFlags(0)
        submit.cb_fn = cb_fn
        async_tx_sync_epilog(submit)
        submit.flags = flags_orig
        tx = None
    dmaengine_unmap_put(unmap)
    return tx


@sleeping("async_xor_val", kernel_sleeps=False)
async def async_xor_val(
    dest: MemView,
    src_list: Sequence[MemView],
    offset: int,
    src_cnt: int,
    length: int,
    result: SumCheckResult,
    submit: AsyncSubmitCtl,
) -> DmaAsyncTxDescriptor | None:
    return await async_xor_val_offs(dest, offset, src_list, None, src_cnt, length, result, submit)

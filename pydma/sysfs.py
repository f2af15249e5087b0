"""What a kernel user reads under /sys about DMA channels: the per-channel attributes of
/sys/class/dma/dmaXchanY/ (drivers/dma/dmaengine.c: memcpy_count_show,
bytes_transferred_show, in_use_show) and the debugfs file dmaengine/summary
(dmaengine_summary_show, dmaengine_dbg_summary_show, a provider's dbg_summary_show).

    read("/sys/class/dma/dma0chan0/memcpy_count")     -> "3\\n"        ("%lu\\n")
    read("/sys/class/dma/dma0chan0/in_use")           -> "1\\n"        ("%d\\n")
    read("/sys/kernel/debug/dmaengine/summary")       -> debugfs_summary()
    await read_async(path)                             the same; the summary with the
                                                       hardware read (debugfs_summary_async)
    memcpy_count(chan), bytes_transferred(chan), in_use(chan)   the numbers

Where the counters count. The kernel's counters are `struct dma_chan_percpu`, summed over
the CPUs by the show functions; the memcpy helpers that bumped them
(dma_async_memcpy_buf_to_buf, _buf_to_pg, _pg_to_pg: after a successful prep and
tx_submit, `bytes_transferred += len; memcpy_count++`) went with NET_DMA, their last user
(commit 7bced397510a, "net_dma: simple removal", v3.17). The attributes are still there and
read 0 on a kernel today. pydma counts what those helpers counted, for every way a client
submits a memcpy: each provider's `device_prep_dma_memcpy` is wrapped when its class is made
(DmaDevice.__init_subclass__), so the descriptor it returns carries its length whoever called
it (chan.prep_dma_memcpy and dmaengine_prep_dma_memcpy, async_memcpy and dmatest, which call
the device op directly as kernel code does); dma_cookie_assign, which every provider's
tx_submit calls, adds one operation and that length to `chan.local` each time such a
descriptor is submitted. So: once per memcpy submitted (a reused descriptor counts at each
submit; one prepared and never submitted does not; an async_tx dependent counts when its
dependency's completion submits it, not if it is aborted), counted at submit, not at
completion, as the helpers did (a memcpy that later fails or is terminated stays counted).
Nothing else counts: memcpy_sg, slave, cyclic, XOR, PQ, memset and interrupt descriptors,
and async_memcpy's synchronous fallback (no channel). One CPU, so one `chan.local`; the
counters live as long as the channel (device registration to unregistration) and survive
request and release, as in the kernel.

`in_use` is `chan.client_count`: 1 while a client holds a private channel, the number of
`dmaengine_get` references on a public one, 0 when free.

The summary: "dma%d (%s): number of channels: %u\\n" per registered device (its name, the
name of its struct device, its channel count), then the provider's `dbg_summary_show` lines
if it has one, else " %-13s| %s\\n" per channel in use with the client name
("<device>:<name>" for dma_request_chan, "in-use" for a channel requested by mask or held by
dmaengine_get), and a blank line between devices. There is no DMA router, so never
" (via router: %s)". `debugfs_summary()` is synchronous and shows what the driver knows;
`await debugfs_summary_async()` first awaits each provider's `dbg_summary_read()` (register
reads over the bus, which take simulated time) and hands the result to its
`dbg_summary_show` (see pydma/drivers/pydma_dmac/debugfs.py).
"""

from __future__ import annotations

import errno
import posixpath
from typing import Any

from pydma.dmaengine import DmaChan, DmaDevice, dma_devices

SYS_CLASS_DMA = "/sys/class/dma"
DEBUGFS_SUMMARY = "/sys/kernel/debug/dmaengine/summary"
ULONG_MASK = (1 << 64) - 1  # "%lu" of an unsigned long on a 64-bit kernel


# -- the attributes of /sys/class/dma/dmaXchanY -------------------------------------------------


def memcpy_count(chan: DmaChan) -> int:
    """Memcpy operations submitted to `chan` (summed over the CPUs: one here)."""
    return chan.local.memcpy_count


def bytes_transferred(chan: DmaChan) -> int:
    """Bytes of the memcpy operations submitted to `chan`."""
    return chan.local.bytes_transferred


def in_use(chan: DmaChan) -> int:
    """chan->client_count."""
    return chan.client_count


def memcpy_count_show(chan: DmaChan) -> str:
    return f"{memcpy_count(chan) & ULONG_MASK}\n"  # the kernel's "%lu\n"


def bytes_transferred_show(chan: DmaChan) -> str:
    return f"{bytes_transferred(chan) & ULONG_MASK}\n"  # the kernel's "%lu\n"


def in_use_show(chan: DmaChan) -> str:
    return f"{in_use(chan)}\n"  # the kernel's "%d\n"


CHAN_ATTRS = {
    "memcpy_count": memcpy_count_show,
    "bytes_transferred": bytes_transferred_show,
    "in_use": in_use_show,
}


def dma_chans() -> dict[str, DmaChan]:
    """The channels of the registered devices by name ("dma0chan0"), as /sys/class/dma
    lists them."""
    return {chan.name: chan for device in dma_devices() for chan in device.channels}


# -- debugfs: dmaengine/summary -------------------------------------------------------------------


class SeqFile:
    """The part of struct seq_file a show function uses: printf and puts into a buffer."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def seq_printf(self, fmt: str, *args: Any) -> None:
        """C's format with Python's % (which knows %d, %u, %s, %x, widths and '-')."""
        self._parts.append(fmt % args if args else fmt)

    def seq_puts(self, text: str) -> None:
        self._parts.append(text)

    def getvalue(self) -> str:
        return "".join(self._parts)


def dma_chan_name(chan: DmaChan) -> str:
    return chan.name


def dmaengine_dbg_summary_show(s: SeqFile, dma_dev: DmaDevice) -> None:
    """The core's lines for a device whose provider has no dbg_summary_show: one per channel
    in use. A provider's own dbg_summary_show may call it for the same first line."""
    for chan in dma_dev.channels:
        if chan.client_count:
            dmaengine_dbg_chan_show(s, chan)
            s.seq_puts("\n")


def dmaengine_dbg_chan_show(s: SeqFile, chan: DmaChan) -> None:
    """' dma0chan0    | uart0:tx' (no newline: a provider may go on with its own details)."""
    name = chan.dbg_client_name
    s.seq_printf(" %-13s| %s", dma_chan_name(chan), name if name is not None else "in-use")


def dmaengine_summary_show(s: SeqFile, hw: dict[DmaDevice, Any] | None = None) -> None:
    """The file's text. `hw`: what each provider's dbg_summary_read returned, for the
    asynchronous summary (None: the synchronous one, no hardware read)."""
    devices = dma_devices()
    for i, dma_dev in enumerate(devices):
        s.seq_printf("%s (%s): number of channels: %u\n", dma_dev.name, dma_dev.dev.name, len(dma_dev.channels))
        if dma_dev.dbg_summary_show is not None:
            if hw is not None and dma_dev in hw:
                dma_dev.dbg_summary_show(s, hw[dma_dev])
            else:
                dma_dev.dbg_summary_show(s)
        else:
            dmaengine_dbg_summary_show(s, dma_dev)
        if i != len(devices) - 1:  # !list_is_last
            s.seq_puts("\n")


def debugfs_summary() -> str:
    """/sys/kernel/debug/dmaengine/summary, with what the drivers know (no register read)."""
    s = SeqFile()
    dmaengine_summary_show(s)
    return s.getvalue()


async def debugfs_summary_async() -> str:
    """The summary with the hardware: every provider's dbg_summary_read is awaited first
    (register reads over the bus, each taking simulated time), then the whole text is made
    at once, so the drivers' state in it is one instant (the registers a little earlier)."""
    hw = {}
    for dma_dev in dma_devices():
        if dma_dev.dbg_summary_read is not None:
            hw[dma_dev] = await dma_dev.dbg_summary_read()
    s = SeqFile()
    dmaengine_summary_show(s, hw)
    return s.getvalue()


# -- paths ----------------------------------------------------------------------------------------


def _not_found(path: str, why: str) -> FileNotFoundError:
    return FileNotFoundError(errno.ENOENT, f"No such file or directory: {why}", path)


def _chan_attr(path: str) -> tuple[DmaChan | None, str | None]:
    """(channel, attribute) of a path under /sys/class/dma (attribute None: the channel's
    directory; channel None: /sys/class/dma itself)."""
    rel = posixpath.relpath(path, SYS_CLASS_DMA)
    parts = [] if rel == "." else rel.split("/")
    if len(parts) > 2:
        raise _not_found(path, f"a channel's directory has only {', '.join(CHAN_ATTRS)}")
    if not parts:
        return None, None
    chans = dma_chans()
    chan = chans.get(parts[0])
    if chan is None:
        known = ", ".join(chans) or "none: no device registered"
        raise _not_found(path, f"no channel {parts[0]!r} (channels: {known})")
    if len(parts) == 1:
        return chan, None
    if parts[1] not in CHAN_ATTRS:
        raise _not_found(path, f"{chan.name} has no attribute {parts[1]!r} (it has {', '.join(CHAN_ATTRS)})")
    return chan, parts[1]


def _in_class(path: str) -> bool:
    return path == SYS_CLASS_DMA or path.startswith(SYS_CLASS_DMA + "/")


def read(path: str) -> str:
    """The text the kernel gives for `path`: a channel attribute
    ("/sys/class/dma/dma0chan0/memcpy_count") or the debugfs summary
    ("/sys/kernel/debug/dmaengine/summary", without register reads). FileNotFoundError
    (ENOENT) for a path that does not exist, saying what does; IsADirectoryError for a
    directory."""
    path = posixpath.normpath(path)
    if path == DEBUGFS_SUMMARY:
        return debugfs_summary()
    if not _in_class(path):
        raise _not_found(path, f"pydma.sysfs has {SYS_CLASS_DMA}/<channel>/<attribute> and {DEBUGFS_SUMMARY}")
    chan, attr = _chan_attr(path)
    if attr is None:
        raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
    return CHAN_ATTRS[attr](chan)


async def read_async(path: str) -> str:
    """As read(), but the summary reads the hardware (debugfs_summary_async)."""
    if posixpath.normpath(path) == DEBUGFS_SUMMARY:
        return await debugfs_summary_async()
    return read(path)


def listdir(path: str = SYS_CLASS_DMA) -> list[str]:
    """The channels under /sys/class/dma, or a channel's attributes."""
    path = posixpath.normpath(path)
    if not _in_class(path):
        raise _not_found(path, f"pydma.sysfs lists {SYS_CLASS_DMA} and its channels")
    chan, attr = _chan_attr(path)
    if attr is not None:
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", path)
    return list(CHAN_ATTRS) if chan is not None else list(dma_chans())

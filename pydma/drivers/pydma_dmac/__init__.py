"""Provider driver for the pydma controller (rtl/pydma_dmac.sv), built on virt-dma.

One dmaengine transaction is a chain of hardware descriptors from a per-channel DMA pool,
linked through NEXT, with IOC on its last one (a cyclic one: a closed ring, IOC on every
period). The driver is split along its jobs, as drivers/dma/ drivers with several files are:

- `device`: probe and capabilities, channel resources, prep entry points, issue, pause,
  resume, terminate, synchronize, tx_status and residue;
- `segments`: prep arguments in, hardware segments out (pure functions, the limits);
- `desc`: a transaction (`PydmaDesc`) and how its descriptors are linked;
- `hw_desc`: a hardware descriptor and the channel's ring of them (pin, orphan, free);
- `chan`: the channel and its explicit state machine (`ChanState`);
- `regs`: the channel's register programming;
- `issue`: handing issued transactions to the hardware (start, append);
- `irq`: the interrupt handler: completion, halt, abort;
- `debugfs`: its lines in the debugfs summary (dbg_summary_show, dbg_summary_read).
"""

from pydma.drivers.pydma_dmac.chan import ChanState, PydmaChan
from pydma.drivers.pydma_dmac.desc import PydmaDesc
from pydma.drivers.pydma_dmac.device import PydmaDevice, pydma_filter
from pydma.drivers.pydma_dmac.segments import HW_SEG_MAX

__all__ = ["HW_SEG_MAX", "ChanState", "PydmaChan", "PydmaDesc", "PydmaDevice", "pydma_filter"]

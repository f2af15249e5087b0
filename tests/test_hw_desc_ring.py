"""A channel's hardware-descriptor ring (pydma/drivers/pydma_dmac/hw_desc.py) without a
simulator: all-or-nothing allocation within the limit, and the pin that keeps the descriptor
retired last out of the pool (the controller may re-read its NEXT) until a later one retires
or the channel is reset, however its transaction is freed meanwhile."""

from __future__ import annotations

import pytest

from pydma.dma_mapping import Device
from pydma.drivers.pydma_dmac.hw_desc import HwDescRing
from pydma.sim.axi_memory import AxiSimMemory


@pytest.fixture
def ring() -> HwDescRing:
    r = HwDescRing("dma0chan0", limit=8)
    assert r.create(Device("test", AxiSimMemory(size=1 << 20, base=0x1000_0000, addr_width=32)))
    return r


def in_pool(ring: HwDescRing, h) -> bool:
    return h.phys in ring.pool._used


def test_alloc_is_all_or_nothing_within_the_limit(ring):
    a = ring.alloc(5)
    assert a is not None and ring.in_use == 5
    assert ring.alloc(4) is None and ring.in_use == 5, "a refused allocation took descriptors"
    b = ring.alloc(3)
    assert b is not None and ring.in_use == 8
    assert len({h.phys for h in a + b}) == 8
    ring.free(a)
    assert ring.in_use == 3 and not any(in_pool(ring, h) for h in a)


def test_the_last_retired_descriptor_stays_pinned(ring):
    hw = ring.alloc(3)
    ring.retire(hw[0])
    ring.retire(hw[1])
    assert hw[1].pinned and not hw[0].pinned
    ring.free(hw)  # the transaction completes and lets go of its descriptors
    assert ring.in_use == 0
    assert in_pool(ring, hw[1]) and hw[1].orphan, "freed while the controller may read it"
    assert not in_pool(ring, hw[0]) and not in_pool(ring, hw[2])
    # an orphan still counts against the limit until it is unpinned
    assert ring.alloc(8) is None
    more = ring.alloc(7)
    assert more is not None
    ring.retire(more[0])  # a later descriptor retires: the orphan goes back
    assert not in_pool(ring, hw[1]) and ring.last_retired is more[0]


def test_unpin_at_reset_frees_an_orphan(ring):
    hw = ring.alloc(2)
    ring.retire(hw[1])
    ring.free(hw)
    assert in_pool(ring, hw[1])
    ring.unpin()  # ABORT_IRQ: the channel is idle and reads nothing old again
    assert not in_pool(ring, hw[1]) and ring.last_retired is None


def test_unpin_keeps_a_descriptor_its_transaction_still_holds(ring):
    hw = ring.alloc(2)
    ring.retire(hw[1])
    ring.unpin()
    assert in_pool(ring, hw[1]) and not hw[1].pinned, "a reusable transaction's descriptor was freed"
    ring.free(hw)
    assert not in_pool(ring, hw[1])


def test_destroy_unpins_first(ring):
    hw = ring.alloc(1)
    ring.retire(hw[0])
    ring.free(hw)
    ring.destroy()
    assert ring.pool is None and ring.last_retired is None

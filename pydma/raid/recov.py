"""RAID-6 recovery of two lost blocks (the kernel's `lib/raid6/recov.c`): two data disks
from P and Q, or one data disk and P from Q."""

from __future__ import annotations

from collections.abc import Sequence

from pydma.raid.gf import gf_scale, raid6_gfexi, raid6_gfexp, raid6_gfinv, raid6_gfmul
from pydma.raid.syndrome import gen_syndrome, xor_blocks


def raid6_2data_recov(data: Sequence[bytes | None], p: bytes, q: bytes, faila: int, failb: int) -> tuple[bytes, bytes]:
    """Data disks faila < failb (None in data) from the others and P, Q (recov.c's algorithm:
    the syndrome of the survivors, then Db = A*(P+Pxy) + B*(Q+Qxy), Da = Db + P+Pxy)."""
    if not 0 <= faila < failb < len(data):
        raise ValueError(f"failed disks {faila}, {failb} of {len(data)}")
    n = len(p)
    zero = bytes(n)
    pxy, qxy = gen_syndrome([zero if i in (faila, failb) else data[i] for i in range(len(data))])
    pd, qd = xor_blocks([p, pxy]), xor_blocks([q, qxy])
    pbmul = raid6_gfmul[raid6_gfexi[failb - faila]]
    qmul = raid6_gfmul[raid6_gfinv[raid6_gfexp[faila] ^ raid6_gfexp[failb]]]
    db = xor_blocks([pd.translate(pbmul), qd.translate(qmul)])
    return xor_blocks([db, pd]), db


def raid6_datap_recov(data: Sequence[bytes | None], q: bytes, faila: int) -> tuple[bytes, bytes]:
    """Data disk faila (None in data) and P from the other data disks and Q."""
    if not 0 <= faila < len(data):
        raise ValueError(f"failed disk {faila} of {len(data)}")
    n = len(q)
    _, qx = gen_syndrome([bytes(n) if i == faila else data[i] for i in range(len(data))])
    dx = gf_scale(xor_blocks([q, qx]), raid6_gfinv[raid6_gfexp[faila]])
    p = xor_blocks([dx if i == faila else data[i] for i in range(len(data))])
    return dx, p

"""RAID arithmetic in software: the references the hardware is checked against and the
synchronous fallback of async_tx (ports of the kernel's `lib/raid6/` and `crypto/xor.c`)."""

from pydma.raid.gf import raid6_gfexi, raid6_gfexp, raid6_gfinv, raid6_gflog, raid6_gfmul
from pydma.raid.recov import raid6_2data_recov, raid6_datap_recov
from pydma.raid.syndrome import gen_syndrome, pq_blocks, xor_blocks, xor_syndrome

__all__ = [
    "gen_syndrome",
    "pq_blocks",
    "raid6_2data_recov",
    "raid6_datap_recov",
    "raid6_gfexi",
    "raid6_gfexp",
    "raid6_gfinv",
    "raid6_gflog",
    "raid6_gfmul",
    "xor_blocks",
    "xor_syndrome",
]

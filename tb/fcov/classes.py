"""The functional coverage model's vocabulary of transfer shapes, without cocotb-coverage: the
model's bins (tb/fcov/model.py) and the transfers made to hit them (tb/testenv/shapes.py)
use the same names, defined once here."""

from __future__ import annotations

OPS = (
    "memcpy",
    "memcpy_sg",
    "xor",
    "xor_val",
    "pq",
    "pq_val",
    "memset",
    "memset_sg",
    "interrupt",
    "slave_tx",
    "slave_rx",
    "cyclic_tx",
    "cyclic_rx",
)
ALIGNS = ("aligned", "low", "high", "none")  # byte offset in the bus word: 0, < half, >= half
LENGTHS = ("sub_beat", "sub_burst", "multi_burst", "cross_4k", "multi_chunk", "none")
NO_SOURCE = ("memset", "memset_sg", "interrupt", "slave_rx", "cyclic_rx")  # memory source: none
NO_DEST = ("xor_val", "pq_val", "interrupt", "slave_tx", "cyclic_tx")  # memory destination: none
MEM_ALIGNS = ALIGNS[:3]

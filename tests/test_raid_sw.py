"""pydma.raid against the kernel's lib/raid6 tables and an independent byte-wise reference."""

from __future__ import annotations

import random

from pydma.raid import gen_syndrome, raid6_2data_recov, raid6_datap_recov
from pydma.raid.gf import raid6_gfexi, raid6_gfexp, raid6_gfinv, raid6_gflog, raid6_gfmul


def test_tables_as_mktables_writes_them() -> None:
    assert raid6_gfexp[:9] == bytes([1, 2, 4, 8, 16, 32, 64, 128, 0x1D])
    assert raid6_gfexp[255] == 0 and raid6_gfexi[255] == 1  # "entry 255, not a real entry"
    assert raid6_gflog[0] == 0xFF and raid6_gfinv[0] == 0
    for a in range(1, 256):
        assert raid6_gfmul[a][raid6_gfinv[a]] == 1
        assert raid6_gfexp[raid6_gflog[a]] == a


def test_syndrome_and_recovery_against_a_byte_walk(seed: int) -> None:
    rng = random.Random(seed)
    data = [rng.randbytes(64) for _ in range(6)]
    p, q = gen_syndrome(data)
    for j in range(64):  # Horner over the disks, as lib/raid6/int.uc does it
        want_q = 0
        for d in reversed(data):
            want_q = raid6_gfmul[2][want_q] ^ d[j]
        assert q[j] == want_q and p[j] == data[0][j] ^ data[1][j] ^ data[2][j] ^ data[3][j] ^ data[4][j] ^ data[5][j]
    for a in range(6):
        for b in range(a + 1, 6):
            lost = [None if i in (a, b) else d for i, d in enumerate(data)]
            assert raid6_2data_recov(lost, p, q, a, b) == (data[a], data[b])
        assert raid6_datap_recov([None if i == a else d for i, d in enumerate(data)], q, a) == (data[a], p)

"""Render `layout.py` as a SystemVerilog package and as the register-map document.

Run `python -m pydma.hw.generate` (or `make gen`) after editing `layout.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydma.hw import layout

ROOT = Path(__file__).resolve().parents[2]
SV_PATH = ROOT / "rtl" / "pydma_layout_pkg.sv"
DOC_PATH = ROOT / "docs" / "register-map.md"

_HEADER = "generated from pydma/hw/layout.py by pydma/hw/generate.py; do not edit"


def render_sv() -> str:
    out = [f"// {_HEADER}", "package pydma_layout_pkg;", ""]
    out.append(f"  localparam logic [31:0] ID_MAGIC = 32'h{layout.ID_MAGIC:08X};")
    out.append(f"  localparam logic [31:0] VERSION = 32'h{layout.VERSION:08X};")
    out.append(f"  localparam int CHAN_BASE = 'h{layout.CHAN_BASE:X};")
    out.append(f"  localparam int CHAN_STRIDE = 'h{layout.CHAN_STRIDE:X};")
    out.append("")
    for r in layout.GLOBAL_REGS:
        out.append(f"  localparam int REG_{r.name} = 'h{r.offset:03X};")
    for r in layout.CHAN_REGS:
        out.append(f"  localparam int CH_{r.name} = 'h{r.offset:02X};")
    # bit n: the channel register at word n takes writes (a write elsewhere answers SLVERR)
    words = layout.CHAN_STRIDE // 4
    writable = sum(1 << (r.offset // 4) for r in layout.CHAN_REGS if r.access != "RO")
    out.append(f"  localparam int CH_LAST_OFF = 'h{max(r.offset for r in layout.CHAN_REGS):02X};")
    out.append(f"  localparam logic [{words - 1}:0] CH_WRITABLE_WORDS = {words}'h{writable:0{words // 4}X};")
    out.append("")
    for r in layout.GLOBAL_REGS + layout.CHAN_REGS:
        for f in r.fields:
            out.append(f"  localparam int {r.name}_{f.name}_LSB = {f.lsb};")
            out.append(f"  localparam int {r.name}_{f.name}_W = {f.width};")
    out.append("")
    out.append(f"  localparam int DESC_ALIGN = {layout.DESC_ALIGN};")
    out.append(f"  localparam int DESC_FETCH_BYTES = {layout.DESC_FETCH_BYTES};")
    for f in layout.DESC_FIELDS:
        out.append(f"  localparam int DESC_{f.name}_OFF = 'h{f.offset:02X};")
        out.append(f"  localparam int DESC_{f.name}_BYTES = {f.size};")
    out.append("")
    for flag in layout.DescCtrl:
        out.append(f"  localparam int DCTRL_{flag.name}_BIT = {flag.value.bit_length() - 1};")
    out.append(f"  localparam logic [31:0] DCTRL_VALID_MASK = 32'h{int(layout.DESC_CTRL_VALID_MASK):08X};")
    out.append(f"  localparam int DCTRL_OP_LSB = {layout.DESC_CTRL_OP[0]};")
    out.append(f"  localparam int DCTRL_OP_W = {layout.DESC_CTRL_OP[1]};")
    out.append(f"  localparam int DCTRL_NSRC_LSB = {layout.DESC_CTRL_NSRC[0]};")
    out.append(f"  localparam int DCTRL_NSRC_W = {layout.DESC_CTRL_NSRC[1]};")
    op_w = layout.DESC_CTRL_OP[1]
    for op in layout.DescOp:
        out.append(f"  localparam logic [{op_w - 1}:0] OP_{op.name} = {op_w}'d{op.value};")
    out.append(f"  localparam int DSTAT_DONE_BIT = {layout.DescStatus.DONE.value.bit_length() - 1};")
    out.append(f"  localparam int DSTAT_EOP_BIT = {layout.DescStatus.EOP.value.bit_length() - 1};")
    out.append(f"  localparam int DSTAT_ERR_LSB = {int(layout.DescStatus.ERR_SHIFT)};")
    out.append(f"  localparam int DSTAT_SUM_CHECK_P_BIT = {layout.DescStatus.SUM_CHECK_P.value.bit_length() - 1};")
    out.append(f"  localparam int DSTAT_SUM_CHECK_Q_BIT = {layout.DescStatus.SUM_CHECK_Q.value.bit_length() - 1};")
    out.append("")
    out.append(f"  localparam int OPND_ALIGN = {layout.OPND_ALIGN};")
    out.append(f"  localparam int OPND_SRC_OFF = 'h{layout.OPND_SRC_OFF:02X};")
    out.append(f"  localparam int OPND_MAX_SRC = {layout.OPND_MAX_SRC};")
    out.append(f"  localparam int OPND_QDST_OFF = 'h{layout.OPND_QDST_OFF:02X};")
    out.append(f"  localparam int OPND_COEF_OFF = 'h{layout.OPND_COEF_OFF:02X};")
    out.append("")
    for d in layout.Direction:
        out.append(f"  localparam logic [1:0] DIR_{d.name} = 2'd{d.value};")
    for code in layout.ErrCode:
        out.append(f"  localparam logic [3:0] ERR_{code.name} = 4'd{code.value};")
    out.append("")
    out.append("endpackage")
    return "\n".join(out) + "\n"


_OP_DOC = {
    "COPY": "Copy LEN bytes from SRC to DST, or a slave transfer as `SLAVE_CFG.DIR` says.",
    "MEMSET": "Fill LEN bytes at DST with the byte `SRC[7:0]`.",
    "XOR": "DST = the XOR of the NSRC sources of the operand table, LEN bytes each.",
    "XOR_VAL": "Check that the XOR of the NSRC sources is zero; only the status is written "
    "(`SUM_CHECK_P` set when it is not).",
    "PQ": "RAID-6 syndrome: P (XOR) to DST and Q (sum of COEF[i] * SRC[i] over GF(2^8), "
    "polynomial 0x11d) to the table's Q_DST.",
    "PQ_VAL": "Check the P block at DST and the Q block at Q_DST against the sources; only the "
    "status is written (`SUM_CHECK_P`, `SUM_CHECK_Q`).",
    "INTERRUPT": "Move nothing (LEN 0, SRC and DST 0); complete, with IOC raising the interrupt.",
}


def _bits(lsb_width: tuple[int, int]) -> str:
    lsb, width = lsb_width
    return f"{lsb + width - 1}:{lsb}"


def _field_rows(r: layout.Register) -> list[str]:
    rows = []
    for f in r.fields:
        bits = f"{f.lsb}" if f.width == 1 else f"{f.lsb + f.width - 1}:{f.lsb}"
        rows.append(f"| | `{f.name}` | [{bits}] | {f.access} | {f.doc} |")
    return rows


def render_markdown() -> str:
    out = [
        "# Register map and descriptor layout",
        "",
        f"<!-- {_HEADER} -->",
        "",
        "The controller's AXI4-Lite slave holds global registers at offset 0 and one block of",
        f"registers per channel at `0x{layout.CHAN_BASE:X} + n * 0x{layout.CHAN_STRIDE:X}`. All registers are",
        "32 bits wide. Accesses to unmapped offsets, accesses to an address that is not",
        "word-aligned, writes without all four byte strobes and writes to a register marked RO",
        "answer SLVERR and change nothing.",
        "",
        "## Global registers",
        "",
        "| Offset | Name | Bits | Access | Description |",
        "|---|---|---|---|---|",
    ]
    for r in layout.GLOBAL_REGS:
        out.append(f"| `0x{r.offset:03X}` | `{r.name}` | [31:0] | {r.access} | {r.doc} |")
        out.extend(_field_rows(r))
    out += [
        "",
        "## Channel registers",
        "",
        f"Offsets relative to the channel block `0x{layout.CHAN_BASE:X} + n * 0x{layout.CHAN_STRIDE:X}`.",
        "",
        "| Offset | Name | Bits | Access | Description |",
        "|---|---|---|---|---|",
    ]
    for r in layout.CHAN_REGS:
        out.append(f"| `0x{r.offset:02X}` | `{r.name}` | [31:0] | {r.access} | {r.doc} |")
        out.extend(_field_rows(r))
    out += [
        "",
        "## Descriptor layout",
        "",
        f"Descriptors are {layout.DESC_SIZE} bytes, {layout.DESC_ALIGN}-byte aligned, little-endian. The",
        f"hardware fetches the first {layout.DESC_FETCH_BYTES} bytes in one burst and writes the status",
        "words back in one burst after the data of the descriptor has been written (all write",
        "responses received). A 2D descriptor (`CTRL.XT`) has its second "
        f"{layout.DESC_FETCH_BYTES} bytes fetched in a second burst after the first. Bytes from",
        f"`0x{max(f.offset + f.size for f in layout.DESC_FIELDS):02X}` on are free for the driver's own use.",
        "",
        "| Offset | Size | Name | Written by | Description |",
        "|---|---|---|---|---|",
    ]
    for f in layout.DESC_FIELDS:
        out.append(f"| `0x{f.offset:02X}` | {f.size} | `{f.name}` | {f.writer} | {f.doc} |")
    out += [
        "",
        "### Descriptor flags (`CTRL`)",
        "",
        "| Bit | Name | Meaning |",
        "|---|---|---|",
        "| 0 | `IOC` | Interrupt on completion: set `STATUS.IOC_IRQ` when this descriptor completes. |",
        "| 1 | `EOC` | End of chain: stop after this descriptor even if it is not the tail. |",
        "| 2 | `FENCE` | The next descriptor reads nothing before this one's writes are all "
        "acknowledged (it depends on the result). |",
        "| 3 | `XT` | 2D (interleaved): `LEN` bytes in rows of `ROW_LEN` (the last maybe shorter), "
        "each row `SRC_STRIDE` / `DST_STRIDE` bytes after the previous one's start; COPY only, "
        "when `OPS_CONFIG.XT` is set. |",
        f"| {_bits(layout.DESC_CTRL_OP)} | `OP` | The operation (below). |",
        f"| {_bits(layout.DESC_CTRL_NSRC)} | `NSRC` | XOR, XOR_VAL: sources, 2 to `OPS_CONFIG.MAX_XOR`; "
        "PQ, PQ_VAL: 1 to `OPS_CONFIG.MAX_PQ`; otherwise 0. |",
        "| 16 | `PQ_DISABLE_P` | PQ: P is not written; PQ_VAL: P is not checked. |",
        "| 17 | `PQ_DISABLE_Q` | PQ: Q is not written; PQ_VAL: Q is not checked. |",
        "| 18 | `REPEAT` | A slave transfer's descriptor that, ending while it is still the tail, runs again "
        "(`FRAME_CNT` counts it, `IOC` interrupts each time, no status write-back); once `TAIL_DESC` has moved "
        "past it, it completes at its end and the chain goes on (docs/video.md). With `EOC`, on a memory "
        "copy or a cyclic channel, or where `OPS_CONFIG.REPEAT` is clear: `DESC`. |",
        "| other | reserved | Must be 0; a set bit is a descriptor error (`DESC`). |",
        "",
        "### Descriptor operations (`CTRL.OP`)",
        "",
        "| Code | Name | Meaning |",
        "|---|---|---|",
        *[f"| {op.value} | `{op.name}` | {_OP_DOC[op.name]} |" for op in layout.DescOp],
        "",
        "An operation the instance lacks (`OPS_CONFIG`), a source count out of range, an operation",
        "other than COPY on a channel set up for a slave direction, an INTERRUPT with a length",
        "or a MEMSET whose `SRC` has bits above [7:0], or `XT` on an operation other than COPY or",
        "with `ROW_LEN` 0, is a descriptor error (`DESC`).",
        "",
        "### Operand table (XOR, XOR_VAL, PQ, PQ_VAL)",
        "",
        f"`SRC` points to a table, {layout.OPND_ALIGN}-byte aligned (otherwise `DESC`); the",
        f"hardware reads only the {layout.DESC_FETCH_BYTES}-byte rows it needs. A bus error reading",
        "it completes the descriptor with `READ`.",
        "",
        "| Offset | Size | Name | Meaning |",
        "|---|---|---|---|",
        f"| `0x{layout.OPND_SRC_OFF:02X}` + 8 i | 8 | `SRC[i]` | Bus address of source i (i < NSRC, "
        f"at most {layout.OPND_MAX_SRC}), any byte alignment. |",
        f"| `0x{layout.OPND_QDST_OFF:02X}` | 8 | `Q_DST` | PQ: where Q goes; PQ_VAL: the Q block checked. |",
        f"| `0x{layout.OPND_COEF_OFF:02X}` + i | 1 | `COEF[i]` | PQ, PQ_VAL: the GF(2^8) coefficient of "
        "source i in Q (the kernel's `raid6_gfexp[i]` for a syndrome). |",
        "",
        "### Status word (`STATUS`, written back)",
        "",
        "| Bits | Name | Meaning |",
        "|---|---|---|",
        "| 0 | `DONE` | The descriptor was processed (also set on error). |",
        "| 1 | `EOP` | The peripheral ended the transaction (LREQ) in or before this descriptor. |",
        "| 7:4 | `ERR_CODE` | 0 on success, otherwise an error code below. |",
        "| 8 | `SUM_CHECK_P` | XOR_VAL, PQ_VAL: the P sum is not zero (the kernel's `SUM_CHECK_P_RESULT`). |",
        "| 9 | `SUM_CHECK_Q` | PQ_VAL: the Q sum is not zero (`SUM_CHECK_Q_RESULT`). |",
        "",
        "## Error codes",
        "",
        "| Code | Name |",
        "|---|---|",
    ]
    for code in layout.ErrCode:
        out.append(f"| {code.value} | `{code.name}` |")
    return "\n".join(out) + "\n"


def outputs() -> dict[Path, str]:
    return {SV_PATH: render_sv(), DOC_PATH: render_markdown()}


def main() -> int:
    for path, text in outputs().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

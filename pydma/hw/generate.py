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
    out.append(f"  localparam int DSTAT_DONE_BIT = {layout.DescStatus.DONE.value.bit_length() - 1};")
    out.append(f"  localparam int DSTAT_EOP_BIT = {layout.DescStatus.EOP.value.bit_length() - 1};")
    out.append(f"  localparam int DSTAT_ERR_LSB = {int(layout.DescStatus.ERR_SHIFT)};")
    out.append("")
    for d in layout.Direction:
        out.append(f"  localparam logic [1:0] DIR_{d.name} = 2'd{d.value};")
    for code in layout.ErrCode:
        out.append(f"  localparam logic [3:0] ERR_{code.name} = 4'd{code.value};")
    out.append("")
    out.append("endpackage")
    return "\n".join(out) + "\n"


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
        "responses received). Bytes from `0x28` on are free for the driver's own use.",
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
        "| 31:2 | reserved | Must be 0; a set bit is a descriptor error (`DESC`). |",
        "",
        "### Status word (`STATUS`, written back)",
        "",
        "| Bits | Name | Meaning |",
        "|---|---|---|",
        "| 0 | `DONE` | The descriptor was processed (also set on error). |",
        "| 1 | `EOP` | The peripheral ended the transaction (LREQ) in or before this descriptor. |",
        "| 7:4 | `ERR_CODE` | 0 on success, otherwise an error code below. |",
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

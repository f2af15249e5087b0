"""One source of truth: the RTL package and the register-map document are generated from
pydma/hw/layout.py, and must match it."""

from pydma.hw import generate


def test_generated_files_are_current() -> None:
    for path, text in generate.outputs().items():
        assert path.read_text() == text, f"{path} is stale: run `make gen`"


def test_layout_is_consistent() -> None:
    from pydma.hw import layout

    offsets = [r.offset for r in layout.CHAN_REGS]
    assert len(set(offsets)) == len(offsets) and max(offsets) < layout.CHAN_STRIDE
    end = 0
    for f in sorted(layout.DESC_FIELDS, key=lambda f: f.offset):
        assert f.offset >= end, f"{f.name} overlaps"
        end = f.offset + f.size
    assert end <= layout.DESC_SIZE and layout.DESC_FETCH_BYTES <= layout.DESC_SIZE

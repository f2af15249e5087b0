"""The long runs' progress lines (tb/progress.py): plain lines in a log, one rewritten line on a
terminal, each with done/total, elapsed and an estimate of what is left."""

from __future__ import annotations

import io

from tb.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_gets_a_line_per_tenth_and_the_end():
    out = io.StringIO()
    p = Progress("soak", 50, stream=out)
    for _ in range(50):
        p.advance()
    p.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10, lines  # 10%, 20%, ... 100%: the end is not printed twice
    assert lines[0].startswith("soak: 5/50 operations (10%), ") and "left" in lines[0]
    assert lines[-1].startswith("soak: 50/50 operations (100%), ") and "left" not in lines[-1]


def test_unfinished_run_prints_where_it_stopped():
    out = io.StringIO()
    p = Progress("dmatest", 1000, unit="tests", stream=out)
    for _ in range(3):
        p.advance()
    p.finish()
    assert out.getvalue().splitlines() == [out.getvalue().splitlines()[0]]
    assert out.getvalue().startswith("dmatest: 3/1000 tests (0%)")


def test_terminal_rewrites_one_line():
    out = Tty()
    p = Progress("bench", 4, unit="runs", stream=out)
    for _ in range(4):
        p.advance()
    p.finish()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.startswith("\r") and "bench: 4/4 runs (100%)" in text


def test_callback_starts_at_the_first_call_and_follows_done():
    from tb.progress import ProgressCallback

    cb = ProgressCallback("raid6test", unit="pairs")
    out = io.StringIO()
    cb.finish()  # never called: nothing to say
    cb(1, 4)
    cb.progress.stream = out
    for done in (2, 3, 4):
        cb(done, 4)
    cb.finish()
    assert cb.progress.done == 4
    assert out.getvalue().splitlines()[-1].startswith("raid6test: 4/4 pairs (100%)")

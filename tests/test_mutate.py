"""`make mutate` (tools/mutate.py): every mutation of tools/mutations.py still applies to the
tree exactly once (a change that moves the text it mutates fails here, so the list stays
true), and the tool tells a killed mutant from a survivor."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools import mutate
from tools.mutations import DEFAULT_TESTS, MUTATIONS, Mutation

ROOT = Path(__file__).resolve().parent.parent


def test_every_mutation_applies_exactly_once() -> None:
    assert mutate.check_all(ROOT) == []


def test_every_mutation_is_described_and_its_tests_exist() -> None:
    for m in MUTATIONS:
        assert m.models.strip(), m.id
        assert m.explained is None or m.explained.strip(), m.id
        for t in m.tests or DEFAULT_TESTS:
            if t.startswith("tests/"):  # (not an option such as -k and its expression)
                assert (ROOT / t.split("::")[0]).exists(), f"{m.id}: no {t}"


def test_apply_refuses_a_mutation_that_does_not_match_once() -> None:
    m = Mutation("x", "f.py", "a = 1", "a = 2", "demo")
    assert mutate.apply("a = 1\n", m) == "a = 2\n"
    with pytest.raises(mutate.MutationError, match="0 times"):
        mutate.apply("b = 1\n", m)
    with pytest.raises(mutate.MutationError, match="2 times"):
        mutate.apply("a = 1\na = 1\n", m)


@pytest.fixture
def tiny_tree(tmp_path: Path) -> Path:
    """A tree of one module and its test: `add` adds."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "calc.py").write_text("def add(a, b):\n    return a + b\n\n\ndef unused():\n    return 1\n")
    (tmp_path / "test_calc.py").write_text("from pkg.calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    return tmp_path


def _run(tree: Path, m: Mutation) -> mutate.Outcome:
    return mutate.run_one(m, tree, timeout=60, seed=None)


def test_a_mutant_the_test_catches_is_killed_and_the_tree_restored(tiny_tree: Path) -> None:
    m = Mutation("add-sub", "pkg/calc.py", "return a + b", "return a - b", "wrong operator", tests=("test_calc.py",))
    before = (tiny_tree / "pkg/calc.py").read_text()
    out = _run(tiny_tree, m)
    assert out.result == mutate.KILLED
    assert out.killer == "test_calc.py::test_add"
    assert (tiny_tree / "pkg/calc.py").read_text() == before


def test_a_mutant_no_test_sees_survives_unless_explained(tiny_tree: Path) -> None:
    m = Mutation("unused", "pkg/calc.py", "return 1", "return 2", "dead code", tests=("test_calc.py",))
    assert _run(tiny_tree, m).result == mutate.SURVIVED
    explained = Mutation(m.id, m.file, m.original, m.replacement, m.models, m.tests, explained="never called")
    assert _run(tiny_tree, explained).result == mutate.EXPLAINED


def test_a_mutation_that_no_longer_applies_is_an_error(tiny_tree: Path) -> None:
    m = Mutation("gone", "pkg/calc.py", "return a * b", "return a", "moved code", tests=("test_calc.py",))
    out = _run(tiny_tree, m)
    assert out.result == mutate.ERROR
    assert "0 times" in out.killer


def test_classify_timeouts_and_collection_errors() -> None:
    m = MUTATIONS[0]
    assert mutate.classify(m, None, "")[0] == mutate.TIMEOUT
    assert mutate.classify(m, 2, "ERROR tests/test_x.py - ImportError\n") == (mutate.KILLED, "tests/test_x.py")
    assert mutate.classify(m, 5, "no tests ran")[0] == mutate.ERROR
    out = "ERROR    pydma:runner.py:674 Failed 1 of 2 tests\nFAILED tests/t.py::test_x[a b-c] - AssertionError: no\n"
    assert mutate.classify(m, 1, out) == (mutate.KILLED, "tests/t.py::test_x[a b-c]")


def test_report_counts(tmp_path: Path) -> None:
    outs = [
        mutate.Outcome(MUTATIONS[0], mutate.KILLED, "t::a", 1.0),
        mutate.Outcome(MUTATIONS[1], mutate.TIMEOUT, "", 2.0),
        mutate.Outcome(MUTATIONS[2], mutate.SURVIVED, "", 3.0),
        mutate.Outcome(MUTATIONS[3], mutate.EXPLAINED, "", 3.0),
    ]
    assert mutate.killed_percent(outs) == 50.0
    text = mutate.write_report(outs, tmp_path / "r.md", 9.0, 1)
    assert "2 of 4 mutants killed (50.0%)" in text
    assert text.count(f"| {MUTATIONS[0].id} |") == 1


def test_main_list_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert mutate.main(["--list"]) == 0
    assert MUTATIONS[0].id in capsys.readouterr().out
    assert sys.modules["tools.mutations"].MUTATIONS is MUTATIONS

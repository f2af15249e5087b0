"""Mutation testing of pydma's driver stack (`make mutate`).

Applies each mutation of `tools/mutations.py` (a realistic single bug) to a scratch copy of
the tree under build/mutate/ (never to the working tree), runs the mutation's regression
subset against it with a timeout, and classifies the mutant:

- killed: the subset failed (the first failing test is the one that killed it);
- timeout: the subset ran past the timeout (counted as killed, reported apart);
- survived: the subset passed; acceptable only with an `explained` reason in the list;
- error: the mutation no longer applies (its original text is not found exactly once), or
  the subset collected no test: the list or the tool is wrong.

Writes build/reports/mutation.md and exits non-zero below --min-killed percent killed, on
any unexplained survivor, or on any error. Usage:

    python -m tools.mutate [--only ID ...] [--list] [-j N] [--timeout S] [--seed N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.mutations import DEFAULT_TESTS, MUTATIONS, Mutation

ROOT = Path(__file__).resolve().parent.parent
KILLED, TIMEOUT, SURVIVED, EXPLAINED, ERROR = "killed", "timeout", "survived", "survived (explained)", "error"
# pytest's short summary: "FAILED <node id> - <message>" (a node id may hold spaces), and
# "ERROR <file>" for a collection error; not a captured log line ("ERROR    logger:...")
_FAILED = re.compile(r"^(FAILED|ERROR) (\S+\.py(?:::.+?)?)(?: - .*)?$", re.M)


class MutationError(ValueError):
    """A mutation that does not apply: its original text is not in its file exactly once."""


@dataclass
class Outcome:
    mutation: Mutation
    result: str
    killer: str = ""  # the first failing test, or why it is an error
    seconds: float = 0.0


def apply(text: str, mutation: Mutation) -> str:
    """`text` with the mutation's original replaced by its replacement; MutationError unless
    the original occurs exactly once."""
    count = text.count(mutation.original)
    if count != 1:
        raise MutationError(f"{mutation.id}: original text found {count} times in {mutation.file} (must be once)")
    if mutation.original == mutation.replacement:
        raise MutationError(f"{mutation.id}: the replacement is the original")
    return text.replace(mutation.original, mutation.replacement)


def check_all(root: Path = ROOT, mutations: Sequence[Mutation] = MUTATIONS) -> list[str]:
    """Why each mutation that does not apply to the tree at `root` does not (empty: all do)."""
    problems = []
    ids = [m.id for m in mutations]
    problems += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for m in mutations:
        path = root / m.file
        if not path.is_file():
            problems.append(f"{m.id}: no file {m.file}")
            continue
        try:
            mutated = apply(path.read_text(), m)
            compile(mutated, str(path), "exec")
        except MutationError as exc:
            problems.append(str(exc))
        except SyntaxError as exc:
            problems.append(f"{m.id}: the mutant does not compile: {exc}")
    return problems


def _tracked_files(root: Path) -> list[str]:
    """The tree's files as git sees them (tracked, and new ones not ignored)."""
    out = subprocess.run(
        ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f]


def make_scratch(root: Path, dest: Path) -> Path:
    """A copy of the tree at `root` in `dest` (emptied first), without build outputs."""
    if dest.exists():
        shutil.rmtree(dest)
    for rel in _tracked_files(root):
        src = root / rel
        if not src.is_file():  # deleted in the work tree, not yet in the index
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def run_tests(
    work: Path, tests: Sequence[str], timeout: float, seed: int | None, python: str = sys.executable
) -> tuple[int | None, str, float]:
    """Run pytest on `tests` in the tree `work` (stopping at the first failure); returns
    (exit code or None on timeout, output, seconds)."""
    cmd = [python, "-m", "pytest", "-x", "-q", "-p", "no:randomly", *tests]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = dict(os.environ, PYTHONPATH=str(work), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: a simulator it started too
        out, _ = proc.communicate()
        return None, out.decode(errors="replace"), time.monotonic() - start
    return proc.returncode, out.decode(errors="replace"), time.monotonic() - start


def classify(mutation: Mutation, code: int | None, output: str) -> tuple[str, str]:
    """(result, killing test or reason) of a mutant's run: pytest's exit code 1 (tests
    failed) or 2 (interrupted: a collection or import error) kill it; 0 lets it survive."""
    if code is None:
        return TIMEOUT, ""
    if code in (1, 2, 3):
        found = _FAILED.search(output)
        if found:
            return KILLED, found.group(2)
        tail = [line for line in output.splitlines() if line.strip()][-1:] or [f"exit code {code}"]
        return KILLED, tail[0][:120]
    if code == 0:
        return (EXPLAINED, "") if mutation.explained else (SURVIVED, "")
    return ERROR, f"pytest exit code {code} (no tests collected?)"


def run_one(mutation: Mutation, work: Path, timeout: float, seed: int | None) -> Outcome:
    """Mutate the scratch tree `work`, run the subset, restore the file."""
    path = work / mutation.file
    original = path.read_text()
    try:
        path.write_text(apply(original, mutation))
    except MutationError as exc:
        return Outcome(mutation, ERROR, str(exc))
    try:
        code, output, seconds = run_tests(work, mutation.tests or DEFAULT_TESTS, timeout, seed)
    finally:
        path.write_text(original)
    result, killer = classify(mutation, code, output)
    return Outcome(mutation, result, killer, seconds)


def subset(mutation: Mutation) -> tuple[str, ...]:
    """The pytest arguments a mutant is run with."""
    return tuple(mutation.tests or DEFAULT_TESTS)


def run_all(
    mutations: Sequence[Mutation],
    workers: Sequence[Path],
    timeouts: dict[tuple[str, ...], float],
    seed: int | None,
    progress: Callable[[Outcome, int, int], None] | None = None,
) -> list[Outcome]:
    """Every mutant over the scratch trees `workers` (one mutant at a time in each), with
    the timeout of its subset; outcomes in the list's order."""
    free: queue.Queue[Path] = queue.Queue()
    for w in workers:
        free.put(w)
    done: list[Outcome] = []

    def task(m: Mutation) -> Outcome:
        work = free.get()
        try:
            return run_one(m, work, timeouts[subset(m)], seed)
        finally:
            free.put(work)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(workers)) as pool:
        futures = [pool.submit(task, m) for m in mutations]
        for fut in concurrent.futures.as_completed(futures):
            outcome = fut.result()
            done.append(outcome)
            if progress is not None:
                progress(outcome, len(done), len(mutations))
    order = {m.id: i for i, m in enumerate(mutations)}
    return sorted(done, key=lambda o: order[o.mutation.id])


def summary(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys((KILLED, TIMEOUT, SURVIVED, EXPLAINED, ERROR), 0)
    for o in outcomes:
        counts[o.result] += 1
    return counts


def killed_percent(outcomes: Sequence[Outcome]) -> float:
    counts = summary(outcomes)
    return 100.0 * (counts[KILLED] + counts[TIMEOUT]) / len(outcomes) if outcomes else 100.0


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(outcomes: Sequence[Outcome], path: Path, wall: float, seed: int | None) -> str:
    counts = summary(outcomes)
    total = len(outcomes)
    lines = [
        "# Mutation testing of pydma (`make mutate`)",
        "",
        f"{counts[KILLED] + counts[TIMEOUT]} of {total} mutants killed ({killed_percent(outcomes):.1f}%): "
        f"{counts[KILLED]} by a failing test, {counts[TIMEOUT]} by a timeout; {counts[EXPLAINED]} survived "
        f"with an explanation, {counts[SURVIVED]} survived unexplained, {counts[ERROR]} errors. "
        f"Wall time {wall:.0f} s{f', seed {seed}' if seed is not None else ''}.",
        "",
        "Mutations: tools/mutations.py. Default regression subset: " + ", ".join(f"`{t}`" for t in DEFAULT_TESTS),
        "",
        "| id | file | bug modeled | result | killed by / reason | s |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        m = o.mutation
        why = o.killer if o.result != EXPLAINED else f"explained: {m.explained}"
        lines.append(f"| {m.id} | {m.file} | {_cell(m.models)} | {o.result} | {_cell(why)} | {o.seconds:.1f} |")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="ID", help="run only these mutations")
    ap.add_argument("--list", action="store_true", help="list the mutations and whether each applies")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="mutants run at once (default 1)")
    ap.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per mutant before it counts as killed (default: 10 times the baseline's, at least 60)",
    )
    ap.add_argument("--seed", type=int, default=1, help="the regression's seed (default 1; reproducible)")
    ap.add_argument("--min-killed", type=float, default=90.0, help="percent killed below which it fails")
    ap.add_argument("--report", type=Path, default=ROOT / "build/reports/mutation.md")
    ap.add_argument("--scratch", type=Path, default=ROOT / "build/mutate")
    ap.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of each subset")
    args = ap.parse_args(argv)

    problems = check_all()
    if args.list:
        bad = {p.split(":")[0] for p in problems}
        for m in MUTATIONS:
            flag = "BROKEN" if m.id in bad else ("explained" if m.explained else "")
            print(f"{m.id:36} {m.file:44} {flag:9} {m.models}")
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1 if problems else 0

    mutations = list(MUTATIONS)
    if args.only:
        unknown = sorted(set(args.only) - {m.id for m in MUTATIONS})
        if unknown:
            print(f"unknown mutation ids: {', '.join(unknown)}", file=sys.stderr)
            return 2
        mutations = [m for m in MUTATIONS if m.id in args.only]
    start = time.monotonic()
    workers = [make_scratch(ROOT, args.scratch / f"w{k}") for k in range(max(1, args.jobs))]
    subsets = list(dict.fromkeys(subset(m) for m in mutations))
    timeouts = dict.fromkeys(subsets, args.timeout or 300.0)
    if not args.no_baseline:
        # each subset the mutants use passes on the unmutated tree (else a failure would
        # "kill" every mutant), in the first scratch tree: a simulation subset builds its
        # model there once. A mutant that hangs a test (a callback that never comes, on the
        # model's virtual clock) is stopped once it has taken far longer than the baseline.
        for sub in subsets:
            code, output, seconds = run_tests(workers[0], sub, args.timeout or 1800.0, args.seed)
            if code != 0:
                print(output[-4000:])
                print(f"mutate: the unmutated tree fails {' '.join(sub)} (exit {code}); fix that first")
                return 2
            if seconds > 60:  # the first run of a simulation subset builds its model: time a second
                code, output, seconds = run_tests(workers[0], sub, args.timeout or 1800.0, args.seed)
                if code != 0:
                    print(output[-4000:])
                    print(f"mutate: the unmutated tree fails {' '.join(sub)} on its second run (exit {code})")
                    return 2
            timeouts[sub] = args.timeout or max(60.0, 10 * seconds)
            print(f"mutate: baseline {' '.join(sub)[:60]}... passes ({seconds:.1f} s); timeout {timeouts[sub]:.0f} s")
    print(f"mutate: {len(mutations)} mutants, {len(workers)} at a time")

    def progress(o: Outcome, n: int, total: int) -> None:
        tail = f" ({o.killer})" if o.killer else ""
        print(f"[{n:3}/{total}] {o.mutation.id:36} {o.result}{tail} {o.seconds:.1f} s", flush=True)

    outcomes = run_all(mutations, workers, timeouts, args.seed, progress)
    wall = time.monotonic() - start
    write_report(outcomes, args.report, wall, args.seed)
    counts = summary(outcomes)
    pct = killed_percent(outcomes)
    print(
        f"mutate: {counts[KILLED] + counts[TIMEOUT]}/{len(outcomes)} killed ({pct:.1f}%), "
        f"{counts[TIMEOUT]} by timeout; survived {counts[SURVIVED]} unexplained, {counts[EXPLAINED]} explained; "
        f"{counts[ERROR]} errors; {wall:.0f} s; report {args.report}"
    )
    for o in outcomes:
        if o.result in (SURVIVED, ERROR):
            print(f"  {o.result}: {o.mutation.id} ({o.mutation.file}): {o.killer or o.mutation.models}")
    failed = counts[SURVIVED] or counts[ERROR] or (not args.only and pct < args.min_killed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""A pytest plugin for long regressions (`make coverage`): tests done of total, elapsed and an
estimate of what is left (tb/progress.py), one line rewritten in place on a terminal and a
plain line per tenth of the run (or per minute) in a log.

    python -m pytest -p tb.pytest_progress [-n JOBS] ...

It counts on the process that reports, the xdist controller too (the workers' reports arrive
there; the workers themselves stay quiet): the total when the items are collected, one done
at each item's teardown report (or at xdist's report of a crashed worker). While the tests
run at the default or quiet verbosity, it replaces pytest's row of progress letters, which
would break its line: a failure or error is printed as its own line at once instead, and the
summary at the end is pytest's own. `--progress-what` and `--progress-unit` name the run and
what it counts (`make coverage: 12/125 simulations (9%), ...`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import pytest

from tb.progress import Progress


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("progress", "progress line (tb.pytest_progress)")
    group.addoption("--progress-what", default="pytest", help="the run's name on the progress line")
    group.addoption("--progress-unit", default="tests", help="what the progress line counts")


class _ReporterStream:
    """Progress's stream over pytest's terminal reporter, so that the two share one idea of
    the current line; a terminal only at the verbosity where pytest's own lines do not end
    with a newline."""

    def __init__(self, reporter: pytest.TerminalReporter, rewrite: bool) -> None:
        self.reporter = reporter
        self.rewrite = rewrite

    def isatty(self) -> bool:
        return self.rewrite

    def write(self, text: str) -> None:
        self.reporter.write(text)

    def flush(self) -> None:
        self.reporter.flush()


class ProgressPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.progress: Progress | None = None
        self.running = False  # inside the test loop: pytest's progress letters are ours
        self.quiet = config.get_verbosity() <= 0

    def _reporter(self) -> pytest.TerminalReporter | None:
        return self.config.pluginmanager.get_plugin("terminalreporter")

    def _start(self, total: int) -> None:
        reporter = self._reporter()
        if self.progress is not None or reporter is None or total <= 0:
            return
        stream = _ReporterStream(reporter, rewrite=self.quiet and bool(reporter.isatty))
        if reporter._tw.width_of_current_line:
            reporter.write("\n")
        self.progress = Progress(
            self.config.getoption("progress_what"), total, unit=self.config.getoption("progress_unit"), stream=stream
        )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._start(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: Sequence[str]) -> None:
        self._start(len(ids))  # every worker collects the same items

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        self.running = True
        try:
            return (yield)
        finally:
            self.running = False
            if self.progress is not None:
                self.progress.finish()

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> Generator[None, tuple[str, str, str], tuple[str, str, str]]:
        status = yield
        if self.running and self.quiet and self.progress is not None:
            return (status[0], "", "")  # the same category (the summary's counts), no letter
        return status

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        progress = self.progress
        if progress is None:
            return
        if report.failed and self.quiet:
            label = "FAILED" if report.when in ("call", "???") else "ERROR"
            text = f"{label} {report.nodeid}" + (f" ({report.when})" if label == "ERROR" else "")
            stream = progress.stream
            if stream.isatty():
                stream.write("\r\033[K" + text + "\n" + progress.line() + "\033[K")
            else:
                stream.write(text + "\n")
            stream.flush()
        if report.when in ("teardown", "???"):  # "???": xdist's report of a crashed worker
            progress.advance()


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: its controller reports
    config.pluginmanager.register(ProgressPlugin(config), "tb-progress")

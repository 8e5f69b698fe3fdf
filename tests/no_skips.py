"""A pytest plugin that turns every skipped test into a failure.

Loaded by scripts/test-all (`-p tests.no_skips`). A test that skips because a browser, a
database or a tool is missing would otherwise report success for work that never ran: in this
project a missing dependency is installed by `make test` or is an error, never a silent skip.
"""

from __future__ import annotations

from typing import Any

import pytest


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, line, message = longrepr
        return f"{message} ({path}:{line})"
    return str(longrepr)


def _refuse(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = (
        "Skipped tests are not allowed (scripts/test-all): make the test run, or remove it. "
        f"Skip reason: {_reason(report)}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    # An expected failure (xfail) is reported as "skipped" with `wasxfail`; that one is declared
    # in the test itself and stays visible in the summary, so it is left alone.
    if report.skipped and not hasattr(report, "wasxfail"):
        _refuse(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if report.skipped:
        _refuse(report)

"""A pytest plugin (``-p pytest_steps``) that reports a test suite the way the workflow scripts report steps.

One JSON line per test: the test's name, and its setup + call outcome (the first failure's exception class and
message). One more line, ``teardown``, for all teardowns together: that is where the suite's fixtures unregister
what they registered. The lines go to the file named by ``WORKFLOW_STEPS_FILE`` (pytest's own progress output
shares stdout). Runs inside an app venv's pytest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from typing import Any

import pytest

_teardown_error: dict[str, str] | None = None


def _emit(record: dict[str, Any]) -> None:
    with open(os.environ["WORKFLOW_STEPS_FILE"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Keep the exception of a failed phase on its report (the report itself only has the formatted text)."""
    report = yield
    if call.excinfo is not None:
        report.workflow_error = {"error": call.excinfo.type.__name__, "message": str(call.excinfo.value)}
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _teardown_error
    name = report.nodeid.rpartition("::")[2]
    error = getattr(report, "workflow_error", None) or {"error": "Failed", "message": str(report.longrepr)}
    if report.when == "setup" and report.failed:
        _emit({"step": name, "ok": False, **error})
    elif report.when == "call":
        _emit({"step": name, "ok": True} if report.passed else {"step": name, "ok": False, **error})
    elif report.when == "teardown" and report.failed and _teardown_error is None:
        _teardown_error = error


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _teardown_error is None:
        _emit({"step": "teardown", "ok": True})
    else:
        _emit({"step": "teardown", "ok": False, **_teardown_error})

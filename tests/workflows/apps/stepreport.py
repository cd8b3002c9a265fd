"""Progress reporting shared by the team's scripts: one JSON line per step on stdout.

    with step("register the model"):
        model = client.models.register(...)

A step that raises is reported with the exception's class and message, and the script goes on with the next
step (later steps that needed its result fail on their own, and say why).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator


def _emit(record: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        _emit({"step": name, "ok": False, "error": type(exc).__name__, "message": str(exc)})
    else:
        _emit({"step": name, "ok": True})


def check(condition: object, message: str) -> None:
    """Fail the current step with `message` when `condition` is false (a check the script relies on)."""
    if not condition:
        raise AssertionError(message)

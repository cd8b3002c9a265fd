"""`keep`: the target still serves the operation: nothing to rewrite, the finding stays a warning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.model import Case, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    return "the target still serves this operation"


def _answer() -> Handler:
    from migrate.shim.answers.forward import answer

    return answer


STRATEGY = Strategy(
    name="keep",
    summary="The target still serves the operation: the call stays as it is.",
    rewrites="nothing: the target still serves the operation; the finding is listed with the rule's guidance",
    safe_when="nothing is rewritten",
    statuses=frozenset({"deprecated", "served"}),
    operations=frozenset({"register", "unregister", "read", "call", "pin", "config"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=None,
    answer=_answer,
)

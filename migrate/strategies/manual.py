"""`manual`: the target removed the operation and nothing replaces it there: a human decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migrate.strategies.model import Case, Strategy, always_safe

if TYPE_CHECKING:
    from migrate.shim.answers import Handler


def _blocker(case: Case) -> str | None:
    return "no replacement on this target"


def _answer() -> Handler:
    from migrate.shim.answers.manual import answer

    return answer


STRATEGY = Strategy(
    name="manual",
    summary="The target removed the operation and serves no replacement: the finding is left for a human.",
    rewrites=(
        "nothing: no replacement on the target (datasets, benchmarks, scoring functions and shields on OGX; "
        "direct tool calls and the Agents API from 0.7 on); the finding is listed with the rule's guidance"
    ),
    safe_when="nothing is rewritten",
    statuses=frozenset({"removed"}),
    operations=frozenset({"register", "unregister", "read", "call", "pin", "config"}),
    blocker=_blocker,
    applicability=always_safe,
    rewrite=None,
    answer=_answer,
)

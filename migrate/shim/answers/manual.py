"""`manual`: removed on the target with no server-side replacement: 410 Gone with the rule's guidance."""

from __future__ import annotations

from migrate.shim.answers import Answer, Call
from migrate.shim.answers.common import rule_members
from migrate.shim.problems import Problem


async def answer(call: Call) -> Answer:
    """410 `operation-removed` with the rule's guidance."""
    plan = call.plan
    removed = f" (removed in {plan.removed_in})" if plan.removed_in else ""
    problem = Problem(
        "operation-removed",
        "Operation removed on the target",
        410,
        f"{call.rule.summary} is gone on {call.target}{removed} and has no replacement the shim can answer "
        f"with: {plan.guidance}.",
        instance=call.path,
        extensions={**rule_members(call), "removed_in": plan.removed_in, "guidance": plan.guidance},
    )
    return Answer.problem(problem, "gone", resource_id=next(iter(call.match.params.values()), None))

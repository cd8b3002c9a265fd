"""`remove-statement`: an unregister call whose route is gone: the resource now lives in the run config.

The resource is looked up on the target. Present: `--on-unregister acknowledge` (the default)
answers success in the legacy shape (200 `null`) and changes nothing upstream; `reject` answers 409
`unregister-rejected`. Absent: 404 `resource-not-found`, as the legacy server answered. The event
records which.
"""

from __future__ import annotations

from migrate.shim.answers import Answer, Call
from migrate.shim.answers.common import (
    NO_RETRY,
    failed_read,
    invalid_identifier,
    resource_noun,
    rule_members,
    upstream_error,
)
from migrate.shim.lookup import look_up, reads_for
from migrate.shim.matching import TargetRefused
from migrate.shim.problems import Problem
from migrate.shim.upstream import UpstreamError


async def answer(call: Call) -> Answer:
    """Look the resource up: acknowledged (200 null), rejected (409) or not found (404)."""
    (identifier,) = call.match.params.values()
    noun = resource_noun(call)
    try:
        if call.rule.resource == "model":  # the name the app registered, or the legacy identifier
            identifier = await call.models.resolve(identifier, call.authorization)
        reads = reads_for(call.naming, identifier)
        found = await look_up(call.upstream, reads, identifier, call.authorization)
    except TargetRefused as exc:
        return invalid_identifier(call, str(exc))
    except UpstreamError as exc:
        return upstream_error(call, exc, identifier)
    if found.state == "failed":
        return failed_read(found, identifier)
    section = call.plan.config_section
    members = {**rule_members(call), "identifier": identifier, "config_section": section}
    if found.state == "absent":
        problem = Problem(
            "resource-not-found",
            f"{noun.capitalize()} not found",
            404,
            f"{call.target} serves no {noun} {identifier!r}.",
            instance=call.path,
            extensions=members,
        )
        return Answer.problem(problem, "unsatisfied", upstream_status=found.status, resource_id=identifier)
    if call.on_unregister == "reject":
        problem = Problem(
            "unregister-rejected",
            f"{noun.capitalize()} is declared in the run config",
            409,
            f"{call.target} no longer unregisters a {noun} at run time ({call.rule.id}); {identifier!r} is declared "
            f"in the run config: {call.plan.guidance}.",
            instance=call.path,
            extensions={**members, "guidance": call.plan.guidance},
            headers=NO_RETRY,
        )
        return Answer.problem(problem, "rejected", upstream_status=found.status, resource_id=identifier)
    return Answer(
        status=200, body=b"null", outcome="acknowledged", upstream_status=found.status, resource_id=identifier
    )

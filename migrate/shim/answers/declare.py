"""`declare-and-read`, `declare-connector`: a register call whose route is gone, whose resource is declared instead.

The body is validated against the legacy request schema (400 otherwise), the resource's identifier
on the target is built from it, and the resource is read from the upstream under that identifier:

* present: 200 in the legacy success shape (`Model`, `Shield`, `Dataset`, or `null`);
* absent: 409 `resource-not-declared`, whose `yaml` member is the exact run-config entry to add
  (`builtin-tool-group-not-served` for a built-in tool group, which no entry can declare). The
  entry never carries a credential of the request (`credential_free`); the answer hands it to the
  event too.
"""

from __future__ import annotations

import json
from typing import Any

from migrate.shim.answers import Answer, Call
from migrate.shim.answers.common import (
    NO_RETRY,
    failed_read,
    invalid_identifier,
    legacy_body,
    resource_noun,
    rule_members,
    upstream_error,
)
from migrate.shim.entries import config_entry, credential_free, entry_yaml, fix_command
from migrate.shim.legacy import LegacyShapeError, legacy_resource
from migrate.shim.lookup import look_up, reads_for
from migrate.shim.matching import TargetRefused
from migrate.shim.problems import Problem
from migrate.shim.upstream import UpstreamError


async def answer(call: Call) -> Answer:
    """Validate, build the identifier, read it on the target: the legacy shape or what to declare."""
    body = legacy_body(call)
    if isinstance(body, Answer):
        return body
    naming = call.naming
    assert naming is not None  # the strategy's rules declare their resources (validated when they load)
    identifier = naming.template.render(body.get)
    if identifier.value is None:
        return _not_declared(call, body, None, identifier.missing)
    resource_id = identifier.value
    try:
        reads = reads_for(naming, resource_id)
        successor = reads[0].target(resource_id) if reads else None
        found = await look_up(call.upstream, reads, resource_id, call.authorization)
    except TargetRefused as exc:
        return invalid_identifier(call, str(exc))
    except UpstreamError as exc:
        return upstream_error(call, exc, resource_id)
    if found.state == "failed":
        return failed_read(found, resource_id)
    if found.state == "absent":
        return _not_declared(call, body, resource_id, (), successor, found.status)
    if call.rule.resource == "model":  # later requests may name it as the app registered it
        provider = body.get("provider_id")
        legacy = f"{provider}/{body['provider_model_id']}" if provider and body.get("provider_model_id") else None
        call.models.learn((body.get("model_id"), legacy), resource_id)
    schema = call.rule.http.response_schema
    try:
        shaped: Any = legacy_resource(schema, found.resource) if schema else None
    except LegacyShapeError as exc:
        problem = Problem("upstream-invalid-response", "Unexpected upstream answer", 502, str(exc), instance=call.path)
        return Answer.problem(problem, "upstream-error", upstream_status=found.status, resource_id=resource_id)
    return Answer(
        status=200,
        body=json.dumps(shaped, separators=(",", ":")).encode("utf-8"),
        outcome="satisfied",
        upstream_status=found.status,
        resource_id=resource_id,
        successor=successor,
    )


def _not_declared(
    call: Call,
    body: dict[str, Any],
    resource_id: str | None,
    missing: tuple[str, ...],
    successor: str | None = None,
    upstream_status: int | None = None,
) -> Answer:
    plan = call.plan
    noun = resource_noun(call)
    if call.naming is not None and call.naming.is_builtin(resource_id):
        problem = Problem(
            "builtin-tool-group-not-served",
            "Built-in tool group not served",
            409,
            f"{call.target} registers built-in tool groups from its tool_runtime providers and no configured "
            f"provider serves {resource_id}: add one (the request names provider_id {body.get('provider_id')!r}) "
            "to the run config's providers.tool_runtime and restart the server.",
            instance=call.path,
            extensions={**rule_members(call), "identifier": resource_id, "guidance": plan.guidance},
            headers=NO_RETRY,
        )
        return Answer.problem(problem, "unsatisfied", upstream_status=upstream_status, resource_id=resource_id)
    section = plan.config_section or ""
    entry, left_out = credential_free(config_entry(plan, body, missing))
    where = f"as {resource_id}" if resource_id else "under its identifier"
    detail = (
        f"{call.target} no longer registers a {noun} at run time ({call.rule.id}). Declare it in the server's run "
        f"config under {section} (the entry is in the 'yaml' member) and restart the server; this call then "
        f"succeeds and the {noun} is served {where}."
    )
    if missing:
        detail += f" The request lacks {', '.join(missing)}, which the target needs to name the {noun}: fill it in."
    if left_out:
        detail += (
            " Credentials in the request are left out of the entry (see 'credentials_left_out'): give them to the "
            "server another way, for example as ${env.NAME} in the run config."
        )
    extensions: dict[str, Any] = {
        **rule_members(call),
        "identifier": resource_id,
        "config_section": section,
        "entry": entry,
        "yaml": entry_yaml(section, entry),
        "fix_command": fix_command(call.rule, call.target),
    }
    if missing:
        extensions["missing"] = list(missing)
    if left_out:
        extensions["credentials_left_out"] = left_out
    problem = Problem(
        "resource-not-declared",
        f"{noun.capitalize()} not declared in the run config",
        409,
        detail,
        instance=call.path,
        extensions=extensions,
        headers=NO_RETRY,
    )
    return Answer.problem(
        problem,
        "unsatisfied",
        upstream_status=upstream_status,
        resource_id=resource_id,
        successor=successor,
        entry=entry,
    )

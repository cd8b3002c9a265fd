"""Pieces every answering strategy shares: the request body, problem documents about the rule."""

from __future__ import annotations

import json
from typing import Any

from migrate.shim.answers import Answer, Call
from migrate.shim.legacy import schema_errors
from migrate.shim.lookup import Found
from migrate.shim.problems import Problem, upstream_failure
from migrate.shim.upstream import UpstreamError

#: Stainless SDKs retry 409 and 5xx answers unless told not to; a retry cannot change these answers.
NO_RETRY = (("x-should-retry", "false"),)


def rule_members(call: Call) -> dict[str, Any]:
    """Extension members naming the rule and target of a problem."""
    return {"rule": call.rule.id, "target": call.target, "docs": call.rule.docs}


def resource_noun(call: Call) -> str:
    """`tool group` for `tool_group`: the resource as prose."""
    return call.rule.resource.replace("_", " ")


def legacy_body(call: Call) -> dict[str, Any] | Answer:
    """The JSON request body, valid against the operation's legacy request schema, or a 400 answer."""
    try:
        body = json.loads(call.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _invalid(call, "the request body is not JSON", [])
    schema = call.rule.http.request_schema
    errors = (
        schema_errors(schema, body)
        if schema
        else ([] if isinstance(body, dict) else [{"pointer": "", "message": "not an object"}])
    )
    if errors or not isinstance(body, dict):
        return _invalid(call, f"the request body does not match the legacy {schema or 'request'} schema", errors)
    return body


def _invalid(call: Call, detail: str, errors: list[dict[str, str]]) -> Answer:
    problem = Problem(
        "invalid-body",
        "Invalid request body",
        400,
        detail,
        instance=call.path,
        extensions={**rule_members(call), "errors": errors},
    )
    return Answer.problem(problem, "invalid")


def invalid_identifier(call: Call, detail: str) -> Answer:
    """400 `invalid-identifier`: an identifier that cannot be put into an upstream path."""
    problem = Problem(
        "invalid-identifier", "Invalid identifier", 400, detail, instance=call.path, extensions=rule_members(call)
    )
    return Answer.problem(problem, "invalid")


def upstream_error(call: Call, exc: UpstreamError, resource_id: str | None) -> Answer:
    """502 or 504 when a read could not be made."""
    return Answer.problem(upstream_failure(exc.kind, str(exc), call.path), "upstream-error", resource_id=resource_id)


def failed_read(found: Found, resource_id: str | None) -> Answer:
    """The upstream's own answer to a read that neither found nor missed the resource (401, 500, ...)."""
    return Answer(
        status=found.status or 502,
        body=found.body,
        outcome="upstream-error",
        content_type=found.content_type,
        upstream_status=found.status,
        resource_id=resource_id,
    )

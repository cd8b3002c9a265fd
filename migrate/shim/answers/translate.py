"""`translate-read`: a legacy client's read whose legacy answer is gone, answered in the legacy shape.

The rule's `translate` table (`rules.Translation`) says where the data is on the target and how one
legacy item is made from one upstream item. The request's parameters are the legacy route's path
parameters and the query parameters the table names. Each source is read with the caller's
`Authorization` (a listing; `builtin`: the providers listing, one item per built-in identifier a
configured provider serves), its items are turned into legacy items and checked against the legacy
schema. A route with a path parameter answers the item whose key equals it; any other answers the
listing `{"data": [...]}`.

What is not translated, and why:

* a request without a parameter a source needs (`GET /v1/tools` without `toolgroup_id`) is
  forwarded: the target's own answer is all there is;
* a parameter naming a built-in identifier, when the table says `forward`, is forwarded (llama-stack
  0.7 lists a built-in group's tools itself); `unlisted` answers 501 `builtin-tools-not-listed`,
  never an invented empty list (OGX 1.5.0 lists no built-in group's tools);
* a source that answers 404 (a group that is no connector) is 404 `resource-not-found`, as the
  legacy server answered an unknown group; any other upstream answer reaches the client as it is.

The app hands this handler the reads of legacy clients (`clients.LegacyClients`), and every client's read of
a route the target removed (`Rule.reshapes` is false: no client has another answer to read there).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from migrate.rules import BUILTIN_SOURCE, BuiltinGroups, ItemSource, Translation
from migrate.shim.answers import Answer, Call, Forward
from migrate.shim.answers.common import NO_RETRY, failed_read, invalid_identifier, rule_members, upstream_error
from migrate.shim.entries import field_value
from migrate.shim.legacy import LegacyShapeError, legacy_resource
from migrate.shim.lookup import Found, read_listing
from migrate.shim.matching import TargetRefused, quote_identifier
from migrate.shim.problems import Problem
from migrate.shim.upstream import UpstreamError


async def answer(call: Call) -> Answer | Forward:
    """The legacy answer built from the target's, or the target's own when there is nothing to translate."""
    translate = call.plan.translate
    assert translate is not None  # the strategy exists only with its table (validated when the rule loads)
    parameters = request_parameters(call, translate)
    scope = next(iter(parameters.values()), None)
    if translate.builtin is not None and any(_is_builtin(call, value) for value in parameters.values()):
        if translate.builtin == "forward":
            return Forward(raw_path=call.path, resource_id=scope)
        return _unlisted(call, scope)
    if any(name not in parameters for source in translate.sources for name in source.placeholders):
        return Forward(raw_path=call.path, resource_id=scope)
    items: list[dict[str, Any]] = []
    successor: str | None = None
    for source in translate.sources:
        try:
            target = _target(call, source, parameters)
            found = await _read(call, source, target)
        except TargetRefused as exc:
            return invalid_identifier(call, str(exc))
        except UpstreamError as exc:
            return upstream_error(call, exc, scope)
        if found.state == "absent" and source.placeholders:
            return _not_found(call, scope, found.status)
        if found.state == "failed" or found.state == "absent":
            return failed_read(found, scope)
        successor = successor or target
        items += [legacy_item(source, item, parameters) for item in found.resource if isinstance(item, dict)]
    try:
        shaped = [legacy_resource(translate.shape, item) for item in items]
    except LegacyShapeError as exc:
        problem = Problem("upstream-invalid-response", "Unexpected upstream answer", 502, str(exc), instance=call.path)
        return Answer.problem(problem, "upstream-error", upstream_status=200, resource_id=scope)
    if call.match.params:
        wanted = next(iter(call.match.params.values()))
        chosen = next((item for item in shaped if item.get(translate.key) == wanted), None)
        if chosen is None:
            return _not_found(call, wanted, 200)
        document: Any = chosen
    else:
        document = {"data": _unique(shaped, translate.key)}
    return Answer(
        status=200,
        body=json.dumps(document, separators=(",", ":")).encode("utf-8"),
        outcome="translated",
        upstream_status=200,
        resource_id=scope,
        successor=successor,
    )


def request_parameters(call: Call, translate: Translation) -> dict[str, str]:
    """The legacy route's path parameters, then the query parameters the table names (first value wins)."""
    parameters = dict(call.match.params)
    for name, value in parse_qsl(call.query.decode("latin-1"), keep_blank_values=False):
        renamed = translate.query.get(name)
        if renamed is not None:
            parameters.setdefault(renamed, value)
    return parameters


def legacy_item(source: ItemSource, item: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """One legacy item from one upstream item, as the source's `fields`, `constants`, `parameters` and `rest` say."""
    legacy: dict[str, Any] = {}
    for destination, origin in source.fields.items():
        value = field_value(item, origin)
        if value is not None:
            _set(legacy, destination, value)
    for destination, value in source.constants.items():
        _set(legacy, destination, value)
    for destination, parameter in source.parameters.items():
        _set(legacy, destination, parameters[parameter])
    for destination, origin in source.rest.items():
        whole = field_value(item, origin)
        taken = {field[len(origin) + 1 :] for field in source.fields.values() if field.startswith(origin + ".")}
        rest = {key: value for key, value in whole.items() if key not in taken} if isinstance(whole, dict) else {}
        _set(legacy, destination, rest)
    return legacy


async def _read(call: Call, source: ItemSource, target: str) -> Found:
    """The source's items: a listing of the target, or the built-in identifiers its providers serve."""
    found = await read_listing(call.upstream, target, call.authorization)
    if source.read != BUILTIN_SOURCE or found.state != "present":
        return found
    builtin = _builtin(call)
    field = builtin.read.listing_field or "provider_type"
    served = [
        {**provider, "identifier": builtin.providers[kind]}
        for provider in found.resource
        if isinstance(provider, dict) and isinstance(kind := provider.get(field), str) and kind in builtin.providers
    ]
    return Found("present", resource=served, status=found.status)


def _builtin(call: Call) -> BuiltinGroups:
    builtin = call.naming.builtin if call.naming is not None else None
    assert builtin is not None  # checked when the rules load (`registry._unknown_builtins`)
    return builtin


def _target(call: Call, source: ItemSource, parameters: Mapping[str, str]) -> str:
    """The upstream path of the source, its placeholders filled in (percent-encoded, dot segments refused)."""
    if source.path is None:
        return _builtin(call).read.path
    path = source.path
    for name in source.placeholders:
        path = path.replace("{" + name + "}", quote_identifier(parameters[name]).replace("/", "%2F"))
    return path


def _is_builtin(call: Call, value: str) -> bool:
    return call.naming is not None and call.naming.is_builtin(value)


def _unique(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Items in order, the first of each key (two providers can serve one built-in group)."""
    seen: set[Any] = set()
    kept = []
    for item in items:
        value = item.get(key)
        if value is None or value not in seen:
            kept.append(item)
            seen.add(value)
    return kept


def _not_found(call: Call, identifier: str | None, upstream_status: int | None) -> Answer:
    noun = call.rule.resource.replace("_", " ")
    problem = Problem(
        "resource-not-found",
        f"{noun.capitalize()} not found",
        404,
        f"{call.target} serves no {noun} {identifier!r}.",
        instance=call.path,
        extensions={**rule_members(call), "identifier": identifier},
    )
    return Answer.problem(problem, "unsatisfied", upstream_status=upstream_status, resource_id=identifier)


def _unlisted(call: Call, identifier: str | None) -> Answer:
    problem = Problem(
        "builtin-tools-not-listed",
        "Built-in tools not listed on the target",
        501,
        f"{call.target} has no route that lists the tools of a built-in group such as {identifier!r}, and the shim "
        f"does not invent a listing: {call.plan.guidance}.",
        instance=call.path,
        extensions={**rule_members(call), "identifier": identifier, "guidance": call.plan.guidance},
        headers=NO_RETRY,
    )
    return Answer.problem(problem, "gone", resource_id=identifier)


def _set(item: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        item = item.setdefault(part, {})
    item[last] = value

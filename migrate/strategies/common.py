"""Checks and tables shared by the strategies and their rewrites: an SDK or raw-HTTP call's blockers, known argument
values, the keys of a raw listing's items (`raw_keys`), the argument naming a group and the source a legacy item is
made from (`read-through-client`)."""

from __future__ import annotations

from typing import Any

from migrate.findings import CallShape, Hit
from migrate.rules import ItemSource, TargetPlan, Translation


def sdk_call_blocker(hit: Hit, *, standalone: bool) -> str | None:
    """Why an SDK call cannot be rewritten: not an SDK call, `**kwargs`, result used, and so on."""
    if hit.surface != "sdk" or hit.call is None:
        return "only SDK calls in Python are rewritten; the replacement is shown for a human"
    if hit.call.starred:
        return "arguments unpacked with * or **, or left out as `...`, are only known at run time"
    if hit.confidence == "low":
        return "the arguments do not fit the SDK method"
    if standalone and not hit.call.standalone:
        return "the call's result is used, so the statement cannot simply go"
    return None


def call_blocker(hit: Hit, *, standalone: bool) -> str | None:
    """Why a register or unregister call cannot be rewritten: an SDK call's reasons, or a raw-HTTP call's.

    A raw-HTTP call (`requests.post(f"{BASE}/v1/models", json={...})`) is rewritten when its form is one `fix`
    edits in place (`RawHttp.unfit`); where the statement goes, the response must not be used, except by calls
    that only check it (`ok(requests.delete(url))` with the module's own `ok` that only reads the answer,
    `requests.delete(url).raise_for_status()`: `python_http.wrapped_call`).
    """
    raw = hit.call.raw if hit.call is not None else None
    if hit.surface != "http" or raw is None:
        return sdk_call_blocker(hit, standalone=standalone)
    if raw.unfit is not None:
        return f"raw HTTP: {raw.unfit}"
    assert hit.call is not None
    if standalone and not (hit.call.standalone or raw.wrapped):
        return "raw HTTP whose response is used, so the statement cannot simply go"
    return None


UNKNOWN: Any = object()

#: Fields of listed items that the SDK of the fixed code gives as None where the legacy SDK gave an empty value,
#: with that empty value as Python source (`guard-listed-fields`; llama-stack-client 0.7's `Model.metadata`).
GUARDED = {"metadata": "{}"}


def known_value(call: CallShape, dotted: str) -> Any:
    """The value of argument `name` (or of an item in it: `mcp_endpoint.uri`) known before the program
    runs, `UNKNOWN` when it is computed at run time or not given."""
    name, *keys = dotted.split(".")
    value = call.known.get(name, UNKNOWN)
    for key in keys:
        value = value.get(key, UNKNOWN) if isinstance(value, dict) else UNKNOWN
    return value


def given(call: CallShape, dotted: str) -> bool:
    """Whether the call passes the argument the dotted field starts with."""
    return dotted.split(".")[0] in call.keywords


def raw_keys(plan: TargetPlan) -> dict[str, str | None]:
    """A legacy listing item's keys, each with the target's dotted path to the same value in its JSON listing
    (`identifier` -> `id`, `provider_id` -> `custom_metadata.provider_id`; None: no one field holds it)."""
    assert plan.translate is not None  # the rule loader pairs this strategy with a translate table
    source = plan.translate.sources[0]
    keys: dict[str, str | None] = {
        name.split(".")[0]: None for table in (source.constants, source.parameters, source.rest) for name in table
    }
    keys.update({legacy: upstream for legacy, upstream in source.fields.items() if "." not in legacy})
    return keys


def mapped_source(translate: Translation) -> ItemSource | None:
    """The source a legacy item is made from field by field, at a route (`GET /v1beta/connectors`): the first
    that reads a route and takes nothing from the request or an object's rest; None when there is none."""
    return next(
        (source for source in translate.sources
         if source.path is not None and not source.parameters and not source.rest and not source.placeholders),
        None,
    )  # fmt: skip


def group_argument(hit: Hit, translate: Translation) -> str | None:
    """The SDK keyword that names the group (`toolgroup_id`, `tool_group_id`): the one `translate.query` maps
    to the parameter of the connector route."""
    assert hit.call is not None
    return next((keyword for keyword in translate.query if keyword in hit.call.keywords), None)

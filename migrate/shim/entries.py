"""What a register call becomes on the target: its identifier there and the run-config entry to declare.

Identifier templates come from the rule (`{provider_id}/{provider_model_id|model_id}`: a field, or
the first present of several). A declare-connector rule has no template: the connector id is the
request field its `fields` table maps to `connector_id`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from migrate.rules import Rule, TargetPlan
from migrate.targets import TargetName

_PLACEHOLDER = re.compile(r"\{([a-z_|.]+)\}")


@dataclass(frozen=True)
class Identifier:
    """The target identifier, or the request fields it needs and that are missing."""

    value: str | None
    missing: tuple[str, ...]


def identifier_template(plan: TargetPlan) -> str | None:
    """The plan's template, or `{field}` of the request field that becomes a connector's `connector_id`."""
    if plan.identifier is not None:
        return plan.identifier
    for source, destination in plan.fields.items():
        if destination == "connector_id":
            return "{" + source + "}"
    return None


def render_identifier(template: str, body: dict[str, Any]) -> Identifier:
    """Fill `template` from the request body; `{a|b}` takes the first of `a`, `b` that is given."""
    missing: list[str] = []

    def fill(placeholder: re.Match[str]) -> str:
        names = placeholder.group(1).split("|")
        for name in names:
            value = field_value(body, name)
            if isinstance(value, str) and value:
                return value
        missing.append(names[0])
        return ""

    value = _PLACEHOLDER.sub(fill, template)
    return Identifier(None if missing else value, tuple(missing))


def field_value(body: dict[str, Any], dotted: str) -> Any:
    """`body["a"]["b"]` for `"a.b"`, None when any step is missing."""
    value: Any = body
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def config_entry(plan: TargetPlan, body: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    """The entry for `plan.config_section`: each mapped request field that is given; `required` ones as null."""
    entry: dict[str, Any] = {}
    for source, destination in plan.fields.items():
        value = field_value(body, source)
        if value is not None or source in required:
            entry[destination] = value
    return entry


def entry_yaml(section: str, entry: dict[str, Any]) -> str:
    """The entry nested under its section path, as YAML ready to paste into the run config."""
    document: Any = [entry]
    for key in reversed(section.split(".")):
        document = {key: document}
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def fix_command(rule: Rule, target: TargetName) -> str:
    """The `fix` invocation that rewrites this rule's call sites under PATH (the application) and merges
    the resources they register into RUN_CONFIG (the server's run config)."""
    return f"llama-stack-migrate fix --target {target} --select {rule.id} --config RUN_CONFIG --write PATH"

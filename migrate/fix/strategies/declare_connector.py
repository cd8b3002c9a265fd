"""`declare-connector`: an MCP tool group becomes a top-level `connectors` entry; built-in groups go.

Both registrations return nothing, so the statement is removed (with a comment saying where the
group lives now). A group that is neither clearly built-in nor MCP is left for a human.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from migrate.config.entries import ConfigEntry
from migrate.findings import Hit
from migrate.fix.callargs import Value, dict_item, keyword_arguments, keyword_nodes
from migrate.fix.model import Manual, PythonSite, Rewrite
from migrate.fix.strategies.common import sdk_call_blocker
from migrate.rules import Rule, TargetPlan

BUILTIN_PREFIX = "builtin::"


def blocker(hit: Hit, rule: Rule, plan: TargetPlan) -> str | None:
    reason = sdk_call_blocker(hit, standalone=True)
    if reason is not None or hit.call is None:
        return reason
    group = hit.call.literals.get("toolgroup_id")
    if isinstance(group, str) and group.startswith(BUILTIN_PREFIX):
        return None
    if "mcp_endpoint" in hit.call.keywords:
        return None
    return "neither a built-in group (builtin::...) nor an MCP group (mcp_endpoint)"


def rewrite(site: PythonSite) -> Rewrite | Manual:
    arguments = keyword_arguments(site)
    group = arguments.get("toolgroup_id")
    if group is None:
        return Manual("the call gives no toolgroup_id")
    if group.known and isinstance(group.value, str) and group.value.startswith(BUILTIN_PREFIX):
        comment = (
            f"# llama-stack-migrate: {group.code} is built in: the tool_runtime provider registers it ({site.rule.id})"
        )
        return Rewrite(None, True, comment, (), True, "built-in group: registered by the server")
    endpoint = arguments.get("mcp_endpoint")
    if endpoint is None:
        return Manual("neither a built-in group (builtin::...) nor an MCP group (mcp_endpoint)")
    plan = site.plan
    assert plan.config_section is not None
    fields: dict[str, Any] = {}
    nodes = keyword_nodes(site)
    for source, target in plan.fields.items():
        value = _lookup(site, nodes, source)
        if value is not None:
            fields[target] = value.for_config()
    entry = ConfigEntry(plan.config_section, "connector_id", fields, site.rule.id, site.origin)
    comment = (
        f"# llama-stack-migrate: MCP tool group {group.code} is a `{plan.config_section}` entry now ({site.rule.id})"
    )
    safe = not entry.unknown_fields
    return Rewrite(None, True, comment, (entry,), safe, f"declared in {plan.config_section}")


def _lookup(site: PythonSite, nodes: dict[str, cst.BaseExpression], dotted: str) -> Value | None:
    """`mcp_endpoint.uri` -> the `uri` item of the `mcp_endpoint` argument (None: not given)."""
    name, *keys = dotted.split(".")
    if name not in nodes:
        return None
    node: cst.BaseExpression = nodes[name]
    value = keyword_arguments(site)[name]
    for key in keys:
        item = dict_item(site, node, key)
        if item is None:
            return Value(f"{value.code}[{key!r}]", False)
        value = item
        node = cst.parse_expression(item.code) if not item.known else node
    return value

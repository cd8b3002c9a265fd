"""`declare-connector` in Python: the register statement goes, with a comment saying where the group lives now.

An MCP group's entry is built from the call through the rule's field map (`mcp_endpoint.uri` -> `url`).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from migrate.config.entries import ConfigEntry
from migrate.fix.callargs import Value, dict_item, keyword_arguments, keyword_nodes, named
from migrate.fix.model import Manual, PythonSite, Rewrite


def rewrite(site: PythonSite) -> Rewrite | Manual:
    arguments = keyword_arguments(site)
    group = arguments.get("toolgroup_id")
    naming = site.naming
    assert naming is not None  # the rule's plan was validated for the strategy
    if group is None:
        return Manual("the call gives no toolgroup_id")
    if group.known and naming.is_builtin(group.value):
        comment = (
            f"# llama-stack-migrate: {named('tool group', group)} is built in: the tool_runtime provider registers it"
            f" ({site.rule.id})"
        )
        return Rewrite(None, True, comment, (), True, "built-in group: registered by the server")
    if arguments.get("mcp_endpoint") is None:
        return Manual("the call gives no mcp_endpoint")
    fields: dict[str, Any] = {}
    nodes = keyword_nodes(site)
    for source, target in site.plan.fields.items():
        value = _lookup(site, nodes, source)
        if value is not None:
            fields[target] = value.for_config()
    entry = ConfigEntry(naming.section, naming.id_field, fields, site.rule.id, site.origin)
    comment = (
        f"# llama-stack-migrate: {named('MCP tool group', group)} is a `{naming.section}` entry now ({site.rule.id})"
    )
    safe = not entry.unknown_fields
    return Rewrite(None, True, comment, (entry,), safe, f"declared in {naming.section}")


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

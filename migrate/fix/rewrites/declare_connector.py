"""`declare-connector` in Python: the register statement goes, with a comment saying where the group lives now.

An MCP group's entry is built from the call through the rule's field map (`mcp_endpoint.uri` -> `url`). A raw-HTTP
register (`requests.post(f"{base}/v1/toolgroups", json={...})`) goes the same way, its JSON body the arguments,
where its response is not used (the target has no read of one group to answer it with): a statement of its own, or
wrapped in calls that only check it (`ok(...)`, a function of the module that only reads the answer). Else it is
left for a human; its body is declared all the same (`declare`).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from migrate.config.entries import ConfigEntry
from migrate.fix.callargs import Value, dict_item, json_nodes, keyword_nodes, named, value_of
from migrate.fix.model import Manual, PythonSite, Rewrite


def rewrite(site: PythonSite) -> Rewrite | Manual:
    """The statement goes; a raw-HTTP register's (`ok(requests.post(url, json={...}))`) too, its body the arguments."""
    nodes = json_nodes(site) if site.hit.surface == "http" else keyword_nodes(site)
    if nodes is None:
        return Manual("raw HTTP whose JSON body is only known at run time: declare the group and drop the call")
    declared = _declared(site, nodes)
    if isinstance(declared, str):
        return Manual(declared)
    group, entry = declared
    rule = site.rule.id
    if entry is None:
        comment = (
            f"# llama-stack-migrate: {named('tool group', group)} is built in: the tool_runtime provider registers it"
            f" ({rule})"
        )
        return Rewrite(None, True, comment, (), True, "built-in group: registered by the server")
    section = entry.section
    comment = f"# llama-stack-migrate: {named('MCP tool group', group)} is a `{section}` entry now ({rule})"
    return Rewrite(None, True, comment, (entry,), not entry.unknown_fields, f"declared in {section}")


def declare(site: PythonSite) -> Manual:
    """A raw-HTTP register: its JSON body declared, the call left for a human to drop."""
    nodes = json_nodes(site)
    if nodes is None:
        return Manual("raw HTTP whose JSON body is only known at run time: declare the group and drop the call")
    declared = _declared(site, nodes)
    if isinstance(declared, str):
        return Manual(f"raw HTTP: {declared}")
    group, entry = declared
    if entry is None:
        builtin = named("tool group", group)
        return Manual(f"raw HTTP: {builtin} is built in, registered by the tool_runtime provider: drop the call")
    return Manual(
        f"raw HTTP: declared in {entry.section}; drop the call by hand (use the group through the Responses API "
        'tool {"type": "mcp", "connector_id": ...})',
        (entry,),
    )


def _declared(site: PythonSite, nodes: dict[str, cst.BaseExpression]) -> tuple[Value, ConfigEntry | None] | str:
    """The group's id and its entry (None for a built-in group) from the call's arguments, or why not."""
    naming = site.naming
    assert naming is not None  # the rule's plan was validated for the strategy
    if "toolgroup_id" not in nodes:
        return "the call gives no toolgroup_id"
    group = value_of(site, nodes["toolgroup_id"])
    if group.known and naming.is_builtin(group.value):
        return group, None
    if "mcp_endpoint" not in nodes:
        return "the call gives no mcp_endpoint"
    fields: dict[str, Any] = {}
    for source, target in site.plan.fields.items():
        value = _lookup(site, nodes, source)
        if value is not None:
            fields[target] = value.for_config()
    return group, ConfigEntry(naming.section, naming.id_field, fields, site.rule.id, site.origin)


def _lookup(site: PythonSite, nodes: dict[str, cst.BaseExpression], dotted: str) -> Value | None:
    """`mcp_endpoint.uri` -> the `uri` item of the `mcp_endpoint` argument (None: not given)."""
    name, *keys = dotted.split(".")
    if name not in nodes:
        return None
    node: cst.BaseExpression = nodes[name]
    value = value_of(site, node)
    for key in keys:
        item = dict_item(site, node, key)
        if item is None:
            return Value(f"{value.code}[{key!r}]", False)
        value = item
        node = cst.parse_expression(item.code) if not item.known else node
    return value

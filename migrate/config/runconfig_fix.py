"""Migrate a run config's own `registered_resources` blocks that the target no longer reads.

Each block is the `config` rule's whose `config.key` it is (LSM2xx); on a target whose plan for that rule is
`removed` (the target ignores the block):

- `tool_groups` (strategy `declare-connector`): a built-in group (the register rule's `builtin` prefix) is removed,
  since the tool_runtime provider registers it; an MCP group (`mcp_endpoint.uri`) becomes a top-level
  `connectors` entry through the config rule's field map, named as the register rule names a connector
  (`RuleSet.naming`), keeping the comments written above it; any other group stays and is reported for a
  human. An emptied `tool_groups` key is removed.
- every other ignored block (e.g. `shields` on OGX, strategy `manual`) stays as written and each of its
  entries is reported for a human.

Its provider settings (`apis`, `providers`) that the target renamed or dropped are migrated first, as the
provider rules' facts say (`migrate.config.providers`, LSM26x); every change is reported at its line in the
text as given.

Only the removed lines, the renamed names and the added connectors change; running it on its own output
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from migrate.config.entries import ConfigEntry
from migrate.config.merge import ParsedConfig, YamlNode, merge_entries, parse_config
from migrate.config.providers import apply_edits, provider_edits
from migrate.registry import RuleSet
from migrate.rules import Naming, Rule, TargetPlan
from migrate.strategies import STRATEGIES
from migrate.strategies.declare_connector import entry_kind
from migrate.targets import TargetName

_RESOURCES = "registered_resources"


@dataclass(frozen=True)
class RunConfigChange:
    """One entry the migration removed, moved, or left for a human (`manual`); `line` is 1-based."""

    rule: str
    line: int
    description: str
    manual: bool


@dataclass(frozen=True)
class _ToolGroup:
    """What happens to one `tool_groups` entry: removed (possibly moved to a connector) or kept."""

    index: int
    change: RunConfigChange
    remove: bool
    connector: ConfigEntry | None = None


@dataclass
class _Edits:
    """What the migration collects before editing: reports, spans to delete, connectors to add."""

    changes: list[RunConfigChange] = field(default_factory=list)
    removals: list[tuple[int, int]] = field(default_factory=list)
    moved: list[tuple[ConfigEntry, tuple[str, ...]]] = field(default_factory=list)


def migrate_run_config(text: str, ruleset: RuleSet, target: TargetName) -> tuple[str, list[RunConfigChange]]:
    """The config with its provider settings and its ignored `registered_resources` migrated for `target`, and the
    changes made (lines of `text`)."""
    edits = provider_edits(parse_config(text), ruleset, target)
    settings = [
        RunConfigChange(edit.rule.id, edit.line, edit.blocker or edit.done, manual=edit.blocker is not None)
        for edit in edits
    ]
    migrated, changes = _migrate_resources(apply_edits(text, edits), ruleset, target)
    deleted = sorted(
        (text.count("\n", 0, edit.span[0]) + 1, text.count("\n", *edit.span))
        for edit in edits
        if edit.blocker is None and edit.text == "" and text.count("\n", *edit.span)
    )
    changes = [replace(change, line=_line_before(change.line, deleted)) for change in changes]
    return migrated, sorted([*settings, *changes], key=lambda change: change.line)


def _line_before(line: int, deleted: list[tuple[int, int]]) -> int:
    """The line of the text before whole lines were deleted (`deleted`: first line and count, in order) that is
    `line` after."""
    for first, count in deleted:
        if first <= line:
            line += count
    return line


def _migrate_resources(text: str, ruleset: RuleSet, target: TargetName) -> tuple[str, list[RunConfigChange]]:
    """The config with its ignored `registered_resources` migrated for `target`, and the changes made."""
    config = parse_config(text)
    pair = config.root.get(_RESOURCES)
    if pair is None or pair[1].kind != "map":
        return text, []
    edits = _Edits()
    for key, value in pair[1].pairs():
        rule = ruleset.config_keys.get(str(key.value))
        items = config.data[_RESOURCES].get(key.value)
        if rule is None or rule.targets[target].status != "removed" or value.kind != "seq" or not items:
            continue
        plan = rule.targets[target]
        naming = ruleset.naming(rule, target)
        if STRATEGIES[plan.strategy].migrates_config is not None and naming is not None:
            _connect(config, pair, key, rule, naming, items, target, edits)
        else:
            edits.changes.extend(_manual(config, rule, value, items, f"{_RESOURCES}.{key.value}", target, plan))
    for start, end in sorted(edits.removals, reverse=True):
        text = text[:start] + text[end:]
    if edits.moved:
        entries = [entry for entry, _ in edits.moved]
        text = merge_entries(text, entries, carried_comments=[comments for _, comments in edits.moved]).text
    return text, sorted(edits.changes, key=lambda change: change.line)


def _connect(
    config: ParsedConfig,
    resources: tuple[YamlNode, YamlNode],
    key: YamlNode,
    rule: Rule,
    naming: Naming,
    items: list[Any],
    target: TargetName,
    edits: _Edits,
) -> None:
    """Plan the edits of `key` of `registered_resources`, a list of tool groups."""
    resources_key, mapping = resources
    value = next(child for previous, child in mapping.pairs() if previous is key)
    where = f"{_RESOURCES}.{key.value}"
    groups = _tool_groups(config, rule, rule.targets[target], naming, value, items, target, where)
    if value.flow and not all(group.remove for group in groups):
        groups = [_ToolGroup(group.index, _flow_manual(group.change), False) for group in groups]
    edits.changes.extend(group.change for group in groups)
    if all(group.remove for group in groups):
        if len(mapping.children) == 2:  # the only key: registered_resources goes too
            edits.removals.append(_key_span(config, 0, config.root, resources_key))
        else:
            edits.removals.append(_key_span(config, config.next_line(resources_key.end), mapping, key))
    for group in groups:
        comments_start, dash_line, end = _item_lines(config, key, value, group.index)
        if group.remove and not all(other.remove for other in groups):
            edits.removals.append((comments_start, end))
        if group.connector is not None:
            edits.moved.append((group.connector, _comments(config.text[comments_start:dash_line])))


def _manual(
    config: ParsedConfig,
    rule: Rule,
    value: YamlNode,
    items: list[Any],
    where: str,
    target: TargetName,
    plan: TargetPlan,
) -> list[RunConfigChange]:
    """One manual change per entry of a block the target ignores."""
    return [
        RunConfigChange(
            rule.id,
            config.line_number(node.start),
            f"{where} entry {_entry_id(item, rule)}: {target} ignores it; {plan.guidance}",
            manual=True,
        )
        for node, item in zip(value.children, items, strict=True)
    ]


def _entry_id(item: Any, rule: Rule) -> str:
    """The entry's identifier (the config rule's id field: `toolgroup_id`), for messages."""
    id_field = rule.config.id_field if rule.config is not None else "id"
    if hasattr(item, "get") and item.get(id_field) is not None:
        return repr(str(item.get(id_field)))
    return f"(no {id_field})"


def _tool_groups(
    config: ParsedConfig,
    rule: Rule,
    plan: TargetPlan,
    naming: Naming,
    value: YamlNode,
    items: list[Any],
    target: TargetName,
    where: str,
) -> list[_ToolGroup]:
    """Decide each tool group: built-in (removed), MCP (moved to a connector, unless it conflicts) or kept.

    The entry's id is the field the rule maps to the connector's id field; a dotted source
    (`mcp_endpoint.uri`) is a nested lookup.
    """
    id_target, section = naming.id_field, naming.section
    id_source = next(source for source, name in plan.fields.items() if name == id_target)
    decided: list[_ToolGroup] = []
    connectors: list[tuple[int, ConfigEntry]] = []
    for index, (node, item) in enumerate(zip(value.children, items, strict=True)):
        line = config.line_number(node.start)
        group_id = _lookup(item, id_source)
        fields = {name: _lookup(item, source) for source, name in plan.fields.items()}
        kind = entry_kind(item, plan, naming)
        if kind == "builtin":
            why = f"{target} registers built-in tool groups from the tool_runtime provider"
            change = RunConfigChange(rule.id, line, f"removed {group_id!r}: {why}", False)
            decided.append(_ToolGroup(index, change, True))
        elif kind is None:
            builtin = f"built-in ({naming.builtin.prefix}...) nor " if naming.builtin else ""
            why = f"neither {builtin}an MCP server ({', '.join(plan.fields)})"
            change = RunConfigChange(
                rule.id, line, f"tool group {_entry_id(item, rule)} is {why}; {plan.guidance}", True
            )
            decided.append(_ToolGroup(index, change, False))
        else:
            entry = ConfigEntry(section, id_target, fields, rule.id, where)
            connectors.append((index, entry))
    merged = merge_entries(config.text, [entry for _, entry in connectors])
    for index, entry in connectors:
        line = config.line_number(value.children[index].start)
        conflict = next((c for c in merged.conflicts if c.entry is entry), None)
        if conflict is not None:
            clash = f"{section} already has {id_target} {entry.identifier!r} as {conflict.existing}"
            change = RunConfigChange(rule.id, line, f"MCP tool group {entry.identifier!r} not moved: {clash}", True)
            decided.append(_ToolGroup(index, change, False))
        elif any(present is entry for present in merged.already_present):
            change = RunConfigChange(rule.id, line, f"removed {entry.identifier!r}: {section} already has it", False)
            decided.append(_ToolGroup(index, change, True))
        else:
            declared = ", ".join(f"{name}: {field}" for name, field in entry.fields.items())
            moved = f"moved MCP tool group {entry.identifier!r} to {section} ({declared})"
            decided.append(_ToolGroup(index, RunConfigChange(rule.id, line, moved, False), True, entry))
    return sorted(decided, key=lambda group: group.index)


def _lookup(item: Any, dotted: str) -> Any:
    """`item["a"]["b"]` for `"a.b"`; None when any step is missing."""
    for name in dotted.split("."):
        item = item.get(name) if hasattr(item, "get") else None
    return item


def _flow_manual(change: RunConfigChange) -> RunConfigChange:
    """A change that cannot be applied to a flow-style list (`[{...}, {...}]`) without rewriting it."""
    if change.manual:
        return change
    return RunConfigChange(change.rule, change.line, f"{change.description} (flow-style list: edit it by hand)", True)


def _key_span(config: ParsedConfig, first_floor: int, mapping: YamlNode, key: YamlNode) -> tuple[int, int]:
    """A key of a block mapping: its lines, its value's and the comment lines right above it.

    `first_floor` is where the mapping's lines start (the comments above a key never reach back
    into the previous key's value).
    """
    position = next(index for index, child in enumerate(mapping.children) if child is key)
    floor = first_floor if position == 0 else config.next_line(config.content_end(mapping.children[position - 1]))
    return config.leading_comments_start(floor, key.start), config.next_line(
        config.content_end(mapping.children[position + 1])
    )


def _item_lines(config: ParsedConfig, key: YamlNode, sequence: YamlNode, index: int) -> tuple[int, int, int]:
    """A block-list item: where its comment lines start, where its dash line starts, where it ends."""
    item = sequence.children[index]
    if index == 0:
        floor = config.next_line(key.end)
    else:
        floor = config.next_line(config.content_end(sequence.children[index - 1]))
    dash = config.text.rfind("-", floor, item.start)
    dash_line = config.line_start(dash if dash >= 0 else item.start)
    return config.leading_comments_start(floor, dash_line), dash_line, config.next_line(config.content_end(item))


def _comments(lines: str) -> tuple[str, ...]:
    """The texts of the comment lines in `lines`."""
    return tuple(line.strip().removeprefix("#").strip() for line in lines.splitlines() if line.strip())

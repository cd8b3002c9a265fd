"""Find run-config blocks the target ignores, and curl / CLI lines in YAML files (CI workflows).

A server run config (`run.yaml`, `config.yaml`) declares resources under `registered_resources`.
A block that the target no longer reads (e.g. `tool_groups` from 0.7 on, `datasets` on OGX) is
reported once per entry, at the entry's first line, against the `config` rule of that block (LSM2xx):
an entry is a server's configuration, not a call, so it is never reported as the register operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from migrate.errors import SourceError
from migrate.findings import Document, Hit, Scanned, source_lines
from migrate.sources.shell import shell_hits

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

_CONFIG_KEY = "registered_resources"


def scan_yaml(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `yaml` language matcher."""
    lines = source_lines(text)
    hits = shell_hits(lines, ruleset)
    if _CONFIG_KEY in text:
        hits.extend(_config_hits(text, lines, ruleset, target))
    return Scanned([Document(lines, hits)], [])


def _config_hits(text: str, lines: list[str], ruleset: RuleSet, target: TargetName) -> list[Hit]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        documents = list(YAML(typ="rt").load_all(text))
    except YAMLError as exc:
        raise SourceError(f"cannot parse YAML: {exc}".splitlines()[0]) from exc
    hits: list[Hit] = []
    for document in documents:
        resources: Any = document.get(_CONFIG_KEY) if _is_mapping(document) else None
        if not _is_mapping(resources):
            continue
        for key, entries in resources.items():
            rule = ruleset.config_keys.get(str(key))
            if rule is None or rule.config is None or rule.targets[target].status != "removed":
                continue
            if not isinstance(entries, list):
                continue
            positions: Any = entries
            for index, entry in enumerate(entries):
                line, column = positions.lc.item(index)
                entry_id = _entry_id(entry, rule.config.id_field)
                end_column = len(lines[line].rstrip()) if line < len(lines) else column
                hits.append(
                    Hit(
                        rule=rule,
                        surface="config",
                        line=line + 1,
                        column=max(column - 2, 0),
                        end_line=line + 1,
                        end_column=end_column,
                        confidence="high",
                        rewritable=True,
                        detail=f"{_CONFIG_KEY}.{key} entry {entry_id}, which {target} ignores",
                        entry=_plain(entry) if _is_mapping(entry) else None,
                    )
                )
    return hits


def _plain(value: Any) -> Any:
    """ruamel's round-trip mappings and lists as plain dicts and lists (what a strategy judges an entry by)."""
    if _is_mapping(value):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _is_mapping(value: Any) -> bool:
    return hasattr(value, "items") and hasattr(value, "get")


def _entry_id(entry: Any, id_field: str) -> str:
    """The entry's identifier (the rule's id field: `shield_id`), for the finding's detail."""
    if _is_mapping(entry) and entry.get(id_field) is not None:
        return repr(str(entry.get(id_field)))
    return f"(no {id_field})"

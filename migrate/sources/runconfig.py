"""Find run-config blocks the target ignores or provider settings it renamed, and curl / CLI lines in YAML files.

A server run config (`run.yaml`, `config.yaml`) declares resources under `registered_resources`.
A block that the target no longer reads (e.g. `tool_groups` from 0.7 on, `datasets` on OGX) is
reported once per entry, at the entry's first line, against the `config` rule of that block (LSM2xx):
an entry is a server's configuration, not a call, so it is never reported as the register operation.
Its `apis` and `providers` are reported where a provider rule's facts name a setting (LSM26x), at the
setting itself, with the verdict `fix` acts on (`migrate.config.providers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from migrate.errors import MigrateError, SourceError
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
    entries = _CONFIG_KEY in text
    providers = bool(ruleset.provider_rules) and "provider_type" in text
    if entries or providers:
        try:
            documents = _documents(text)  # parsed once for both (a 140-line run config: ~12 ms a parse)
        except SourceError:
            if entries:
                raise
            documents = []  # a template that is no YAML (Helm's `{{ }}`) names no provider setting to report
        if entries:
            hits.extend(_config_hits(documents, lines, ruleset, target))
        if providers and len(documents) == 1:
            hits.extend(_provider_hits(text, documents[0], ruleset, target))
    return Scanned([Document(lines, sorted(hits, key=lambda hit: (hit.line, hit.column)))], [])


def _documents(text: str) -> list[Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return list(YAML(typ="rt").load_all(text))
    except YAMLError as exc:
        raise SourceError(f"cannot parse YAML: {exc}".splitlines()[0]) from exc


def _provider_hits(text: str, document: Any, ruleset: RuleSet, target: TargetName) -> list[Hit]:
    """A hit per provider setting a fact of the target names, in a single-document file's `document`; a file that is
    no run config (not one block mapping) has none."""
    from migrate.config.merge import parse_config
    from migrate.config.providers import BLOCKER, DONE, provider_edits

    try:
        config = parse_config(text, loaded=document)
    except MigrateError:
        return []  # not one YAML mapping (a list, several documents): no run config
    return [
        Hit(
            rule=edit.rule,
            surface="config",
            line=edit.line,
            column=edit.column,
            end_line=edit.line,
            end_column=edit.end_column,
            confidence="high",
            rewritable=True,
            detail=edit.detail if edit.fact.note is None else f"{edit.detail}: {edit.fact.note}",
            entry={BLOCKER: edit.blocker} if edit.blocker is not None else {DONE: edit.done},
        )
        for edit in provider_edits(config, ruleset, target)
    ]


def _config_hits(documents: list[Any], lines: list[str], ruleset: RuleSet, target: TargetName) -> list[Hit]:
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

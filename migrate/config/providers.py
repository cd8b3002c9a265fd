"""Find, and migrate, a run config's provider settings that the target renamed or dropped (LSM26x).

A run config says which APIs the server serves (`apis`) and which provider implements each (`providers`:
`provider_type` and its `config`). Server generations renamed some of these (0.7: the `agents` API is
`responses`, vLLM's `url` is `base_url`) and dropped others (`inline::rag-runtime`, OGX's `eval` API): a
config that names them stops the server at start-up (`API 'agents' does not exist`) or is read without the
setting. The facts are rule data (`ProviderChange`, per target, each with the file of the server package it
was read from); this module only locates what they name.

Scan and fix share one judgement, made here from the config alone: `provider_edits` returns, per setting a
fact names, the characters to replace (a rename: the scalar, its quotes kept) or delete (a removable
provider's list item and the comment lines above it), or why a human must do it (`blocker`). Being timid:
a rename that would collide with what the config already has, a scalar written in a form other than plain
or simply quoted, a provider that something else in the config names by its `provider_id` or that is its
API's only one, and every API or provider without a successor stay as they are, reported with the reason.
Only the edited characters change: comments, layout and quoting elsewhere stay byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the scan imports this module's BLOCKER without ruamel
    from migrate.config.merge import ParsedConfig, YamlNode
    from migrate.registry import RuleSet
    from migrate.rules import ProviderChange, Rule
    from migrate.targets import TargetName

#: The key of a provider hit's `Hit.entry` that holds why `fix` leaves the setting for a human (absent: it does not).
BLOCKER = "blocker"
#: The key of a hit's `entry` that says what `fix` does with the setting (`ProviderEdit.done`), for the finding's note.
DONE = "done"
_APIS = "apis"
_PROVIDERS = "providers"


@dataclass(frozen=True)
class ProviderEdit:
    """One setting a fact names, located: what `fix` writes over `span` (`text`), or why it does not (`blocker`).

    `line` is 1-based, `column` and `end_column` 0-based on that line (the finding's place); `done` says what
    the edit does, for `fix`'s report.
    """

    rule: Rule
    fact: ProviderChange
    line: int
    column: int
    end_column: int
    detail: str
    span: tuple[int, int]
    text: str
    done: str
    blocker: str | None = None


def looks_like_run_config(config: ParsedConfig) -> bool:
    """A top-level `providers` mapping of API -> list: what every run config has, and Helm values or CI files don't."""
    pair = config.root.get(_PROVIDERS)
    return pair is not None and pair[1].kind == "map" and all(value.kind == "seq" for _, value in pair[1].pairs())


def provider_edits(config: ParsedConfig, ruleset: RuleSet, target: TargetName) -> list[ProviderEdit]:
    """Every setting of the config that a provider rule's facts on `target` name, in the order of the text."""
    if not looks_like_run_config(config):
        return []
    edits: list[ProviderEdit] = []
    for rule in ruleset.provider_rules:
        plan = rule.targets[target]
        if plan.status != "removed" or rule.providers is None:
            continue
        for fact in plan.providers:
            if rule.providers.kind == "api":
                edits += _api_edits(config, rule, fact, target)
            else:
                edits += _provider_edits(config, rule, fact, target)
    return sorted(edits, key=lambda edit: edit.span)


def apply_edits(text: str, edits: Sequence[ProviderEdit]) -> str:
    """`text` with every edit that has no blocker applied (spans are the original text's)."""
    for edit in sorted((edit for edit in edits if edit.blocker is None), key=lambda edit: edit.span, reverse=True):
        start, end = edit.span
        text = text[:start] + edit.text + text[end:]
    return text


def _api_edits(config: ParsedConfig, rule: Rule, fact: ProviderChange, target: TargetName) -> Iterator[ProviderEdit]:
    """The `apis` entries and the `providers` key that name `fact.api`."""
    apis = config.root.get(_APIS)
    listed = [child for child in apis[1].children if child.kind == "scalar"] if apis and apis[1].kind == "seq" else []
    providers = config.root.get(_PROVIDERS)
    keys = [key for key, _ in providers[1].pairs()] if providers is not None else []
    for where, nodes in ((f"{_APIS} entry", listed), (f"{_PROVIDERS} key", keys)):
        present = {node.value for node in nodes}
        for node in nodes:
            if node.value != fact.api:
                continue
            detail = f"{where} {fact.api!r}"
            if fact.becomes is None:
                yield _edit(config, rule, fact, node, detail, "", "", _no_successor(fact, f"{fact.api} API", target))
                continue
            clash = f"{where.split()[0]} already has {fact.becomes!r}" if fact.becomes in present else None
            yield _rename(config, rule, fact, node, detail, fact.becomes, clash)


def _provider_edits(
    config: ParsedConfig, rule: Rule, fact: ProviderChange, target: TargetName
) -> Iterator[ProviderEdit]:
    """The providers of `fact.api` whose type is `fact.provider_type`: their type, a key of their config, or the
    whole entry."""
    pair = config.root.get(_PROVIDERS)
    entries = pair[1].get(fact.api) if pair is not None else None
    if entries is None or entries[1].kind != "seq":
        return
    sequence = entries[1]
    for index, entry in enumerate(sequence.children):
        found = entry.get("provider_type") if entry.kind == "map" else None
        if found is None or found[1].value != fact.provider_type:
            continue
        type_node = found[1]
        named = f"{_PROVIDERS}.{fact.api} provider {_provider_id(entry)} ({fact.provider_type})"
        if fact.key is not None:
            yield from _key_edit(config, rule, fact, entry, named)
        elif fact.becomes is not None:
            yield _rename(config, rule, fact, type_node, named, fact.becomes, None)
        elif not fact.removable:
            blocker = _no_successor(fact, fact.provider_type or "", target)
            yield _edit(config, rule, fact, type_node, named, "", "", blocker)
        else:
            start, end = _item_span(config, entries[0], sequence, index)
            removal = f"removed {named}: {target} has no such provider and needs nothing in its place"
            removable = {other.provider_type for other in rule.targets[target].providers if other.removable}
            kept = _kept_because(config, sequence, entry, removable)
            edit = _edit(config, rule, fact, type_node, named, "", removal, kept)
            yield replace(edit, span=(start, end))


def _key_edit(
    config: ParsedConfig, rule: Rule, fact: ProviderChange, entry: YamlNode, named: str
) -> Iterator[ProviderEdit]:
    """The key `fact.key` of the provider's `config` mapping, renamed unless the mapping has the new name too."""
    settings = entry.get("config")
    if settings is None or settings[1].kind != "map":
        return
    keys = [key for key, _ in settings[1].pairs()]
    for key in keys:
        if key.value != fact.key or fact.becomes is None:
            continue
        clash = (
            f"its config already has {fact.becomes!r}" if any(other.value == fact.becomes for other in keys) else None
        )
        yield _rename(config, rule, fact, key, f"{named} config key {fact.key!r}", fact.becomes, clash)


def _rename(
    config: ParsedConfig,
    rule: Rule,
    fact: ProviderChange,
    node: YamlNode,
    detail: str,
    new: str,
    clash: str | None,
) -> ProviderEdit:
    """Write `new` over the scalar `node`, in the same quotes; a human renames a scalar written any other way."""
    written = config.text[node.start : node.end]
    quote = written[0] if written[:1] in ("'", '"') and written[-1:] == written[0] and len(written) > 1 else ""
    blocker = clash or fact.note  # a rename with a note changed more than the name: the note says what
    if blocker is None and (node.kind != "scalar" or written[len(quote) : len(written) - len(quote)] != node.value):
        blocker = f"written as {written!r}, which fix does not rewrite; write {new!r} there"
    done = f"renamed {detail} to {new!r}"
    return _edit(config, rule, fact, node, detail, f"{quote}{new}{quote}", done, blocker)


def _edit(
    config: ParsedConfig,
    rule: Rule,
    fact: ProviderChange,
    node: YamlNode,
    detail: str,
    text: str,
    done: str,
    blocker: str | None,
) -> ProviderEdit:
    line_end = config.text.find("\n", node.start)
    end = min(node.end, len(config.text) if line_end < 0 else line_end)
    column = config.column(node.start)
    return ProviderEdit(
        rule=rule,
        fact=fact,
        line=config.line_number(node.start),
        column=column,
        end_column=column + max(end - node.start, 1),
        detail=detail,
        span=(node.start, node.end),
        text=text,
        done=done,
        blocker=blocker,
    )


def _no_successor(fact: ProviderChange, what: str, target: TargetName) -> str:
    return f"{target} has no {what}: " + (fact.note or "nothing replaces it")


def _kept_because(config: ParsedConfig, sequence: YamlNode, entry: YamlNode, removable: set[str | None]) -> str | None:
    """Why a removable provider's entry stays: its list is flow style, it is its API's only provider (every entry
    of the list is of a `removable` type), or something else in the config names its provider_id."""
    if sequence.flow:
        return "the providers list is flow style ([...]): remove the entry by hand"
    types = [other.get("provider_type") if other.kind == "map" else None for other in sequence.children]
    if all(found is not None and found[1].value in removable for found in types):
        return "it is its API's only provider: remove the API with it, or give it another provider, by hand"
    provider_id = entry.get("provider_id")
    if provider_id is None or not provider_id[1].value:
        return None
    users = [
        f"{path} (line {config.line_number(node.start)})"
        for path, node in _provider_id_uses(config.root, ())
        if node.value == provider_id[1].value
    ]
    if users:
        return f"the config still names provider {provider_id[1].value!r}: {', '.join(users)}"
    return None


def _provider_id_uses(node: YamlNode, path: tuple[str, ...]) -> Iterator[tuple[str, YamlNode]]:
    """Every scalar under a key ending in `provider_id` outside the `providers` block, with its dotted path."""
    if node.kind == "map":
        for key, value in node.pairs():
            name = key.value or ""
            if not path and name == _PROVIDERS:
                continue
            if value.kind == "scalar" and name.endswith("provider_id"):
                yield ".".join((*path, name)), value
            yield from _provider_id_uses(value, (*path, name))
    elif node.kind == "seq":
        for index, child in enumerate(node.children):
            yield from _provider_id_uses(child, (*path[:-1], f"{path[-1] if path else ''}[{index}]"))


def _provider_id(entry: YamlNode) -> str:
    found = entry.get("provider_id")
    return repr(found[1].value) if found is not None and found[1].value else "(no provider_id)"


def _item_span(config: ParsedConfig, key: YamlNode, sequence: YamlNode, index: int) -> tuple[int, int]:
    """A block-list item's lines, from the comment lines right above its dash to the end of its content's line."""
    item = sequence.children[index]
    floor = config.next_line(key.end if index == 0 else config.content_end(sequence.children[index - 1]))
    dash = config.text.rfind("-", floor, item.start)
    dash_line = config.line_start(dash if dash >= 0 else item.start)
    return config.leading_comments_start(floor, dash_line), config.next_line(config.content_end(item))

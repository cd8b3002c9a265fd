"""Merge run-config entries into a server run config, editing only the lines it adds.

ruamel.yaml reads the config twice: its round-trip loader gives the values (to de-duplicate), its
parser gives the character span of every node (to know where a list or a mapping ends). New entries
are dumped by ruamel in the document's own indentation style and spliced into the original text at
line boundaries, so every byte the merge does not add stays exactly as written: comments, quoting,
key order, blank lines, `${env.X}` strings, line endings and the final-newline state.

The one rewrite: a non-empty flow collection on the path to a new entry (`models: [{model_id: a}]`)
is rewritten in block style before entries are appended to it; its values are kept, comments inside
the brackets are not. An empty one (`models: []`), `null` or an empty value is simply replaced.

Dumped strings are quoted for YAML 1.1, which is what the server's PyYAML reads (`'yes'`, `'on'`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, MappingStartEvent, ScalarEvent
from ruamel.yaml.representer import RoundTripRepresenter

from migrate.config.entries import ConfigEntry, Unknown
from migrate.errors import MigrateError

NodeKind = Literal["map", "seq", "scalar", "alias"]

_UNKNOWN_SENTINEL = re.compile(r"llama-stack-migrate-unknown-(\d+)$")
_VERSION_HEADER = "%YAML 1.1\n---\n"
_SET_IT = "set it before starting the server"


@dataclass(frozen=True)
class Conflict:
    """An entry whose resource the config (or an earlier entry, from `existing_origin`) already declares
    with different content: it is not declared twice."""

    entry: ConfigEntry
    existing: dict[str, Any]
    existing_origin: str | None = None


@dataclass(frozen=True)
class MergeResult:
    """The merged config text and what became of each entry."""

    text: str
    added: list[ConfigEntry]
    already_present: list[ConfigEntry]
    conflicts: list[Conflict]


@dataclass
class YamlNode:
    """One node of the document and its character span [start, end) in the text."""

    kind: NodeKind
    start: int
    end: int
    flow: bool = False
    value: str | None = None
    children: list[YamlNode] = field(default_factory=list)

    def pairs(self) -> list[tuple[YamlNode, YamlNode]]:
        """The (key, value) pairs of a mapping node."""
        return list(zip(self.children[::2], self.children[1::2], strict=True))

    def get(self, key: str) -> tuple[YamlNode, YamlNode] | None:
        """The (key, value) pair of a mapping node whose key is the plain string `key`."""
        return next(((k, v) for k, v in self.pairs() if k.kind == "scalar" and k.value == key), None)

    @property
    def block(self) -> bool:
        return self.kind in ("map", "seq") and not self.flow


@dataclass(frozen=True)
class ParsedConfig:
    """A run config: its text, its round-trip data (a mapping) and its node tree with spans."""

    text: str
    data: Any
    root: YamlNode

    def content_end(self, node: YamlNode) -> int:
        """Where the node's last character of content ends (trailing comments and blank lines excluded)."""
        while node.block and node.children:
            node = node.children[-1]
        end = node.end
        header = self.text[node.start : self.next_line(node.start)].split("#")[0]
        if header[:1] in ("|", ">") and "+" in header:
            return end - 1  # a block scalar that keeps its trailing line breaks (they are content)
        while end > node.start and self.text[end - 1].isspace():
            end -= 1
        return end

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def next_line(self, index: int) -> int:
        """The start of the line after the one holding `index` (the text's end on the last line)."""
        newline = self.text.find("\n", index)
        return len(self.text) if newline < 0 else newline + 1

    def column(self, index: int) -> int:
        """The 0-based column of `index` (a byte-order mark does not count)."""
        start = self.line_start(index)
        return index - start - (start == 0 and self.text.startswith("\ufeff"))

    def line_number(self, index: int) -> int:
        """The 1-based line of `index`."""
        return self.text.count("\n", 0, index) + 1

    def leading_comments_start(self, floor: int, index: int) -> int:
        """The start of the comment lines directly above the line of `index`, up to the line start `floor`."""
        start = self.line_start(index)
        while start > floor:
            above = self.line_start(start - 1)
            if not self.text[above:start].strip().startswith("#"):
                break
            start = above
        return start


@dataclass(frozen=True)
class _Layout:
    """Block indentation as ruamel spells it: key indent, list-item content indent, dash offset."""

    mapping: int = 2
    sequence: int = 2
    offset: int = 0


def parse_config(text: str, *, loaded: Any = None) -> ParsedConfig:
    """Parse a run config; raise `MigrateError` unless it is valid YAML with a block mapping at the top.

    `loaded` is the text's one document as ruamel's round-trip loader gave it already (the scan loads it once).
    """
    try:
        data = YAML(typ="rt").load(text) if loaded is None else loaded
        root = _node_tree(text)
    except YAMLError as exc:
        raise MigrateError(f"not valid YAML: {_describe(exc)}") from exc
    if not hasattr(data, "items") or root is None or root.kind != "map":
        found = "nothing" if data is None else f"a {type(data).__name__}"
        raise MigrateError(f"the top level of a run config must be a mapping, found {found}")
    if root.flow:
        raise MigrateError("the top level of the run config is a flow mapping ({...}): only block style is edited")
    return ParsedConfig(text, data, root)


def merge_entries(
    config_text: str,
    entries: Sequence[ConfigEntry],
    *,
    carried_comments: Sequence[Sequence[str]] = (),
) -> MergeResult:
    """Add the entries the config does not declare yet; report the ones it has and the conflicting ones.

    `carried_comments` (parallel to `entries`, texts without `#`) are written above an entry's origin
    comment; `migrate_run_config` uses them to keep a moved entry's own comments.
    """
    newline = "\r\n" if "\r\n" in config_text else "\n"
    missing_eol = bool(config_text) and not config_text.endswith("\n")
    text = config_text + newline if missing_eol else config_text
    config = parse_config(text)
    comments = [*carried_comments, *[()] * (len(entries) - len(carried_comments))]
    added, present, conflicts = _classify(config.data, list(zip(entries, comments, strict=True)))
    layout = _detect_layout(config)
    for section, group in _by_section(added).items():
        items = [_item_lines(entry, extra, layout) for entry, extra in group]
        text = _insert(text, section.split("."), items, layout, newline)
    if missing_eol:
        text = text[: -len(newline)]
    return MergeResult(text, [entry for entry, _ in added], present, conflicts)


def render_entries(entries: Sequence[ConfigEntry]) -> MergeResult:
    """A ready-to-paste YAML block declaring the entries (duplicates once), for when there is no config."""
    added, present, conflicts = _classify({}, [(entry, ()) for entry in entries])
    layout = _Layout()
    text = ""
    for section, group in _by_section(added).items():
        items = [_item_lines(entry, extra, layout) for entry, extra in group]
        path = section.split(".")
        text = _insert(text, path, items, layout, "\n") if text else _join(_block(path, items, layout), "\n")
    return MergeResult(text, [entry for entry, _ in added], present, conflicts)


def _describe(exc: YAMLError) -> str:
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = f"{exc.context}, {exc.problem}" if exc.context else exc.problem
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _node_tree(text: str) -> YamlNode | None:
    """The first document's node tree, built from parser events (aliases keep their own span)."""
    stack: list[YamlNode] = []
    root: YamlNode | None = None
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, CollectionEndEvent):
            stack.pop().end = event.end_mark.index
            continue
        if isinstance(event, CollectionStartEvent):
            kind: NodeKind = "map" if isinstance(event, MappingStartEvent) else "seq"
        elif isinstance(event, (ScalarEvent, AliasEvent)):
            kind = "scalar" if isinstance(event, ScalarEvent) else "alias"
        else:
            continue
        flow = bool(getattr(event, "flow_style", False))
        node = YamlNode(kind, event.start_mark.index, event.end_mark.index, flow=flow)
        if isinstance(event, ScalarEvent):
            node.value = event.value
        if not stack:
            root = node
        else:
            parent = stack[-1]
            if parent.kind == "map" and len(parent.children) % 2 and _is_empty_plain(event):
                # the parser puts an empty value at the next token; it belongs right after the colon
                node.start = node.end = text.find(":", parent.children[-1].end) + 1
            parent.children.append(node)
        if isinstance(event, CollectionStartEvent):
            stack.append(node)
    return root


def _is_empty_plain(event: Any) -> bool:
    return isinstance(event, ScalarEvent) and event.value == "" and event.style is None


def _walk(node: YamlNode) -> Iterator[YamlNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _detect_layout(config: ParsedConfig) -> _Layout:
    """The document's own indentation, read from its first nested block mapping and block list."""
    mapping: int | None = None
    sequence: tuple[int, int] | None = None
    for node in _walk(config.root):
        if node.kind != "map" or node.flow:
            continue
        for key, value in node.pairs():
            key_column = config.column(key.start)
            if config.line_start(value.start) == config.line_start(key.start) or not value.block:
                continue
            if value.kind == "map" and mapping is None:
                mapping = config.column(value.start) - key_column
            first = value.children[0] if value.kind == "seq" else None
            dash_line = config.line_start(value.start)
            if sequence is None and first is not None and config.line_start(first.start) == dash_line:
                sequence = (config.column(first.start) - key_column, config.column(value.start) - key_column)
    default = _Layout()
    seq, offset = sequence or (default.sequence, default.offset)
    offset = max(offset, 0)
    return _Layout(mapping if mapping and mapping > 0 else default.mapping, max(seq, offset + 2), offset)


def _classify(
    data: Any, pending: list[tuple[ConfigEntry, Sequence[str]]]
) -> tuple[list[tuple[ConfigEntry, Sequence[str]]], list[ConfigEntry], list[Conflict]]:
    """Split entries into new ones, ones already declared (or repeated) and conflicting ones."""
    added: list[tuple[ConfigEntry, Sequence[str]]] = []
    present: list[ConfigEntry] = []
    conflicts: list[Conflict] = []
    known: dict[tuple[str, str], tuple[dict[str, Any], str | None]] = {}  # key -> (declared, by which entry)
    for entry, comments in pending:
        if isinstance(entry.identifier, Unknown):
            added.append((entry, comments))
            continue
        if entry.key not in known:
            existing = _existing_item(data, entry)
            if existing is None:
                known[entry.key] = (_plain(entry.fields), entry.origin)
                added.append((entry, comments))
                continue
            known[entry.key] = (existing, None)
        declared, origin = known[entry.key]
        if all(_plain(value) == declared.get(name) for name, value in entry.fields.items()):
            present.append(entry)
        else:
            conflicts.append(Conflict(entry, declared, origin))
    return added, present, conflicts


def _existing_item(data: Any, entry: ConfigEntry) -> dict[str, Any] | None:
    """The config's item (as plain data) that declares the entry's resource, if any."""
    items: Any = data
    for name in entry.section.split("."):
        items = items.get(name) if hasattr(items, "get") else None
    for item in items if isinstance(items, list) else ():
        if hasattr(item, "get") and entry.declares(plain := _plain(item)):
            found: dict[str, Any] = plain
            return found
    return None


def _plain(value: Any) -> Any:
    """Round-trip or entry data as plain dicts, lists and scalars (unknown values as None)."""
    if isinstance(value, Unknown):
        return None
    if hasattr(value, "items"):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _by_section(
    added: list[tuple[ConfigEntry, Sequence[str]]],
) -> dict[str, list[tuple[ConfigEntry, Sequence[str]]]]:
    groups: dict[str, list[tuple[ConfigEntry, Sequence[str]]]] = {}
    for entry, comments in added:
        groups.setdefault(entry.section, []).append((entry, comments))
    return groups


class _Representer(RoundTripRepresenter):
    """Writes None as `null` (ruamel's round-trip default is an empty value)."""


_Representer.add_representer(
    type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
)


def _dump(value: Any, layout: _Layout) -> list[str]:
    """`value` as YAML lines in the document's indentation (a list's dashes at column 0)."""
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.version = (1, 1)
    yaml.width = 4096
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    buffer = io.StringIO()
    yaml.dump(value, buffer)
    lines = buffer.getvalue().removeprefix(_VERSION_HEADER).splitlines()
    pad = len(lines[0]) - len(lines[0].lstrip(" "))  # ruamel indents a top-level list by the offset
    return [line[pad:] for line in lines]


def _item_lines(entry: ConfigEntry, carried: Sequence[str], layout: _Layout) -> list[str]:
    """A new entry: its comments (carried ones, then its origin) and the item, unknown values as null."""
    unknowns: list[Unknown] = []

    def prepare(value: Any) -> Any:
        if isinstance(value, Unknown):
            unknowns.append(value)
            return f"llama-stack-migrate-unknown-{len(unknowns) - 1}"
        if isinstance(value, dict):
            return {key: prepare(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [prepare(item) for item in value]
        return value

    lines = _dump([prepare(entry.fields)], layout)
    for number, line in enumerate(lines):
        match = _UNKNOWN_SENTINEL.search(line)
        if match:
            note = _one_line(unknowns[int(match.group(1))].describe())
            lines[number] = f"{line[: match.start()]}null  # llama-stack-migrate: {note}; {_SET_IT}"
    comments = [f"# {_one_line(text)}" for text in (*carried, f"from {entry.origin} ({entry.rule})")]
    return comments + lines


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _block(path: Sequence[str], items: list[list[str]], layout: _Layout) -> list[str]:
    """Lines declaring `items` under the key path `path` (may be empty), starting at column 0."""
    if not path:
        return [line for item in items for line in item]
    nested = _block(path[1:], items, layout)
    return [f"{path[0]}:", *_indent(nested, layout.mapping if len(path) > 1 else layout.offset)]


def _indent(lines: list[str], columns: int) -> list[str]:
    return [" " * columns + line if line else line for line in lines]


def _join(lines: list[str], newline: str) -> str:
    return "".join(line + newline for line in lines)


def _insert(text: str, path: list[str], items: list[list[str]], layout: _Layout, newline: str) -> str:
    """Append the items to the list at `path`, creating (or turning to block style) what is missing."""
    config = parse_config(text)
    node, data = config.root, config.data
    for depth, name in enumerate(path):
        rest = path[depth + 1 :]
        pair = node.get(name)
        if pair is None:
            lines = _indent(_block(path[depth:], items, layout), config.column(node.children[0].start))
            return _insert_lines(config, config.content_end(node), lines, newline)
        key, value = pair
        data = data.get(name)
        wanted: NodeKind = "map" if rest else "seq"
        if value.kind == wanted and value.block:
            if rest:
                node = value
                continue
            lines = _indent(_block([], items, layout), config.column(value.start))
            return _insert_lines(config, config.content_end(value), lines, newline)
        if value.kind == wanted and value.children:
            block_text = _to_block(config, key, value, data, layout, newline)
            return _insert(block_text, path, items, layout, newline)
        if data is not None and value.kind != wanted:
            kind = "mapping" if wanted == "map" else "list"
            raise MigrateError(f"cannot add entries under {'.'.join(path[: depth + 1])}: it is not a {kind}")
        child = _block(rest, items, layout)
        return _replace_value(config, key, value, _indent(child, layout.mapping if rest else layout.offset), newline)
    raise AssertionError("unreachable: the path always ends in a list")


def _insert_lines(config: ParsedConfig, after: int, lines: list[str], newline: str) -> str:
    """Insert whole lines after the line that holds index `after`."""
    at = config.next_line(after)
    return config.text[:at] + _join(lines, newline) + config.text[at:]


def _to_block(config: ParsedConfig, key: YamlNode, value: YamlNode, data: Any, layout: _Layout, newline: str) -> str:
    """Rewrite a non-empty flow collection in block style (its values kept)."""
    lines = _indent(_dump(_plain(data), layout), layout.offset if value.kind == "seq" else layout.mapping)
    return _replace_value(config, key, value, lines, newline)


def _replace_value(config: ParsedConfig, key: YamlNode, value: YamlNode, lines: list[str], newline: str) -> str:
    """Drop the value written after `key:` and put `lines` (relative to the key) on the lines below."""
    text = config.text
    eol = config.next_line(value.end)
    head = text[: value.start].rstrip(" \t")
    return head + text[value.end : eol] + _join(_indent(lines, config.column(key.start)), newline) + text[eol:]

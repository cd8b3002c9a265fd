"""Fix one file: scan it, rewrite what can be rewritten, verify, and report; never raises past the file."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, decode, judge_text
from migrate.errors import SourceError, internal_error
from migrate.findings import Finding, Hit, source_lines
from migrate.fix.model import Rewrite
from migrate.fix.python import Outcome, declares, fix_python, verify_python
from migrate.pairing import Key, broken, key
from migrate.registry import RuleSet
from migrate.rules import Language
from migrate.sources import source_of
from migrate.sources.notebook import notebook_constants
from migrate.strategies.renames import rename_path_text
from migrate.targets import TargetName

FixStatus = Literal["changed", "unchanged", "skipped", "failed"]

TOO_DEEP = "nested too deeply to rewrite (Python's recursion limit, reached in libcst); the file was left alone"
_BOM = b"\xef\xbb\xbf"


@dataclass
class FileFix:
    """The outcome for one file. `before`/`after` are the file's bytes (equal when unchanged).

    A `failed` file is left alone, with the reason in `error`: its content could not be decoded, parsed
    (the notebook cell and line are named) or rewritten, or, when `unreadable`, the file could not be
    read at all. The CLI tells the two apart: content that fix cannot handle is work left (exit 1),
    a file it cannot read is an error of the run (exit 2).
    """

    source: SourceFile
    status: FixStatus
    before: bytes = b""
    after: bytes = b""
    outcome: Outcome = field(default_factory=Outcome)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    unreadable: bool = False


def fix_file(
    source: SourceFile,
    ruleset: RuleSet,
    target: TargetName,
    prefilter: Prefilter,
    *,
    unsafe: bool,
    origin: str | None = None,
) -> FileFix:
    """Scan and rewrite one file in memory (nothing is written here).

    `origin` is how the run-config entries built from the file name it (default: its display path).
    """
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        return FileFix(source, "failed", error=f"cannot read: {exc.strerror or exc}", unreadable=True)
    if not prefilter(data):
        return FileFix(source, "skipped", data, data)
    try:
        text = decode(data, source.language)
        judged = judge_text(text, source.language, ruleset, target, source.display)
        if judged.problems:
            raise SourceError("; ".join(judged.problems))
        findings = [finding for _, finding in judged.pairs]
        python = source_of(source.language).fixes in ("python", "notebook")
        fixable = [(h, f) for h, f in judged.pairs if f.fixable or (python and declares(h, target))]
        if not fixable:
            return FileFix(source, "unchanged", data, data, findings=findings)
        after, outcome = _rewrite(
            data,
            text,
            source.language,
            origin or source.display,
            fixable,
            ruleset,
            target,
            unsafe=unsafe,
            depth=judged.depth,
        )
        # A register that its rewrite left after all keeps its unregister: fix again, holding those.
        held = broken(findings, judged.pairing, {key(finding) for finding, _ in outcome.applied})
        if held:
            after, outcome = _rewrite(
                data, text, source.language, source.display, fixable, ruleset, target, unsafe=unsafe,
                depth=judged.depth, held=held,
            )  # fmt: skip
    except SourceError as exc:
        return FileFix(source, "failed", data, data, error=str(exc))
    except RecursionError:
        return FileFix(source, "failed", data, data, error=TOO_DEEP)
    except Exception as exc:  # a bug of ours costs this file its fix, not the others theirs
        return FileFix(source, "failed", data, data, error=internal_error(exc))
    status: FixStatus = "changed" if after != data else "unchanged"
    return FileFix(source, status, data, after, outcome, findings)


def _rewrite(
    data: bytes,
    text: str,
    language: Language,
    origin: str,
    pairs: Sequence[tuple[Hit, Finding]],
    ruleset: RuleSet,
    target: TargetName,
    *,
    unsafe: bool,
    depth: int,
    held: Mapping[Key, str] | None = None,
) -> tuple[bytes, Outcome]:
    fixes = source_of(language).fixes
    if fixes == "python":
        encoding = _encoding(data, text)
        code, outcome = fix_python(
            data.decode(encoding), pairs, ruleset, target, unsafe=unsafe, origin=origin, depth=depth, held=held
        )
        if not outcome.applied:
            return data, outcome
        verify_python(code)
        try:
            return code.encode(encoding), outcome
        except UnicodeEncodeError as exc:
            raise SourceError(f"the rewritten code cannot be written in {encoding}: {exc}") from exc
    if fixes == "notebook":
        return _rewrite_notebook(data, text, pairs, ruleset, target, unsafe=unsafe, origin=origin, held=held)
    if fixes == "run-config" and any(hit.surface == "config" for hit, _ in pairs):
        return _rewrite_run_config(data, text, pairs, ruleset, target)
    if fixes == "pins":
        return _update_pins(data, text, pairs, target)
    return _rename_lines(data, text, pairs, target)


def _update_pins(
    data: bytes, text: str, pairs: Sequence[tuple[Hit, Finding]], target: TargetName
) -> tuple[bytes, Outcome]:
    """Each pin's specifier (the hit's span on its line) becomes the plan's requirement; the rest of the line stays."""
    lines = source_lines(text, keepends=True)
    outcome = Outcome()
    for hit, finding in sorted(pairs, key=lambda pair: (pair[0].line, -pair[0].column)):
        requirement = hit.rule.targets[target].requirement
        assert requirement is not None  # update-pin plans have one, and only pins are fixable here
        line = lines[hit.line - 1]
        lines[hit.line - 1] = line[: hit.column] + requirement + line[hit.end_column :]
        outcome.applied.append((finding, Rewrite(None, False, None, (), True, f"pinned {requirement}")))
    new_text = "".join(lines)
    return (_bom(data) + new_text.encode("utf-8")) if new_text != text else data, outcome


def _encoding(data: bytes, text: str) -> str:
    """The codec that turns `text` back into `data` (PEP 263 cookie or UTF-8, BOM kept)."""
    for encoding in ("utf-8-sig" if data.startswith(_BOM) else "utf-8", "latin-1"):
        try:
            if text.encode(encoding) == data:
                return encoding
        except UnicodeEncodeError:
            continue
    import io
    import tokenize

    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def _rename_lines(
    data: bytes, text: str, pairs: Sequence[tuple[Hit, Finding]], target: TargetName
) -> tuple[bytes, Outcome]:
    """Path renames in Markdown, shell and CI files: only the finding's own lines change."""
    lines = source_lines(text, keepends=True)  # numbered as the Markdown, shell and YAML matchers number them
    outcome = Outcome()
    for hit, finding in pairs:
        plan = hit.rule.targets[target]
        for index in range(hit.line - 1, min(hit.end_line, len(lines))):
            lines[index] = rename_path_text(lines[index], hit, plan)
        outcome.applied.append((finding, Rewrite(None, False, None, (), True, "path renamed")))
    new_text = "".join(lines)
    return (_bom(data) + new_text.encode("utf-8")) if new_text != text else data, outcome


def _bom(data: bytes) -> bytes:
    """The UTF-8 byte order mark `data` starts with (decoding dropped it; writing puts it back)."""
    return _BOM if data.startswith(_BOM) else b""


def _rewrite_run_config(
    data: bytes, text: str, pairs: Sequence[tuple[Hit, Finding]], ruleset: RuleSet, target: TargetName
) -> tuple[bytes, Outcome]:
    from migrate.config.runconfig_fix import migrate_run_config

    new_text, changes = migrate_run_config(text, ruleset, target)
    outcome = Outcome()
    by_place = {(change.rule, change.line): change for change in changes}
    for hit, finding in pairs:
        change = by_place.get((hit.rule.id, hit.line))
        if hit.surface == "config" and change is not None and not change.manual:
            outcome.applied.append((finding, Rewrite(None, False, None, (), True, change.description)))
        elif hit.surface == "config":
            reason = change.description if change is not None else "this entry cannot be migrated automatically"
            outcome.manual.append((finding, reason))
    renamed, renames = _rename_lines(
        _bom(data) + new_text.encode("utf-8"), new_text, [p for p in pairs if p[0].surface != "config"], target
    )
    outcome.extend(renames)
    return (renamed if new_text != text or renames.applied else data), outcome


def _rewrite_notebook(
    data: bytes,
    text: str,
    pairs: Sequence[tuple[Hit, Finding]],
    ruleset: RuleSet,
    target: TargetName,
    *,
    unsafe: bool,
    origin: str,
    held: Mapping[Key, str] | None = None,
) -> tuple[bytes, Outcome]:
    """Only code-cell sources change; outputs, metadata and the JSON layout are kept."""
    notebook = json.loads(text)
    dump = _notebook_layout(notebook, text)
    outcome = Outcome()
    constants = notebook_constants(text)
    by_cell: dict[int, list[tuple[Hit, Finding]]] = {}
    for hit, finding in pairs:
        by_cell.setdefault(hit.cell or 0, []).append((hit, finding))
    cells: list[dict[str, Any]] = notebook["cells"]
    for number, cell_pairs in sorted(by_cell.items()):
        cell = cells[number - 1]
        source = cell["source"]
        code = "".join(source) if isinstance(source, list) else str(source)
        try:
            new_code, cell_outcome = fix_python(
                code,
                cell_pairs,
                ruleset,
                target,
                unsafe=unsafe,
                origin=f"{origin}#cell{number}",
                held=held,
                constants=constants,
            )
            if cell_outcome.applied:
                verify_python(new_code)
        except SourceError:
            outcome.manual += [(finding, "the cell uses IPython syntax; edit it by hand") for _, finding in cell_pairs]
            continue
        outcome.extend(cell_outcome)
        if new_code != code:
            cell["source"] = new_code.splitlines(keepends=True) if isinstance(source, list) else new_code
    if not outcome.applied:
        return data, outcome
    if dump is None:
        reason = "the notebook's JSON layout cannot be reproduced exactly, so it is not rewritten"
        manual = [(finding, reason) for finding, _ in outcome.applied]
        return data, Outcome(manual=[*outcome.manual, *manual])
    return _bom(data) + dump(notebook).encode("utf-8"), outcome


def _notebook_layout(notebook: Any, text: str) -> Any:
    """A serializer that reproduces `text` exactly from the unchanged notebook, or None."""
    for indent in (1, 2, 4, None):
        for sort_keys in (True, False):
            for ensure_ascii in (False, True):
                for end in ("\n", ""):

                    def dump(
                        nb: Any, i: int | None = indent, s: bool = sort_keys, a: bool = ensure_ascii, e: str = end
                    ) -> str:
                        return json.dumps(nb, indent=i, sort_keys=s, ensure_ascii=a) + e

                    if dump(notebook) == text:
                        return dump
    return None

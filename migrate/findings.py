"""The one output contract of per-file work: a `FileResult` holding `Finding`s.

Per-file work never raises past the file: whatever goes wrong becomes a `failed` result with an
error message, and the run goes on.

The types are frozen stdlib dataclasses, built unvalidated from the tool's own values, typed in code
(`migrate.validation` says why). `Finding` is part of the JSON output (`migrate.output.json_format`):
the descriptions and constraints in its fields' metadata make the schema and validate what is read back
from a file (`report`, `--baseline`); tests validate what the scan builds (tests/test_engine.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from migrate.rules import Language, Operation, Resource, Rule
from migrate.validation import Strict

Surface = Literal["sdk", "http", "cli", "config", "pin"]
Confidence = Literal["high", "medium", "low"]
Severity = Literal["error", "warning"]
FileStatus = Literal["scanned", "skipped", "failed"]
#: ruff's model: `safe` fixes are applied by `fix --write`, `unsafe` ones only with `--unsafe-fixes`
#: (a value known only at run time went into them), `manual` findings are left for a human.
Applicability = Literal["safe", "unsafe", "manual"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def source_lines(text: str, *, keepends: bool = False) -> list[str]:
    """The lines of source text as parsers number them: split on LF, CR LF and CR only.

    `str.splitlines` also splits on form feeds, vertical tabs and Unicode separators, which Python,
    shells and Markdown do not end lines with: every line number after one of those would be off.
    """
    lines = _LINE.findall(text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


@dataclass(frozen=True)
class Hit:
    """What a surface matcher found, before the engine adds target-specific judgement.

    Lines are 1-based, columns 0-based and exclusive at the end (libcst's convention); `cell` is
    the 1-based notebook cell, lines then count within that cell. `entry` is a run-config entry's fields as
    plain data (`config` hits): what a strategy judges it by, as it judges a call by its `CallShape`.
    """

    rule: Rule
    surface: Surface
    line: int
    column: int
    end_line: int
    end_column: int
    confidence: Confidence
    rewritable: bool
    detail: str
    cell: int | None = None
    sdk_path: tuple[str, ...] = ()
    http_path: str | None = None
    call: CallShape | None = None
    entry: dict[str, Any] | None = None


@dataclass(frozen=True)
class CallShape:
    """What `fix` needs to know about a Python SDK call before it parses the file with libcst.

    `known` holds the arguments whose values are known before the program runs (literals,
    module-level constants: a name assigned once at the top of the module, and containers of those, as
    `fix` evaluates them), by parameter name: an unregister's positional id under its `id_param`.
    `standalone` says the call (possibly awaited) is a whole statement, so its result is not used;
    `aliased` says the receiver was reached through a local alias (`m = client.models`).

    What pairs a register with the unregister of the same resource (`migrate.pairing`): `id_code` is
    the source of the argument that names the resource (a register's first required keyword, an
    unregister's id), normalised by `ast.unparse`; `bound_to` the name the call's result is assigned
    to (`model = client.models.register(...)`); `scope` the dotted name of the enclosing functions and
    classes (`TestTools.test_roundtrip`, None at module level); `handled` says the call is in an
    `except` handler (a fallback, not the registration a teardown undoes).

    What a rewrite of a listing's reads needs (`guard-listed-fields`): `iterated_by` is the loop variable
    when the call is what a `for` loop or a comprehension iterates (`for m in client.models.list():`),
    and `item_reads` the attributes read on that variable there where a None would break (not in truth tests).
    """

    keywords: frozenset[str]
    positional: int
    starred: bool
    standalone: bool
    aliased: bool
    known: dict[str, Any] = field(default_factory=dict)
    id_code: str | None = None
    bound_to: str | None = None
    scope: str | None = None
    handled: bool = False
    iterated_by: str | None = None
    item_reads: frozenset[str] = frozenset()
    #: A raw-HTTP register or unregister (`requests.post(f"{BASE}/v1/models", json={...})`): `keywords` and
    #: `known` are then its JSON body's, `id_code` and `known` name what the URL deletes; None for SDK calls.
    raw: RawHttp | None = None


@dataclass(frozen=True)
class RawHttp:
    """What `fix` needs to know about a raw-HTTP register or unregister call before it parses the file with libcst.

    `unfit` says why the call's form keeps it from being rewritten (None: it can be): only a `.post` or
    `.delete` of an HTTP client whose URL is written in the call (a literal, an f-string or a `+`
    concatenation) with the route's path as its end, and a register's body passed as `json=`.
    `wrapped` says the call is its statement's whole work once the calls around it are counted
    (`ok(requests.delete(url))` where the module's `ok` only reads the answer it is given,
    `requests.delete(url).raise_for_status()`), whose result is not used.
    """

    unfit: str | None
    wrapped: bool = False


@dataclass(frozen=True, kw_only=True)
class FixInfo(Strict):
    """What `fix --target` does with a finding: its applicability, and what the fix is or why there is none."""

    applicability: Applicability
    note: str = field(metadata={"description": "What the fix does (safe, unsafe), or why a human must do it (manual)."})


@dataclass(frozen=True, kw_only=True)
class Finding(Strict):
    """One deprecated use, located and judged for a target."""

    path: str = field(
        metadata={"description": "File path, as given on the command line or relative to it (POSIX form)."}
    )
    line: int = field(metadata={"ge": 1, "description": "1-based start line (within the cell for notebooks)."})
    column: int = field(metadata={"ge": 1, "description": "1-based start column."})
    end_line: int = field(metadata={"ge": 1})
    end_column: int = field(metadata={"ge": 1, "description": "1-based column just past the end."})
    cell: int | None = field(default=None, metadata={"description": "1-based notebook cell, or null."})
    rule: str = field(metadata={"description": "Rule id, e.g. LSM101."})
    resource: Resource
    operation: Operation
    surface: Surface = field(
        metadata={
            "description": "sdk, http (raw HTTP / curl), cli (llama-stack-client), config (run.yaml), pin (a "
            "dependency pin)."
        }
    )
    language: Language
    confidence: Confidence
    severity: Severity = field(
        metadata={"description": "error: the target removed the operation; warning: only deprecated."}
    )
    fixable: bool = field(metadata={"description": "Whether `fix` rewrites this finding automatically for the target."})
    fix: FixInfo | None = field(
        default=None, metadata={"description": "Fix applicability for the target (absent in old files)."}
    )
    message: str = field(metadata={"description": "One line: the rule's title and its verdict on the target."})
    detail: str | None = field(
        default=None, metadata={"description": "What was found: the call, command or entry (absent in old files)."}
    )
    source: str = field(metadata={"description": "The source line the finding starts on, without its newline."})
    fingerprint: str = field(metadata={"description": "Stable id: rule, path and line text, not the line number."})


@dataclass(frozen=True, kw_only=True)
class FileResult(Strict):
    """The outcome for one file."""

    path: str
    status: FileStatus
    findings: tuple[Finding, ...] = ()
    suppressed: int = 0
    error: str | None = None


def fingerprint(findings: list[Finding]) -> list[Finding]:
    """Give each finding a fingerprint that survives edits above it (no line numbers in it).

    Rule, path, the whitespace-folded source line and the occurrence index of that triple.
    """
    seen: dict[tuple[str, str, str], int] = {}
    out: list[Finding] = []
    for finding in findings:
        text = " ".join(finding.source.split())
        key = (finding.rule, finding.path, text)
        index = seen.get(key, 0)
        seen[key] = index + 1
        digest = hashlib.sha256("\x1f".join((*key, str(index))).encode()).hexdigest()[:32]
        out.append(replace(finding, fingerprint=digest))
    return out


@dataclass(frozen=True)
class Document:
    """A part of a file that a matcher read (the whole file, or one notebook cell) and its hits.

    `lines` are that part's text lines: the engine takes each finding's source line and its
    suppression comment from them. `depth` is how deep its Python syntax nests, counted as libcst
    nests it (0 where it was not measured): `fix` does not hand libcst what it cannot survive.
    """

    lines: list[str]
    hits: list[Hit]
    cell: int | None = None
    depth: int = 0


@dataclass(frozen=True)
class Scanned:
    """What a language matcher returns: the documents it read, and problems with parts it could not."""

    documents: list[Document]
    problems: list[str]

"""The scan engine: prefilter, one pass of all rules per file, results that never raise past the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from migrate.errors import SourceError, internal_error
from migrate.findings import FileResult, Finding, Hit, fingerprint
from migrate.judge import breaks, judge
from migrate.pairing import Pairing, pair, settle
from migrate.registry import RuleSet
from migrate.rules import CLI_PROGRAMS, Language
from migrate.sources import matcher, source_of
from migrate.targets import TargetName

TOO_DEEP = "nested too deeply to scan (Python's recursion limit)"

_SUPPRESSION = re.compile(r"llama-stack-migrate:\s*ignore(?:\[(?P<ids>[^\]]*)\])?")


class Prefilter:
    """A byte-level test that decides, without parsing, whether a file can hold a deprecated use.

    A bare `register` is everywhere (atexit, codecs, singledispatch), so the test keys on what every
    use must contain: an SDK namespace *and* an SDK verb of a deprecated operation, a deprecated route's
    literal prefix, an SDK's CLI (`llama-stack-client`, `ogx-client`), a pinned SDK's name, a
    `registered_resources` block, or a run config's providers (`provider_type`). Reads and calls
    (`models.list`, `datasets.iterrows`) are everyday methods: the matcher takes them only in a file with
    the Llama Stack context, so they count only in a file that says `llama` or `ogx` and writes them as
    an attribute chain (`.datasets.list(`). Plain substring tests (memchr fast) run first; the regexes
    only confirm the few files that pass them.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        methods = [(path, rule) for path, rules in ruleset.sdk_methods.items() for rule in rules]
        lifecycle = {path for path, rule in methods if rule.operation in _LIFECYCLE}
        namespaces = sorted({path[-2] for path in lifecycle})
        verbs = sorted({path[-1] for path in lifecycle})
        prefixes = sorted({route.template.split("{", 1)[0].rstrip("/") for route in ruleset.routes})
        providers = (b"provider_type",) if ruleset.provider_rules else ()  # a run config's providers
        self._markers = (*(program.encode() for program in CLI_PROGRAMS), b"registered_resources", *providers)
        self._route_prefixes = tuple(prefix.encode() for prefix in prefixes)
        self._namespaces = tuple(name.encode() for name in namespaces)
        # "unregister" contains "register": test only the shortest spellings as substrings.
        self._verbs = tuple(v.encode() for v in verbs if not any(o != v and o in v for o in verbs))
        self._namespace = _words(namespaces)
        self._verb = _words(verbs)
        others = [path for path, rule in methods if rule.operation not in _LIFECYCLE]
        self._other_call = (
            re.compile(
                rb"\.(?:" + b"|".join(re.escape(n.encode()) for n in sorted({p[-2] for p in others})) + rb")"
                rb"\.(?:with_(?:raw|streaming)_response\.)?"
                rb"(?:" + b"|".join(re.escape(v.encode()) for v in sorted({p[-1] for p in others})) + rb")\b"
            )
            if others
            else None
        )
        self._pins = tuple(spelling.encode() for name in ruleset.pins for spelling in {name, name.replace("-", "_")})

    def __call__(self, data: bytes) -> bool:
        if any(marker in data for marker in self._markers):
            return True
        if b"/v1" in data and any(prefix in data for prefix in self._route_prefixes):
            return True
        if any(pin in data for pin in self._pins):
            return True
        context = any(word in data for word in _LLAMA_CONTEXT)
        if context and self._other_call is not None and self._other_call.search(data):
            return True
        if not any(name in data for name in self._namespaces) or not any(verb in data for verb in self._verbs):
            return False
        return bool(self._namespace.search(data) and self._verb.search(data))


_LIFECYCLE = ("register", "unregister")
#: How a file says it talks to Llama Stack: an import of `llama_stack(_client)` or `ogx(_client)`, a receiver
#: named for llama (what `sources.python` takes as the context of a read or a call).
_LLAMA_CONTEXT = (b"llama", b"Llama", b"LLAMA", b"ogx")


def _words(words: list[str]) -> re.Pattern[bytes]:
    return re.compile(rb"\b(?:" + b"|".join(re.escape(word.encode()) for word in words) + rb")\b")


def decode(data: bytes, language: Language) -> str:
    """Text of a file, decoded as its surface says (PEP 263 cookies for Python, UTF-8 otherwise)."""
    return source_of(language).decode(data)


@dataclass(frozen=True)
class Judged:
    """Every unsuppressed hit of a text with its finding, and what could not be read."""

    pairs: list[tuple[Hit, Finding]]
    problems: list[str]
    suppressed: int
    depth: int = 0  # the deepest syntax of the documents (`Document.depth`)
    #: Registers and unregisters that move together (`migrate.pairing`).
    pairing: Pairing = field(default_factory=lambda: Pairing({}, {}))


def judge_text(text: str, language: Language, ruleset: RuleSet, target: TargetName, path: str) -> Judged:
    """Match, drop suppressed hits, and judge the rest for `target`. Raises SourceError."""
    scanned = matcher(language)(text, ruleset, target)
    pairs: list[tuple[Hit, Finding]] = []
    suppressed = 0
    for document in scanned.documents:
        for hit in sorted(document.hits, key=lambda h: (h.line, h.column, h.rule.id)):
            if not breaks(hit, target, ruleset):
                continue
            if _is_suppressed(document.lines, hit.line, hit.end_line, hit.rule.id):
                suppressed += 1
                continue
            line = document.lines[hit.line - 1] if 0 < hit.line <= len(document.lines) else ""
            pairs.append((hit, judge(hit, ruleset, target, path, language, line.rstrip("\r\n"))))
    depth = max((document.depth for document in scanned.documents), default=0)
    pairing = pair([hit for hit, _ in pairs], ruleset, target)
    return Judged(settle(pairs, pairing), scanned.problems, suppressed, depth, pairing)


def scan_text(text: str, language: Language, ruleset: RuleSet, target: TargetName, path: str) -> FileResult:
    """Scan already-decoded text; never raises past the file."""
    try:
        judged = judge_text(text, language, ruleset, target, path)
    except SourceError as exc:
        return FileResult(path=path, status="failed", error=str(exc))
    except RecursionError:
        return FileResult(path=path, status="failed", error=TOO_DEEP)
    except Exception as exc:  # a bug of ours costs this file its scan, not the others theirs
        return FileResult(path=path, status="failed", error=internal_error(exc))
    error = "; ".join(judged.problems) or None
    return FileResult(
        path=path,
        status="failed" if error else "scanned",
        findings=tuple(fingerprint([finding for _, finding in judged.pairs])),
        suppressed=judged.suppressed,
        error=error,
    )


def scan_file(
    path: Path, display: str, language: Language, ruleset: RuleSet, target: TargetName, prefilter: Prefilter
) -> FileResult:
    """Read, prefilter, decode and scan one file; never raises past the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(path=display, status="failed", error=f"cannot read: {exc.strerror or exc}")
    if not prefilter(data):
        return FileResult(path=display, status="skipped")
    try:
        text = decode(data, language)
    except SourceError as exc:
        return FileResult(path=display, status="failed", error=str(exc))
    return scan_text(text, language, ruleset, target, display)


def _is_suppressed(lines: list[str], first: int, last: int, rule_id: str) -> bool:
    for number in {first, last}:
        if not 0 < number <= len(lines):
            continue
        match = _SUPPRESSION.search(lines[number - 1])
        if match is None:
            continue
        ids = match.group("ids")
        if ids is None or rule_id in {part.strip() for part in ids.split(",")}:
            return True
    return False

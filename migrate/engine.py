"""The scan engine: prefilter, one pass of all rules per file, results that never raise past the file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from migrate.errors import SourceError
from migrate.findings import FileResult, Finding, Hit, fingerprint
from migrate.judge import breaks, judge
from migrate.registry import RuleSet
from migrate.rules import Language
from migrate.sources import matcher, source_of
from migrate.targets import TargetName

TOO_DEEP = "nested too deeply to scan (Python's recursion limit)"

_SUPPRESSION = re.compile(r"llama-stack-migrate:\s*ignore(?:\[(?P<ids>[^\]]*)\])?")


class Prefilter:
    """A byte-level test that decides, without parsing, whether a file can hold a deprecated use.

    A bare `register` is everywhere (atexit, codecs, singledispatch), so the test keys on what every
    use must contain: an SDK namespace *and* an SDK verb, a deprecated route's literal prefix, the
    `llama-stack-client` CLI, or a `registered_resources` block. Plain substring tests (memchr fast)
    run first; the word-boundary regexes only confirm the few files that pass them. A read rule's
    namespaces and verbs (`models` and `list`) are everywhere too; its SDK calls are only taken with
    the Llama Stack context (`sources.python`), so they count only in a file that says `llama` or `ogx`.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        prefixes = sorted({route.template.split("{", 1)[0].rstrip("/") for route in ruleset.routes})
        self._markers = (b"llama-stack-client", b"registered_resources")
        self._route_prefixes = tuple(prefix.encode() for prefix in prefixes)
        methods = ruleset.sdk_methods
        self._calls = _Calls([path for path, rule in methods.items() if rule.operation != "read"])
        self._reads = _Calls([path for path, rule in methods.items() if rule.operation == "read"])

    def __call__(self, data: bytes) -> bool:
        if any(marker in data for marker in self._markers):
            return True
        if b"/v1" in data and any(prefix in data for prefix in self._route_prefixes):
            return True
        if self._calls(data):
            return True
        return any(word in data for word in _LLAMA_CONTEXT) and self._reads(data)


#: How a file says it talks to Llama Stack: an import of `llama_stack(_client)` or `ogx(_client)`, a receiver
#: named for llama (what `sources.python` takes as the context of a read).
_LLAMA_CONTEXT = (b"llama", b"Llama", b"LLAMA", b"ogx")


class _Calls:
    """Whether bytes hold one of the SDK namespaces *and* one of the verbs of `methods` (as words)."""

    def __init__(self, methods: list[tuple[str, ...]]) -> None:
        namespaces = sorted({path[-2] for path in methods})
        verbs = sorted({path[-1] for path in methods})
        self._namespaces = tuple(name.encode() for name in namespaces)
        # "unregister" contains "register": test only the shortest spellings as substrings.
        self._verbs = tuple(v.encode() for v in verbs if not any(o != v and o in v for o in verbs))
        self._namespace = re.compile(rb"\b(?:" + b"|".join(re.escape(n) for n in self._namespaces) + rb")\b")
        self._verb = re.compile(rb"\b(?:" + b"|".join(re.escape(v.encode()) for v in verbs) + rb")\b")

    def __call__(self, data: bytes) -> bool:
        if not self._namespaces or not any(name in data for name in self._namespaces):
            return False
        if not any(verb in data for verb in self._verbs):
            return False
        return bool(self._namespace.search(data) and self._verb.search(data))


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


def judge_text(text: str, language: Language, ruleset: RuleSet, target: TargetName, path: str) -> Judged:
    """Match, drop suppressed hits, and judge the rest for `target`. Raises SourceError."""
    scanned = matcher(language)(text, ruleset, target)
    pairs: list[tuple[Hit, Finding]] = []
    suppressed = 0
    for document in scanned.documents:
        for hit in sorted(document.hits, key=lambda h: (h.line, h.column, h.rule.id)):
            if not breaks(hit, target):
                continue
            if _is_suppressed(document.lines, hit.line, hit.end_line, hit.rule.id):
                suppressed += 1
                continue
            line = document.lines[hit.line - 1] if 0 < hit.line <= len(document.lines) else ""
            pairs.append((hit, judge(hit, ruleset, target, path, language, line.rstrip("\r\n"))))
    depth = max((document.depth for document in scanned.documents), default=0)
    return Judged(pairs, scanned.problems, suppressed, depth)


def scan_text(text: str, language: Language, ruleset: RuleSet, target: TargetName, path: str) -> FileResult:
    """Scan already-decoded text; never raises past the file."""
    try:
        judged = judge_text(text, language, ruleset, target, path)
    except SourceError as exc:
        return FileResult(path=path, status="failed", error=str(exc))
    except RecursionError:
        return FileResult(path=path, status="failed", error=TOO_DEEP)
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

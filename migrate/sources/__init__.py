"""The surfaces: the kinds of file `scan` reads and `fix` rewrites, one `Source` record each.

A record says how files of one kind are found (suffixes, whole file names, `#!` interpreters), decoded,
and searched (its matcher, a module of this package, imported only when such a file is scanned), and
what `fix` can rewrite in them (`fixes`). Discovery, the scan engine, the judgement of what is fixable,
fix's dispatch, the rules' example languages and the docs are all derived from `SOURCES`: a new surface
is one matcher module and one record here.
"""

from __future__ import annotations

import codecs
import fnmatch
import io
import os
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from migrate.errors import SourceError

if TYPE_CHECKING:
    from migrate.findings import Scanned
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

Matcher = Callable[[str, "RuleSet", "TargetName"], "Scanned"]

#: What `fix` rewrites in a surface:
FixKind = Literal[
    "python",  # every strategy's libcst rewrite of SDK calls, and paths in string literals
    "notebook",  # the same, per code cell; outputs, metadata and the JSON layout are kept
    "text",  # path renames on the finding's own lines (scripts, docs, CI files); the rest is shown
    "run-config",  # as "text", and a server run config's own blocks that the target ignores are migrated
    "pins",  # a dependency pin's version specifier on the finding's line becomes the plan's `requirement`
]


def decode_utf8(data: bytes) -> str:
    """UTF-8 text, a byte order mark allowed (and dropped). Raises SourceError."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"cannot decode: {exc}") from exc


def decode_python(data: bytes) -> str:
    """Python source text in the encoding its PEP 263 cookie names (UTF-8 by default). Raises SourceError."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        raise SourceError(f"cannot decode: {exc}") from exc


@dataclass(frozen=True)
class Source:
    """One kind of file: how it is found, decoded, searched and rewritten.

    `names` are whole file names (`Makefile`), `patterns` shell patterns of them (`requirements*.txt`)
    and `prefixes` starts of them (`Dockerfile.dev`);
    `interpreters` are the programs of a `#!` line that make an extension-less file this kind
    (`python` also stands for `python3.12`). `fence` is the Markdown code-fence language of its
    examples in the docs.
    """

    language: str
    suffixes: tuple[str, ...]
    decode: Callable[[bytes], str]
    matcher: Callable[[], Matcher]
    fixes: FixKind
    fence: str
    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    interpreters: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def runs(self, program: str) -> bool:
        """Whether a `#!` line's program (`bash`, `python3.12`) makes a file this kind."""
        return any(re.fullmatch(re.escape(name) + r"[0-9.]*", program) for name in self.interpreters)


def _python() -> Matcher:
    from migrate.sources.python import scan_python_file

    return scan_python_file


def _notebook() -> Matcher:
    from migrate.sources.notebook import scan_notebook

    return scan_notebook


def _shell() -> Matcher:
    from migrate.sources.shell import scan_shell

    return scan_shell


def _markdown() -> Matcher:
    from migrate.sources.markdown import scan_markdown

    return scan_markdown


def _dependencies() -> Matcher:
    from migrate.sources.dependencies import scan_dependencies

    return scan_dependencies


def _yaml() -> Matcher:
    from migrate.sources.runconfig import scan_yaml

    return scan_yaml


SOURCES: tuple[Source, ...] = (
    Source("python", (".py", ".pyi", ".pyw"), decode_python, _python, "python", "python", interpreters=("python",)),
    Source("notebook", (".ipynb",), decode_utf8, _notebook, "notebook", "json"),
    Source(
        "shell",
        (".sh", ".bash", ".zsh", ".ksh", ".mk"),
        decode_utf8,
        _shell,
        "text",
        "bash",
        names=("Makefile", "GNUmakefile", "Dockerfile", "Containerfile", "Justfile"),
        prefixes=("Dockerfile.",),
        interpreters=("sh", "bash", "zsh", "ksh", "dash"),
    ),
    Source("markdown", (".md", ".mdx", ".markdown"), decode_utf8, _markdown, "text", "markdown"),
    Source("yaml", (".yaml", ".yml"), decode_utf8, _yaml, "run-config", "yaml"),
    Source(
        "dependencies",
        (),
        decode_utf8,
        _dependencies,
        "pins",
        "text",
        names=("pyproject.toml", "setup.cfg"),
        patterns=("requirements*.txt", "requirements*.in", "constraints*.txt"),
    ),
)


def language_of_name(name: str) -> str | None:
    """The surface a file name says (whole name, name pattern, name prefix, then suffix), or None."""
    by_name, by_prefix, by_suffix = _name_tables(SOURCES)
    if name in by_name:
        return by_name[name]
    for record in SOURCES:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in record.patterns):
            return record.language
    for prefix, language in by_prefix:
        if name.startswith(prefix):
            return language
    return by_suffix.get(os.path.splitext(name)[1].lower())


def language_of_program(program: str) -> str | None:
    """The surface whose `#!` interpreters include `program` (`bash`, `python3.12`), or None."""
    return next((record.language for record in SOURCES if record.runs(program)), None)


@cache
def _name_tables(
    records: tuple[Source, ...],
) -> tuple[dict[str, str], tuple[tuple[str, str], ...], dict[str, str]]:
    by_name = {name: record.language for record in records for name in record.names}
    by_prefix = tuple((prefix, record.language) for record in records for prefix in record.prefixes)
    by_suffix = {suffix: record.language for record in records for suffix in record.suffixes}
    return by_name, by_prefix, by_suffix


def source_of(language: str) -> Source:
    """The record of a surface; SourceError for a language no record has."""
    for record in SOURCES:
        if record.language == language:
            return record
    raise SourceError(f"no surface is called {language!r}")


@cache
def matcher(language: str) -> Matcher:
    """The matcher of a surface, imported on first use."""
    return source_of(language).matcher()

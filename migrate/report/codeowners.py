"""CODEOWNERS with GitHub's semantics: who owns a path.

GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS` and `docs/CODEOWNERS`. Each line is a
pattern and its owners; the last matching line wins, and a line without owners leaves the files
unowned. Patterns follow gitignore with GitHub's differences:

* a pattern without a `/` (other than a trailing one) matches at any depth (`*.js`, `logs/`);
* a leading `/` or a `/` inside anchors it at the repository root (`/build/`, `docs/*.md`);
* a trailing `/` matches everything below the folder;
* a last part with a wildcard matches files only, not folders below (`docs/*` owns `docs/a.md`,
  not `docs/build/b.md`); a last part without one also matches a folder and everything below it;
* `**` matches any number of folders; `!` negation is not supported (such lines are ignored, as
  GitHub ignores them), and neither is `\\#` escaping.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from migrate.errors import MigrateError

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class OwnerRule:
    """One CODEOWNERS line: its pattern, the regex it compiles to, and its owners."""

    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]


@dataclass(frozen=True)
class CodeOwners:
    """The parsed file; `owners(path)` applies the last matching rule."""

    source: Path
    rules: tuple[OwnerRule, ...]

    def owners(self, path: str) -> tuple[str, ...]:
        """The owners of `path` (POSIX, relative to the repository root); empty when unowned."""
        for rule in reversed(self.rules):
            if rule.regex.fullmatch(path):
                return rule.owners
        return ()


def find_codeowners(root: Path) -> Path | None:
    """The CODEOWNERS file GitHub would use for the repository at `root`, or None."""
    for location in LOCATIONS:
        candidate = root / location
        if candidate.is_file():
            return candidate
    return None


def load_codeowners(path: Path) -> CodeOwners:
    """Read and parse a CODEOWNERS file; `MigrateError` when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MigrateError(f"cannot read the CODEOWNERS file {path}: {exc}") from exc
    return CodeOwners(path, parse_codeowners(text))


def parse_codeowners(text: str) -> tuple[OwnerRule, ...]:
    """The rules of a CODEOWNERS text, in file order (comments, blank and negated lines left out)."""
    rules: list[OwnerRule] = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#") or words[0].startswith("!"):
            continue
        owners = _until_comment(words[1:])
        rules.append(OwnerRule(words[0], compile_pattern(words[0]), owners))
    return tuple(rules)


def _until_comment(words: Sequence[str]) -> tuple[str, ...]:
    owners: list[str] = []
    for word in words:
        if word.startswith("#"):
            break
        owners.append(word)
    return tuple(owners)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regex that matches the repository paths (of files) a CODEOWNERS pattern owns."""
    folder = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    parts = body.split("/") if body else ["**"]
    regex = "" if anchored else "(?:.*/)?"
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:.*/)?"
        else:
            regex += _segment(part) + ("" if last else "/")
    if parts[-1] != "**" and folder:
        regex += "/.*"  # everything below the folder
    elif parts[-1] != "**" and not _has_wildcard(parts[-1]):
        regex += "(?:/.*)?"  # the file, or a folder and everything below it
    return re.compile(regex, re.DOTALL)


def _has_wildcard(part: str) -> bool:
    return any(char in part for char in "*?")


def _segment(part: str) -> str:
    """One path segment: `*` any run of characters but `/`, `?` one such character, the rest literal."""
    return "".join("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char) for char in part)

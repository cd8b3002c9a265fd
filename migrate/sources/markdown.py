"""Find deprecated uses in Markdown (.md, .mdx): fenced code blocks only, never prose or inline code.

Fences follow CommonMark: three or more backticks or tildes open a block, and only a fence of the
same character and at least the same length closes it (an unclosed block runs to the end of the
file). Indented fences are accepted at any depth, because list items, admonitions and content tabs
indent them; the fence's indentation is removed from the code. Python blocks (doctest prompts
allowed) are parsed, and one that does not parse is skipped: docs are full of partial snippets.
Shell, console and text blocks are read as shell. Hits carry file lines and columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from migrate.findings import Document, Hit, Scanned, source_lines
from migrate.sources.notebook import python_parts_hits, split_ipython
from migrate.sources.shell import shell_hits
from migrate.sources.urls import LLAMA_CONTEXT

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INFO_WORD = re.compile(r"[\w+#.-]+")
_DIRECTIVES = frozenset({"code-block", "code", "sourcecode"})  # MyST: ```{code-block} python
_DOCTEST = re.compile(r"^(>>>|\.\.\.)( |$)")
PYTHON_INFOS = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3", "pycon"})
SHELL_INFOS = frozenset(
    {"bash", "sh", "shell", "console", "zsh", "terminal", "shell-session", "shellsession", "sh-session"}
    | {"bash-session", "text", "txt", "plaintext", "", "dockerfile", "makefile", "yaml", "yml"}
)


@dataclass(frozen=True)
class Fence:
    """A fenced code block: its language (the info string's first word, lowercased), indentation,
    and its code lines as 0-based indexes `start` (first code line) to `end` (exclusive)."""

    language: str
    indent: int
    start: int
    end: int


def fences(lines: list[str]) -> Iterator[Fence]:
    """Every fenced code block, in order."""
    i = 0
    while i < len(lines):
        opening = _OPENING.match(lines[i])
        fence = opening.group("fence") if opening else ""
        if opening is None or (fence[0] == "`" and "`" in opening.group("info")):
            i += 1
            continue
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), len(lines))
        yield Fence(_language(opening.group("info")), len(opening.group("indent")), i + 1, end)
        i = end + 1


def _language(info: str) -> str:
    words: list[str] = [word.lstrip(".").lower() for word in _INFO_WORD.findall(info)]
    if len(words) > 1 and words[0] in _DIRECTIVES:
        return words[1]
    return words[0] if words else ""


@dataclass(frozen=True)
class _PythonBlock:
    """A Python fence's code, ready to parse: prompts, output and indentation taken out, line for line."""

    fence: Fence
    code: list[str]
    removed: list[int]  # characters taken off the front of each line (indentation and prompt)


def _python_block(lines: list[str], fence: Fence) -> _PythonBlock:
    """Strip the fence's indentation; in doctest style keep only `>>>` / `...` lines, without prompts."""
    code: list[str] = []
    removed: list[int] = []
    for line in lines[fence.start : fence.end]:
        indent = len(line) - len(line.lstrip(" \t"))
        cut = min(indent, fence.indent)
        code.append(line[cut:])
        removed.append(cut)
    if any(line.startswith(">>>") for line in code):
        for index, line in enumerate(code):
            prompt = _DOCTEST.match(line)
            code[index] = line[prompt.end() :] if prompt else ""
            removed[index] += prompt.end() if prompt else 0
    return _PythonBlock(fence, code, removed)


def _to_file(hit: Hit, block: _PythonBlock) -> Hit:
    """A hit with block-relative lines and columns moved to the file's."""
    return replace(
        hit,
        line=hit.line + block.fence.start,
        column=hit.column + block.removed[hit.line - 1],
        end_line=hit.end_line + block.fence.start,
        end_column=hit.end_column + block.removed[hit.end_line - 1],
    )


def scan_markdown(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `markdown` language matcher: the whole file is one document."""
    lines = source_lines(text)
    context = bool(LLAMA_CONTEXT.search(text))
    hits: list[Hit] = []
    blocks: list[_PythonBlock] = []
    for fence in fences(lines):
        if fence.language in SHELL_INFOS:
            code = lines[fence.start : fence.end]
            hits += shell_hits(code, ruleset, first_line=fence.start + 1, llama_context=context)
        elif fence.language in PYTHON_INFOS:
            blocks.append(_python_block(lines, fence))
    splits = [split_ipython(block.code) for block in blocks]
    python_hits, errors = python_parts_hits([split.python for split in splits], ruleset, llama_context=context)
    for block, split, found, error in zip(blocks, splits, python_hits, errors, strict=True):
        if error is None:  # an unparsable snippet is skipped, not a failure of the file
            found = found + shell_hits(split.shell, ruleset, llama_context=context)
            hits += [_to_file(hit, block) for hit in found]
    return Scanned([Document(lines, hits)], [])

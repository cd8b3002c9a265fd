"""Find deprecated uses in Markdown (.md, .mdx): fenced code blocks only, never prose or inline code.

Fences follow CommonMark: three or more backticks or tildes open a block, and only a fence of the
same character and at least the same length closes it (an unclosed block runs to the end of the
file, or of its blockquote). Indented fences are accepted at any depth, because list items,
admonitions and content tabs indent them, and fences inside blockquotes (`> ```python`) too; the
fence's indentation and quote markers are removed from the code, and hits keep file lines and
columns.

How a block is read depends on its info string:

* Python (`python`, `py`, `pycon`, `ipython`, ...): parsed, with doctest (`>>> `) and IPython
  (`In [1]: `) prompts taken out. A block that does not parse is skipped: docs are full of partial
  snippets. Schematic calls (`register(..., metadata={...})`) parse, and are uses.
* shell (`bash`, `console`, `yaml`, ...): read as shell (`curl`, `llama-stack-client`).
* `http`: its request lines (`POST /v1/models HTTP/1.1`).
* no tag, or `text`: tried as Python first, lines that start with a shell command (`curl ...`,
  `$ llama-stack-client ...`) set aside for the shell; when the rest does not parse, the whole block
  is read as shell.

All Python blocks of a file are scanned as one module, so an import in one block counts for the
others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from migrate.findings import Document, Hit, Scanned, source_lines
from migrate.rules import CLI_PROGRAMS
from migrate.sources.notebook import python_parts_hits, split_ipython
from migrate.sources.shell import shell_hits
from migrate.sources.urls import LLAMA_CONTEXT, has_literal_path, match_route

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

_QUOTE = re.compile(r"[ \t]{0,3}>[ \t]?")
_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INFO_WORD = re.compile(r"[\w+#.-]+")
_DIRECTIVES = frozenset({"code-block", "code", "sourcecode"})  # MyST: ```{code-block} python
_DOCTEST = re.compile(r"^(>>>|\.\.\.)( |$)")
_IPYTHON = re.compile(r"^(In \[\d*\]:|\s*\.\.\.:)( |$)")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+)[ \t]+(?P<target>\S+)(?:[ \t]+HTTP/[\d.]+)?[ \t]*$")
# A line of an untagged block that starts with one of these words (after a `$ ` prompt) is a shell
# command, unless the word is used as a Python name (`http = ...`, `set(...)`, `export.x`).
_SHELL_LINE = re.compile(
    r"^\s*(?:\$\s+)?(?:curl|wget|http|https|xh|"
    + "|".join(re.escape(program) for program in CLI_PROGRAMS)
    + r"|llama|ogx|pip3?|uv|export|cd|source|sudo|set|echo|docker|podman|kubectl|ollama)(?=\s|$)(?!\s*[=(.:,\[])"
)
PYTHON_INFOS = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3", "pycon"})
SHELL_INFOS = frozenset(
    {"bash", "sh", "shell", "console", "zsh", "terminal", "shell-session", "shellsession", "sh-session"}
    | {"bash-session", "dockerfile", "makefile", "yaml", "yml"}
)
UNTAGGED_INFOS = frozenset({"", "text", "txt", "plaintext", "plain"})
HTTP_INFOS = frozenset({"http"})


@dataclass(frozen=True)
class Fence:
    """A fenced code block: its language (the info string's first word, lowercased), indentation,
    the blockquote markers before it, and its code lines as 0-based indexes `start` (first code
    line) to `end` (exclusive)."""

    language: str
    indent: int
    start: int
    end: int
    quote: int = 0


def fences(lines: list[str]) -> Iterator[Fence]:
    """Every fenced code block, in order."""
    i = 0
    while i < len(lines):
        quote, rest = _unquote(lines[i], None)
        opening = _OPENING.match(rest)
        fence = opening.group("fence") if opening else ""
        if opening is None or (fence[0] == "`" and "`" in opening.group("info")):
            i += 1
            continue
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        closed = False
        while end < len(lines):
            depth, inner = _unquote(lines[end], quote)
            if depth < quote:  # the blockquote ended, and the block with it
                break
            if closing.match(inner):
                closed = True
                break
            end += 1
        yield Fence(_language(opening.group("info")), len(opening.group("indent")), i + 1, end, quote)
        i = end + 1 if closed else end


def _unquote(line: str, limit: int | None) -> tuple[int, str]:
    """(how many blockquote markers start `line`, at most `limit`; the line without them)."""
    depth = 0
    position = 0
    while limit is None or depth < limit:
        marker = _QUOTE.match(line, position)
        if marker is None:
            break
        depth += 1
        position = marker.end()
    return depth, line[position:]


def _language(info: str) -> str:
    words: list[str] = [word.lstrip(".").lower() for word in _INFO_WORD.findall(info)]
    if len(words) > 1 and words[0] in _DIRECTIVES:
        return words[1]
    return words[0] if words else ""


@dataclass(frozen=True)
class _Block:
    """A fence's code, line for line: quote markers, indentation and prompts taken out."""

    fence: Fence
    code: list[str]
    removed: list[int]  # characters taken off the front of each line


def _block(lines: list[str], fence: Fence) -> _Block:
    """The fence's code without its blockquote markers and indentation."""
    code: list[str] = []
    removed: list[int] = []
    for line in lines[fence.start : fence.end]:
        _, unquoted = _unquote(line, fence.quote)
        indent = len(unquoted) - len(unquoted.lstrip(" \t"))
        cut = len(line) - len(unquoted) + min(indent, fence.indent)
        code.append(line[cut:])
        removed.append(cut)
    return _Block(fence, code, removed)


def _without_prompts(block: _Block) -> _Block:
    """In doctest or IPython style, only the prompted lines, without their prompts."""
    for prompt, marker in ((_DOCTEST, ">>>"), (_IPYTHON, "In [")):
        if any(line.startswith(marker) for line in block.code):
            code: list[str] = []
            removed: list[int] = []
            for line, cut in zip(block.code, block.removed, strict=True):
                match = prompt.match(line)
                code.append(line[match.end() :] if match else "")
                removed.append(cut + (match.end() if match else 0))
            return replace(block, code=code, removed=removed)
    return block


def _shell_lines(code: Sequence[str]) -> list[bool]:
    """Which lines of an untagged block are shell commands (with their `\\` continuation lines)."""
    marks: list[bool] = []
    continued = False
    for line in code:
        shell = continued or bool(_SHELL_LINE.match(line))
        marks.append(shell)
        continued = shell and line.rstrip().endswith("\\")
    return marks


def _to_file(hit: Hit, block: _Block) -> Hit:
    """A hit with block-relative lines and columns moved to the file's."""
    return replace(
        hit,
        line=hit.line + block.fence.start,
        column=hit.column + block.removed[hit.line - 1],
        end_line=hit.end_line + block.fence.start,
        end_column=hit.end_column + block.removed[hit.end_line - 1],
    )


def _http_hits(block: _Block, ruleset: RuleSet) -> list[Hit]:
    """Request lines of an `http` block (`DELETE /v1/models/m HTTP/1.1`) that hit a deprecated route."""
    hits: list[Hit] = []
    for number, line in enumerate(block.code, start=1):
        request = _REQUEST_LINE.match(line)
        route = match_route(ruleset, request.group("method"), request.group("target")) if request else None
        if request is None or route is None:
            continue
        detail = f"HTTP {request.group('method')} {request.group('target')} (http code block)"
        hit = Hit(
            rule=route.rule,
            surface="http",
            line=number,
            column=0,
            end_line=number,
            end_column=len(line.rstrip()),
            confidence="high",
            rewritable=has_literal_path(request.group("target"), route),
            detail=detail,
            http_path=route.template,
        )
        hits.append(hit)
    return hits


def scan_markdown(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `markdown` language matcher: the whole file is one document."""
    lines = source_lines(text)
    context = bool(LLAMA_CONTEXT.search(text))
    hits: list[Hit] = []
    python: list[tuple[_Block, list[str], list[str], bool]] = []  # block, Python lines, shell lines, untagged
    for fence in fences(lines):
        block = _block(lines, fence)
        if fence.language in SHELL_INFOS:
            hits += [_to_file(hit, block) for hit in shell_hits(block.code, ruleset, llama_context=context)]
        elif fence.language in HTTP_INFOS and context:
            hits += [_to_file(hit, block) for hit in _http_hits(block, ruleset)]
        elif fence.language in PYTHON_INFOS:
            block = _without_prompts(block)
            split = split_ipython(block.code)
            python.append((block, split.python, split.shell, False))
        elif fence.language in UNTAGGED_INFOS:
            block = _without_prompts(block)
            marks = _shell_lines(block.code)
            split = split_ipython(["" if shell else line for line, shell in zip(block.code, marks, strict=True)])
            shell = [line if shell else rest for line, shell, rest in zip(block.code, marks, split.shell, strict=True)]
            python.append((block, split.python, shell, True))
    found, errors = python_parts_hits([part for _, part, _, _ in python], ruleset, llama_context=context)
    for (block, _, shell, untagged), block_hits, error in zip(python, found, errors, strict=True):
        if error is None:
            block_hits = block_hits + shell_hits(shell, ruleset, llama_context=context)
        elif untagged:  # not Python after all: read the whole block as shell
            block_hits = shell_hits(block.code, ruleset, llama_context=context)
        else:  # an unparsable Python snippet is skipped, not a failure of the file
            block_hits = []
        hits += [_to_file(hit, block) for hit in block_hits]
    return Scanned([Document(lines, hits)], [])

"""Find deprecated uses in Jupyter notebooks (nbformat 4): code cells only, never outputs or prose.

Cells are numbered from 1 over *all* cells, as a user sees them; a hit's lines count within its
cell. IPython syntax is handled line for line (numbering is kept): `!cmd` and `x = !cmd` lines are
read as shell and become `pass` for the Python parse, `%magic` lines become `pass` as well, and a
`%%bash` / `%%sh` / `%%script bash` cell is read as shell.

The code cells are parsed one by one (a cell that does not parse is reported and left out), then
scanned together as one module, so an import or a base URL in one cell counts for the others.
`split_ipython` and `python_parts_hits` are shared with the Markdown matcher.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from migrate.errors import SourceError
from migrate.findings import Document, Hit, Scanned, source_lines
from migrate.sources.python import constants_of, parse_python, scan_python
from migrate.sources.shell import shell_hits
from migrate.sources.urls import LLAMA_CONTEXT

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.targets import TargetName

_SHELL_ESCAPE = re.compile(r"^(\s*)!!?")
_ASSIGNED_SHELL = re.compile(r"^(\s*)[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*!!?")
_SHELL_MAGIC = re.compile(r"^(\s*)(?:[A-Za-z_][\w.]*\s*=\s*)?%(?:sx|system)\b")
_LINE_MAGIC = re.compile(r"^(\s*)(?:[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)?%")
_HELP = re.compile(r"^(\s*)(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_CELL_MAGIC = re.compile(r"^%%(\S+)\s*(.*)$")
_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "zsh", "!", "sx", "system"})
_SHELL_PROGRAMS = frozenset({"bash", "sh", "zsh"})
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug"})
_SHELL_KERNELS = frozenset({"bash", "sh", "shell", "zsh"})
# Prepended to the joined Python when the surrounding file mentions Llama Stack, so that raw HTTP
# calls in a cell or fence are judged with the file's context (a comment: no import is implied).
_CONTEXT_LINE = "# llama-stack context from the surrounding file"


@dataclass(frozen=True)
class IPythonSplit:
    """IPython source split line for line: Python to parse, and shell lines (others left empty)."""

    python: list[str]
    shell: list[str]


def split_ipython(lines: Sequence[str]) -> IPythonSplit:
    """Separate IPython-only lines from Python, keeping every line's number.

    Source that already parses as Python is left alone (a `!=` or `%` continuation line is Python).
    Otherwise shell escapes (`!cmd`, `x = !cmd`, `%sx cmd`) go to `shell` with their prefix blanked
    (columns are kept), and become `pass` at the same indentation, as do `%magic` and `name?` lines.
    A backslash-continued escape or magic continues on the next lines, which become empty.
    """
    if _parse_error("\n".join(lines)) is None:
        return IPythonSplit(list(lines), [""] * len(lines))
    python: list[str] = []
    shell: list[str] = []
    continued: str | None = None  # "shell" or "magic" while an escape line ends with a backslash
    for line in lines:
        kind = continued
        if kind is not None:
            python.append("")
            shell.append(line if kind == "shell" else "")
        elif match := _SHELL_ESCAPE.match(line) or _ASSIGNED_SHELL.match(line) or _SHELL_MAGIC.match(line):
            kind = "shell"
            python.append(match.group(1) + "pass")
            shell.append(" " * match.end() + line[match.end() :])
        elif match := _LINE_MAGIC.match(line) or _HELP.match(line):
            kind = "magic"
            python.append(match.group(1) + "pass")
            shell.append("")
        else:
            python.append(line)
            shell.append("")
        continued = kind if kind is not None and line.rstrip().endswith("\\") else None
    return IPythonSplit(python, shell)


def python_parts_hits(
    parts: Sequence[Sequence[str]], ruleset: RuleSet, *, llama_context: bool
) -> tuple[list[list[Hit]], list[str | None]]:
    """Scan several Python sources (cells, fences) as one module; hit lines count within each part.

    Returns each part's hits and each part's parse error (None when it parsed). A part that does
    not parse is left out; should the joined module still fail (a late `from __future__`), each
    part is scanned on its own.
    """
    errors = [_parse_error("\n".join(part)) for part in parts]
    good = [index for index, error in enumerate(errors) if error is None]
    hits: list[list[Hit]] = [[] for _ in parts]
    try:
        _scan_joined(parts, good, ruleset, llama_context, hits)
    except SourceError:
        for index in good:
            try:
                _scan_joined(parts, [index], ruleset, llama_context, hits)
            except SourceError as exc:
                errors[index] = str(exc)
    return hits, errors


def _scan_joined(
    parts: Sequence[Sequence[str]], chosen: list[int], ruleset: RuleSet, context: bool, out: list[list[Hit]]
) -> None:
    lines = [_CONTEXT_LINE] if context else []
    starts: list[int] = []  # 1-based line of each chosen part in the joined module
    for index in chosen:
        starts.append(len(lines) + 1)
        lines.extend(parts[index])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code are not ours to show
        found = scan_python("\n".join(lines) + "\n", ruleset)
    for hit in found:
        slot = bisect_right(starts, hit.line) - 1
        offset = starts[slot] - 1
        out[chosen[slot]].append(replace(hit, line=hit.line - offset, end_line=hit.end_line - offset))


def _parse_error(code: str) -> str | None:
    """Why `code` does not parse as Python, or None if it does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        return f"cannot parse Python{where}: {getattr(exc, 'msg', exc)}"
    return None


@dataclass(frozen=True)
class _Cell:
    """One code cell: its number, its lines, and how it reads (Python lines, if any, and shell lines)."""

    number: int
    lines: list[str]
    python: list[str] | None
    shell: list[str]


def _plan(number: int, lines: list[str], kernel: str) -> _Cell:
    """How to read a code cell, from the kernel's language and a leading cell magic."""
    blank = [""] * len(lines)
    if kernel in _SHELL_KERNELS:
        return _Cell(number, lines, None, list(lines))
    if kernel != "python":
        return _Cell(number, lines, None, blank)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    magic = _CELL_MAGIC.match(lines[first].strip()) if first is not None else None
    if first is None or magic is None:
        split = split_ipython(lines)
        return _Cell(number, lines, split.python, split.shell)
    name, args = magic.group(1), magic.group(2).split()
    body = [""] * (first + 1) + lines[first + 1 :]
    target = args[-1] if args else ""
    if (
        name in _SHELL_CELL_MAGICS
        or (name == "script" and target.rsplit("/", 1)[-1] in _SHELL_PROGRAMS)
        or (name in ("writefile", "file") and target.endswith((".sh", ".bash")))
    ):
        return _Cell(number, lines, None, body)
    if name in _PYTHON_CELL_MAGICS or (name in ("writefile", "file") and target.endswith(".py")):
        split = split_ipython(body)
        return _Cell(number, lines, split.python, split.shell)
    return _Cell(number, lines, None, blank)  # %%html, %%javascript, %%sql, ...: not scanned


def _read_cells(text: str) -> tuple[list[tuple[str, str]], str]:
    """Every cell's type and source, and the kernel's language; SourceError if not a notebook."""
    try:
        data: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"not a Jupyter notebook: invalid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise SourceError("not a Jupyter notebook: the JSON document is not an object")
    cells = data.get("cells")
    if not isinstance(cells, list):
        if "worksheets" in data:
            raise SourceError("nbformat 3 notebooks are not supported: convert with `jupyter nbconvert --to notebook`")
        raise SourceError("not a Jupyter notebook: no 'cells' list (nbformat 4 expected)")
    out: list[tuple[str, str]] = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str) or not isinstance(cell, dict):
            raise SourceError(f"cell {number}: not a notebook cell with a text 'source'")
        out.append((str(cell.get("cell_type", "")), source))
    return out, _kernel_language(data)


def _kernel_language(data: dict[object, object]) -> str:
    """The notebook's language, lowercased ('python' when the metadata does not say)."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        for key, field in (("kernelspec", "language"), ("language_info", "name")):
            section = metadata.get(key)
            value = section.get(field) if isinstance(section, dict) else None
            if isinstance(value, str) and value:
                return value.lower()
    return "python"


def notebook_constants(text: str) -> dict[str, object]:
    """The constants of a notebook's code cells as the scan reads them: the cells that parse, joined.

    `fix` rewrites a notebook cell by cell; with these, a constant of an earlier cell resolves in a later
    one, as the scan judged it (`CallShape.known`). Raises SourceError for what is not a notebook.
    """
    cells, kernel = _read_cells(text)
    plans = [
        _plan(number, source_lines(source), kernel) for number, (kind, source) in enumerate(cells, 1) if kind == "code"
    ]
    parts = ["\n".join(plan.python) for plan in plans if plan.python is not None]
    joined = "\n".join(part for part in parts if _parse_error(part) is None)
    try:
        return constants_of(parse_python(joined + "\n"))
    except SourceError:  # the joined cells do not parse (a late `from __future__`): no constant is shared
        return {}


def scan_notebook(text: str, ruleset: RuleSet, target: TargetName) -> Scanned:
    """The `notebook` language matcher: one document per code cell, a problem per unparsable cell."""
    cells, kernel = _read_cells(text)
    context = any(LLAMA_CONTEXT.search(source) for _, source in cells)
    plans = [
        _plan(number, source_lines(source), kernel)
        for number, (kind, source) in enumerate(cells, start=1)
        if kind == "code"
    ]
    with_python = [plan for plan in plans if plan.python is not None]
    python_hits, errors = python_parts_hits([plan.python or [] for plan in with_python], ruleset, llama_context=context)
    by_cell = {plan.number: (hits, error) for plan, hits, error in zip(with_python, python_hits, errors, strict=True)}
    documents: list[Document] = []
    problems: list[str] = []
    for plan in plans:
        hits, error = by_cell.get(plan.number, ([], None))
        if error is not None:
            problems.append(f"cell {plan.number}: {error}")
            hits = []
        else:
            hits = hits + shell_hits(plan.shell, ruleset, llama_context=context)
        documents.append(Document(plan.lines, [replace(hit, cell=plan.number) for hit in hits], plan.number))
    return Scanned(documents, problems)

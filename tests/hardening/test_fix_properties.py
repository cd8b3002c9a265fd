"""Property-based tests: `fix` never damages code.

Generated modules (see `program_strategies.py`) mix deprecated calls in every supported shape with unrelated
code. For every target, with and without `--unsafe-fixes`, `fix` must:

* never fail on a valid module, and produce output that parses (`ast`);
* leave files without applied rewrites byte for byte as they were;
* change nothing outside the rewritten spans: every line of the original that is not part of an applied
  finding's span [line..end_line] appears, byte for byte and in order, in the output (a subsequence
  check). The only exception is a `try` whose body is removed entirely: its `except` clauses go and its
  `else`/`finally` bodies move out one level, so their lines are compared without their indentation.
  Every line the output adds must be one the rewrite explains (a migration comment, `pass`, a rewritten
  call, a comment moved off a removed line);
* be idempotent: a second run changes nothing;
* leave nothing it could still rewrite: with unsafe fixes, a scan of the output finds no fixable
  finding; without, a second run with unsafe fixes applies exactly the rewrites the first held back.
"""

from __future__ import annotations

import ast
import codecs
import itertools
from pathlib import Path

import pytest
from hypothesis import event, given, note
from program_strategies import Program, programs

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_file
from migrate.findings import Finding
from migrate.fix.engine import FileFix, fix_file
from migrate.fix.model import Rewrite
from migrate.rule_loader import load_rules
from migrate.targets import TargetName

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
TARGETS: tuple[TargetName, ...] = ("llama-stack-0.4", "llama-stack-0.7", "ogx-1")
_COUNTER = itertools.count()

# What a rewrite may add to a file, besides the rewritten calls themselves.
_REWRITE_MARKERS = (
    b"llama-stack-migrate:",
    b".retrieve(",
    b".get(",  # a raw-HTTP register reads the declared model back (`requests.get(f"{URL}/v1/models/<id>")`)
    b"beta.datasets",
    b"alpha.benchmarks",
    b"/v1beta/",
    b"/v1alpha/",
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


def _fix(path: Path, target: TargetName, *, unsafe: bool) -> FileFix:
    return fix_file(SourceFile(path, path.name, "python"), RULESET, target, PREFILTER, unsafe=unsafe)


# ----------------------------------------------------------------------------- outside the spans


def _char_to_byte(line: bytes, column: int) -> int:
    return len(line.decode("utf-8")[:column].encode("utf-8"))


def _removed_calls(lines: list[bytes], applied: list[tuple[Finding, Rewrite]]) -> set[tuple[int, int]]:
    """(line, byte column) of every call whose statement the rewrite removed."""
    removed: set[tuple[int, int]] = set()
    for finding, rewrite in applied:
        if rewrite.remove_statement:
            removed.add((finding.line, _char_to_byte(lines[finding.line - 1], finding.column - 1)))
    return removed


def _is_removed(statement: ast.stmt, removed: set[tuple[int, int]]) -> bool:
    if not isinstance(statement, ast.Expr):
        return False
    value = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
    return isinstance(value, ast.Call) and (value.lineno, value.col_offset) in removed


def _vanishes(statement: ast.stmt, removed: set[tuple[int, int]], lines: list[bytes]) -> bool:
    """A removed call statement, or a `try` whose body all goes and that has no else/finally."""
    if _is_removed(statement, removed):
        return True
    return _unwrapped(statement, removed, lines) and not statement.orelse and not statement.finalbody  # type: ignore[attr-defined]


def _unwrapped(statement: ast.stmt, removed: set[tuple[int, int]], lines: list[bytes]) -> bool:
    """A `try` (on its own lines) whose whole body is removed: fix replaces it by its else/finally bodies."""
    tries = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
    if not isinstance(statement, tries):
        return False
    one_line_suite = statement.body[0].lineno == statement.lineno
    return not one_line_suite and all(_vanishes(inner, removed, lines) for inner in statement.body)


def _keyword_line(lines: list[bytes], first: int, last: int, keyword: bytes) -> int:
    """The line (1-based, in first..last) on which an `else:` / `finally:` clause starts."""
    for number in range(first, last + 1):
        if lines[number - 1].lstrip(b" \t").startswith(keyword):
            return number
    raise AssertionError(f"no {keyword!r} clause between lines {first} and {last}")


def _region_end(lines: list[bytes], node: ast.stmt) -> int:
    """The try's last line, with the blank and comment lines after it that are indented under it."""
    last = node.end_lineno or node.lineno
    while last < len(lines):
        line = lines[last]
        stripped = line.lstrip(b" \t")
        deeper = len(line) - len(stripped) > node.col_offset
        if not (stripped.strip() == b"" or (stripped.startswith(b"#") and deeper)):
            break
        last += 1
    while last > (node.end_lineno or node.lineno) and lines[last - 1].strip() == b"":
        last -= 1  # trailing blank lines are not the try's
    return last


def _spans(
    tree: ast.AST, lines: list[bytes], applied: list[tuple[Finding, Rewrite]]
) -> tuple[set[int], dict[int, bytes]]:
    """Lines the rewrite may change (excused), and moved lines with the text they must keep (tolerant).

    An unwrapped `try` loses its `try:` line, its body and its `except` clauses (excused); everything from
    its first `else:` / `finally:` clause on (bodies, their comments) moves out one level and is compared
    without indentation, a one-line suite (`finally: client.close()`) without its keyword.
    """
    excused: set[int] = set()
    for finding, _ in applied:
        excused.update(range(finding.line, finding.end_line + 1))
    removed = _removed_calls(lines, applied)
    tolerant: dict[int, bytes] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.stmt) and _unwrapped(node, removed, lines)):
            continue
        orelse: list[ast.stmt] = node.orelse  # type: ignore[attr-defined]
        finalbody: list[ast.stmt] = node.finalbody  # type: ignore[attr-defined]
        end = _region_end(lines, node)
        previous = [*node.body, *node.handlers][-1]  # type: ignore[attr-defined]
        clauses: list[tuple[int, ast.stmt]] = []
        for keyword, body in ((b"else", orelse), (b"finally", finalbody)):
            if body:
                start = (previous.end_lineno or previous.lineno) + 1
                clauses.append((_keyword_line(lines, min(start, body[0].lineno), body[0].lineno, keyword), body[0]))
                previous = body[-1]
        kept_from = clauses[0][0] if clauses else end + 1
        keyword_lines = {number: first for number, first in clauses}
        for number in range(node.lineno, end + 1):
            if number < kept_from:
                excused.add(number)
            elif number in keyword_lines:
                first = keyword_lines[number]
                if first.lineno == number:  # a one-line suite: `finally: client.close()`
                    tolerant[number] = lines[number - 1][first.col_offset :]
                else:
                    excused.add(number)
            else:  # ast.walk goes outside in: a nested unwrapped try overrides
                tolerant[number] = lines[number - 1].lstrip(b" \t")
    return excused, {number: text for number, text in tolerant.items() if number not in excused}


def _remnant(line: bytes, excused: set[bytes]) -> bool:
    """What is left of a rewritten line: each of its `;`-separated parts comes from one such line."""
    return any(all(part.strip() in text for part in line.split(b";")) for text in excused)


def assert_unchanged_outside_spans(fix: FileFix) -> None:
    before, after = fix.before, fix.after
    assert before.startswith(codecs.BOM_UTF8) == after.startswith(codecs.BOM_UTF8), "the BOM was not kept"
    before, after = before.removeprefix(codecs.BOM_UTF8), after.removeprefix(codecs.BOM_UTF8)
    if before and not before.endswith((b"\n", b"\r")):
        # Without a final newline, the last line may change when another becomes last: compare as if
        # both files ended with one (a final newline gained is fine, one lost is not).
        newline = b"\r\n" if b"\r\n" in before else b"\n"
        before += newline
        after += b"" if after.endswith((b"\n", b"\r")) else newline
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    excused, tolerant = _spans(ast.parse(before), old, fix.outcome.applied)
    required = [(number, tolerant.get(number)) for number in range(1, len(old) + 1) if number not in excused]
    excused_text = {old[number - 1].strip() for number in excused}
    position = 0
    extra: list[bytes] = []
    for line in new:
        if position < len(required):
            number, moved = required[position]
            if moved is None and line == old[number - 1]:
                position += 1
                continue
            if moved is not None and line.lstrip(b" \t") == moved:
                position += 1
                continue
        extra.append(line)
    missing = [old[number - 1] for number, _ in required[position:]]
    assert not missing, f"lines outside the rewritten spans are gone or changed: {missing[:3]!r}"
    for line in extra:
        stripped = line.strip()
        explained = (
            stripped in (b"pass", b"")
            or stripped.startswith(b"#")
            or any(marker in line for marker in _REWRITE_MARKERS)
            or _remnant(stripped, excused_text)
            or stripped.startswith(b"pass  # llama-stack-migrate:")
        )
        assert explained, f"the output adds a line no rewrite explains: {line!r}"


# ------------------------------------------------------------------------------------------ checks


def _fixable_after(path: Path, target: TargetName) -> list[Finding]:
    result = scan_file(path, path.name, "python", RULESET, target, PREFILTER)
    assert result.status in ("scanned", "skipped"), result.error
    return [finding for finding in result.findings if finding.fixable]


def check_program(workdir: Path, program: Program, target: TargetName, *, unsafe: bool) -> None:
    """Run every property on one program."""
    ast.parse(program.data)  # the generator only builds valid modules
    path = workdir / f"m{next(_COUNTER)}.py"
    path.write_bytes(program.data)
    first = _fix(path, target, unsafe=unsafe)
    note(f"first run: {first.status} {first.error or ''}")
    note("output:\n" + first.after.decode("utf-8", "replace"))
    assert first.status in ("changed", "unchanged", "skipped"), first.error
    assert first.before == program.data

    # Byte identity: without applied rewrites nothing changes; with them, only the spans do.
    if not first.outcome.applied:
        assert first.after == first.before
        assert first.status != "changed"
    assert_unchanged_outside_spans(first)
    if first.status == "changed":
        ast.parse(first.after)
        event("changed")

    # Idempotence: a second run on the output changes nothing (an unchanged file is the same input again).
    path.write_bytes(first.after)
    if first.status == "changed":
        second = _fix(path, target, unsafe=unsafe)
        assert second.status in ("unchanged", "skipped"), (second.status, second.error)
        assert second.after == first.after
        assert not second.outcome.applied

    # Nothing left that fix could rewrite: with unsafe fixes nothing at all; without, exactly what was held
    # back, except inside the `except` clauses of a try whose body went (they go with it).
    held_back = 0
    if not unsafe and first.outcome.unsafe:
        before = first.before.removeprefix(codecs.BOM_UTF8)
        excused, _ = _spans(ast.parse(before), before.splitlines(keepends=True), first.outcome.applied)
        held_back = sum(1 for finding, _ in first.outcome.unsafe if finding.line not in excused)
    if held_back:
        event("unsafe rewrites held back")
        third = _fix(path, target, unsafe=True)
        assert len(third.outcome.applied) == held_back, [(f.rule, f.line) for f, _ in third.outcome.applied]
    else:
        leftover = _fixable_after(path, target)
        assert not leftover, [(f.rule, f.line, f.source) for f in leftover]


@pytest.mark.parametrize("unsafe", [True, False], ids=["unsafe", "safe"])
@pytest.mark.parametrize("target", TARGETS)
@given(program=programs())
def test_fix_never_damages_code(workdir: Path, target: TargetName, unsafe: bool, program: Program) -> None:
    check_program(workdir, program, target, unsafe=unsafe)


def test_generated_programs_exercise_every_strategy(workdir: Path) -> None:
    """The generator is not vacuous: over a fixed sample, every rewrite of every target has work to do."""
    from hypothesis import HealthCheck, settings

    seen: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(program=programs())
    def collect(program: Program) -> None:
        path = workdir / f"s{next(_COUNTER)}.py"
        path.write_bytes(program.data)
        for target in TARGETS:
            result = scan_file(path, path.name, "python", RULESET, target, PREFILTER)
            seen.update(f"{target}:{finding.rule}" for finding in result.findings if finding.fixable)

    collect()
    expected = {
        f"{target}:{rule}"
        for target, rules in {
            # LSM133: the generated dataset listings, renamed with their namespace
            "llama-stack-0.4": ("LSM131", "LSM132", "LSM133", "LSM141", "LSM142"),
            "llama-stack-0.7": (
                "LSM101",
                "LSM102",
                "LSM121",
                "LSM122",
                "LSM131",
                "LSM132",
                "LSM133",
                "LSM141",
                "LSM142",
            ),
            "ogx-1": ("LSM101", "LSM102", "LSM121", "LSM122"),
        }.items()
        for rule in rules
    }
    assert seen == expected, (sorted(expected - seen), sorted(seen - expected))

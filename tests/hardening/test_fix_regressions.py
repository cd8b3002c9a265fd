"""Regression tests for the bugs the hardening work found in `fix`: dropped code, crashes, rewrites not applied.

Each test is the smallest reproduction of one bug; the property tests (`test_fix_properties.py`) and the
corpus tests (`test_corpus.py`) found them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_file
from migrate.fix.engine import FileFix, fix_file
from migrate.rule_loader import load_rules
from migrate.targets import TargetName

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
HEAD = b"from llama_stack_client import LlamaStackClient\n"


def fix_bytes(tmp_path: Path, data: bytes, target: TargetName = "ogx-1", *, unsafe: bool = True) -> FileFix:
    path = tmp_path / "app.py"
    path.write_bytes(data)
    return fix_file(SourceFile(path, "app.py", "python"), RULESET, target, PREFILTER, unsafe=unsafe)


def fixable_left(tmp_path: Path, data: bytes, target: TargetName = "ogx-1") -> list[tuple[str, int]]:
    path = tmp_path / "after.py"
    path.write_bytes(data)
    result = scan_file(path, "after.py", "python", RULESET, target, PREFILTER)
    return [(finding.rule, finding.line) for finding in result.findings if finding.fixable]


# -------------------------------------------------------------------- code outside the span is lost


@pytest.mark.parametrize(
    ("clause", "kept"),
    [
        (b"finally: client.close()\n", b"client.close()\n"),
        (b"finally: client.close()  # always\n", b"client.close()  # always\n"),
        (b"except NotFoundError:\n    pass\nelse: done(); more()\n", b"done(); more()\n"),
    ],
    ids=["finally", "finally-comment", "else"],
)
def test_unwrapped_try_keeps_one_line_else_and_finally_bodies(tmp_path: Path, clause: bytes, kept: bytes) -> None:
    """A `try` whose body fix removes entirely is replaced by its else/finally bodies; a one-line
    `finally: client.close()` used to be dropped with the try (the cleanup call silently deleted)."""
    source = (
        HEAD + b"client = LlamaStackClient()\ntry:\n    client.models.unregister('a')\n" + clause + b"print('end')\n"
    )
    fix = fix_bytes(tmp_path, source)
    assert fix.status == "changed", fix.error
    lines = fix.after.splitlines(keepends=True)
    assert kept in lines, fix.after.decode()
    assert lines[-1] == b"print('end')\n"
    assert b"unregister" not in fix.after


def test_unwrapped_try_keeps_the_comments_of_its_else_and_finally_bodies(tmp_path: Path) -> None:
    """Comments inside the kept else/finally bodies (on their header line, between and after their
    statements) are the user's; unwrapping the try used to drop every one of them."""
    source = HEAD + (
        b"try:\n"
        b"    client.models.unregister('a')\n"
        b"except NotFoundError:\n"
        b"    pass\n"
        b"else:  # only when it was there\n"
        b"    ok()\n"
        b"    # log it too\n"
        b"finally:\n"
        b"    client.close()\n"
        b"    # and close the pool\n"
        b"print('end')\n"
    )
    fix = fix_bytes(tmp_path, source)
    assert fix.status == "changed", fix.error
    for comment in (b"# only when it was there", b"# log it too", b"# and close the pool"):
        assert comment in fix.after, (comment, fix.after.decode())
    assert b"ok()\nclient.close()\n" in fix.after.replace(b"# log it too\n", b"")


def test_the_comment_of_a_removal_at_the_end_of_a_kept_finally_survives(tmp_path: Path) -> None:
    """A nested teardown: the inner try goes, and its migration comment ends the outer finally body; when
    the outer try is unwrapped too, that comment used to vanish (the user is not told what was removed)."""
    source = HEAD + (
        b"try:\n"
        b"    client.models.unregister('a')\n"
        b"finally:\n"
        b"    x = 1\n"
        b"    try:\n"
        b"        client.models.unregister('b')\n"
        b"    except NotFoundError:\n"
        b"        pass\n"
        b"print('end')\n"
    )
    fix = fix_bytes(tmp_path, source)
    assert fix.status == "changed", fix.error
    assert b"# llama-stack-migrate: model 'a'" in fix.after
    assert b"# llama-stack-migrate: model 'b'" in fix.after, fix.after.decode()
    assert b"\nx = 1\n" in fix.after and fix.after.endswith(b"print('end')\n")


@pytest.mark.parametrize(
    "line",
    [b"except OSError :\n", b"except (KeyError, ValueError) :\n", b"except  OSError  :\n"],
    ids=["name", "tuple", "wide"],
)
def test_bytes_libcst_cannot_reproduce_never_reach_the_file(tmp_path: Path, line: bytes) -> None:
    """libcst 1.9 drops the space in `except X :` when it prints a module (found in webbrowser.py and
    test_posix.py of the standard library): fix must never let that change reach the output."""
    source = HEAD + b"try:\n    import json\n" + line + b"    json = None\nclient.models.unregister('a')\n"
    fix = fix_bytes(tmp_path, source)
    assert line in fix.after.splitlines(keepends=True), fix.after.decode()
    if fix.status != "changed":
        assert fix.status == "failed" and fix.after == fix.before


def test_trailing_lone_carriage_return_is_kept(tmp_path: Path) -> None:
    """libcst drops a final lone CR (classic Mac line endings); the file must not lose it."""
    source = b"import llama_stack_client\rclient.models.unregister('a')\rx = 1\r"
    fix = fix_bytes(tmp_path, source)
    assert fix.after.endswith(b"x = 1\r"), fix.after
    if fix.status != "changed":
        assert fix.status == "failed" and fix.after == fix.before


# ----------------------------------------------------------------------- fixes that are not applied


def test_nested_renames_are_both_applied(tmp_path: Path) -> None:
    """A dataset registered inline as the benchmark's dataset: both calls are renamed in one run (the
    outer rewrite used to be built from the original node, dropping the inner rename it reported)."""
    source = HEAD + (
        b"client.benchmarks.register(benchmark_id='b', dataset_id=client.datasets.register("
        b"purpose='eval/question-answer', source={}).identifier, scoring_functions=[])\n"
    )
    fix = fix_bytes(tmp_path, source, "llama-stack-0.7")
    assert len(fix.outcome.applied) == 2
    assert b"client.alpha.benchmarks.register(" in fix.after
    assert b"client.beta.datasets.register(" in fix.after, fix.after.decode()
    assert fixable_left(tmp_path, fix.after, "llama-stack-0.7") == []


def test_a_rewrite_that_rebuilds_its_arguments_waits_for_the_call_inside_them(tmp_path: Path) -> None:
    """`models.register(model_id=client.datasets.register(...).identifier)` on 0.7: the outer call becomes
    a `retrieve` with an f-string built from its original arguments, which used to drop the inner rename
    while reporting both as applied. Now the inner one is applied and the outer one waits for a second run."""
    source = HEAD + (
        b"client.models.register(model_id=client.datasets.register(purpose='p', source={}).identifier,"
        b" provider_id='p')\n"
    )
    fix = fix_bytes(tmp_path, source, "llama-stack-0.7")
    assert fix.status == "changed", fix.error
    assert [finding.rule for finding, _ in fix.outcome.applied] == ["LSM131"]
    assert [(finding.rule, reason) for finding, reason in fix.outcome.manual] == [
        ("LSM101", "a deprecated call inside it is rewritten first; run fix again")
    ]
    assert b"client.beta.datasets.register(" in fix.after
    again = fix_bytes(tmp_path, fix.after, "llama-stack-0.7")
    assert [finding.rule for finding, _ in again.outcome.applied] == ["LSM101"]
    assert b'client.models.retrieve(f"p/{client.beta.datasets.register(' in again.after, again.after.decode()
    assert fixable_left(tmp_path, again.after, "llama-stack-0.7") == []


@pytest.mark.parametrize(
    ("call", "target", "expected"),
    [
        (b"get_client().datasets.register(purpose='p', source={})", "llama-stack-0.4", b"get_client().beta.datasets"),
        (b"LlamaStackClient().models.unregister('a')", "ogx-1", b"# llama-stack-migrate: model 'a'"),
        (b"self.get_client().models.register(model_id='m', provider_id='p')", "ogx-1", b'.models.retrieve("p/m")'),
    ],
    ids=["rename", "remove", "declare"],
)
def test_calls_on_a_receiver_that_is_a_call_are_rewritten(
    tmp_path: Path, call: bytes, target: TargetName, expected: bytes
) -> None:
    """`get_client().datasets.register(...)`: the inner `get_client()` starts at the same position as the
    deprecated call, and fix used to pick it ("the namespace is not written in the call")."""
    fix = fix_bytes(tmp_path, HEAD + call + b"\n", target)
    assert fix.outcome.manual == []
    assert expected in fix.after, fix.after.decode()
    assert fixable_left(tmp_path, fix.after, target) == []


def test_implicitly_concatenated_identifier_over_lines_is_rewritten(tmp_path: Path) -> None:
    """`model_id="a"` + newline + `"b"` is a literal; the rewrite used to write it into an f-string field and
    produce code that does not parse, so the whole file was left alone and reported as failed."""
    source = HEAD + b"client.models.register(model_id='vllm/'\n    'llama', provider_id='p')\nprint(1)\n"
    fix = fix_bytes(tmp_path, source)
    assert fix.status == "changed", fix.error
    ast.parse(fix.after)
    assert fixable_left(tmp_path, fix.after) == []


# ---------------------------------------------------------------------------------- crashes in fix


@pytest.mark.parametrize(
    "call",
    [
        b"client.models.unregister(\n    'vllm/'\n    'llama'\n)\n",
        b"client.models.unregister(model_id=('a'\n  'b'))\n",
        b"client.models.unregister('''a\nb''')\n",
        b"client.toolgroups.register(toolgroup_id='mcp::'\n  'x', provider_id='p', mcp_endpoint={'uri': 'u'})\n",
    ],
    ids=["positional", "keyword", "triple-quoted", "connector"],
)
def test_identifier_written_over_several_lines_does_not_crash(tmp_path: Path, call: bytes) -> None:
    """The removal comment quotes the identifier's source; a multi-line one used to make an invalid
    libcst Comment and raise CSTValidationError out of fix_file (a traceback from the CLI)."""
    fix = fix_bytes(tmp_path, HEAD + call + b"print(1)\n")
    assert fix.status in ("changed", "unchanged", "failed")
    ast.parse(fix.after)
    assert fix.after.endswith(b"print(1)\n")
    if fix.status == "changed":
        assert fixable_left(tmp_path, fix.after) == []


@pytest.mark.parametrize(
    "layout",
    [
        b"def teardown():\n\x0c    client.models.unregister('a')\n",
        b"x = 1; \x0c client.models.unregister('a')\n",
        b"\x0c\nclient.models.unregister('a')\n",
        b"if flag:\n    x = 1\n\x0c\n    client.models.unregister('a')\n",
    ],
    ids=["indented", "mid-line", "own-line", "own-line-in-block"],
)
def test_a_call_after_a_form_feed_is_rewritten(tmp_path: Path, layout: bytes) -> None:
    """A form feed (^L, common between sections of older modules) on the call's line or just before it:
    scan said fixable, fix "could not locate" the call (it was keyed on a start column only)."""
    fix = fix_bytes(tmp_path, HEAD + layout)
    assert fix.status == "changed", fix.error
    assert fix.outcome.manual == []
    assert b"# llama-stack-migrate: model 'a'" in fix.after
    ast.parse(fix.after)
    assert fixable_left(tmp_path, fix.after) == []


def test_a_form_feed_libcst_drops_makes_fix_refuse_the_file(tmp_path: Path) -> None:
    """libcst 1.x drops a form feed that starts a module-level statement (`^Lclient.models...`), so its
    positions there are one column off too. fix must not write libcst's output: the file is refused, with
    the reason, and left byte for byte (the earlier failure mode was a call "that could not be located")."""
    source = HEAD + b"x = 1\n\x0cclient.models.unregister('a')\n"
    fix = fix_bytes(tmp_path, source)
    assert fix.status == "failed" and fix.after == source
    assert fix.error == (
        "libcst cannot reproduce the file byte for byte (line 3 (it drops the form feed before a statement)); "
        "it was left alone"
    )


def test_scan_numbers_lines_as_python_does_after_a_form_feed(tmp_path: Path) -> None:
    """`str.splitlines` also splits at a form feed: the finding quoted the wrong source line, its
    fingerprint changed, and a suppression comment on the call's line was looked for on another line."""
    path = tmp_path / "app.py"
    path.write_bytes(
        HEAD
        + b"\x0c\nx = 1\nclient.models.unregister('a')\nclient.models.unregister('b')  # llama-stack-migrate: ignore\n"
    )
    result = scan_file(path, "app.py", "python", RULESET, "ogx-1", PREFILTER)
    assert result.status == "scanned", result.error
    assert [(finding.line, finding.source) for finding in result.findings] == [(4, "client.models.unregister('a')")]
    assert result.suppressed == 1


# --------------------------------------------------------------------------- locating calls by span

LOCATOR_MODULES = {
    "header comments": b"#!/usr/bin/env python\n# comment\n\n\nimport x\nf(1)\n",
    "no final newline": b"import x\n\ndef g():\n    return f(1,\n      h(2))",
    "crlf and lone cr": b"import x\r\nf(1)\rg(2)\r\n\r\nclass C:\r\n    y = k(3)\r\n",
    "decorators and nesting": b"@d(1)\n@e\nclass C(B, m=n(2)):\n    @p(q(3))\n    def f(self): return r(4)(5)\n",
    "semicolons and suites": b"a(1); b(2)\nif x: c(3); d(4)\nelse: e(5)\n",
    "strings and f-strings": (
        b"s = '''\nf(0)\n'''\nt = f'{g(1)}' f\"{h(2)!r:>{w(3)}}\"\nu = (\n  'a'\n  'b').join(v(4))\n"
    ),
    "form feeds libcst keeps": b"x = 1\n\x0c\ndef g():\n\x0c    f(1)\n",
    "comments between": b"f(1)\n# c\n\n  # indented\ng(2)  # trailing\n\n\n",
    "unicode": "名前 = f('值', g('😀'))\ncafé(1)\n".encode(),
}


@pytest.mark.parametrize("data", LOCATOR_MODULES.values(), ids=LOCATOR_MODULES.keys())
def test_calls_are_located_per_statement_as_over_the_whole_module(data: bytes) -> None:
    """fix resolves positions only for the top-level statements that hold a sought call (positions cost
    more than the parse): every call must be found at the span libcst gives it over the whole module."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from migrate.fix.python import _CallLocator

    module = cst.parse_module(data)
    assert module.bytes == data
    whole = {
        (where.start.line, where.start.column, where.end.line, where.end.column): node
        for node, where in MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider).items()
        if isinstance(node, cst.Call)
    }
    assert whole
    locator = _CallLocator(module)
    for (line, column, end_line, end_column), node in whole.items():
        hit = _SpanHit(line, column, end_line, end_column)
        assert locator.locate(hit) is node, (line, column, end_line, end_column)  # type: ignore[arg-type]


class _SpanHit:
    """The part of a Hit that locating reads."""

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column


def test_the_written_bytes_are_the_rewrite_itself_not_a_reprint(tmp_path: Path) -> None:
    """fix used to parse its own output once more and write libcst's print of that: where libcst cannot
    reproduce the rewritten code (a blank line before an indented comment at the end of a file without a
    final newline), the blank line was lost outside the rewritten span. Found by the property tests."""
    source = HEAD + b"try:\n\tclient.models.unregister('a')\nfinally:\n\tx = 1\n\tfor m in y:\n\t\tz()\n\n\t    # end"
    fix = fix_bytes(tmp_path, source)
    assert fix.status == "changed", fix.error
    assert fix.after.endswith(b"\nfor m in y:\n\tz()\n\n    # end"), fix.after

"""Tests generated from the rules' before/after examples: `fix` output, idempotency, and scan after fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_text
from migrate.fix.engine import FileFix, fix_file
from migrate.rule_loader import load_rules
from migrate.rules import Example, Rule
from migrate.sources import source_of
from migrate.targets import TARGETS, TargetName

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
CASES = [
    (rule, example, target)
    for rule in RULESET.rules
    for example in rule.examples
    if example.after
    for target in TARGETS
]


def example_name(example: Example) -> str:
    """A file name of the example's surface: `example.py`, or a whole name (`pyproject.toml`) for surfaces without a
    suffix of their own."""
    source = source_of(example.language)
    return "example" + source.suffixes[0] if source.suffixes else source.names[0]


def fix_result(tmp_path: Path, example: Example, code: str, target: TargetName) -> FileFix:
    path = tmp_path / example_name(example)
    path.write_text(code, encoding="utf-8")
    result = fix_file(
        SourceFile(path, path.name, example.language), RULESET, target, PREFILTER, unsafe=example.unsafe_fixes
    )
    assert result.error is None
    return result


def fixed(tmp_path: Path, example: Example, code: str, target: TargetName) -> str:
    return fix_result(tmp_path, example, code, target).after.decode("utf-8")


@pytest.mark.parametrize(("rule", "example", "target"), CASES, ids=[f"{r.id}::{e.name}::{t}" for r, e, t in CASES])
def test_fix_example(tmp_path: Path, rule: Rule, example: Example, target: TargetName) -> None:
    expected = example.after.get(target, example.code)
    after = fixed(tmp_path, example, example.code, target)
    assert after == expected
    assert fixed(tmp_path, example, after, target) == after  # a second run changes nothing
    rescan = scan_text(after, example.language, RULESET, target, "after")
    left = [f for f in rescan.findings if f.fixable]
    # What is still fixable must be exactly the unsafe rewrites that --unsafe-fixes would apply.
    assert len(left) == len(fix_result(tmp_path, example, after, target).outcome.unsafe)
    if example.unsafe_fixes:
        assert not left, "scan after fix still finds fixable uses"


EVERY = [(rule, example, target) for rule in RULESET.rules for example in rule.examples for target in TARGETS]


@pytest.mark.parametrize(("rule", "example", "target"), EVERY, ids=[f"{r.id}::{e.name}::{t}" for r, e, t in EVERY])
def test_scan_says_what_fix_does(tmp_path: Path, rule: Rule, example: Example, target: TargetName) -> None:
    """A finding's fix applicability, judged from the scan alone, is what `fix` then does with it."""
    path = tmp_path / example_name(example)
    path.write_text(example.code, encoding="utf-8")
    result = fix_file(SourceFile(path, path.name, example.language), RULESET, target, PREFILTER, unsafe=False)
    assert result.error is None
    done = {
        **{(f.line, f.cell, f.rule): "safe" for f, _ in result.outcome.applied},
        **{(f.line, f.cell, f.rule): "unsafe" for f, _ in result.outcome.unsafe},
        **{(f.line, f.cell, f.rule): "manual" for f, _ in result.outcome.manual},
    }
    if target == example.target:
        assert len(result.findings) == len(example.expected(rule.id))
    for finding in result.findings:
        assert finding.fix is not None
        assert finding.fix.applicability == done.get((finding.line, finding.cell, finding.rule), "manual"), finding

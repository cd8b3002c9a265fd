"""A read rule is scanned, judged and fixed through the strategy registry like any rule: LSM103, the model listing.

On llama-stack 0.7 and OGX its plan is `guard-listed-fields`: the reads of listed models are rewritten for the
0.7 SDK (its compatibility properties give every legacy field back but `metadata`, None when empty), and the
shim translates the listing for legacy clients (tests/shim/test_shim_rule_examples.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_text
from migrate.fix.engine import fix_file
from migrate.rule_loader import load_rules
from migrate.rules import Example
from migrate.targets import TARGETS, TargetName
from tests.conftest import RunCli

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
RULE = RULESET.by_id["LSM103"]
CASES = [(example, target) for example in RULE.examples for target in TARGETS]


def fixed(tmp_path: Path, code: str, target: TargetName) -> tuple[str, dict[int, str]]:
    path = tmp_path / "app.py"
    path.write_text(code, encoding="utf-8")
    result = fix_file(SourceFile(path, path.name, "python"), RULESET, target, PREFILTER, unsafe=False)
    assert result.error is None
    done = {f.line: "safe" for f, _ in result.outcome.applied} | {f.line: "manual" for f, _ in result.outcome.manual}
    return result.after.decode(), done


@pytest.mark.parametrize(("example", "target"), CASES, ids=[f"{e.name}::{t}" for e, t in CASES])
def test_a_read_rule_is_scanned_and_fixed_as_its_examples_say(
    tmp_path: Path, example: Example, target: TargetName
) -> None:
    findings = scan_text(example.code, "python", RULESET, target, "app.py").findings
    if target == example.target:
        assert sorted(f.line for f in findings if f.rule == "LSM103") == list(example.findings)
    after, done = fixed(tmp_path, example.code, target)
    assert after == example.after.get(target, example.code)
    assert fixed(tmp_path, after, target)[0] == after  # a second run changes nothing
    for finding in findings:  # the scan says what fix does
        assert finding.fix is not None and finding.fix.applicability == done.get(finding.line, "manual"), finding


def test_a_listing_not_iterated_in_place_is_left_for_a_human() -> None:
    kept = next(example for example in RULE.examples if example.name == "a listing kept for later")
    [finding] = scan_text(kept.code, "python", RULESET, "ogx-1", "app.py").findings
    assert finding.fix is not None and finding.fix.applicability == "manual"
    assert "not iterated in place" in finding.fix.note and "`item.metadata or {}`" in finding.fix.note


def test_the_cli_rewrites_the_reads_of_listed_models(tmp_path: Path, run_cli: RunCli) -> None:
    loop = next(example for example in RULE.examples if example.name == "a loop and a comprehension over the listing")
    (tmp_path / "app.py").write_text(loop.code, encoding="utf-8")
    process = run_cli("fix", "--write", "app.py", "--target", "ogx-1", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == loop.after["ogx-1"]

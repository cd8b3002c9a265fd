"""A read rule plugs into `fix` through the strategy registry alone (the read rules themselves come from the shim side).

`read_rules/LSM103_model_list.toml` is written as a read rule is (`operation = "read"`, found in SDK calls, a plan
per target naming a strategy): loaded with `--rules`, it is scanned, judged and fixed like a bundled rule, its
examples are its tests, and `guard-listed-fields` rewrites the reads of listed models for the 0.7 SDK.
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

READ_RULES = Path(__file__).parent / "read_rules"
RULESET = load_rules([READ_RULES])
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
    assert sorted(f.line for f in findings if f.rule == "LSM103") == list(example.findings)
    after, done = fixed(tmp_path, example.code, target)
    assert after == example.after.get(target, example.code)
    assert fixed(tmp_path, after, target)[0] == after  # a second run changes nothing
    for finding in findings:  # the scan says what fix does
        assert finding.fix is not None and finding.fix.applicability == done.get(finding.line, "manual"), finding


def test_a_listing_not_iterated_in_place_is_left_for_a_human() -> None:
    [finding] = scan_text(RULE.examples[1].code, "python", RULESET, "ogx-1", "app.py").findings
    assert finding.fix is not None and finding.fix.applicability == "manual"
    assert "not iterated in place" in finding.fix.note and "`item.metadata or {}`" in finding.fix.note


def test_the_cli_loads_a_read_rule_with_rules(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(RULE.examples[0].code, encoding="utf-8")
    process = run_cli("fix", "--write", "app.py", "--target", "ogx-1", "--rules", str(READ_RULES), cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == RULE.examples[0].after["ogx-1"]

"""Tests generated from the rules' own examples: one pytest id per example, `LSM101::keyword call`."""

from __future__ import annotations

import pytest

from migrate.engine import scan_text
from migrate.rule_loader import load_rules
from migrate.rules import Example, Rule

RULESET = load_rules()
CASES = [(rule, example) for rule in RULESET.rules for example in rule.examples]


@pytest.mark.parametrize(("rule", "example"), CASES, ids=[f"{r.id}::{e.name}" for r, e in CASES])
def test_example(rule: Rule, example: Example) -> None:
    result = scan_text(example.code, example.language, RULESET, example.target, "example")
    assert result.error is None
    found = sorted((finding.line, finding.rule) for finding in result.findings)
    assert found == example.expected(rule.id)


def test_every_rule_has_examples_in_each_surface_it_declares() -> None:
    for rule in RULESET.rules:
        languages = {example.language for example in rule.examples if example.findings}
        if rule.sdk.methods or rule.http.paths:
            assert "python" in languages, rule.id
        if rule.pin is not None:
            assert languages == {"dependencies"}, rule.id
        if rule.config is not None:  # a run config's entries, found in run configs only
            assert languages == {"yaml"}, rule.id
        if rule.cli is not None:
            assert any(
                example.language == "shell" and "llama-stack-client" in example.code for example in rule.examples
            ), rule.id

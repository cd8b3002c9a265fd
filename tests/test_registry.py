"""Rule files: validation reports every problem at once; --rules adds and overrides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migrate.errors import RuleError
from migrate.routes import compile_route
from migrate.rule_loader import bundled_rules_dir, load_rules
from tests.conftest import RunCli

LSM101 = (bundled_rules_dir() / "LSM101_model_register.toml").read_text(encoding="utf-8")


def test_bundled_rules_cover_all_twelve_operations_and_number_reads_in_their_block() -> None:
    rules = load_rules().rules
    deprecated = [rule for rule in rules if rule.operation in ("register", "unregister")]
    pairs = {(rule.resource, rule.operation) for rule in deprecated}
    resources = {"model", "shield", "tool_group", "dataset", "benchmark", "scoring_function"}
    assert pairs == {(r, op) for r in resources for op in ("register", "unregister")}
    assert len({rule.id for rule in deprecated}) == 12
    blocks = {rule.resource: rule.id[:5] for rule in deprecated}  # LSM10, LSM11, ...
    for read in (rule for rule in rules if rule.operation == "read"):
        assert read.id[:5] == blocks[read.resource] and int(read.id[5]) >= 3, read.id
        assert read.deprecated is None  # no release deprecated a read: it broke


def test_two_rules_never_claim_one_sdk_method(tmp_path: Path) -> None:
    (tmp_path / "copy.toml").write_text(LSM101.replace('id = "LSM101"', 'id = "LSM909"'))
    with pytest.raises(RuleError, match=r"LSM909: models\.register is also claimed by LSM101"):
        load_rules([tmp_path])


def test_every_problem_is_reported_with_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(LSM101.replace('id = "LSM101"', 'id = "LSM901"\ncolour = "red"'))
    (tmp_path / "b.toml").write_text("id = [unclosed\n")
    (tmp_path / "c.toml").write_text(
        LSM101.replace('id = "LSM101"', 'id = "LSM902"').replace('[targets."ogx-1"]', '[targets."ogx-9"]')
    )
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    message = str(caught.value)
    assert re.search(r"a\.toml: colour: Extra inputs are not permitted", message)
    assert "b.toml: not valid TOML" in message
    assert re.search(r"c\.toml: targets\.ogx-9", message)


def test_extra_directory_overrides_a_bundled_rule_by_id(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(LSM101.replace('summary = "Model registration"', 'summary = "Our own wording"'))
    ruleset = load_rules([tmp_path])
    assert ruleset.by_id["LSM101"].summary == "Our own wording"
    assert len(ruleset.rules) == len(load_rules().rules)


def test_duplicate_ids_in_one_directory_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text(LSM101)
    (tmp_path / "two.toml").write_text(LSM101)
    with pytest.raises(RuleError, match=r"two\.toml: id: LSM101 is also the id of one\.toml"):
        load_rules([tmp_path])


def test_a_rule_needs_a_found_example_and_a_look_alike(tmp_path: Path) -> None:
    only_found = re.sub(r'\[\[examples\]\]\nname = "look-alikes.*', "", LSM101, flags=re.DOTALL)
    (tmp_path / "r.toml").write_text(only_found)
    with pytest.raises(RuleError, match="at least one look-alike"):
        load_rules([tmp_path])


def test_invalid_rules_exit_2_with_the_message(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "bad.toml").write_text(LSM101.replace('operation = "register"', 'operation = "create"'))
    process = run_cli("scan", str(tmp_path), "--rules", str(tmp_path))
    assert process.returncode == 2
    assert (
        "bad.toml: operation: Input should be 'register', 'unregister', 'read', 'call', 'pin' or 'config'"
        in process.stderr
    )


@pytest.mark.parametrize(
    ("template", "url", "groups"),
    [
        ("/v1/models/{model_id:path}", "http://h:8321/v1/models/vllm/llama-3?x=1", {"model_id": "vllm/llama-3"}),
        ("/v1/shields/{identifier}", "\x00/v1/shields/\x00", {"identifier": "\x00"}),
        ("/v1/models", "https://h/v1/models/", {}),
    ],
)
def test_route_patterns_match_urls(template: str, url: str, groups: dict[str, str]) -> None:
    match = compile_route(template).search(url)
    assert match is not None and match.groupdict() == groups


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("/v1/shields/{identifier}", "/v1/shields/a/b"),
        ("/v1alpha/eval/benchmarks/{benchmark_id}", "/v1alpha/eval/benchmarks/b1/jobs/7"),
        ("/v1/models", "/v1/models/x"),
    ],
)
def test_route_patterns_reject_other_routes(template: str, url: str) -> None:
    assert compile_route(template).search(url) is None


def test_a_rule_naming_a_strategy_that_cannot_serve_it_fails_to_load_naming_the_file(tmp_path: Path) -> None:
    # remove-statement replaces unregister calls only; keep is for routes the target still serves.
    broken = LSM101.replace('id = "LSM101"', 'id = "LSM901"').replace(
        'strategy = "declare-and-read"', 'strategy = "remove-statement"', 1
    )
    (tmp_path / "wrong_strategy.toml").write_text(broken)
    kept_removed = LSM101.replace('id = "LSM101"', 'id = "LSM902"').replace(
        'status = "deprecated"\nstrategy = "keep"', 'status = "removed"\nremoved_in = "x"\nstrategy = "keep"'
    )
    (tmp_path / "keep_removed.toml").write_text(kept_removed)
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    message = str(caught.value)
    assert re.search(
        r"wrong_strategy\.toml: targets\.llama-stack-0\.7\.strategy: strategy 'remove-statement' replaces "
        r"unregister operations only",
        message,
    )
    assert re.search(r"keep_removed\.toml: targets\.llama-stack-0\.4\.strategy: strategy 'keep' is for", message)


def test_an_unknown_strategy_or_surface_fails_to_load_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "unknown.toml").write_text(
        LSM101.replace('id = "LSM101"', 'id = "LSM903"')
        .replace('strategy = "declare-and-read"', 'strategy = "teleport"', 1)
        .replace('language = "shell"', 'language = "cobol"', 1)
    )
    with pytest.raises(RuleError) as caught:
        load_rules([tmp_path])
    message = str(caught.value)
    assert re.search(r"unknown\.toml: targets\.llama-stack-0\.7\.strategy: Input should be 'keep', ", message)
    # the model error stops the file before the registries are asked, so fix the strategy and try again
    (tmp_path / "unknown.toml").write_text(
        LSM101.replace('id = "LSM101"', 'id = "LSM903"').replace('language = "shell"', 'language = "cobol"', 1)
    )
    with pytest.raises(RuleError, match=r"unknown\.toml: examples\.\d+\.language: 'cobol' is not a surface"):
        load_rules([tmp_path])


def test_an_identifier_template_may_only_name_keywords_of_the_sdk_method(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text(
        LSM101.replace('id = "LSM101"', 'id = "LSM904"').replace(
            'template = "{provider_id}/{model_id}"', 'template = "{provider}/{model_id}"'
        )
    )
    with pytest.raises(RuleError, match=r"typo\.toml: .*targets\.ogx-1: provider is not a keyword of models\.register"):
        load_rules([tmp_path])


LSM123 = (bundled_rules_dir() / "LSM123_tool_group_read.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("source", "replaced", "message"),
    [
        (LSM101, ('status = "deprecated"', 'status = "served"'), "'served' is for read and config rules"),
        (LSM123, ('strategy = "read-through-client"', 'strategy = "manual"'), "only they have one"),
        (LSM123, ('status = "served"\nstrategy = "keep"', 'status = "served"\nstrategy = "translate-read"'), "need a"),
        (LSM123, ('read = "GET /v1beta/connectors"', 'read = "GET /v1beta/connectors/{group}/x"'), "group is neither"),
        (LSM123, ('read = "builtin"', 'read = "a listing"'), "String should match pattern"),
        (LSM123, ('"mcp_endpoint.uri" = "url"', '"mcp endpoint" = "url"'), "is not a dotted field name"),
    ],
)
def test_read_rules_are_checked(tmp_path: Path, source: str, replaced: tuple[str, str], message: str) -> None:
    assert replaced[0] in source
    (tmp_path / "r.toml").write_text(source.replace(replaced[0], replaced[1], 1))
    with pytest.raises(RuleError, match=re.escape(message)):
        load_rules([tmp_path])


def test_a_translation_of_built_in_identifiers_needs_the_register_rule_that_describes_them(tmp_path: Path) -> None:
    register = (bundled_rules_dir() / "LSM121_tool_group_register.toml").read_text(encoding="utf-8")
    without = re.sub(r"\n\[builtin\]\n.*?\n(?=\[targets)", "\n", register, flags=re.DOTALL)
    assert "[builtin" not in without
    (tmp_path / "LSM121.toml").write_text(without)
    with pytest.raises(RuleError, match=r"LSM123: targets\.llama-stack-0\.7\.translate: the tool_group register rule"):
        load_rules([tmp_path])

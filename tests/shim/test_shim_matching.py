"""Every deprecated operation of the rules is matched, in every spelling a client sends; nothing else is."""

from __future__ import annotations

import re

import pytest

from migrate.rule_loader import load_rules
from migrate.shim.matching import RouteMatcher, parse_target

RULES = load_rules()
MATCHER = RouteMatcher(RULES)


def matched(method: str, raw_path: str) -> tuple[str, dict[str, str]] | None:
    found = MATCHER.match(method, parse_target(raw_path.encode(), b"").path)
    return (found.rule.id, found.params) if found else None


@pytest.mark.parametrize(
    ("method", "raw_path", "rule_id", "params"),
    [
        ("POST", "/v1/models", "LSM101", {}),
        ("POST", "/v1/models/", "LSM101", {}),
        ("DELETE", "/v1/models/vllm/meta-llama/Llama-3.1-8B", "LSM102", {"model_id": "vllm/meta-llama/Llama-3.1-8B"}),
        (
            "DELETE",
            "/v1/models/vllm%2Fmeta-llama%2FLlama-3.1-8B",
            "LSM102",
            {"model_id": "vllm/meta-llama/Llama-3.1-8B"},
        ),
        ("DELETE", "/v1/models/ollama/llama3.2:3b/", "LSM102", {"model_id": "ollama/llama3.2:3b"}),
        ("POST", "/v1/shields", "LSM111", {}),
        ("DELETE", "/v1/shields/llama-guard", "LSM112", {"identifier": "llama-guard"}),
        ("POST", "/v1/toolgroups", "LSM121", {}),
        ("DELETE", "/v1/toolgroups/builtin::websearch", "LSM122", {"toolgroup_id": "builtin::websearch"}),
        ("POST", "/v1beta/datasets", "LSM131", {}),
        ("POST", "/v1/datasets", "LSM131", {}),
        ("DELETE", "/v1beta/datasets/qa", "LSM132", {"dataset_id": "qa"}),
        ("DELETE", "/v1/datasets/qa", "LSM132", {"dataset_id": "qa"}),
        ("POST", "/v1alpha/eval/benchmarks", "LSM141", {}),
        ("POST", "/v1/eval/benchmarks", "LSM141", {}),
        ("DELETE", "/v1alpha/eval/benchmarks/qa-bench", "LSM142", {"benchmark_id": "qa-bench"}),
        ("DELETE", "/v1/eval/benchmarks/qa-bench", "LSM142", {"benchmark_id": "qa-bench"}),
        ("POST", "/v1/scoring-functions", "LSM151", {}),
        ("DELETE", "/v1/scoring-functions/custom::exact", "LSM152", {"scoring_fn_id": "custom::exact"}),
        # reads of the read rules
        ("GET", "/v1/models", "LSM103", {}),
        ("GET", "/v1/toolgroups/mcp::x", "LSM123", {"toolgroup_id": "mcp::x"}),
        ("GET", "/v1/tools", "LSM124", {}),
        ("POST", "/v1alpha/eval/benchmarks/qa/jobs", "LSM144", {"benchmark_id": "qa"}),
        ("GET", "/v1/datasets/qa", "LSM133", {"dataset_id": "qa"}),
    ],
)
def test_deprecated_operations_are_matched(method: str, raw_path: str, rule_id: str, params: dict[str, str]) -> None:
    assert matched(method, raw_path) == (rule_id, params)


def test_every_rule_route_is_matched() -> None:
    seen = set()
    for route in RULES.routes:
        path = route.template
        path = re.sub(r"\{[a-z_]+(?::path)?\}", "x", path)
        found = matched(route.method, path)
        assert found is not None and found[0] == route.rule.id, route.template
        seen.add(found[0])
    assert seen == {rule.id for rule in RULES.rules if rule.http.paths}
    assert {"LSM101", "LSM102", "LSM103", "LSM152"} <= seen


@pytest.mark.parametrize(
    ("method", "raw_path"),
    [
        ("GET", "/v1/models/vllm/x"),
        ("POST", "/v1/models/vllm/x"),
        ("DELETE", "/v1/models"),
        ("DELETE", "/v1/shields/a/b"),
        ("DELETE", "/v1/shields/a%2Fb"),
        ("POST", "/v2/models"),
        ("POST", "/prefix/v1/models"),
        ("POST", "/v1/modelsx"),
        ("POST", "/v1/models%3Fx"),
        ("GET", "/v1alpha/eval/benchmarks/qa/jobs"),
        ("POST", "/v1alpha/eval/benchmarks/qa/results"),
    ],
)
def test_other_traffic_is_not_matched(method: str, raw_path: str) -> None:
    assert matched(method, raw_path) is None

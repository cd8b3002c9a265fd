"""Raw-HTTP registrations: `fix` leaves the call site to a human but declares what its JSON body registers.

An ops script that POSTs `/v1/models` and `/v1/toolgroups` with literal bodies gets its models and MCP server into
the run config (issue 11, S4/F8), each use listed for a human with the identifier to read it back by; a body only
known at run time declares nothing, and an unknown URL is declared only with --unsafe-fixes.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from migrate.discovery import discover
from migrate.fix.run import FixRun, run_fix, write_run
from migrate.rule_loader import load_rules
from migrate.targets import TargetName

RULESET = load_rules()

OPS = """\
import os

import requests

BASE = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")
MCP_URL = os.environ["OPS_MCP_URL"]
MODEL = "vllm/acme/ops-llm"
GUARD = {"model_id": "ops-guard", "provider_id": "vllm", "provider_model_id": "acme/ops-guard"}

requests.post(f"{BASE}/v1/models", json={"model_id": MODEL, "provider_id": "vllm", "provider_model_id": "acme/ops-llm"})
requests.post(f"{BASE}/v1/models", json=GUARD)
requests.post(f"{BASE}/v1/toolgroups", json={"toolgroup_id": "builtin::websearch", "provider_id": "tavily-search"})
requests.post(
    f"{BASE}/v1/toolgroups",
    json={"toolgroup_id": "mcp::ops", "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": MCP_URL}},
)
requests.post(f"{BASE}/v1/models", json=load_spec())
"""


def fixed(tmp_path: Path, target: TargetName, *, unsafe: bool) -> tuple[FixRun, dict[str, list[dict[str, object]]]]:
    (tmp_path / "ops.py").write_text(OPS, encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text("version: 2\n", encoding="utf-8")
    run = run_fix(discover([tmp_path / "ops.py"]).files, RULESET, target, unsafe=unsafe, config_path=config)
    assert write_run(run) == []
    data = YAML(typ="safe").load(config.read_text(encoding="utf-8"))
    models = data.get("registered_resources", {}).get("models", [])
    return run, {"models": models, "connectors": data.get("connectors", [])}


def test_literal_bodies_are_declared_and_the_calls_left_for_a_human(tmp_path: Path) -> None:
    run, declared = fixed(tmp_path, "ogx-1", unsafe=True)
    [result] = run.files
    assert result.status == "unchanged"  # raw HTTP is never rewritten
    assert (tmp_path / "ops.py").read_text(encoding="utf-8") == OPS
    assert declared["models"] == [
        {"model_id": "vllm/acme/ops-llm", "provider_id": "vllm", "provider_model_id": "acme/ops-llm"},
        {"model_id": "ops-guard", "provider_id": "vllm", "provider_model_id": "acme/ops-guard"},
    ]
    assert declared["connectors"] == [{"connector_id": "mcp::ops", "url": None}]  # set by a human
    reasons = {finding.line: reason for finding, reason in result.outcome.manual}
    assert reasons[10].startswith("raw HTTP: declared in registered_resources.models (served as vllm/acme/ops-llm)")
    assert "GET /v1/models/vllm/ops-guard" in reasons[11]  # OGX names it provider_id/model_id
    assert "built in" in reasons[12]
    assert reasons[13].startswith("raw HTTP: declared in connectors")
    assert "only known at run time" in reasons[17]
    assert [f.fix.applicability for f in result.findings if f.fix] == ["manual"] * 5  # as the scan says


def test_a_body_with_values_only_known_at_run_time_needs_unsafe_fixes(tmp_path: Path) -> None:
    run, declared = fixed(tmp_path, "llama-stack-0.7", unsafe=False)
    assert [m["model_id"] for m in declared["models"]] == ["vllm/acme/ops-llm", "ops-guard"]
    assert declared["connectors"] == []
    [result] = run.files
    reasons = {finding.line: reason for finding, reason in result.outcome.manual}
    assert reasons[13].endswith("(with values a human sets: rerun with --unsafe-fixes)")

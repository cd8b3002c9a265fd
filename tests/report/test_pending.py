"""Pending declarations: what clients register through the shim but the target lacks, as one YAML patch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from migrate.config.entries import Unknown
from migrate.report.pending import rebuild_entry, recorded_entry
from migrate.rule_loader import load_rules
from tests.report.conftest import RunReport, run_process
from tests.report.history import CLIENTS, EXPECTED_PENDING, PLAN
from tests.shim.conftest import settings_for, shim_server
from tests.shim.upstream import FakeUpstream, model


@pytest.fixture(scope="module")
def runtime(history_db: Path) -> dict[str, Any]:
    process = run_process("-m", "migrate", "report", "--events", str(history_db), "--format", "json")
    assert process.returncode == 0, process.stderr
    parsed: dict[str, Any] = json.loads(process.stdout)["runtime"]
    return parsed


def test_the_patch_parses_back_to_exactly_the_pending_entries(runtime: dict[str, Any]) -> None:
    (patch,) = runtime["pending"]
    assert patch["target"] == "ogx-1"
    # PyYAML, as the server reads its run config.
    assert yaml.safe_load(patch["yaml"]) == EXPECTED_PENDING


def test_each_entry_counts_its_unsatisfied_calls_and_clients(runtime: dict[str, Any]) -> None:
    (patch,) = runtime["pending"]
    expected: dict[str, tuple[int, set[str]]] = {}
    for calls in PLAN:
        if calls.outcome == "unsatisfied" and calls.rule in ("LSM101", "LSM121") and calls.resource_id:
            count, clients = expected.get(calls.resource_id, (0, set()))
            fingerprint = CLIENTS[calls.client].fingerprint
            expected[calls.resource_id] = (
                count + sum(calls.counts),
                clients | ({fingerprint} if fingerprint else set()),
            )
    entries = {entry["identifier"]: entry for entry in patch["entries"]}
    assert set(entries) == {"vllm/supportbot-chat", "ollama/llama3.2:3b", "mcp::tickets"}
    for identifier, entry in entries.items():
        calls_made, clients = expected[identifier]
        assert (entry["calls"], entry["clients"]) == (calls_made, len(clients)), identifier
    assert entries["mcp::tickets"]["unknown"] == ["url"]
    assert entries["mcp::tickets"]["section"] == "connectors"
    assert entries["vllm/supportbot-chat"]["unknown"] == []
    assert entries["vllm/supportbot-chat"]["fields"] == {"model_id": "supportbot-chat", "provider_id": "vllm"}


def test_declared_since_satisfied_and_unregister_misses_are_not_pending(runtime: dict[str, Any]) -> None:
    identifiers = {entry["identifier"] for patch in runtime["pending"] for entry in patch["entries"]}
    assert "vllm/supportbot-judge" not in identifiers  # unsatisfied on day 1, satisfied on day 3
    assert "vllm/supportbot-embed" not in identifiers  # always satisfied
    assert "vllm/gone" not in identifiers  # an unregister's 404, nothing to declare


def test_builtin_groups_and_nameless_calls_are_reported_apart(runtime: dict[str, Any]) -> None:
    assert [(u["identifier"], u["calls"]) for u in runtime["unservable"]] == [("builtin::websearch", 2)]
    nameless = sum(sum(calls.counts) for calls in PLAN if calls.outcome == "unsatisfied" and calls.resource_id is None)
    assert runtime["unnamed_registrations"] == nameless == 2


def test_the_markdown_report_carries_the_patch_verbatim(run_report: RunReport, history_db: Path) -> None:
    process = run_report("--events", str(history_db))
    assert process.returncode == 0, process.stderr
    block = process.stdout.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(block) == EXPECTED_PENDING


def test_the_identifier_template_of_llama_stack_0_7_is_inverted() -> None:
    rule = load_rules().by_id["LSM101"]
    # llama-stack 0.7: {provider_id}/{provider_model_id|model_id}
    entry = rebuild_entry(rule, "llama-stack-0.7", "vllm/meta-llama/Llama-3.1-8B", "shim")
    assert entry.fields == {"model_id": "meta-llama/Llama-3.1-8B", "provider_id": "vllm"}
    assert entry.section == "registered_resources.models" and entry.id_field == "model_id"


def test_an_identifier_that_does_not_fit_the_template_leaves_its_parts_unknown() -> None:
    rule = load_rules().by_id["LSM101"]
    entry = rebuild_entry(rule, "ogx-1", "no-slash-here", "shim")
    assert set(entry.fields) == {"model_id", "provider_id"}
    assert all(isinstance(value, Unknown) for value in entry.fields.values())


def test_an_undeclared_mcp_group_registered_through_a_real_shim_is_pending_with_its_url(
    upstream: tuple[FakeUpstream, str], tmp_path: Path
) -> None:
    fake, url = upstream
    fake.models["vllm/served"] = model("vllm/served")
    events = tmp_path / "events.sqlite3"
    group = {"toolgroup_id": "mcp::tickets", "provider_id": "model-context-protocol"}
    moved = "https://mcp.internal:8443/sse?team=support&token=CANARY-TOKEN-9"
    chat = {"model_id": "chat", "provider_id": "vllm", "model_type": "llm", "metadata": {"context_length": 8192}}
    with (
        shim_server(settings_for(url, "ogx-1", events=events)) as (shim_url, _),
        httpx.Client(base_url=shim_url) as client,
    ):
        client.post("/v1/toolgroups", json={**group, "mcp_endpoint": {"uri": "http://old-host:8000/sse"}})
        problem = client.post("/v1/toolgroups", json={**group, "mcp_endpoint": {"uri": moved}}).json()
        assert client.post("/v1/models", json=chat).status_code == 409
        assert client.post("/v1/models", json={"model_id": "served", "provider_id": "vllm"}).status_code == 200
    process = run_process("-m", "migrate", "report", "--events", str(events), "--format", "json")
    assert process.returncode == 0, process.stderr
    runtime = json.loads(process.stdout)["runtime"]
    (patch,) = runtime["pending"]
    connector = {"connector_id": "mcp::tickets", "url": "https://mcp.internal:8443/sse?team=support"}
    assert yaml.safe_load(patch["yaml"]) == {
        "registered_resources": {"models": [chat]},
        "connectors": [connector],  # the latest URL the clients sent, without its token
    }
    assert yaml.safe_load(problem["yaml"]) == {"connectors": [connector]}  # what the 409 said
    entries = {entry["identifier"]: entry for entry in patch["entries"]}
    assert entries["mcp::tickets"]["unknown"] == [] and entries["mcp::tickets"]["calls"] == 2
    assert entries["vllm/chat"]["fields"] == chat
    markdown = run_process("-m", "migrate", "report", "--events", str(events)).stdout
    assert "url: https://mcp.internal:8443/sse?team=support" in markdown
    assert "Fill in by hand" not in markdown and "CANARY" not in markdown + process.stdout


def test_a_version_1_file_is_read_as_it_is_and_its_entries_rebuilt(tmp_path: Path) -> None:
    import sqlite3

    from tests.shim.test_shim_events import V1_SQLITE

    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SQLITE)
    db.close()
    before = path.read_bytes()
    process = run_process("-m", "migrate", "report", "--events", str(path), "--format", "json")
    assert process.returncode == 0, process.stderr
    (patch,) = json.loads(process.stdout)["runtime"]["pending"]
    assert yaml.safe_load(patch["yaml"]) == {"connectors": [{"connector_id": "mcp::old", "url": None}]}
    assert patch["entries"][0]["unknown"] == ["url"]
    assert path.read_bytes() == before  # read-only: the report migrates nothing


def test_a_recorded_entry_without_a_url_leaves_it_to_fill_in() -> None:
    rule = load_rules().by_id["LSM121"]
    entry = recorded_entry(rule, "ogx-1", {"connector_id": "mcp::x"}, "shim")
    assert entry.plain() == {"connector_id": "mcp::x", "url": None}
    assert entry.unknown_fields == ["url"]

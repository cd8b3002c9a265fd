"""The shim in front of real servers: llama-stack 0.7.3 and OGX 1.5.0, driven over HTTP.

The servers come from `tests/integration/servers.py` (installed once into cached Python 3.12 venvs;
a missing install fails loudly, nothing is skipped). Each runs with a connector, a tavily-search
tool_runtime provider and the template's declared models.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from ruamel.yaml import YAML

from migrate.shim.upstream import UpstreamConfig
from migrate.shim.version import probe_version, target_for_version
from migrate.targets import TargetName
from tests.integration.servers import LLAMA_STACK_07, OGX, RunningServer, ServerSpec
from tests.shim.conftest import (
    DEPRECATED_2025_11_10,
    assert_legacy_shape,
    assert_problem,
    settings_for,
    shim_server,
)
from tests.shim.test_shim_schemathesis import SPEC, check_answer, describe, header

pytestmark = pytest.mark.integration

EXTRA_CONFIG: dict[str, Any] = {
    "providers": {
        "tool_runtime": [
            {"provider_id": "model-context-protocol", "provider_type": "remote::model-context-protocol"},
            {
                "provider_id": "tavily-search",
                "provider_type": "remote::tavily-search",
                "config": {"api_key": "not-used", "max_results": 3},
            },
        ]
    },
    "connectors": [{"connector_id": "weather", "url": "http://127.0.0.1:9/mcp", "connector_type": "mcp"}],
}
#: Declared in the config templates: model_id x, provider vllm, provider_model_id x-emb.
DECLARED_MODEL = {"model_id": "x", "provider_id": "vllm", "provider_model_id": "x-emb", "model_type": "embedding"}


@dataclass
class Setup:
    """A real server, the shim in front of it (on a real port) and the shim's events database."""

    server: RunningServer
    target: TargetName
    shim_url: str
    events: Path
    model_id: str

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.shim_url + path, timeout=30, **kwargs)

    def outcomes(self) -> list[tuple[str, str]]:
        with sqlite3.connect(self.events) as db:
            return db.execute("SELECT rule_id, outcome FROM deprecation_events ORDER BY id").fetchall()


def _setup(spec: ServerSpec, target: TargetName, model_id: str, tmp: Path) -> Iterator[Setup]:
    events = tmp / "events.sqlite3"
    with (
        RunningServer(spec, extra_config=EXTRA_CONFIG, state_dir=tmp / "server") as server,
        shim_server(settings_for(server.url, target, events=events)) as (shim_url, _),
    ):
        yield Setup(server, target, shim_url, events, model_id)


@pytest.fixture(scope="module", params=["llama-stack-0.7", "ogx-1"])
def real(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    tmp = tmp_path_factory.mktemp(f"shim-{request.param}")
    if request.param == "llama-stack-0.7":
        yield from _setup(LLAMA_STACK_07, "llama-stack-0.7", "vllm/x-emb", tmp)
    else:
        yield from _setup(OGX, "ogx-1", "vllm/x", tmp)


def test_model_register_of_a_declared_model_answers_the_legacy_model(real: Setup) -> None:
    response = real.call("POST", "/v1/models", json=DECLARED_MODEL)
    assert response.status_code == 200
    assert response.json()["identifier"] == real.model_id
    assert_legacy_shape("Model", response.json())
    assert response.headers["deprecation"] == DEPRECATED_2025_11_10
    assert response.headers["sunset"] == "Wed, 01 Apr 2026 00:00:00 GMT"
    assert direct(real, "POST", "/v1/models", json=DECLARED_MODEL).status_code == 405


def test_model_unregister_is_acknowledged_in_both_id_encodings(real: Setup) -> None:
    raw = real.call("DELETE", f"/v1/models/{real.model_id}")
    encoded = real.call("DELETE", "/v1/models/" + real.model_id.replace("/", "%2F"))
    for response in (raw, encoded):
        assert (response.status_code, response.content) == (200, b"null")
    assert real.call("GET", f"/v1/models/{real.model_id}").status_code == 200  # nothing changed upstream
    assert_problem(real.call("DELETE", "/v1/models/vllm/not-there"), 404, "resource-not-found")


def test_tool_groups_are_answered_from_connectors_and_providers(real: Setup) -> None:
    mcp = {"toolgroup_id": "weather", "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": "http://x"}}
    assert real.call("POST", "/v1/toolgroups", json=mcp).content == b"null"
    builtin = {"toolgroup_id": "builtin::websearch", "provider_id": "tavily-search"}
    assert real.call("POST", "/v1/toolgroups", json=builtin).content == b"null"
    missing = real.call("POST", "/v1/toolgroups", json={**mcp, "toolgroup_id": "maps"})
    problem = assert_problem(missing, 409, "resource-not-declared")
    assert YAML(typ="safe").load(problem["yaml"]) == {"connectors": [{"connector_id": "maps", "url": "http://x"}]}
    wolfram = real.call("POST", "/v1/toolgroups", json={"toolgroup_id": "builtin::wolfram_alpha", "provider_id": "w"})
    assert_problem(wolfram, 409, "builtin-tool-group-not-served")
    assert real.call("DELETE", "/v1/toolgroups/weather").content == b"null"
    assert direct(real, "POST", "/v1/toolgroups", json=mcp).status_code == 404


def test_shields_and_datasets_follow_the_target(real: Setup) -> None:
    shield = {"shield_id": "guard", "provider_id": "llama-guard", "provider_shield_id": "vllm/some-llm"}
    dataset = {
        "dataset_id": "qa",
        "purpose": "eval/question-answer",
        "source": {"type": "rows", "rows": [{"question": "q", "answer": "a"}]},
    }
    registered = real.call("POST", "/v1/shields", json=shield)
    created = real.call("POST", "/v1/datasets", json=dataset)  # the 0.2-era path
    if real.target == "ogx-1":
        assert_problem(registered, 410, "operation-removed")
        assert_problem(created, 410, "operation-removed")
        assert_problem(real.call("DELETE", "/v1/shields/guard"), 410, "operation-removed")
        return
    assert registered.status_code == 200
    assert_legacy_shape("Shield", registered.json())
    assert created.status_code == 200
    assert created.json()["identifier"] == "qa"
    assert "/v1beta/datasets" in created.headers["link"]
    assert real.call("DELETE", "/v1/datasets/qa").status_code == 200
    assert real.call("DELETE", "/v1/shields/guard").status_code == 200
    assert direct(real, "POST", "/v1/datasets", json=dataset).status_code == 404


def test_the_start_up_probe_reads_the_servers_version_and_picks_its_target(real: Setup) -> None:
    version = probe_version(UpstreamConfig(real.server.url))
    assert version == direct(real, "GET", "/v1/version").json()["version"]
    assert target_for_version(version) == real.target


def test_old_sdk_version_header_passes_the_gate(real: Setup) -> None:
    header = "X-OGX-Client-Version" if real.target == "ogx-1" else "X-LlamaStack-Client-Version"
    # ordinary traffic (the model listing of a 0.3 SDK is a translated read, which leaves an event)
    assert direct(real, "GET", "/v1/providers", headers={header: "0.3.5"}).status_code == 426
    assert real.call("GET", "/v1/providers", headers={header: "0.3.5"}).status_code == 200


def test_every_deprecated_call_leaves_exactly_one_event(real: Setup) -> None:
    before = len(real.outcomes())
    real.call("POST", "/v1/models", json=DECLARED_MODEL)
    real.call("GET", "/v1/models")
    real.call("DELETE", f"/v1/models/{real.model_id}")
    real.call("GET", "/v1/health")
    real.call("POST", "/v1/toolgroups", json={"toolgroup_id": "nope", "provider_id": "model-context-protocol"})
    deadline = time.monotonic() + 10
    while len(real.outcomes()) < before + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)  # longer than the writer's flush interval: a fourth event would be there by now
    assert real.outcomes()[before:] == [("LSM101", "satisfied"), ("LSM102", "acknowledged"), ("LSM121", "unsatisfied")]


def test_the_declared_entry_from_the_problem_makes_the_call_succeed(real: Setup, tmp_path: Path) -> None:
    wanted = {"model_id": "fresh", "provider_id": "vllm", "provider_model_id": "fresh-emb", "model_type": "llm"}
    problem = assert_problem(real.call("POST", "/v1/models", json=wanted), 409, "resource-not-declared")
    entry = YAML(typ="safe").load(problem["yaml"])["registered_resources"]["models"]
    template_models = real.server.spec.load_config_template()["registered_resources"]["models"]
    config = {**EXTRA_CONFIG, "registered_resources": {"models": [*template_models, *entry]}}
    with (
        RunningServer(real.server.spec, extra_config=config, state_dir=tmp_path / "server") as server,
        shim_server(settings_for(server.url, real.target)) as (shim_url, _),
    ):
        response = httpx.post(f"{shim_url}/v1/models", json=wanted, timeout=30)
    assert response.status_code == 200
    assert response.json()["identifier"] == problem["identifier"]


def direct(real: Setup, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The same call straight to the server, without the shim."""
    return httpx.request(method, real.server.url + path, timeout=30, **kwargs)


#: The operations that the shim answers itself on both targets, from reads of the real server (declare & read,
#: look up). The forwarded ones are not fuzzed against the real servers: random dataset sources could make a
#: real server fetch from random addresses. test_shim_schemathesis.py fuzzes all twelve against the test upstream.
REAL_SPEC = SPEC.include(path_regex="^/v1/(models|toolgroups)")


@REAL_SPEC.parametrize()
@hypothesis.settings(database=None, deadline=None, max_examples=15, suppress_health_check=list(hypothesis.HealthCheck))
def test_fuzzed_calls_against_the_real_servers_get_legacy_answers_or_problems(
    case: schemathesis.Case, real: Setup
) -> None:
    response = case.call(base_url=real.shim_url, timeout=60)
    # Answers without the deprecation headers come from the server: other methods (schemathesis tries them all),
    # and paths that are no deprecated route (a decoded `/` in an id that cannot hold one).
    relayed = "deprecation" not in response.headers and header(response, "content-type") != "application/problem+json"
    if response.status_code >= 500:
        assert relayed or header(response, "content-type") != "application/problem+json", describe(response)
    check_answer(case, response, relayed=relayed)

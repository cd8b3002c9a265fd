"""The twelve deprecated calls made by the real legacy SDK through the shim, against what the legacy server answers.

* Baseline: `llama-stack-client` 0.3.5 straight against a real llama-stack 0.3.5, which still serves all twelve.
* Through the shim (the real `shim` command, a subprocess on a free port, target read from the upstream)
  in front of a real llama-stack 0.7.3 and a real OGX 1.5.0, with SDK 0.3.5 and SDK 0.4.7 (the newest
  0.4.x, where datasets and benchmarks are under `beta.` and `alpha.`). The SDKs run in their own Python
  3.12 venvs (`tests/integration/servers.py`) and make the calls with `tests/shim/legacy_sdk_calls.py`.

An operation that the target removed without a replacement must be a 410 problem, which the SDK raises
as an `APIStatusError`, with the members of the legacy spec's `Error` (`status`, `title`, `detail`).
Every other one must be answered as the legacy server answered it: the same outcome for the SDK, one
HTTP request (no retry), a 2xx status and a body of the same shape (the same keys of the legacy
schema, values of the same JSON types), valid for the legacy OpenAPI schema. The legacy server's
bodies also carry `owner` and `source`, which its own schema does not document; the shim's answers
keep to the schema, so shapes are compared on the schema's properties.

Plain passthrough (`GET /v1/models`, `/v1/health`, `/v1/version` and an unknown model's 404) must be
byte-identical to the direct answer: status, body and end-to-end headers (all but `Date`, `Server`
and hop-by-hop fields).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from migrate.legacy_spec import legacy_spec
from migrate.shim.headers import end_to_end
from migrate.targets import TargetName
from tests.integration.servers import (
    CLIENT_04,
    LEGACY,
    LLAMA_STACK_07,
    OGX,
    RunningServer,
    ServerSpec,
    ensure_venv,
    venv_python,
)
from tests.shim.conftest import DEPRECATED_2025_11_10, PROBLEM_SCHEMA, assert_legacy_shape
from tests.shim.test_shim_command import running_shim

pytestmark = pytest.mark.integration

CALLS = Path(__file__).with_name("legacy_sdk_calls.py")

MCP = {"provider_id": "model-context-protocol", "provider_type": "remote::model-context-protocol"}
TAVILY = {
    "provider_id": "tavily-search",
    "provider_type": "remote::tavily-search",
    "config": {"api_key": "not-used", "max_results": 3},
}
SCORING = [
    {"provider_id": "basic", "provider_type": "inline::basic"},
    {"provider_id": "llm-as-judge", "provider_type": "inline::llm-as-judge"},  # basic cannot register functions
]
CONNECTORS = [{"connector_id": "weather", "url": "http://127.0.0.1:9/mcp", "connector_type": "mcp"}]
RAG = {"provider_id": "rag-runtime", "provider_type": "inline::rag-runtime"}

#: The run configs (merged into the templates): a built-in tool group's provider everywhere, the MCP
#: connector where connectors exist, a scoring provider that can register functions. The model `x`
#: (provider vllm, provider model `x-emb`) is declared in the 0.7 and OGX templates.
CONFIGS: dict[str, dict[str, Any]] = {
    LEGACY.name: {"providers": {"tool_runtime": [RAG, MCP, TAVILY], "scoring": SCORING}},
    LLAMA_STACK_07.name: {"providers": {"tool_runtime": [MCP, TAVILY], "scoring": SCORING}, "connectors": CONNECTORS},
    OGX.name: {"providers": {"tool_runtime": [MCP, TAVILY]}, "connectors": CONNECTORS},
}

PARAMS: dict[str, Any] = {
    "model": {
        "model_id": "x",
        "provider_id": "vllm",
        "provider_model_id": "x-emb",
        "model_type": "embedding",
        "metadata": {"embedding_dimension": 384},
    },
    "shield": {"shield_id": "guard", "provider_id": "llama-guard", "provider_shield_id": "vllm/some-llm"},
    "toolgroup": {"toolgroup_id": "builtin::websearch", "provider_id": "tavily-search"},
    "dataset": {
        "dataset_id": "qa",
        "purpose": "eval/question-answer",
        "source": {"type": "rows", "rows": [{"question": "q", "answer": "a"}]},
    },
    "scoring_function": {
        "scoring_fn_id": "judge-fn",
        "description": "a judge",
        "return_type": {"type": "string"},
        "provider_id": "llm-as-judge",
    },
    "benchmark": {"benchmark_id": "bench", "dataset_id": "qa", "scoring_functions": ["basic::equality"]},
}
#: Through the shim only: the legacy server would contact the MCP server, which does not exist here.
MCP_TOOLGROUP = {
    "toolgroup_id": "weather",
    "provider_id": "model-context-protocol",
    "mcp_endpoint": {"uri": "http://127.0.0.1:9/mcp"},
}

#: The order in which legacy_sdk_calls.py makes the calls (then the MCP pair, through the shim only).
ORDER = ["LSM101", "LSM111", "LSM121", "LSM131", "LSM151", "LSM141", "LSM142", "LSM152", "LSM132", "LSM122", "LSM112"]
ORDER += ["LSM102"]
MCP_ORDER = ["LSM121", "LSM122"]
#: Operations with no replacement on the target: answered 410 by the shim.
GONE: dict[TargetName, frozenset[str]] = {
    "llama-stack-0.7": frozenset(),
    "ogx-1": frozenset({"LSM111", "LSM112", "LSM131", "LSM132", "LSM141", "LSM142", "LSM151", "LSM152"}),
}
#: Register calls whose legacy answer is a resource, with its legacy schema.
RESOURCE_SCHEMAS = {"LSM101": "Model", "LSM111": "Shield", "LSM131": "Dataset"}
#: Keys of the legacy server's resources that the legacy schema does not have (so the shim leaves them out).
UNDOCUMENTED = frozenset({"owner", "source"})
UNREGISTER = frozenset({"LSM102", "LSM112", "LSM122", "LSM132", "LSM142", "LSM152"})
SDKS = ("0.3.5", "0.4.7")
#: The shim's stderr is a pipe nobody reads while it runs: no event log, warnings only.
SHIM_OPTIONS = ("--no-event-log", "--log-level", "warning")


def sdk_python(version: str) -> Path:
    """The interpreter of a venv with `llama-stack-client==version` (installed once, cached)."""
    return venv_python(ensure_venv(LEGACY if version == "0.3.5" else CLIENT_04))


def make_calls(version: str, base_url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run legacy_sdk_calls.py with SDK `version` against `base_url`; one record per call."""
    finished = subprocess.run(
        [str(sdk_python(version)), str(CALLS), base_url, json.dumps(params)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, f"the SDK script failed:\n{finished.stderr[-3000:]}"
    output = json.loads(finished.stdout)
    assert output["sdk_version"] == version
    calls: list[dict[str, Any]] = output["calls"]
    return calls


def shape(value: Any) -> Any:
    """The JSON type of `value`, recursively: object keys kept, every scalar replaced by its type name."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def documented(schema_name: str, document: dict[str, Any]) -> dict[str, Any]:
    """`document` reduced to the properties of the legacy schema `schema_name`."""
    properties = legacy_spec()["components"]["schemas"][schema_name]["properties"]
    return {key: value for key, value in document.items() if key in properties}


def legacy_error_schema() -> dict[str, Any]:
    """The legacy spec's `Error` (the `default` answer of every operation), open to extension members.

    The spec closes `Error` to `status`, `title`, `detail` and `instance`; the shim's problem documents
    carry RFC 9457 extension members beside them (`type`, `rule`, `target`, `docs`, ...).
    """
    schema = dict(legacy_spec()["components"]["schemas"]["Error"])
    assert schema.pop("additionalProperties") is False
    return schema


def acknowledged(record: dict[str, Any]) -> bool:
    """The SDK returned None for an answer without content (legacy: 204, the shim and 0.7: 200 `null`)."""
    return (
        record["outcome"] == "returned"
        and record["parsed"] is None
        and record["status"] in (200, 204)
        and record["body"] in (None, {"text": ""})
    )


# ----------------------------------------------------------------------------------------------- fixtures


@dataclass
class Legacy:
    server: RunningServer
    baseline: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Legacy]:
    """llama-stack 0.3.5 and what SDK 0.3.5 got from it for each of the twelve calls."""
    state = tmp_path_factory.mktemp("legacy-server")
    with RunningServer(LEGACY, extra_config=CONFIGS[LEGACY.name], state_dir=state) as server:
        calls = make_calls("0.3.5", server.url, PARAMS)
        yield Legacy(server, {record["rule"]: record for record in calls})


@dataclass
class BehindShim:
    server: RunningServer
    target: TargetName
    shim_url: str
    events: Path


@pytest.fixture(scope="module", params=["llama-stack-0.7", "ogx-1"])
def behind_shim(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BehindShim]:
    """A real server with the `shim` command in front of it; the target is read from the server's version."""
    target: TargetName = request.param
    spec: ServerSpec = LLAMA_STACK_07 if target == "llama-stack-0.7" else OGX
    tmp = tmp_path_factory.mktemp(f"sdk-{target}")
    events = tmp / "events.sqlite3"
    with (
        RunningServer(spec, extra_config=CONFIGS[spec.name], state_dir=tmp / "server") as server,
        running_shim(*SHIM_OPTIONS, "--upstream", server.url, "--events", str(events)) as (shim_url, process),
    ):
        yield BehindShim(server, target, shim_url, events)
    process.communicate()  # closes its pipes


# ---------------------------------------------------------------------------------------------------- tests


def test_the_legacy_server_answers_all_twelve_calls_of_the_legacy_sdk(legacy: Legacy) -> None:
    assert sorted(legacy.baseline) == sorted(ORDER)
    for rule, record in legacy.baseline.items():
        assert record["requests"] == 1, rule
        if rule in UNREGISTER:
            assert acknowledged(record), record
            continue
        assert (record["outcome"], record["status"]) == ("returned", 200), record
        assert "deprecation" not in record["headers"]
        if rule in RESOURCE_SCHEMAS:
            assert_legacy_shape(RESOURCE_SCHEMAS[rule], documented(RESOURCE_SCHEMAS[rule], record["body"]))
        else:
            assert record["body"] is None
    assert legacy.baseline["LSM101"]["body"]["identifier"] == "vllm/x-emb"


@pytest.mark.parametrize("sdk", SDKS)
def test_the_legacy_sdk_gets_the_legacy_answers_through_the_shim(
    legacy: Legacy, behind_shim: BehindShim, sdk: str
) -> None:
    records = make_calls(sdk, behind_shim.shim_url, {**PARAMS, "mcp_toolgroup": MCP_TOOLGROUP})
    assert [record["rule"] for record in records] == ORDER + MCP_ORDER
    gone = GONE[behind_shim.target]
    for record in records:
        rule = record["rule"]
        expected = legacy.baseline[rule]
        assert record["requests"] == 1, record  # answered at once: no SDK retry
        assert record["headers"]["deprecation"] == [DEPRECATED_2025_11_10], record
        if rule in gone:
            assert (record["outcome"], record["exception"], record["status"]) == (
                "status-error",
                "APIStatusError",
                410,
            ), record
            assert record["headers"]["content-type"] == ["application/problem+json"]
            problem = record["body"]
            assert list(Draft202012Validator(PROBLEM_SCHEMA).iter_errors(problem)) == []
            assert list(Draft202012Validator(legacy_error_schema()).iter_errors(problem)) == []
            assert problem["type"].endswith("/operation-removed")
            assert (problem["status"], problem["rule"], problem["target"]) == (410, rule, behind_shim.target)
        elif rule in UNREGISTER:
            assert acknowledged(record), record
            assert acknowledged(expected)
        else:
            assert (record["outcome"], record["status"]) == ("returned", 200), record
            if rule in RESOURCE_SCHEMAS:
                schema = RESOURCE_SCHEMAS[rule]
                assert_legacy_shape(schema, record["body"])
                assert shape(record["body"]) == shape(documented(schema, expected["body"])), record
                assert record["parsed"]["identifier"] == record["body"]["identifier"]  # the SDK parsed it
                # The legacy server's only extra keys are the two its schema does not document.
                assert expected["body"].keys() - documented(schema, expected["body"]).keys() <= UNDOCUMENTED
                if sdk == "0.3.5":  # the same SDK model as from the legacy server, less the undocumented keys
                    undocumented = expected["body"].keys() - documented(schema, expected["body"]).keys()
                    assert record["parsed"].keys() == expected["parsed"].keys() - undocumented
            else:
                assert record["body"] is None
                assert record["body"] == expected["body"]
    model = records[0]["body"]
    assert model["identifier"] == ("vllm/x-emb" if behind_shim.target == "llama-stack-0.7" else "vllm/x")


@pytest.mark.parametrize("sdk", SDKS)
def test_each_sdk_call_is_one_event_with_the_sdks_real_version(behind_shim: BehindShim, sdk: str) -> None:
    started = _event_count(behind_shim.events)
    make_calls(sdk, behind_shim.shim_url, {**PARAMS, "mcp_toolgroup": MCP_TOOLGROUP})
    expected = len(ORDER + MCP_ORDER)
    deadline = time.monotonic() + 15
    while _event_count(behind_shim.events) < started + expected and time.monotonic() < deadline:
        time.sleep(0.05)
    with sqlite3.connect(behind_shim.events) as db:
        rows = db.execute(
            "SELECT rule_id, target, outcome, sdk_name, sdk_version FROM deprecation_events WHERE id > ? ORDER BY id",
            (started,),
        ).fetchall()
    assert [row[0] for row in rows] == ORDER + MCP_ORDER
    gone = GONE[behind_shim.target]
    for rule, target, outcome, sdk_name, sdk_version in rows:
        assert (target, sdk_name, sdk_version) == (behind_shim.target, "llama-stack-client", sdk)
        assert outcome == "gone" if rule in gone else outcome in ("satisfied", "forwarded", "acknowledged")


def _event_count(events: Path) -> int:
    if not events.exists():
        return 0
    with sqlite3.connect(events) as db:
        try:
            count: int = db.execute("SELECT COALESCE(MAX(id), 0) FROM deprecation_events").fetchone()[0]
        except sqlite3.OperationalError:  # the table is created by the shim's first write
            return 0
    return count


@pytest.fixture(scope="module")
def legacy_behind_shim(legacy: Legacy, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shim in front of the legacy server (target llama-stack-0.4, read from its version)."""
    events = tmp_path_factory.mktemp("legacy-shim") / "events.sqlite3"
    with running_shim(*SHIM_OPTIONS, "--upstream", legacy.server.url, "--events", str(events)) as (shim_url, process):
        yield shim_url
    process.communicate()  # closes its pipes


PASSTHROUGH_PATHS = ("/v1/models", "/v1/health", "/v1/version", "/v1/models/vllm/not-declared")
IGNORED_HEADERS = frozenset({b"date", b"server"})
#: llama-stack 0.3.5 sends a fresh random `x-trace-id` with every answer: compared by form, not value.
PER_REQUEST = {b"x-trace-id": re.compile(rb"[0-9a-f]{32}")}


def exchange(url: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """GET `url`: status, end-to-end headers (less Date and Server) in order, and the body bytes as sent."""
    with (
        httpx.Client(timeout=30) as client,
        client.stream("GET", url, headers={"accept": "application/json"}) as answer,
    ):
        body = b"".join(answer.iter_raw())
        headers = [(name.lower(), value) for name, value in answer.headers.raw]
    kept: list[tuple[bytes, bytes]] = []
    for name, value in end_to_end(headers):
        if name in PER_REQUEST:
            assert PER_REQUEST[name].fullmatch(value), (name, value)
            value = b"<per request>"
        if name not in IGNORED_HEADERS:
            kept.append((name, value))
    return answer.status_code, kept, body


@pytest.mark.parametrize("path", PASSTHROUGH_PATHS)
def test_passthrough_is_byte_identical_to_the_direct_answer(
    legacy: Legacy, legacy_behind_shim: str, behind_shim: BehindShim, path: str
) -> None:
    for direct_url, shim_url in (
        (legacy.server.url, legacy_behind_shim),
        (behind_shim.server.url, behind_shim.shim_url),
    ):
        for _ in range(3):  # llama-stack 0.7.3 lists models with `created` = the second of the request
            direct = exchange(direct_url + path)
            through = exchange(shim_url + path)
            if through == direct:
                break
        assert through == direct, (direct_url, path)
        assert direct[0] in ((400, 404) if "not-declared" in path else (200,))
        assert direct[2]  # a real body was compared

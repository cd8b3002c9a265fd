"""Reads through the shim: legacy clients get legacy shapes, every other client the upstream's bytes untouched,
except where the target removed the route (tool groups, a group's tools): there every client gets the translation.

The upstream is `FakeUpstream` on a real port, answering the listings as llama-stack 0.7.3 does (the OpenAI
model list with `custom_metadata`, connectors, a connector's tools); the shim runs for real (`shim_server`)
where bytes on the wire matter.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.shim.clients import LegacyClients
from tests.shim.conftest import assert_problem, run, settings_for, shim_client, shim_server, wait_for
from tests.shim.upstream import FakeUpstream, model

SDK_035 = {"user-agent": "LlamaStackClient/Python 0.3.5", "x-llamastack-client-version": "0.3.5"}
SDK_047 = {"user-agent": "LlamaStackClient/Python 0.4.7", "x-llamastack-client-version": "0.4.7"}
SDK_073 = {"user-agent": "LlamaStackClient/Python 0.7.3", "x-llamastack-client-version": "0.7.3"}


def declared_models(fake: FakeUpstream) -> None:
    fake.models["vllm/acme/chat"] = {**model("vllm/acme/chat"), "metadata": {"team": "quickstart", "context": 8192}}
    fake.models["vllm/minilm"] = model("vllm/minilm", "embedding")


def events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM deprecation_events ORDER BY id")]


@pytest.mark.parametrize(
    ("headers", "legacy"),
    [
        ({"x-llamastack-client-version": "0.3.5"}, True),
        ({"user-agent": "AsyncLlamaStackClient/Python 0.3.5"}, True),  # the async client, no version header
        ({"user-agent": "LlamaStackClient/Python 0.3.5", "x-stainless-package-version": "0.2.23"}, True),
        ({"x-llamastack-client-version": "0.4.7", "user-agent": "LlamaStackClient/Python 0.4.7"}, False),
        ({"x-llamastack-client-version": "0.7.3"}, False),
        ({"user-agent": "LlamaStackClient/Python 0.7.3", "x-stainless-package-version": "0.7.3"}, False),
        ({"x-ogx-client-version": "1.5.0", "user-agent": "OpenAPI-Generator/1.5.0/python"}, False),
        ({"x-llamastack-client-version": "not-a-version"}, False),
        ({"user-agent": "python-requests/2.34.2"}, False),  # announces nothing: not without the operator's opt-in
        ({}, False),
    ],
)
def test_legacy_clients_are_those_that_announce_an_sdk_before_0_4(headers: dict[str, str], legacy: bool) -> None:
    raw = [(name.encode(), value.encode()) for name, value in headers.items()]
    assert LegacyClients().legacy(raw) is legacy


def test_the_operator_opts_clients_in_by_user_agent_prefix() -> None:
    clients = LegacyClients(["python-requests", "curl/"])
    assert clients.legacy([(b"user-agent", b"python-requests/2.34.2")])
    assert clients.legacy([(b"user-agent", b"curl/8.5.0")])
    assert not clients.legacy([(b"user-agent", b"python-httpx/0.28.1")])
    # what a client announces wins over its user agent
    assert not clients.legacy([(b"user-agent", b"python-requests/2.34.2"), (b"x-llamastack-client-version", b"0.7.3")])


@pytest.mark.parametrize(
    "headers",
    [SDK_073, SDK_047, {}, {"user-agent": "python-requests/2.34.2"}],
    ids=["0.7.3", "0.4.7", "none", "raw"],
)
def test_other_clients_get_the_upstream_listing_byte_for_byte_and_no_event(
    upstream: tuple[FakeUpstream, str], events_db: Path, headers: dict[str, str]
) -> None:
    fake, url = upstream
    declared_models(fake)
    with httpx.Client(base_url=url) as client:
        direct = client.get("/v1/models", headers={**headers, "x-llamastack-client-version": "0.7.3"})
    shim = shim_server(settings_for(url, "ogx-1", events=events_db))
    with shim as (shim_url, _), httpx.Client(base_url=shim_url) as client:
        relayed = client.get("/v1/models", headers=headers)
    assert relayed.status_code == direct.status_code == 200
    assert relayed.content == direct.content
    assert [(k, v) for k, v in relayed.headers.items() if k != "date"] == [
        (k, v) for k, v in direct.headers.items() if k != "date"
    ]
    assert events(events_db) == []  # ordinary traffic is not a deprecation event


def test_a_legacy_sdk_gets_the_legacy_model_listing_and_an_event(
    upstream: tuple[FakeUpstream, str], events_db: Path
) -> None:
    fake, url = upstream
    declared_models(fake)
    shim = shim_server(settings_for(url, "ogx-1", events=events_db))
    with shim as (shim_url, _), httpx.Client(base_url=shim_url) as client:
        answer = client.get("/v1/models", headers=SDK_035)
    assert answer.status_code == 200
    assert answer.headers["link"].endswith('</v1/models>; rel="successor-version"')
    assert "deprecation" not in answer.headers and answer.headers["sunset"] == "Thu, 01 Jan 2026 00:00:00 GMT"
    assert answer.json() == {
        "data": [
            {
                "identifier": "vllm/acme/chat",
                "provider_resource_id": "acme/chat",
                "provider_id": "vllm",
                "type": "model",
                # custom_metadata without the three keys the legacy item has as its own fields
                "metadata": {"team": "quickstart", "context": 8192},
                "model_type": "llm",
            },
            {
                "identifier": "vllm/minilm",
                "provider_resource_id": "minilm",
                "provider_id": "vllm",
                "type": "model",
                "metadata": {},  # `{}` as the legacy server answered, never None
                "model_type": "embedding",
            },
        ]
    }
    wait_for(lambda: len(events(events_db)) == 1)
    (event,) = events(events_db)
    assert (event["rule_id"], event["method"], event["path"], event["outcome"], event["status"]) == (
        "LSM103",
        "GET",
        "/v1/models",
        "translated",
        200,
    )
    assert (event["sdk_name"], event["sdk_version"]) == ("llama-stack-client", "0.3.5")


def test_the_operator_opt_in_translates_a_raw_script_reads(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    declared_models(fake)

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        settings = settings_for(url, "llama-stack-0.7", legacy_user_agents=("python-requests",))
        async with shim_client(settings) as (client, _):
            raw = await client.get("/v1/models", headers={"user-agent": "python-requests/2.34.2"})
            other = await client.get("/v1/models", headers={"user-agent": "python-httpx/0.28.1"})
            return raw, other

    raw, other = run(scenario())
    assert [item["identifier"] for item in raw.json()["data"]] == ["vllm/acme/chat", "vllm/minilm"]
    assert [item["id"] for item in other.json()["data"]] == ["vllm/acme/chat", "vllm/minilm"]


def test_a_listed_model_that_does_not_fit_the_legacy_shape_is_a_502(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    declared_models(fake)
    fake.models["vllm/odd"] = {**model("vllm/odd"), "model_type": "speech"}  # not a legacy model type

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.get("/v1/models", headers=SDK_035)

    problem = assert_problem(run(scenario()), 502, "upstream-invalid-response")
    assert "/model_type" in problem["detail"]


def test_a_tool_group_is_found_among_connectors_and_built_in_groups(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    fake.connectors.append({"connector_type": "mcp", "connector_id": "mcp::helpdesk", "url": "http://127.0.0.1:9/mcp"})
    fake.providers.append(
        {"api": "tool_runtime", "provider_id": "tavily-search", "provider_type": "remote::tavily-search"}
    )
    fake.providers.append(
        {"api": "tool_runtime", "provider_id": "mcp", "provider_type": "remote::model-context-protocol"}
    )

    async def scenario() -> list[httpx.Response]:
        async with shim_client(settings_for(url, "llama-stack-0.7")) as (client, _):
            return [
                await client.get(path, headers=SDK_035)
                for path in ("/v1/toolgroups", "/v1/toolgroups/mcp::helpdesk", "/v1/toolgroups/builtin::websearch")
            ]

    listing, mcp, builtin = run(scenario())
    mcp_group = {
        "identifier": "mcp::helpdesk",
        "provider_resource_id": "mcp::helpdesk",
        "provider_id": "model-context-protocol",
        "type": "tool_group",
        "mcp_endpoint": {"uri": "http://127.0.0.1:9/mcp"},
    }
    builtin_group = {
        "identifier": "builtin::websearch",
        "provider_resource_id": "builtin::websearch",
        "provider_id": "tavily-search",
        "type": "tool_group",
    }
    assert listing.json() == {"data": [mcp_group, builtin_group]}
    assert (mcp.json(), builtin.json()) == (mcp_group, builtin_group)


@pytest.mark.parametrize("headers", [SDK_047, {}], ids=["0.4.7", "none"])
def test_a_route_the_target_removed_is_translated_for_every_client(
    upstream: tuple[FakeUpstream, str], events_db: Path, headers: dict[str, str]
) -> None:
    """llama-stack-client 0.4.7 still has `toolgroups` and `tools` and parses their legacy shapes; 0.7 answers 404.

    Regression: an app written for 0.4.7 (tests/workflows/apps/assistant_setup_04.py) got 0.7's bare 404 for its
    tool groups through the shim, as a current client of a route the target serves in a new shape would.
    """
    fake, url = upstream
    fake.connectors.append({"connector_type": "mcp", "connector_id": "mcp::tickets", "url": "http://127.0.0.1:9/mcp"})
    shim = shim_server(settings_for(url, "llama-stack-0.7", events=events_db))
    with shim as (shim_url, _), httpx.Client(base_url=shim_url) as client:
        groups = client.get("/v1/toolgroups", headers=headers)
        tools = client.get("/v1/tools", params={"toolgroup_id": "mcp::tickets"}, headers=headers)
    assert groups.status_code == tools.status_code == 200
    assert [(g["identifier"], g["mcp_endpoint"]["uri"]) for g in groups.json()["data"]] == [
        ("mcp::tickets", "http://127.0.0.1:9/mcp")
    ]
    assert [(t["name"], t["toolgroup_id"]) for t in tools.json()["data"]] == [("lookup_ticket", "mcp::tickets")]
    wait_for(lambda: len(events(events_db)) == 2)
    assert [(e["rule_id"], e["outcome"]) for e in events(events_db)] == [
        ("LSM123", "translated"),
        ("LSM124", "translated"),
    ]


def test_an_identifier_that_cannot_go_into_an_upstream_path_is_refused(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.get("/v1/tools", params={"toolgroup_id": "mcp::a/../b"}, headers=SDK_035)

    assert_problem(run(scenario()), 400, "invalid-identifier")

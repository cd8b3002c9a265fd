"""Prometheus metrics, scraped from the real endpoint after real requests through the real shim."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families

from migrate.errors import MigrateError
from migrate.shim.app import ShimApp
from migrate.shim.metrics import HEALTH_PATH, METRICS_PATH, code_class
from tests.shim.conftest import assert_problem, run, settings_for, shim_client, shim_server
from tests.shim.upstream import FakeUpstream, model

ALLOWED_LABELS = {
    "llama_stack_migrate_deprecated_requests_total": {"rule", "outcome", "target"},
    "llama_stack_migrate_requests_total": {"kind", "code_class"},
    "llama_stack_migrate_request_duration_seconds_bucket": {"kind", "le"},
    "llama_stack_migrate_request_duration_seconds_count": {"kind"},
    "llama_stack_migrate_request_duration_seconds_sum": {"kind"},
    "llama_stack_migrate_upstream_response_seconds_bucket": {"kind", "le"},
    "llama_stack_migrate_upstream_response_seconds_count": {"kind"},
    "llama_stack_migrate_upstream_response_seconds_sum": {"kind"},
    "llama_stack_migrate_events_written_total": {"sink"},
    "llama_stack_migrate_events_dropped_total": {"sink"},
    "llama_stack_migrate_shim_info": {"version", "target"},
    "llama_stack_migrate_upstream_connections": {"state"},
}


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a text-format scrape, keyed by name and labels."""
    return {
        (found.name, frozenset(found.labels.items())): float(found.value)
        for family in text_string_to_metric_families(exposition)
        for found in family.samples
    }


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped[(name, frozenset(labels.items()))]


def raw_request(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        return sock.recv(65536)


def test_counters_and_histograms_after_real_requests(upstream: tuple[FakeUpstream, str], events_db: Path) -> None:
    fake, url = upstream
    fake.models["vllm/m"] = model("vllm/m")
    with shim_server(settings_for(url, "ogx-1", events=events_db)) as (shim_url, app):
        with httpx.Client(base_url=shim_url) as client:
            for _ in range(3):
                assert client.get("/v1/health").status_code == 200
            assert client.get("/status/500").status_code == 500
            for _ in range(2):
                assert client.post("/v1/shields", json={"shield_id": "g"}).status_code == 410
            assert client.post("/v1/models", json={"model_id": "m", "provider_id": "vllm"}).status_code == 200
            assert client.delete("/v1/models/vllm%2Fnope").status_code == 404
            assert client.post("/v1/models", content=b"[]").status_code == 400
        assert raw_request(shim_url, b"GET /v1/../../etc HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400")
        deadline = time.monotonic() + 5
        while app.recorder.sinks[0].written < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        response = httpx.get(shim_url + METRICS_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    scraped = samples(response.text)
    deprecated = "llama_stack_migrate_deprecated_requests_total"
    assert value(scraped, deprecated, rule="LSM111", outcome="gone", target="ogx-1") == 2
    assert value(scraped, deprecated, rule="LSM101", outcome="satisfied", target="ogx-1") == 1
    assert value(scraped, deprecated, rule="LSM101", outcome="invalid", target="ogx-1") == 1
    assert value(scraped, deprecated, rule="LSM102", outcome="unsatisfied", target="ogx-1") == 1
    assert value(scraped, deprecated, rule="LSM152", outcome="gone", target="ogx-1") == 0  # exists from the start
    assert sum(v for (name, _), v in scraped.items() if name == deprecated) == 5
    requests = "llama_stack_migrate_requests_total"
    assert value(scraped, requests, kind="passthrough", code_class="2xx") == 3
    assert value(scraped, requests, kind="passthrough", code_class="5xx") == 1
    assert value(scraped, requests, kind="deprecated", code_class="4xx") == 4
    assert value(scraped, requests, kind="deprecated", code_class="2xx") == 1
    assert value(scraped, requests, kind="refused", code_class="4xx") == 1
    duration = "llama_stack_migrate_request_duration_seconds"
    assert value(scraped, duration + "_count", kind="passthrough") == 4
    assert value(scraped, duration + "_count", kind="deprecated") == 5
    assert value(scraped, duration + "_bucket", kind="deprecated", le="+Inf") == 5
    assert 0 < value(scraped, duration + "_sum", kind="deprecated") < 5
    upstream_seconds = "llama_stack_migrate_upstream_response_seconds"
    assert value(scraped, upstream_seconds + "_count", kind="passthrough") == 4
    assert value(scraped, upstream_seconds + "_count", kind="deprecated") == 0  # no forward on ogx-1 here
    assert value(scraped, "llama_stack_migrate_events_written_total", sink="sqlite") == 5
    assert value(scraped, "llama_stack_migrate_events_dropped_total", sink="sqlite") == 0
    assert value(scraped, "llama_stack_migrate_shim_info", version="0.1.0", target="ogx-1") == 1
    for (name, labels), _ in scraped.items():  # bounded labels only: no path, id or client ever
        if name.startswith("llama_stack_migrate_"):
            assert {key for key, _ in labels} <= ALLOWED_LABELS[name], name
            assert not any("/" in text or "vllm" in text or "nope" in text for _, text in labels), (name, labels)
    assert [seen.raw_path for seen in fake.seen if "llama-stack-migrate" in seen.raw_path] == []


def test_upstream_connections_in_use_and_idle(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    connections = "llama_stack_migrate_upstream_connections"
    with shim_server(settings_for(url)) as (shim_url, _), httpx.Client(base_url=shim_url, timeout=30) as client:
        assert value(samples(client.get(METRICS_PATH).text), connections, state="in-use") == 0
        with client.stream("GET", "/chunks") as response:
            chunks = response.iter_raw()
            assert next(chunks) == b"first chunk\n"  # the upstream holds the rest back
            during = samples(client.get(METRICS_PATH).text)
            fake.gate.set()
            assert b"".join(chunks) == b"second chunk\n"
        after = samples(client.get(METRICS_PATH).text)
    assert (value(during, connections, state="in-use"), value(during, connections, state="idle")) == (1, 0)
    assert (value(after, connections, state="in-use"), value(after, connections, state="idle")) == (0, 1)


def test_forwarded_calls_are_timed_upstream_and_a_forward_is_counted(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> str:
        async with shim_client(settings_for(url, "llama-stack-0.7")) as (client, _):
            assert (await client.post("/v1/scoring-functions", json={"scoring_fn_id": "f"})).status_code == 200
            assert (await client.delete("/v1/shields/s1")).status_code == 200
            return (await client.get(METRICS_PATH)).text

    scraped = samples(run(scenario()))
    assert value(scraped, "llama_stack_migrate_upstream_response_seconds_count", kind="deprecated") == 2
    deprecated = "llama_stack_migrate_deprecated_requests_total"
    assert value(scraped, deprecated, rule="LSM151", outcome="forwarded", target="llama-stack-0.7") == 1
    assert value(scraped, deprecated, rule="LSM112", outcome="forwarded", target="llama-stack-0.7") == 1
    assert value(scraped, "llama_stack_migrate_requests_total", kind="deprecated", code_class="2xx") == 2


def test_openmetrics_is_served_when_asked_for(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            await client.post("/v1/shields", json={"shield_id": "g"})
            return await client.get(METRICS_PATH, headers={"Accept": "application/openmetrics-text; version=1.0.0"})

    response = run(scenario())
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    families = {family.name: family for family in openmetrics_families(response.text)}
    gone = [s for s in families["llama_stack_migrate_deprecated_requests"].samples if s.labels.get("outcome") == "gone"]
    assert sum(s.value for s in gone if s.labels["rule"] == "LSM111") == 1


def test_the_reserved_prefix_is_answered_by_the_shim_and_never_forwarded(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            health = await client.get(HEALTH_PATH)
            assert health.status_code == 200
            assert health.json() == {"status": "ok", "target": "ogx-1", "version": "0.1.0", "events": {}}
            head = await client.head(HEALTH_PATH)
            assert (head.status_code, head.content) == (200, b"")
            assert int(head.headers["content-length"]) == len(health.content)
            assert_problem(await client.get("/-/llama-stack-migrate/other?x=1"), 404, "not-found")
            assert_problem(await client.get("/-/llama-stack-migrate"), 404, "not-found")
            refused = await client.post(METRICS_PATH, content=b"x")
            assert_problem(refused, 405, "method-not-allowed")
            assert refused.headers["allow"] == "GET, HEAD"
            scraped = samples((await client.get(METRICS_PATH)).text)
            assert sum(v for (name, _), v in scraped.items() if name == "llama_stack_migrate_requests_total") == 0

    run(scenario())
    assert fake.seen == []  # nothing under the prefix reached the upstream (and no version read was needed)


def test_metrics_on_a_port_of_their_own(upstream: tuple[FakeUpstream, str]) -> None:
    _, url = upstream
    with shim_server(settings_for(url, "ogx-1", metrics_listen=("127.0.0.1", 0))) as (shim_url, app):
        assert app.metrics_listener is not None
        host, port = app.metrics_listener.address
        assert httpx.post(shim_url + "/v1/shields", json={"shield_id": "g"}).status_code == 410
        separate = httpx.get(f"http://{host}:{port}/metrics")
        assert_problem(httpx.get(shim_url + METRICS_PATH), 404, "not-found")  # off the clients' port
        assert httpx.get(shim_url + HEALTH_PATH).status_code == 200
        assert httpx.get(f"http://{host}:{port}{HEALTH_PATH}").json()["status"] == "ok"
        assert httpx.get(f"http://{host}:{port}/elsewhere").status_code == 404
        with pytest.raises(MigrateError, match=r"--metrics-listen 127\.0\.0\.1:\d+: cannot listen"):
            ShimApp(settings_for(url, "ogx-1", metrics_listen=("127.0.0.1", port)))
    scraped = samples(separate.text)
    assert (
        value(scraped, "llama_stack_migrate_deprecated_requests_total", rule="LSM111", outcome="gone", target="ogx-1")
        == 1
    )
    with pytest.raises(httpx.ConnectError):  # closed with the app
        httpx.get(f"http://{host}:{port}/metrics")


@pytest.mark.parametrize(
    ("status", "expected"), [(101, "1xx"), (204, "2xx"), (307, "3xx"), (426, "4xx"), (504, "5xx"), (None, "none")]
)
def test_status_classes(status: int | None, expected: str) -> None:
    assert code_class(status) == expected

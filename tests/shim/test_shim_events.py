"""One event per deprecated call, written off the request path; secrets never reach events or logs."""

from __future__ import annotations

import io
import json
import logging
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from migrate.shim.events import Event, EventRecorder, JsonLinesLog, SQLiteStore
from migrate.shim.identity import Fingerprinter, identify, load_or_create_key
from tests.shim.conftest import CLIENT_ADDRESS, run, settings_for, shim_client, shim_server
from tests.shim.upstream import FakeUpstream, model

CANARIES = {
    "authorization": "Bearer CANARY-AUTH-7f3a9c",
    "x-llamastack-provider-data": '{"openai_api_key": "CANARY-PROVIDER-55e1"}',
    "cookie": "session=CANARY-COOKIE-0b2d",
    "proxy-authorization": "Basic CANARY-PROXY-91aa",
}
QUERY_CANARY = "CANARY-QUERY-c4d8"


def rows(path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM deprecation_events ORDER BY id")]


def sample_event(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "time": "2026-05-01T00:00:00+00:00",
        "rule_id": "LSM101",
        "target": "ogx-1",
        "method": "POST",
        "path": "/v1/models",
        "outcome": "satisfied",
        "status": 200,
        "upstream_status": 200,
        "latency_ms": 1.5,
        "resource_id": "vllm/m",
        "client_address": "127.0.0.1",
        "user_agent": None,
        "sdk_name": None,
        "sdk_lang": None,
        "sdk_version": None,
        "credential_fingerprint": None,
    }
    return Event.model_validate({**fields, **changes})


def test_exactly_one_event_per_deprecated_call_and_none_for_other_traffic(
    upstream: tuple[FakeUpstream, str], events_db: Path
) -> None:
    fake, url = upstream
    fake.models["vllm/m"] = model("vllm/m")
    stainless = {
        "User-Agent": "LlamaStackClient/Python 0.3.5",
        "X-LlamaStack-Client-Version": "0.3.5",
        "X-Stainless-Lang": "python",
        "X-Stainless-Package-Version": "0.3.5",
        "Authorization": "Bearer token-a",
    }

    async def scenario() -> None:
        async with shim_client(settings_for(url, "ogx-1", events=events_db)) as (client, _):
            await client.get("/v1/models/vllm/m")
            await client.post("/v1/models", json={"model_id": "m", "provider_id": "vllm"}, headers=stainless)
            await client.get("/v1/health")
            await client.delete("/v1/models/vllm%2Fnope", headers={"User-Agent": "curl/8.5.0"})
            await client.post("/v1/shields", json={"shield_id": "g"})
            await client.post("/v1/models", content=b"[]")

    run(scenario())
    events = rows(events_db)
    assert [(e["rule_id"], e["outcome"], e["status"]) for e in events] == [
        ("LSM101", "satisfied", 200),
        ("LSM102", "unsatisfied", 404),
        ("LSM111", "gone", 410),
        ("LSM101", "invalid", 400),
    ]
    first = events[0]
    assert first["target"] == "ogx-1"
    assert first["method"] == "POST"
    assert first["path"] == "/v1/models"
    assert first["upstream_status"] == 200
    assert first["resource_id"] == "vllm/m"
    assert first["client_address"] == CLIENT_ADDRESS
    assert (first["sdk_name"], first["sdk_lang"], first["sdk_version"]) == ("llama-stack-client", "python", "0.3.5")
    assert first["user_agent"] == "LlamaStackClient/Python 0.3.5"
    assert first["credential_fingerprint"].startswith("hmac-sha256:")
    assert first["latency_ms"] > 0
    assert events[1]["path"] == "/v1/models/vllm%2Fnope"
    assert events[1]["resource_id"] == "vllm/nope"
    assert (events[1]["sdk_name"], events[1]["sdk_version"]) == ("curl", "8.5.0")
    assert events[1]["credential_fingerprint"] is None


def test_forwarded_event_records_the_upstream_status(upstream: tuple[FakeUpstream, str], events_db: Path) -> None:
    _, url = upstream

    async def scenario() -> None:
        async with shim_client(settings_for(url, "llama-stack-0.4", events=events_db)) as (client, _):
            await client.post("/v1/models", json={"model_id": "m"})

    run(scenario())
    (event,) = rows(events_db)
    assert (event["outcome"], event["status"], event["upstream_status"]) == ("forwarded", 405, 405)


def test_fingerprints_are_keyed_stable_and_never_the_credential(tmp_path: Path) -> None:
    key_path = tmp_path / "events.sqlite3.key"
    key = load_or_create_key(key_path)
    assert load_or_create_key(key_path) == key
    assert key_path.stat().st_mode & 0o777 == 0o600
    mine = Fingerprinter(key)
    other = Fingerprinter(load_or_create_key(tmp_path / "other.key"))
    token = b"Bearer sk-live-123"
    assert mine.fingerprint(token) == mine.fingerprint(token)
    assert mine.fingerprint(token) != mine.fingerprint(b"Bearer sk-live-124")
    assert mine.fingerprint(token) != other.fingerprint(token)
    assert "sk-live" not in mine.fingerprint(token)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"user-agent": "OgxClient/Python 1.5.0", "x-ogx-client-version": "1.5.0"}, ("ogx-client", "1.5.0")),
        ({"user-agent": "AsyncLlamaStackClient/Python 0.2.1", "x-stainless-package-version": "0.2.1"},
         ("llama-stack-client", "0.2.1")),
        ({"user-agent": "python-requests/2.32.3"}, ("python-requests", "2.32.3")),
        ({"user-agent": "Mozilla/5.0 (X11)"}, ("Mozilla", "5.0")),
        ({}, (None, None)),
    ],
)  # fmt: skip
def test_sdk_is_identified_from_headers(headers: dict[str, str], expected: tuple[str | None, str | None]) -> None:
    who = identify([(k.encode(), v.encode()) for k, v in headers.items()], Fingerprinter(b"k" * 32))
    assert (who.sdk_name, who.sdk_version) == expected


def test_secrets_never_reach_events_or_logs(
    upstream: tuple[FakeUpstream, str],
    events_db: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    fake, url = upstream
    fake.models["vllm/m"] = model("vllm/m")
    caplog.set_level(logging.DEBUG, logger="migrate")
    caplog.set_level(logging.DEBUG, logger="uvicorn")
    settings = settings_for(url, "ogx-1", events=events_db, event_log=True)
    calls = [
        ("POST", f"/v1/models?api_key={QUERY_CANARY}", {"model_id": "m", "provider_id": "vllm"}),
        ("POST", "/v1/models", {"model_id": "x", "provider_id": "vllm"}),
        ("DELETE", f"/v1/models/vllm/m?token={QUERY_CANARY}", None),
        ("POST", "/v1/toolgroups", {"toolgroup_id": "t", "provider_id": "p"}),
        ("GET", f"/v1/models?key={QUERY_CANARY}", None),
        ("POST", "/v1/models", {"model_id": "m", "provider_id": "vllm", "bad": 1}),
    ]
    with shim_server(settings) as (shim_url, _app), httpx.Client(base_url=shim_url, headers=CANARIES) as client:
        for method, path, body in calls:
            client.request(method, path, json=body)
        client.get("/v1/version", headers={"X-LlamaStack-Client-Version": "0.1.0"})
    assert len(rows(events_db)) == 5
    captured = capfd.readouterr()
    outputs = {
        "sqlite": b"".join(p.read_bytes() for p in events_db.parent.iterdir() if p.is_file()).decode("latin-1"),
        "stderr": captured.err,
        "stdout": captured.out,
        "logs": "\n".join(
            record.getMessage() for record in caplog.records if record.name.startswith(("migrate", "uvicorn"))
        ),
    }
    assert outputs["stderr"].count('"event":"deprecated-call"') == 5
    canaries = [*CANARIES.values(), QUERY_CANARY, "CANARY"]
    for where, text in outputs.items():
        for canary in canaries:
            assert canary not in text, f"{canary!r} leaked into {where}"


def test_json_event_log_has_one_line_per_event() -> None:
    stream = io.StringIO()
    sink = JsonLinesLog(stream)
    sink.submit(sample_event())
    sink.submit(sample_event(rule_id="LSM102", outcome="acknowledged"))
    sink.close()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line["rule_id"], line["outcome"]) for line in lines] == [
        ("deprecated-call", "LSM101", "satisfied"),
        ("deprecated-call", "LSM102", "acknowledged"),
    ]


def test_a_locked_store_drops_events_with_a_counter_and_never_blocks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.sqlite3"
    store = SQLiteStore(path, capacity=5, batch_size=1, flush_interval=0.05)
    blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # a real lock: the writer thread waits on it, then fails
    started = time.monotonic()
    for _ in range(50):
        store.submit(sample_event())
    assert time.monotonic() - started < 0.5  # submit never waited for the store
    assert store.dropped >= 40
    assert "deprecation events dropped by the sqlite sink" in caplog.text
    blocker.execute("ROLLBACK")
    blocker.close()
    store.close()
    written = len(rows(path))
    assert written + store.dropped == 50
    assert written >= 1


def test_a_failed_write_is_counted_and_the_writer_keeps_going(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "events.sqlite3"
    store = SQLiteStore(path, flush_interval=0.01)
    recorder = EventRecorder([store])
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE deprecation_events RENAME TO moved_away")  # the next write fails for real
    recorder.submit(sample_event())
    deadline = time.monotonic() + 5
    while recorder.dropped == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.dropped == 1
    assert "no such table" in caplog.text
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE moved_away RENAME TO deprecation_events")
    recorder.submit(sample_event(rule_id="LSM102"))
    recorder.close()
    assert [row["rule_id"] for row in rows(path)] == ["LSM102"]


def test_a_client_leaving_mid_body_is_recorded_as_invalid(upstream: tuple[FakeUpstream, str], events_db: Path) -> None:
    fake, url = upstream
    with shim_server(settings_for(url, "ogx-1", events=events_db)) as (shim_url, _):
        host, port = shim_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b'POST /v1/models HTTP/1.1\r\nHost: shim\r\nContent-Length: 100\r\n\r\n{"model_id"')
        deadline = time.monotonic() + 5
        while not (events_db.exists() and rows(events_db)) and time.monotonic() < deadline:
            time.sleep(0.05)
    (event,) = rows(events_db)
    assert (event["rule_id"], event["outcome"], event["status"]) == ("LSM101", "invalid", 0)
    assert fake.seen == []


def test_concurrent_key_creation_gives_every_process_the_same_complete_key(tmp_path: Path) -> None:
    import multiprocessing

    from migrate.shim.identity import load_or_create_key

    path = tmp_path / "fleet.key"
    context = multiprocessing.get_context("fork")
    with context.Pool(8) as pool:
        keys = pool.map(load_or_create_key, [path] * 64)
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.key"]  # no temporary file left

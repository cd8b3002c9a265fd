"""One event per deprecated call, written off the request path; secrets never reach events or logs."""

from __future__ import annotations

import io
import json
import logging
import socket
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from migrate.errors import MigrateError
from migrate.event_schema import PostgresURL
from migrate.shim.events import BatchingSink, Event, EventRecorder, JsonLinesLog, SQLiteStore, SQLiteWriter
from migrate.shim.identity import Fingerprinter, identify, load_or_create_key
from migrate.shim.postgres import PostgresWriter
from tests.shim.conftest import CLIENT_ADDRESS, run, settings_for, shim_client, shim_server
from tests.shim.postgres_server import PostgresCluster
from tests.shim.upstream import FakeUpstream, model

CANARIES = {
    "authorization": "Bearer CANARY-AUTH-7f3a9c",
    "x-llamastack-provider-data": '{"openai_api_key": "CANARY-PROVIDER-55e1"}',
    "cookie": "session=CANARY-COOKIE-0b2d",
    "proxy-authorization": "Basic CANARY-PROXY-91aa",
}
QUERY_CANARY = "CANARY-QUERY-c4d8"
#: Register bodies whose credentials must never reach an event (the shim answers both 409: not declared).
BODY_CANARIES: list[tuple[str, dict[str, Any]]] = [
    (
        "/v1/toolgroups",
        {
            "toolgroup_id": "mcp::canary",
            "provider_id": "model-context-protocol",
            "mcp_endpoint": {"uri": "https://bot:CANARY-USERINFO-31@mcp.test/sse?team=1&api_key=CANARY-APIKEY-32"},
            "args": {"headers": {"Authorization": "Bearer CANARY-ARGS-33"}},
        },
    ),
    (
        "/v1/models",
        {"model_id": "c", "provider_id": "vllm", "metadata": {"api_key": "CANARY-META-34", "context_length": 8192}},
    ),
]
#: The version-1 table, as shims before events schema 2 created it.
V1_SQLITE = """
CREATE TABLE deprecation_events (
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, rule_id TEXT NOT NULL, target TEXT NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, outcome TEXT NOT NULL, status INTEGER NOT NULL, upstream_status INTEGER,
    latency_ms REAL NOT NULL, resource_id TEXT, client_address TEXT, user_agent TEXT, sdk_name TEXT, sdk_lang TEXT,
    sdk_version TEXT, credential_fingerprint TEXT
);
CREATE INDEX deprecation_events_rule_time ON deprecation_events (rule_id, time);
INSERT INTO deprecation_events (time, rule_id, target, method, path, outcome, status, latency_ms, resource_id)
    VALUES ('2026-04-01T10:00:00+00:00', 'LSM121', 'ogx-1', 'POST', '/v1/toolgroups', 'unsatisfied', 409, 2.0,
            'mcp::old');
PRAGMA user_version = 1;
"""
V1_POSTGRES = """
CREATE TABLE deprecation_events (
    id uuid PRIMARY KEY, time timestamptz NOT NULL, rule_id text NOT NULL, target text NOT NULL,
    method text NOT NULL, path text NOT NULL, outcome text NOT NULL, status integer NOT NULL, upstream_status integer,
    latency_ms double precision NOT NULL, resource_id text, client_address text, user_agent text, sdk_name text,
    sdk_lang text, sdk_version text, credential_fingerprint text
);
CREATE TABLE llama_stack_migrate_schema (component text PRIMARY KEY, version integer NOT NULL);
INSERT INTO llama_stack_migrate_schema VALUES ('deprecation_events', 1);
"""


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
        *(("POST", path, body) for path, body in BODY_CANARIES),
    ]
    with shim_server(settings) as (shim_url, _app), httpx.Client(base_url=shim_url, headers=CANARIES) as client:
        for method, path, body in calls:
            client.request(method, path, json=body)
        client.get("/v1/version", headers={"X-LlamaStack-Client-Version": "0.1.0"})
    stored = rows(events_db)
    assert len(stored) == 7
    assert [json.loads(row["entry"]) for row in stored[-2:]] == [
        {"connector_id": "mcp::canary", "url": "https://mcp.test/sse?team=1"},
        {"model_id": "c", "provider_id": "vllm", "metadata": {"context_length": 8192}},
    ]  # the entries are there, without their credentials
    captured = capfd.readouterr()
    outputs = {
        "sqlite": b"".join(p.read_bytes() for p in events_db.parent.iterdir() if p.is_file()).decode("latin-1"),
        "stderr": captured.err,
        "stdout": captured.out,
        "logs": "\n".join(
            record.getMessage() for record in caplog.records if record.name.startswith(("migrate", "uvicorn"))
        ),
    }
    assert outputs["stderr"].count('"event":"deprecated-call"') == 7
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


def test_an_undeclared_mcp_tool_group_records_the_exact_entry_with_its_url(
    upstream: tuple[FakeUpstream, str], events_db: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    _, url = upstream
    body = {
        "toolgroup_id": "mcp::tickets",
        "provider_id": "model-context-protocol",
        "mcp_endpoint": {"uri": "http://t:8000/sse"},
    }
    settings = settings_for(url, "ogx-1", events=events_db, event_log=True)
    with shim_server(settings) as (shim_url, _app), httpx.Client(base_url=shim_url) as client:
        problem = client.post("/v1/toolgroups", json=body).json()
        declared = client.post("/v1/models", json={"model_id": "m"}).json()  # lacks provider_id: still an entry
        client.delete("/v1/models/vllm/nope")  # an unregister's 404 has nothing to declare
    stored = rows(events_db)
    assert [(row["rule_id"], row["outcome"]) for row in stored] == [
        ("LSM121", "unsatisfied"),
        ("LSM101", "unsatisfied"),
        ("LSM102", "unsatisfied"),
    ]
    assert (
        json.loads(stored[0]["entry"])
        == problem["entry"]
        == {"connector_id": "mcp::tickets", "url": "http://t:8000/sse"}
    )
    assert json.loads(stored[1]["entry"]) == declared["entry"] == {"model_id": "m", "provider_id": None}
    assert stored[2]["entry"] is None
    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines() if '"deprecated-call"' in line]
    assert [line["entry"] for line in logged] == [problem["entry"], declared["entry"], None]
    with sqlite3.connect(events_db) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_version_1_file_is_migrated_and_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SQLITE)
    db.close()
    store = SQLiteStore(path, flush_interval=0.01)
    store.submit(sample_event(rule_id="LSM121", outcome="unsatisfied", entry={"connector_id": "a", "url": "http://a"}))
    store.close()
    assert store.dropped == 0
    migrated = rows(path)
    assert [(row["resource_id"], row["entry"]) for row in migrated] == [
        ("mcp::old", None),
        ("vllm/m", '{"connector_id":"a","url":"http://a"}'),
    ]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        indexes = [row[1] for row in db.execute("PRAGMA index_list(deprecation_events)")]
    assert indexes == ["deprecation_events_rule_time"]
    SQLiteStore(path).close()  # opening a version-2 file again changes nothing
    assert len(rows(path)) == 2


def test_shims_opening_one_version_1_file_together_migrate_it_once(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SQLITE)
    db.close()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            SQLiteWriter(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(deprecation_events)")]
    assert columns.count("entry") == 1


def test_a_newer_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 3")
    db.close()
    with pytest.raises(MigrateError, match="events schema version 3 is newer than this shim knows"):
        SQLiteWriter(path)


def test_credentials_in_register_bodies_never_reach_postgres_rows_or_stderr(
    upstream: tuple[FakeUpstream, str], postgres_db: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    _, url = upstream
    settings = settings_for(
        url, "ogx-1", events=PostgresURL(postgres_db), fingerprint_key=tmp_path / "fleet.key", event_log=True
    )
    with shim_server(settings) as (shim_url, _app), httpx.Client(base_url=shim_url, headers=CANARIES) as client:
        for path, body in BODY_CANARIES:
            assert client.post(path, json=body).status_code == 409
    with psycopg.connect(postgres_db) as connection:
        stored = [row[0] for row in connection.execute("SELECT t::text FROM deprecation_events t ORDER BY time")]
        entries = [row[0] for row in connection.execute("SELECT entry FROM deprecation_events ORDER BY time")]
    assert entries == [
        {"connector_id": "mcp::canary", "url": "https://mcp.test/sse?team=1"},
        {"model_id": "c", "provider_id": "vllm", "metadata": {"context_length": 8192}},
    ]
    err = capfd.readouterr().err
    assert err.count('"event":"deprecated-call"') == 2
    for where, text in (("postgres", "\n".join(stored)), ("stderr", err)):
        assert "CANARY" not in text, f"a canary leaked into {where}"


def test_postgres_tables_of_version_1_get_the_entry_column(postgres: PostgresCluster, postgres_db: str) -> None:
    dbname = postgres_db.rsplit("/", 1)[1]
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute(V1_POSTGRES.encode())
    writer = PostgresWriter(PostgresURL(postgres_db))
    writer.write([sample_event(outcome="unsatisfied", entry={"model_id": "m", "provider_id": "vllm"})])
    writer.close()
    with psycopg.connect(postgres_db) as connection:
        assert connection.execute("SELECT entry FROM deprecation_events").fetchall() == [
            ({"model_id": "m", "provider_id": "vllm"},)
        ]
        assert connection.execute("SELECT version FROM llama_stack_migrate_schema").fetchall() == [(1,)]
    assert postgres.query(dbname, "SELECT count(*) FROM deprecation_events") == [(1,)]


def test_a_role_that_may_not_alter_a_version_1_table_writes_without_the_entry(
    postgres: PostgresCluster, postgres_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    dbname = postgres_db.rsplit("/", 1)[1]
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute(V1_POSTGRES.encode())
        admin.execute("CREATE ROLE old_writer LOGIN PASSWORD 'old-writer-pw'")
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        admin.execute("GRANT INSERT ON deprecation_events TO old_writer")
        admin.execute("GRANT SELECT ON llama_stack_migrate_schema TO old_writer")
    writer = PostgresWriter(PostgresURL(f"postgresql://old_writer:old-writer-pw@127.0.0.1:{postgres.port}/{dbname}"))
    writer.write([sample_event(outcome="unsatisfied", entry={"model_id": "m", "provider_id": "vllm"})])
    writer.close()
    assert postgres.query(dbname, "SELECT resource_id FROM deprecation_events") == [("vllm/m",)]
    assert "has no entry column and this role may not add it" in caplog.text
    assert "ALTER TABLE deprecation_events ADD COLUMN IF NOT EXISTS entry json" in caplog.text
    assert "old-writer-pw" not in caplog.text


class CountingSQLiteWriter(SQLiteWriter):
    """The real SQLite writer, noting the size of every batch (one transaction each)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.batches: list[int] = []

    def write(self, events: Sequence[Event]) -> None:
        super().write(events)
        self.batches.append(len(events))


def test_events_are_group_committed_and_a_lone_event_or_a_full_batch_goes_at_once(tmp_path: Path) -> None:
    writer = CountingSQLiteWriter(tmp_path / "events.sqlite3")
    sink = BatchingSink("sqlite", writer, batch_size=100, flush_interval=0.6)

    def settle(count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while sink.written < count and time.monotonic() < deadline:
            time.sleep(0.002)
        assert sink.written >= count

    sink.submit(sample_event(resource_id="lone"))
    settle(1, 0.3)  # after a quiet spell: written at once, not after the interval
    for index in range(20):  # one every 5 ms, within the interval that follows that write
        sink.submit(sample_event(resource_id=f"trickle{index}"))
        time.sleep(0.005)
    settle(21, 2.0)
    assert writer.batches == [1, 20]  # the trickle shared one transaction
    time.sleep(0.7)  # quiet again
    for index in range(250):
        sink.submit(sample_event(resource_id=f"burst{index}"))
    settle(151, 0.4)  # full batches go without waiting for the interval
    settle(271, 1.0)  # the rest once the interval has passed
    assert max(writer.batches) == 100
    for index in range(3):
        sink.submit(sample_event(resource_id=f"last{index}"))
    closing = time.monotonic()
    sink.close()
    assert time.monotonic() - closing < 0.4  # closing writes what waits at once
    assert sink.written == sum(writer.batches) == 274
    assert len(rows(tmp_path / "events.sqlite3")) == 274


def test_the_json_event_log_is_ascii_and_holds_every_field() -> None:
    stream = io.StringIO()
    sink = JsonLinesLog(stream)
    plain = sample_event(entry={"connector_id": "mcp::x", "url": "http://x"})
    accented = sample_event(user_agent="Clïent/1.0 ✓", entry={"model_id": "modèle", "provider_id": None})
    sink.submit(plain)
    sink.submit(accented)
    sink.close()
    text = stream.getvalue()
    assert text.isascii()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines == [
        {"event": "deprecated-call", **plain.model_dump(mode="json")},
        {"event": "deprecated-call", **accented.model_dump(mode="json")},
    ]
    assert lines[1]["user_agent"] == "Clïent/1.0 ✓" and lines[1]["entry"]["model_id"] == "modèle"

"""The PostgreSQL event store, against a real private PostgreSQL server (tests/shim/postgres_server.py).

Exactly once from a real shim, the same columns as SQLite, a fleet of shims under load (with their
connections killed mid-run), a stopped or locked database (traffic still answered, loss counted),
and a password that never reaches a log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from psycopg.rows import dict_row

from migrate.errors import MigrateError
from migrate.event_schema import PostgresURL, mask_url
from migrate.shim.app import ShimApp
from migrate.shim.events import EventRecorder, EventSink, SQLiteStore
from migrate.shim.metrics import METRICS_PATH
from migrate.shim.postgres import PostgresStore, PostgresWriter, ensure_schema, event_row
from migrate.shim.settings import ShimSettings
from tests.shim.conftest import CLIENT_ADDRESS, run, sample, settings_for, wait_for
from tests.shim.loadgen import drive
from tests.shim.postgres_server import PASSWORD, PostgresCluster, PostgresMissing, find_bin_dir, free_port
from tests.shim.test_shim_command import COMMAND, running_shim
from tests.shim.test_shim_events import sample_event
from tests.shim.test_shim_load import load_upstream, mixed_call
from tests.shim.upstream import FakeUpstream, model


def pg_rows(url: str, order: str = "time, rule_id, path") -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as connection:
        return connection.execute(f"SELECT * FROM deprecation_events ORDER BY {order}".encode()).fetchall()


def pg_count(url: str) -> tuple[int, int]:
    """Rows, and distinct resource ids."""
    with psycopg.connect(url) as connection:
        found = connection.execute("SELECT count(*), count(DISTINCT resource_id) FROM deprecation_events").fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


@asynccontextmanager
async def app_client(
    settings: ShimSettings, recorder: EventRecorder
) -> AsyncIterator[tuple[httpx.AsyncClient, ShimApp]]:
    """The shim in-process with the given sinks; closed (events flushed) on exit."""
    app = ShimApp(settings, recorder=recorder)
    transport = httpx.ASGITransport(app=app, client=(CLIENT_ADDRESS, 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shim.test") as client:
            yield client, app
    finally:
        await app.aclose()


def settled(sink: EventSink, submitted: int) -> Callable[[], bool]:
    return lambda: sink.written + sink.dropped == submitted


def test_events_from_a_real_shim_land_in_postgres_exactly_once_with_the_sqlite_columns(
    upstream: tuple[FakeUpstream, str], postgres_db: str, events_db: Path
) -> None:
    fake, url = upstream
    fake.models["vllm/m"] = model("vllm/m")
    store = PostgresStore(PostgresURL(postgres_db), flush_interval=0.02)
    recorder = EventRecorder([store, SQLiteStore(events_db, flush_interval=0.02)])

    async def scenario() -> None:
        async with app_client(settings_for(url, "ogx-1"), recorder) as (client, _):
            auth = {"Authorization": "Bearer token-a", "User-Agent": "LlamaStackClient/Python 0.3.5"}
            assert (
                await client.post("/v1/models", json={"model_id": "m", "provider_id": "vllm"}, headers=auth)
            ).status_code == 200
            assert (await client.delete("/v1/models/vllm%2Fnope")).status_code == 404
            assert (await client.post("/v1/shields", json={"shield_id": "g"})).status_code == 410
            assert (await client.get("/v1/health")).status_code == 200  # not deprecated: no event
            assert (await client.post("/v1/models", content=b"[]")).status_code == 400

    run(scenario())
    assert (store.written, store.dropped) == (4, 0)
    stored = pg_rows(postgres_db)
    assert len(stored) == 4
    assert len({row["id"] for row in stored}) == 4
    assert all(isinstance(row["id"], uuid.UUID) and row["id"].version == 7 for row in stored)
    with sqlite3.connect(events_db) as db:
        db.row_factory = sqlite3.Row
        embedded = [dict(row) for row in db.execute("SELECT * FROM deprecation_events ORDER BY time, rule_id, path")]
    assert set(stored[0]) == set(embedded[0])  # the same columns
    for pg_row, sqlite_row in zip(stored, embedded, strict=True):
        assert pg_row["time"] == dt.datetime.fromisoformat(sqlite_row["time"])
        assert pg_row["time"].tzinfo is not None
        assert {k: v for k, v in pg_row.items() if k not in ("id", "time")} == {
            k: v for k, v in sqlite_row.items() if k not in ("id", "time")
        }
    assert [(row["rule_id"], row["outcome"], row["status"]) for row in stored] == [
        ("LSM101", "satisfied", 200),
        ("LSM102", "unsatisfied", 404),
        ("LSM111", "gone", 410),
        ("LSM101", "invalid", 400),
    ]
    assert stored[0]["credential_fingerprint"].startswith("hmac-sha256:")
    assert stored[0]["sdk_name"] == "llama-stack-client"


def test_shims_starting_together_create_the_table_once(postgres_db: str) -> None:
    connections = [psycopg.connect(postgres_db, autocommit=True) for _ in range(8)]
    barrier = threading.Barrier(len(connections))
    errors: list[BaseException] = []

    def start(connection: psycopg.Connection[Any]) -> None:
        barrier.wait()
        try:
            ensure_schema(connection)  # a plain CREATE TABLE IF NOT EXISTS fails here (pg_type unique key)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(connection,)) for connection in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for connection in connections:
        connection.close()
    assert errors == []
    with psycopg.connect(postgres_db) as connection:
        assert connection.execute("SELECT component, version FROM llama_stack_migrate_schema").fetchall() == [
            ("deprecation_events", 1)
        ]


def test_a_role_that_may_only_insert_can_write_once_the_table_exists(
    postgres: PostgresCluster, postgres_db: str
) -> None:
    dbname = postgres_db.rsplit("/", 1)[1]
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        ensure_schema(admin)
        admin.execute("CREATE ROLE shim_writer LOGIN PASSWORD 'writer-pw'")
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        admin.execute("GRANT INSERT ON deprecation_events TO shim_writer")
        admin.execute("GRANT SELECT ON llama_stack_migrate_schema TO shim_writer")
    writer = PostgresWriter(PostgresURL(f"postgresql://shim_writer:writer-pw@127.0.0.1:{postgres.port}/{dbname}"))
    writer.write([sample_event(resource_id="least-privilege")])
    writer.close()
    assert [row["resource_id"] for row in pg_rows(postgres_db)] == ["least-privilege"]


def test_a_retried_batch_is_never_written_twice(postgres_db: str) -> None:
    writer = PostgresWriter(PostgresURL(postgres_db))
    rows = [event_row(sample_event(resource_id=f"r{index}")) for index in range(20)]
    writer.write_rows(rows)
    later = [event_row(sample_event(resource_id=f"s{index}")) for index in range(5)]
    writer.write_rows(rows[10:] + later)  # the same ids again, as after a commit whose answer was lost
    writer.close()
    assert pg_count(postgres_db) == (25, 25)


def test_a_newer_schema_version_is_refused(postgres_db: str) -> None:
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        ensure_schema(admin)
        admin.execute("UPDATE llama_stack_migrate_schema SET version = 2")
    writer = PostgresWriter(PostgresURL(postgres_db), retry_for=0.1)
    with pytest.raises(MigrateError, match="schema version 2 is newer"):
        writer.write([sample_event()])
    writer.close()
    assert pg_count(postgres_db) == (0, 0)


def test_two_shims_under_load_with_connections_killed_lose_and_duplicate_nothing(
    upstream: tuple[FakeUpstream, str], postgres_db: str
) -> None:
    _, url = upstream
    per_shim = 1000
    stores = [PostgresStore(PostgresURL(postgres_db), batch_size=50, flush_interval=0.01) for _ in range(2)]
    kills = 0
    loading = threading.Event()
    loading.set()

    def killer() -> None:
        nonlocal kills
        with psycopg.connect(postgres_db, autocommit=True) as admin:
            while loading.is_set():
                found = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'llama-stack-migrate-shim' AND pid <> pg_backend_pid()"
                ).fetchone()
                kills += int(found[0]) if found else 0
                # Every 0.3 s: a writer retries a batch for 5 s, so some attempts always get through.
                # (Kills every few ms break every attempt; the batch is then dropped and counted, by design.)
                time.sleep(0.3)

    async def load(client: httpx.AsyncClient, name: str) -> list[int]:
        limit = asyncio.Semaphore(16)

        async def one(index: int) -> int:
            async with limit:
                return (await client.delete(f"/v1/shields/{name}-{index}")).status_code

        return await asyncio.gather(*(one(index) for index in range(per_shim)))

    async def scenario() -> list[list[int]]:
        settings = settings_for(url, "ogx-1")
        async with (
            app_client(settings, EventRecorder([stores[0]])) as (first, _),
            app_client(settings, EventRecorder([stores[1]])) as (second, _),
        ):
            thread = threading.Thread(target=killer)
            thread.start()
            try:
                statuses = await asyncio.gather(load(first, "a"), load(second, "b"))
                await asyncio.to_thread(wait_for, lambda: all(settled(s, per_shim)() for s in stores))
            finally:
                loading.clear()
                thread.join(10)
            return list(statuses)

    statuses = run(scenario())
    assert all(status == 410 for batch in statuses for status in batch)
    assert kills > 0  # the writers really lost their connections mid-run
    assert [(store.written, store.dropped) for store in stores] == [(per_shim, 0), (per_shim, 0)]
    assert pg_count(postgres_db) == (2 * per_shim, 2 * per_shim)
    ids = {row["resource_id"] for row in pg_rows(postgres_db)}
    assert ids == {f"{name}-{index}" for name in "ab" for index in range(per_shim)}


def test_a_fleet_of_two_shim_processes_shares_one_store_under_load(postgres_db: str, tmp_path: Path) -> None:
    """Two `shim` processes, 5,000 mixed requests each at 64 connections each (the load test's mix), while
    their database connections are killed every 0.5 s: no request lost, no event lost or stored twice.

    A writer retries a failed batch for 5 s with backoff (about 8 attempts): a kill every 0.5 s breaks
    some attempts, never all of them. (Kills every few ms would, by design: the batch is then dropped and
    counted, as test_a_database_stopped_mid_run_costs_events_not_traffic shows.)"""
    key = tmp_path / "fleet.key"
    key.write_text("ab" * 32 + "\n", encoding="ascii")  # one key for the fleet (a mounted secret)
    metrics_port = free_port()
    per_shim, concurrency = 5000, 64
    auth = (("authorization", "Bearer fleet-token"),)
    calls = [[mixed_call(shim * per_shim + index, auth) for index in range(per_shim)] for shim in range(2)]
    expected = [event for batch in calls for _, event in batch if event is not None]
    kills = 0
    done = threading.Event()

    def killer() -> None:
        nonlocal kills
        with psycopg.connect(postgres_db, autocommit=True) as admin:
            while not done.is_set():
                found = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'llama-stack-migrate-shim' AND pid <> pg_backend_pid()"
                ).fetchone()
                kills += int(found[0]) if found else 0
                done.wait(0.5)

    with load_upstream(2 * per_shim) as url:
        common = ["--upstream", url, "--target", "llama-stack-0.7", "--no-event-log", "--fingerprint-key", str(key)]
        common += ["--events", postgres_db]
        with (
            running_shim(*common, "--metrics-listen", f"127.0.0.1:{metrics_port}") as (first_url, first),
            running_shim(*common) as (second_url, second),
        ):

            async def both() -> list[Any]:
                return list(
                    await asyncio.gather(
                        drive(first_url, [call for call, _ in calls[0]], concurrency),
                        drive(second_url, [call for call, _ in calls[1]], concurrency),
                    )
                )

            thread = threading.Thread(target=killer)
            thread.start()
            try:
                results = run(both())
            finally:
                done.set()
                thread.join(10)

            def settled(scrape_url: str, count: int) -> bool:
                scraped = httpx.get(scrape_url).text
                written = sample(scraped, "llama_stack_migrate_events_written_total", sink="postgresql")
                return written + sample(scraped, "llama_stack_migrate_events_dropped_total", sink="postgresql") == count

            first_metrics = f"http://127.0.0.1:{metrics_port}/metrics"
            second_metrics = second_url + METRICS_PATH
            per_shim_events = [len([event for _, event in batch if event is not None]) for batch in calls]
            wait_for(lambda: settled(first_metrics, per_shim_events[0]), 120)
            wait_for(lambda: settled(second_metrics, per_shim_events[1]), 120)
            scrapes = [httpx.get(first_metrics).text, httpx.get(second_metrics).text]
        _, first_err = first.communicate()
        _, second_err = second.communicate()
    print(
        f"fleet: 2 shims x {per_shim} requests at {concurrency} connections each, "
        f"lost {[len(r.lost) for r in results]}, corrupted {[len(r.corrupted) for r in results]}, "
        f"{len(expected)} events, {kills} database connections killed"
    )
    for result in results:
        assert (result.sent, result.answered, result.lost, result.corrupted) == (per_shim, per_shim, [], [])
    assert kills > 0  # the writers really lost their connections mid-run
    for scraped, count in zip(scrapes, per_shim_events, strict=True):
        deprecated = [
            s
            for family in text_string_to_metric_families(scraped)
            for s in family.samples
            if s.name == "llama_stack_migrate_deprecated_requests_total"
        ]
        assert sum(s.value for s in deprecated) == count
        assert sample(scraped, "llama_stack_migrate_events_written_total", sink="postgresql") == count
        assert sample(scraped, "llama_stack_migrate_events_dropped_total", sink="postgresql") == 0
    stored = pg_rows(postgres_db)
    assert len(stored) == len(expected)
    assert len({row["id"] for row in stored}) == len(expected)
    assert Counter((row["rule_id"], row["resource_id"], row["outcome"]) for row in stored) == Counter(expected)
    assert len({row["credential_fingerprint"] for row in stored}) == 1  # one key, one fingerprint, fleet-wide
    for stderr in (first_err, second_err):
        assert PASSWORD not in stderr
        assert "postgres:***@127.0.0.1" in stderr
        assert "Traceback" not in stderr
        assert "dropped" not in stderr


def test_a_database_stopped_mid_run_costs_events_not_traffic(
    upstream: tuple[FakeUpstream, str], private_postgres: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="migrate.shim")
    _, url = upstream
    database = private_postgres.create_database("fleet")
    store = PostgresStore(PostgresURL(database), flush_interval=0.02, retry_for=0.3, batch_size=20)

    async def scenario() -> None:
        async with app_client(settings_for(url, "ogx-1"), EventRecorder([store])) as (client, _):

            async def calls(prefix: str, count: int) -> None:
                for index in range(count):
                    started = time.monotonic()
                    response = await client.delete(f"/v1/shields/{prefix}{index}")
                    assert response.status_code == 410
                    assert time.monotonic() - started < 1.0  # never waits for the store

            await calls("before", 50)
            await asyncio.to_thread(wait_for, settled(store, 50))
            assert (store.written, store.dropped) == (50, 0)
            await asyncio.to_thread(private_postgres.stop, "fast")
            await calls("down", 200)
            await asyncio.to_thread(wait_for, settled(store, 250))
            assert store.dropped > 0
            scraped = (await client.get(METRICS_PATH)).text
            assert sample(scraped, "llama_stack_migrate_events_dropped_total", sink="postgresql") == store.dropped
            health = (await client.get("/-/llama-stack-migrate/health")).json()
            assert health["events"]["postgresql"]["dropped"] == store.dropped
            await asyncio.to_thread(private_postgres.start)
            await calls("after", 50)
            await asyncio.to_thread(wait_for, settled(store, 300))

    run(scenario())
    assert store.written + store.dropped == 300
    assert pg_count(database)[0] == store.written
    resources = {row["resource_id"] for row in pg_rows(database)}
    assert {f"after{index}" for index in range(50)} <= resources  # written again once the server was back
    assert "deprecation events dropped by the postgresql sink" in caplog.text
    assert "reachable again" in caplog.text
    assert "internal error" not in caplog.text
    assert PASSWORD not in caplog.text
    assert "postgres:***@127.0.0.1" in caplog.text


def test_a_locked_table_costs_events_not_traffic(upstream: tuple[FakeUpstream, str], postgres_db: str) -> None:
    _, url = upstream
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        ensure_schema(admin)
    store = PostgresStore(
        PostgresURL(postgres_db), capacity=20, batch_size=5, flush_interval=0.02, statement_timeout=0.2, retry_for=2.0
    )
    blocker = psycopg.connect(postgres_db)
    blocker.execute("LOCK TABLE deprecation_events IN ACCESS EXCLUSIVE MODE")  # a real slow store: inserts wait

    async def scenario() -> float:
        async with app_client(settings_for(url, "ogx-1"), EventRecorder([store])) as (client, _):
            slowest = 0.0
            for index in range(100):
                started = time.monotonic()
                response = await client.delete(f"/v1/shields/locked-{index}")
                slowest = max(slowest, time.monotonic() - started)
                assert response.status_code == 410
            assert store.dropped >= 100 - 20 - 5 * 2  # beyond the queue and the batches in hand
            blocker.rollback()
            blocker.close()
            await asyncio.to_thread(wait_for, settled(store, 100))
            return slowest

    slowest = run(scenario())
    assert slowest < 0.5
    assert store.written + store.dropped == 100
    assert pg_count(postgres_db)[0] == store.written


def test_an_unreachable_database_at_start_is_no_error_and_counts_the_loss(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = PostgresURL(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/nowhere")
    store = PostgresStore(url, flush_interval=0.01, retry_for=0.2)
    for index in range(3):
        store.submit(sample_event(resource_id=f"r{index}"))
    wait_for(lambda: store.dropped == 3)
    store.close()
    assert store.written == 0
    assert "cannot write" in caplog.text
    assert PASSWORD not in caplog.text


def test_the_password_never_shows(postgres: PostgresCluster) -> None:
    url = PostgresURL(postgres.url("db"))
    settings = settings_for("http://127.0.0.1:1", events=url, fingerprint_key=Path("fleet.key"))
    for shown in (str(url), repr(url), url.masked, repr(settings)):
        assert PASSWORD not in shown
        assert "postgres:***@127.0.0.1" in shown
    assert mask_url("postgresql://u:p%40ss@h/db?password=x&sslmode=require") == (
        "postgresql://u:***@h/db?password=***&sslmode=require"
    )
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert PostgresURL("postgresql://u:p%40ss@h/db").scrub("auth p@ss and p%40ss failed") == "auth *** and *** failed"


def test_the_command_needs_a_shared_fingerprint_key_and_hides_the_password(
    upstream: tuple[FakeUpstream, str], postgres: PostgresCluster
) -> None:
    _, url = upstream
    database = postgres.url("command")
    for extra, message in (
        ([], "needs --fingerprint-key"),
        (["--events", f"postgresql://postgres:{PASSWORD}@127.0.0.1:{postgres.port}"], "names no database"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", COMMAND, "--upstream", url, "--target", "ogx-1", "--events", database, *extra],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert message in done.stderr
        assert PASSWORD not in done.stderr + done.stdout


def test_missing_server_programs_fail_loudly() -> None:
    with pytest.raises(PostgresMissing, match="apt-get install -y postgresql"):
        find_bin_dir(["/nonexistent/postgresql/*/bin"])
    assert (find_bin_dir() / "initdb").is_file()

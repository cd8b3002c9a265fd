"""`report --events postgresql://...`: the same report as from SQLite, against a real PostgreSQL server.

The fleet's store is written by the shim's own PostgreSQL sink and by real `shim` processes (the
fixtures of tests/shim); an SQLite store holding the same events is written by the shim's SQLite
sink. Both reports must be equal, but for the source they name.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from migrate.event_schema import PostgresURL
from migrate.shim.events import Event, SQLiteStore
from migrate.shim.postgres import PostgresStore
from tests.report.conftest import run_process
from tests.report.history import events as history_events
from tests.shim.conftest import run
from tests.shim.postgres_server import PASSWORD, PostgresCluster, free_port
from tests.shim.test_shim_command import running_shim
from tests.shim.test_shim_events import V1_POSTGRES
from tests.shim.upstream import FakeUpstream, model

WINDOWS: list[tuple[str, ...]] = [
    (),
    ("--since", "2026-03-03"),
    ("--since", "2026-03-03", "--until", "2026-03-05"),
    ("--since", "2026-03-04T12:00:00Z", "--until", "2026-03-06T07:30:00+01:00"),
    ("--until", "2026-03-01"),  # nothing in it
]


def report(events: str, *args: str, output: str = "json") -> str:
    process = run_process("-m", "migrate", "report", "--events", events, "--format", output, *args)
    assert process.returncode == 0, process.stderr
    assert PASSWORD not in process.stdout + process.stderr
    return process.stdout


def runtime_of(events: str, *args: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(report(events, *args))["runtime"]
    return parsed


def same_reports(postgres_url: str, sqlite_path: Path, *args: str) -> dict[str, Any]:
    """Assert the JSON and Markdown reports of both stores are equal but for the source; the PostgreSQL runtime."""
    from_postgres = runtime_of(postgres_url, *args)
    from_sqlite = runtime_of(str(sqlite_path), *args)
    masked = PostgresURL(postgres_url).masked
    assert from_postgres.pop("source") == masked and "postgres:***@127.0.0.1" in masked
    assert from_sqlite.pop("source") == str(sqlite_path)
    assert from_postgres == from_sqlite
    markdowns = [report(events, *args, output="markdown") for events in (postgres_url, str(sqlite_path))]
    first, second = (text.replace(masked, "SOURCE").replace(str(sqlite_path), "SOURCE") for text in markdowns)
    assert first.rsplit("<sub>", 1)[0] == second.rsplit("<sub>", 1)[0]  # all but the generation time
    return from_postgres


def write_both(postgres_url: str, sqlite_path: Path, events: list[Event]) -> None:
    """The events into PostgreSQL and SQLite, each with the shim's own sink."""
    stores = [
        PostgresStore(PostgresURL(postgres_url), flush_interval=0.02),
        SQLiteStore(sqlite_path, flush_interval=0.02),
    ]
    for event in events:
        for store in stores:
            store.submit(event)
    for store in stores:
        store.close()
        assert (store.written, store.dropped) == (len(events), 0)


def test_the_synthetic_history_reports_the_same_from_both_stores_in_every_window(
    postgres_db: str, tmp_path: Path
) -> None:
    sqlite_path = tmp_path / "events.sqlite3"
    write_both(postgres_db, sqlite_path, history_events())
    whole = same_reports(postgres_db, sqlite_path)
    assert whole["calls"] == len(history_events()) and len(whole["days"]) == 6
    assert sum(len(patch["entries"]) for patch in whole["pending"]) == 3
    for window in WINDOWS[1:]:
        same_reports(postgres_db, sqlite_path, *window)
    assert runtime_of(postgres_db, *WINDOWS[-1])["calls"] == 0


def test_a_fleet_of_real_shims_reports_the_same_from_postgres_as_from_sqlite(
    upstream: tuple[FakeUpstream, str], postgres_db: str, tmp_path: Path
) -> None:
    fake, url = upstream
    fake.models["vllm/served"] = model("vllm/served")
    fake.providers.append({"api": "tool_runtime", "provider_id": "tavily", "provider_type": "remote::tavily-search"})
    key = tmp_path / "fleet.key"
    key.write_text("cd" * 32 + "\n", encoding="ascii")
    common = ["--upstream", url, "--target", "ogx-1", "--no-event-log", "--fingerprint-key", str(key)]
    web = {"Authorization": "Bearer web-token", "User-Agent": "LlamaStackClient/Python 0.3.5"}
    batch = {
        "Authorization": "Bearer batch-token",
        "User-Agent": "OgxClient/Python 1.0.2",
        "X-OGX-Client-Version": "1.0.2",
    }

    async def load(shim_url: str, shim: int) -> list[int]:
        async with httpx.AsyncClient(base_url=shim_url, timeout=30) as client:
            calls = [
                client.post("/v1/models", json={"model_id": "served", "provider_id": "vllm"}, headers=web),
                client.post("/v1/models", json={"model_id": f"chat-{shim}", "provider_id": "vllm"}, headers=web),
                client.post(
                    "/v1/toolgroups",
                    json={
                        "toolgroup_id": "mcp::tickets",
                        "provider_id": "model-context-protocol",
                        "mcp_endpoint": {"uri": "http://tickets:8000/sse"},
                    },
                    headers=batch,
                ),
                client.post("/v1/toolgroups", json={"toolgroup_id": "builtin::websearch", "provider_id": "t"}),
                client.post("/v1/toolgroups", json={"toolgroup_id": "builtin::wolfram_alpha", "provider_id": "w"}),
                client.delete("/v1/models/vllm/served", headers=batch),
                client.delete(f"/v1/models/vllm/gone-{shim}", headers=web),
                client.post("/v1/shields", json={"shield_id": "guard"}, headers=batch),
                client.post("/v1/models", content=b"[]", headers=web),
            ]
            answers = await asyncio.gather(*calls)
            more = await asyncio.gather(*(client.delete(f"/v1/shields/s{index}") for index in range(20)))
            return [answer.status_code for answer in [*answers, *more]]

    with (
        running_shim(*common, "--events", postgres_db) as (first_url, first),
        running_shim(*common, "--events", postgres_db) as (second_url, second),
    ):

        async def both() -> list[list[int]]:
            return list(await asyncio.gather(load(first_url, 1), load(second_url, 2)))

        statuses = run(both())
    for process in (first, second):
        _, err = process.communicate()
        assert "dropped" not in err, err
    assert sorted({status for batch in statuses for status in batch}) == [200, 400, 404, 409, 410]
    with psycopg.connect(postgres_db, row_factory=dict_row) as connection:
        rows = connection.execute("SELECT * FROM deprecation_events ORDER BY time").fetchall()
    assert len(rows) == 2 * 29
    sqlite_path = tmp_path / "copy.sqlite3"
    copy = SQLiteStore(sqlite_path, flush_interval=0.02)
    for row in rows:
        copy.submit(Event.model_validate({name: value for name, value in row.items() if name != "id"}))
    copy.close()
    runtime = same_reports(postgres_db, sqlite_path)
    assert runtime["calls"] == 58
    entries = {entry["identifier"]: entry for patch in runtime["pending"] for entry in patch["entries"]}
    assert set(entries) == {"vllm/chat-1", "vllm/chat-2", "mcp::tickets"}
    assert entries["mcp::tickets"]["fields"] == {"connector_id": "mcp::tickets", "url": "http://tickets:8000/sse"}
    assert entries["mcp::tickets"]["calls"] == 2 and entries["mcp::tickets"]["clients"] == 1
    assert [(item["identifier"], item["calls"]) for item in runtime["unservable"]] == [("builtin::wolfram_alpha", 2)]
    fingerprints = {client["fingerprint"] for client in runtime["clients_by_credential"]}
    assert len(fingerprints) == 3  # web, batch and none: one fingerprint per credential across the fleet
    same_reports(postgres_db, sqlite_path, "--since", "2000-01-01", "--until", "2999-12-31")


def test_a_version_1_table_without_entries_is_read_and_its_entries_rebuilt(postgres_db: str) -> None:
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute(V1_POSTGRES.encode())
        admin.execute(
            "INSERT INTO deprecation_events VALUES (gen_random_uuid(), '2026-04-01T10:00:00Z', 'LSM121', 'ogx-1', "
            "'POST', '/v1/toolgroups', 'unsatisfied', 409, NULL, 2.0, 'mcp::old', NULL, NULL, NULL, NULL, NULL, NULL)"
        )
    (patch,) = runtime_of(postgres_db)["pending"]
    assert patch["entries"][0]["fields"] == {"connector_id": "mcp::old", "url": None}
    assert patch["entries"][0]["unknown"] == ["url"]
    with psycopg.connect(postgres_db) as connection:  # read-only: nothing was added
        columns = connection.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'deprecation_events'"
        ).fetchone()
    assert columns == (17,)


def failed_report(*args: str, prelude: str = "") -> str:
    command = [sys.executable, "-c", prelude + "from migrate.cli import main; main()", "report", *args]
    process = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 2, process.stdout + process.stderr
    assert "Traceback" not in process.stderr
    assert PASSWORD not in process.stderr + process.stdout
    return process.stderr


def test_errors_reading_postgres_are_clear_and_never_show_the_password(
    postgres: PostgresCluster, postgres_db: str
) -> None:
    port = postgres.port
    nowhere = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/events"
    assert "cannot read the events from postgresql://postgres:***@127.0.0.1:" in failed_report("--events", nowhere)
    wrong = f"postgresql://postgres:not-{PASSWORD}@127.0.0.1:{port}/postgres"
    message = failed_report("--events", wrong)
    assert "cannot read the events from postgresql://postgres:***@127.0.0.1" in message
    assert "password authentication failed" in message and f"not-{PASSWORD}" not in message
    empty = postgres.create_database("report_no_events")
    assert "holds no shim events (no deprecation_events table)" in failed_report("--events", empty)
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute(V1_POSTGRES.encode())
        admin.execute("UPDATE llama_stack_migrate_schema SET version = 7")
    assert "events schema version 7 is newer than this tool reads" in failed_report("--events", postgres_db)


def test_without_psycopg_the_error_says_how_to_install_it(postgres_db: str) -> None:
    blocked = "import sys; sys.modules['psycopg'] = None; "  # the import fails as when psycopg is not installed
    message = failed_report("--events", postgres_db, prelude=blocked)
    assert "needs psycopg 3, which is not installed: pip install 'llama-stack-migrate[postgres]'" in message


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_both_url_schemes_name_a_postgres_store(postgres: PostgresCluster, scheme: str) -> None:
    url = f"{scheme}://postgres:{PASSWORD}@127.0.0.1:{postgres.port}/postgres"
    assert "holds no shim events (no deprecation_events table)" in failed_report("--events", url)


def test_a_role_that_may_only_select_can_report(postgres: PostgresCluster, postgres_db: str, tmp_path: Path) -> None:
    sqlite_path = tmp_path / "events.sqlite3"
    write_both(postgres_db, sqlite_path, history_events())
    dbname = postgres_db.rsplit("/", 1)[1]
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute("CREATE ROLE report_reader LOGIN PASSWORD 'reader-pw'")
        admin.execute("GRANT SELECT ON deprecation_events, llama_stack_migrate_schema TO report_reader")
    reader = f"postgresql://report_reader:reader-pw@127.0.0.1:{postgres.port}/{dbname}"
    assert runtime_of(reader)["calls"] == len(history_events())
    with psycopg.connect(postgres_db, autocommit=True) as admin:
        admin.execute("REVOKE SELECT ON deprecation_events FROM report_reader")
    message = failed_report("--events", reader)
    assert "cannot read the events from postgresql://report_reader:***@127.0.0.1" in message
    assert "permission denied" in message and "reader-pw" not in message

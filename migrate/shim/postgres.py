"""The PostgreSQL event store, for a fleet of shims that share one database (`--events postgresql://...`).

`PostgresWriter` is a `BatchWriter` behind a `BatchingSink` (see `events.py`), so a down or slow
database never blocks a request: the writer thread retries a batch for `retry_for` seconds, then
drops it (counted); meanwhile the bounded queue fills up and further events are dropped (counted).

Exactly once, even across retries: every event gets a UUID (version 7, time-ordered, so inserts stay
at the right edge of the primary-key index) when its batch is first tried, and rows are inserted
with `ON CONFLICT DO NOTHING` (the key is the only unique one). A batch whose commit was lost with
the connection is retried with the same ids, so a row that did land is not written twice.

The table (`deprecation_events`, the SQLite store's columns) is created when missing, under a
transaction-level advisory lock, so shims starting together do not race on `CREATE TABLE`. When the
table already exists, nothing but a `SELECT` runs: the shim's role then only needs `INSERT`.

The `entry` column (events schema 2) is added to a table that lacks it, under the same lock. It is
nullable, so rows without it stay valid and the version recorded in `llama_stack_migrate_schema`
stays `TABLE_VERSION` (1): shims of the previous release keep writing during a rolling upgrade. A
role that may not `ALTER` the table writes without the column (logged once).

The password in a URL never reaches a log or an error message: `PostgresURL` shows it as `***`, and
driver messages are scrubbed of it. psycopg 3 is imported only when a PostgreSQL store is opened.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from migrate.errors import MigrateError
from migrate.event_schema import TABLE_VERSION, PostgresURL, has_entry_column
from migrate.shim.events import BatchingSink, Event

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("migrate.shim")

#: The key of the advisory lock held while the schema is created (any constant unique to this tool).
_SCHEMA_LOCK = 0x4C534D_5348494D  # "LSM" "SHIM"
_COLUMNS = tuple(Event.model_fields)

CREATE_SQL = f"""
CREATE TABLE IF NOT EXISTS deprecation_events (
    id uuid PRIMARY KEY,
    time timestamptz NOT NULL,
    rule_id text NOT NULL,
    target text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    outcome text NOT NULL,
    status integer NOT NULL,
    upstream_status integer,
    latency_ms double precision NOT NULL,
    resource_id text,
    client_address text,
    user_agent text,
    sdk_name text,
    sdk_lang text,
    sdk_version text,
    credential_fingerprint text,
    entry json
);
CREATE INDEX IF NOT EXISTS deprecation_events_rule_time ON deprecation_events (rule_id, time);
CREATE TABLE IF NOT EXISTS llama_stack_migrate_schema (
    component text PRIMARY KEY,
    version integer NOT NULL
);
INSERT INTO llama_stack_migrate_schema (component, version) VALUES ('deprecation_events', {TABLE_VERSION})
    ON CONFLICT (component) DO NOTHING;
"""
ADD_ENTRY_SQL = "ALTER TABLE deprecation_events ADD COLUMN IF NOT EXISTS entry json"


def _insert_sql(columns: Sequence[str]) -> bytes:
    return (
        f"INSERT INTO deprecation_events (id, {', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * (len(columns) + 1))}) ON CONFLICT DO NOTHING"
    ).encode("ascii")


_INSERT = _insert_sql(_COLUMNS)
#: For a table without the `entry` column that this role may not alter.
_INSERT_WITHOUT_ENTRY = _insert_sql(tuple(name for name in _COLUMNS if name != "entry"))
#: Connection parameters the shim sets unless the URL sets them (seconds, or milliseconds for TCP).
_DEFAULT_PARAMS = {
    "connect_timeout": "5",
    "application_name": "llama-stack-migrate-shim",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
    "tcp_user_timeout": "15000",
}


def uuid7() -> uuid.UUID:
    """A random UUID whose first 48 bits are the Unix time in milliseconds (RFC 9562 version 7)."""
    millis = time.time_ns() // 1_000_000 & ((1 << 48) - 1)
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    return uuid.UUID(int=(millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)


Row = tuple[Any, ...]


class PostgresWriter:
    """Inserts batches into `deprecation_events`; retries a failed batch with the same ids, then raises.

    The connection is opened on first use by the writer thread, and opened again after a failure,
    so a database that is down when the shim starts or that restarts later is picked up again.
    """

    def __init__(
        self,
        url: PostgresURL,
        *,
        retry_for: float = 5.0,
        statement_timeout: float = 10.0,
        connect_params: dict[str, str] | None = None,
    ) -> None:
        try:
            import psycopg  # noqa: F401 - only to fail early when it is missing
        except ImportError as exc:
            raise MigrateError("--events postgresql://... needs psycopg 3: pip install 'psycopg[binary]'") from exc
        self.url = url
        self._conninfo = url.conninfo({**_DEFAULT_PARAMS, **(connect_params or {})})
        self._retry_for = retry_for
        self._statement_timeout_ms = int(statement_timeout * 1000)
        self._connection: psycopg.Connection[Any] | None = None
        self._closing = threading.Event()
        self._connected_once = False
        self._has_entry = True

    def write(self, events: Sequence[Event]) -> None:
        """Insert `events` (each under a new UUID), retrying with the same rows; `MigrateError` when given up."""
        self.write_rows([event_row(event) for event in events])

    def write_rows(self, rows: Sequence[Row]) -> None:
        """Insert rows that already carry their id; a row whose id is stored already is skipped."""
        import psycopg

        deadline = time.monotonic() + self._retry_for
        delay = 0.05
        while True:
            try:
                self._insert(rows)
                return
            except psycopg.Error as exc:
                self._drop_connection()
                if self._closing.is_set() or time.monotonic() + delay > deadline:
                    raise MigrateError(
                        f"cannot write {len(rows)} events to {self.url.masked}: {self.url.describe(exc)}"
                    ) from None
                self._closing.wait(delay)
                delay = min(delay * 2, 1.0)

    def close(self) -> None:
        """Stop retrying and close the connection."""
        self._closing.set()
        self._drop_connection()

    def _insert(self, rows: Sequence[Row]) -> None:
        connection = self._connect_checked()
        with connection.transaction(), connection.cursor() as cursor:
            if self._has_entry:
                cursor.executemany(_INSERT, rows)
            else:
                cursor.executemany(_INSERT_WITHOUT_ENTRY, [row[:-1] for row in rows])

    def _connect_checked(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = self._open()
        return self._connection

    def _open(self) -> psycopg.Connection[Any]:
        import psycopg

        connection = psycopg.connect(self._conninfo, autocommit=True)
        try:
            connection.execute("SELECT set_config('statement_timeout', %s, false)", (str(self._statement_timeout_ms),))
            has_entry = ensure_schema(connection)
        except BaseException:
            connection.close()
            raise
        if self._connected_once:
            log.info("event store %s reachable again", self.url.masked)
        if not has_entry and self._has_entry:
            log.warning(
                "event store %s: deprecation_events has no entry column and this role may not add it; events are "
                "stored without their run-config entries until an administrator runs: %s",
                self.url.masked,
                ADD_ENTRY_SQL,
            )
        self._has_entry = has_entry
        self._connected_once = True
        return connection

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # closing a broken connection must not hide the original failure
                log.debug("closing the event store connection failed", exc_info=True)


def ensure_schema(connection: psycopg.Connection[Any]) -> bool:
    """Create the table when missing (once, under an advisory lock), add `entry` to a table without it;
    refuse a newer table version. True when the table has the `entry` column."""
    import psycopg

    with connection.transaction():
        present = connection.execute(
            "SELECT to_regclass('deprecation_events') IS NOT NULL AND "
            "to_regclass('llama_stack_migrate_schema') IS NOT NULL"
        ).fetchone()
        if not (present and present[0]):
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            connection.execute(CREATE_SQL.encode("ascii"))
        found = connection.execute(
            "SELECT version FROM llama_stack_migrate_schema WHERE component = 'deprecation_events'"
        ).fetchone()
        has_entry = has_entry_column(connection)
    version = int(found[0]) if found else TABLE_VERSION
    if version > TABLE_VERSION:
        raise MigrateError(f"events schema version {version} is newer than this shim knows ({TABLE_VERSION})")
    if has_entry:
        return True
    try:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            connection.execute(ADD_ENTRY_SQL)
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


class PostgresStore(BatchingSink):
    """The fleet store: a PostgreSQL table written in batches by a background thread."""

    def __init__(
        self,
        url: PostgresURL,
        *,
        capacity: int = 10_000,
        batch_size: int = 500,
        flush_interval: float = 0.1,
        retry_for: float = 5.0,
        statement_timeout: float = 10.0,
        connect_params: dict[str, str] | None = None,
    ) -> None:
        self.writer = PostgresWriter(
            url, retry_for=retry_for, statement_timeout=statement_timeout, connect_params=connect_params
        )
        super().__init__(
            "postgresql", self.writer, capacity=capacity, batch_size=batch_size, flush_interval=flush_interval
        )


def event_row(event: Event) -> Row:
    """The row of one event under a new id (`entry` last); a naive time is taken as UTC."""
    from psycopg.types.json import Json

    values = [getattr(event, name) for name in _COLUMNS]
    when = event.time if event.time.tzinfo is not None else event.time.replace(tzinfo=dt.timezone.utc)
    values[_TIME] = when
    if event.entry is not None:
        values[_ENTRY] = Json(event.entry, dumps=_compact_json)
    return (uuid7(), *values)


_TIME = _COLUMNS.index("time")
_ENTRY = _COLUMNS.index("entry")
assert _COLUMNS[-1] == "entry", "event_row and _INSERT_WITHOUT_ENTRY expect entry as the last column"


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

"""Deprecation events: one per deprecated call, written off the request path in batches.

`EventRecorder.submit` never blocks and never raises: each sink owns a bounded queue drained by a
writer thread. When a queue is full, or a batch cannot be written, the events are dropped, counted
(`dropped`) and the log says so (the first time, then at most every `DROP_LOG_INTERVAL_S`).

Sinks: `SQLiteStore` (the embedded default), `postgres.PostgresStore` (a fleet's shared store) and
`JsonLinesLog` (one JSON object per line, stderr by default). Each counts the events it has
`written` and `dropped`, for the metrics.

Schema versions (SQLite `PRAGMA user_version`): 1, the first; 2 adds `entry` (the run-config entry
an unsatisfied register should declare, JSON). A version-1 file is migrated when the shim opens
it (`ALTER TABLE ... ADD COLUMN`, in one transaction); its old rows keep a null `entry`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import operator
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from pydantic import BaseModel, ConfigDict

from migrate.errors import MigrateError
from migrate.event_schema import SCHEMA_VERSION, Outcome
from migrate.targets import TargetName

log = logging.getLogger("migrate.shim")


DROP_LOG_INTERVAL_S = 10.0
#: How long an idle writer thread sleeps between looks at its queue (`close` wakes it at once).
_IDLE_WAIT_S = 1.0


class Event(BaseModel):
    """One deprecated call and how the shim answered it. Never holds a credential."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time: dt.datetime
    rule_id: str
    target: TargetName
    method: str
    path: str
    outcome: Outcome
    status: int
    upstream_status: int | None
    latency_ms: float
    resource_id: str | None
    client_address: str | None
    user_agent: str | None
    sdk_name: str | None
    sdk_lang: str | None
    sdk_version: str | None
    credential_fingerprint: str | None
    #: The credential-free run-config entry an unsatisfied register should declare (the 409's `entry`).
    entry: dict[str, Any] | None = None


def default_events_path() -> Path:
    """`$XDG_STATE_HOME/llama-stack-migrate/shim-events.sqlite3` (`~/.local/state` when unset)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "llama-stack-migrate" / "shim-events.sqlite3"


class EventSink(Protocol):
    """Where events go. `submit` must return at once and never raise."""

    @property
    def name(self) -> str:
        """A short fixed name (`sqlite`, `postgresql`, `event-log`): a metrics label."""
        ...

    @property
    def written(self) -> int:
        """Events the store has accepted so far."""
        ...

    @property
    def dropped(self) -> int:
        """Events lost so far (queue full, write failed, shut down)."""
        ...

    def submit(self, event: Event) -> None:
        """Queue `event`; return at once."""
        ...

    def close(self) -> None:
        """Write what is queued and release the store."""
        ...


class BatchWriter(Protocol):
    """Writes whole batches; called from one writer thread only. Raise `MigrateError` on failure."""

    def write(self, events: Sequence[Event]) -> None:
        """Write all of `events` or raise."""
        ...

    def close(self) -> None:
        """Release the connection or stream."""
        ...


class BatchingSink:
    """A bounded queue and a writer thread that hands batches to a `BatchWriter`.

    Group commit: a batch is written at most every `flush_interval` seconds (sooner when `batch_size`
    events are queued), so under load many events share one transaction; an event that comes after
    a quiet spell is written at once.
    """

    def __init__(
        self,
        name: str,
        writer: BatchWriter,
        *,
        capacity: int = 10_000,
        batch_size: int = 500,
        flush_interval: float = 0.02,
    ) -> None:
        self._name = name
        self._writer = writer
        self._queue: queue.Queue[Event | None] = queue.Queue(maxsize=capacity)
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._lock = threading.Lock()
        self._dropped = 0
        self._written = 0
        self._in_flight = 0
        self._last_drop_log = float("-inf")
        self._closed = False
        self._full = threading.Event()  # a batch is waiting, or the sink is closing: stop lingering
        self._last_write = float("-inf")
        self._thread = threading.Thread(target=self._run, name=f"shim-events-{name}", daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return self._name

    @property
    def written(self) -> int:
        with self._lock:
            return self._written

    @property
    def dropped(self) -> int:
        with self._lock:
            return self._dropped

    def submit(self, event: Event) -> None:
        if self._closed:
            self._drop(1, "the sink is closed")
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._drop(1, "the queue is full (the store is slow or down)")
            return
        if self._queue.qsize() + 1 >= self._batch_size:
            self._full.set()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread.

        Events still queued after `timeout`, and the batch being written then, are counted as dropped.
        """
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
                break
            except queue.Full:
                if time.monotonic() > deadline:
                    break
        self._full.set()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            with self._lock:
                in_flight = self._in_flight
            self._drop(self._queue.qsize() + in_flight, "the writer did not finish before shutdown")
        else:
            self._writer.close()

    def _drop(self, count: int, reason: str) -> None:
        if count <= 0:
            return
        with self._lock:
            self._dropped += count
            total = self._dropped
            now = time.monotonic()
            should_log = now - self._last_drop_log >= DROP_LOG_INTERVAL_S
            if should_log:
                self._last_drop_log = now
        if should_log:
            log.warning("deprecation events dropped by the %s sink: %s (%d dropped so far)", self._name, reason, total)

    def _run(self) -> None:
        stop = False
        while not stop:
            try:
                first = self._queue.get(timeout=_IDLE_WAIT_S)
            except queue.Empty:
                continue
            batch, stop = self._collect(first)
            if batch:
                with self._lock:
                    self._in_flight = len(batch)
                try:
                    self._writer.write(batch)
                except Exception as exc:  # the writer thread must outlive any failure of one batch
                    with self._lock:
                        self._in_flight = 0
                    reason = str(exc) if isinstance(exc, MigrateError) else f"unexpected {type(exc).__name__}"
                    self._drop(len(batch), reason)
                else:
                    with self._lock:
                        self._in_flight = 0
                        self._written += len(batch)
                self._last_write = time.monotonic()

    def _collect(self, first: Event | None) -> tuple[list[Event], bool]:
        """The batch that starts with `first`, and whether the sink is closing (the `None` sentinel was taken).

        Group commit: within `flush_interval` of the last write, wait for the rest of the interval (or a full
        batch, or `close`) so that the events arriving meanwhile share one transaction; after a quiet spell,
        write at once.
        """
        if first is None:
            return [], True
        wait_until = self._last_write + self._flush_interval
        while not self._closed and self._queue.qsize() + 1 < self._batch_size:
            remaining = wait_until - time.monotonic()
            if remaining <= 0:
                break
            self._full.wait(remaining)
            self._full.clear()
        batch = [first]
        while len(batch) < self._batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False


_COLUMNS = tuple(Event.model_fields)
_CREATE = """
CREATE TABLE IF NOT EXISTS deprecation_events (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    target TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status INTEGER NOT NULL,
    upstream_status INTEGER,
    latency_ms REAL NOT NULL,
    resource_id TEXT,
    client_address TEXT,
    user_agent TEXT,
    sdk_name TEXT,
    sdk_lang TEXT,
    sdk_version TEXT,
    credential_fingerprint TEXT,
    entry TEXT
);
CREATE INDEX IF NOT EXISTS deprecation_events_rule_time ON deprecation_events (rule_id, time);
"""


class SQLiteWriter:
    """Appends events to the `deprecation_events` table of an SQLite file (WAL mode)."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=busy_timeout, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
        except sqlite3.Error as exc:
            raise MigrateError(f"cannot open the events database {path}: {exc}") from exc

    def _migrate(self) -> None:
        """Create the table, or bring a version-1 table to this version; refuse a newer one."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise MigrateError(f"{self.path}: events schema version {version} is newer than this shim knows")
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")  # another shim may be migrating the same file
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise MigrateError(f"{self.path}: events schema version {version} is newer than this shim knows")
            existing = {row[1] for row in self._db.execute("PRAGMA table_info(deprecation_events)")}
            if existing and "entry" not in existing:
                self._db.execute("ALTER TABLE deprecation_events ADD COLUMN entry TEXT")
            for statement in _CREATE.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def write(self, events: Sequence[Event]) -> None:
        rows = [_row(event) for event in events]
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(_INSERT, rows)
        except sqlite3.Error as exc:
            raise MigrateError(f"cannot write {len(rows)} events to {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()


_INSERT = f"INSERT INTO deprecation_events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
_VALUES = operator.attrgetter(*_COLUMNS)
_TIME = _COLUMNS.index("time")
_ENTRY = _COLUMNS.index("entry")


def _row(event: Event) -> list[object]:
    """The SQLite row of `event`: the time as UTC text, the entry as JSON text."""
    values: list[object] = list(_VALUES(event))
    values[_TIME] = utc_text(event.time)
    if event.entry is not None:
        values[_ENTRY] = json.dumps(event.entry, separators=(",", ":"), ensure_ascii=False)
    return values


def utc_text(moment: dt.datetime) -> str:
    """How the SQLite store writes a time: UTC ISO 8601 with microseconds (text order is time order).

    A naive time is taken as UTC, as the PostgreSQL store does.
    """
    if moment.tzinfo is not dt.timezone.utc:
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)
        moment = aware.astimezone(dt.timezone.utc)
    return moment.isoformat(timespec="microseconds")


class JsonLinesWriter:
    """One JSON object per event and line, to a text stream (stderr for the event log)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, events: Sequence[Event]) -> None:
        lines = "".join(_json_line(event) for event in events)
        try:
            self._stream.write(lines)
            self._stream.flush()
        except (OSError, ValueError) as exc:
            raise MigrateError(f"cannot write the event log: {exc}") from exc

    def close(self) -> None:
        """The stream belongs to the caller."""


def _json_line(event: Event) -> str:
    """`{"event":"deprecated-call", ...the event}` and a newline, ASCII only (non-ASCII as `\\u` escapes).

    pydantic's own serializer makes the line; the rare event with non-ASCII text (a user agent) goes
    through `json.dumps`, which escapes it, so the log stays ASCII whatever the stream's encoding.
    """
    text = event.model_dump_json()
    if not text.isascii():
        text = json.dumps(event.model_dump(mode="json"), separators=(",", ":"))
    return '{"event":"deprecated-call",' + text[1:] + "\n"


class SQLiteStore(BatchingSink):
    """The embedded default store: an SQLite file written in batches by a background thread."""

    def __init__(
        self, path: Path, *, capacity: int = 10_000, batch_size: int = 500, flush_interval: float = 0.02
    ) -> None:
        super().__init__(
            "sqlite", SQLiteWriter(path), capacity=capacity, batch_size=batch_size, flush_interval=flush_interval
        )


class JsonLinesLog(BatchingSink):
    """The event log: one JSON line per event on `stream` (stderr), written off the request path."""

    def __init__(self, stream: TextIO, *, capacity: int = 10_000) -> None:
        super().__init__("event-log", JsonLinesWriter(stream), capacity=capacity, batch_size=100, flush_interval=0.02)


class EventRecorder:
    """Fans each event out to every sink."""

    def __init__(self, sinks: Sequence[EventSink]) -> None:
        self.sinks = tuple(sinks)

    @property
    def dropped(self) -> int:
        return sum(sink.dropped for sink in self.sinks)

    def submit(self, event: Event) -> None:
        for sink in self.sinks:
            sink.submit(event)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()

"""Read the shim's deprecation events, grouped, from its SQLite file or a fleet's PostgreSQL database.

`open_events(spec)` gives the `EventReader` for `--events` (a `postgresql://` URL or an SQLite
file); both backends answer the same two questions, so the report cannot tell them apart:

* one grouped query (UTC day, rule, target, outcome, resource, SDK, credential fingerprint) does
  the heavy lifting in the database, so a report over millions of events stays fast;
* the latest run-config entry recorded for each resource an unsatisfied register named (events
  schema 2; a version-1 store has none, and the report rebuilds entries from identifiers).

Both are read-only: SQLite is opened with `mode=ro`, PostgreSQL in read-only transactions. A store
from a newer shim is refused. psycopg 3 (the `postgres` extra) is imported only for a URL; driver
errors become `MigrateError` here, with the password masked.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, get_args

from migrate.errors import MigrateError
from migrate.event_schema import SCHEMA_VERSION, TABLE_VERSION, Outcome, PostgresURL, has_entry_column, is_postgres_url
from migrate.targets import TARGETS, TargetName

if TYPE_CHECKING:
    import psycopg

_OUTCOMES: dict[str, Outcome] = {name: name for name in get_args(Outcome)}
_TARGETS: dict[str, TargetName] = {name: name for name in TARGETS}
_REGISTER_OUTCOMES = ("satisfied", "unsatisfied")
_INSTALL_PSYCOPG = "pip install 'llama-stack-migrate[postgres]'"


@dataclass(frozen=True)
class Window:
    """The time range to read: `since` inclusive, `until` exclusive (either may be open), both UTC."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class EventGroup:
    """Events that share a UTC day, rule, target, outcome, SDK and credential fingerprint.

    `resource_id` is kept for register outcomes (`satisfied`, `unsatisfied`) only: it is what the
    pending declarations are made of; other events are grouped without it.
    """

    day: dt.date
    rule_id: str
    target: TargetName
    outcome: Outcome
    resource_id: str | None
    sdk_name: str | None
    sdk_version: str | None
    fingerprint: str | None
    calls: int
    first: dt.datetime
    last: dt.datetime

    def sort_key(self) -> tuple[Any, ...]:
        """A total order (None first), so both backends hand the report the groups in the same order."""
        return tuple((value is not None, value) for value in _group_values(self))


EntryKey = tuple[str, TargetName, str]


@dataclass(frozen=True)
class StoredEvents:
    """The grouped events of a window, and the latest entry recorded per (rule, target, resource)."""

    groups: list[EventGroup]
    entries: dict[EntryKey, dict[str, Any]] = field(default_factory=dict)


class EventReader(Protocol):
    """A store of shim events, read-only."""

    @property
    def source(self) -> str:
        """What the report names as its source (a PostgreSQL URL with the password masked)."""
        ...

    def read(self, window: Window) -> StoredEvents:
        """The grouped events and latest entries of `window`; `MigrateError` when the store cannot be read."""
        ...


def open_events(spec: str) -> EventReader:
    """The reader for `--events SPEC`: a `postgresql://` URL, else an SQLite file."""
    if is_postgres_url(spec):
        return PostgresEvents(PostgresURL(spec))
    return SQLiteEvents(spec)


def read_events(spec: str, window: Window) -> StoredEvents:
    """The events of `window` in the store named by `spec`."""
    return open_events(spec).read(window)


# ------------------------------------------------------------------------------------------- SQLite

_SQLITE_WINDOW = "julianday(time) >= julianday(:since) AND julianday(time) < julianday(:until)"
#: `min(time)` and `max(time)` compare text: the shim writes UTC ISO 8601 (`+00:00`; with microseconds
#: from events schema 2 on), whose text order is time order, so the extremes keep their microseconds.
_SQLITE_GROUPS = f"""
SELECT date(time) AS day, rule_id, target, outcome,
       CASE WHEN outcome IN {_REGISTER_OUTCOMES!r} THEN resource_id END AS resource,
       sdk_name, sdk_version, credential_fingerprint, count(*), min(time), max(time)
FROM deprecation_events
WHERE day IS NOT NULL AND {_SQLITE_WINDOW}
GROUP BY day, rule_id, target, outcome, resource, sdk_name, sdk_version, credential_fingerprint
"""
#: SQLite takes the bare columns of an aggregate query with one max() from the row that has the max.
_SQLITE_ENTRIES = f"""
SELECT rule_id, target, resource_id, entry, max(time)
FROM deprecation_events
WHERE outcome = 'unsatisfied' AND resource_id IS NOT NULL AND entry IS NOT NULL AND {_SQLITE_WINDOW}
GROUP BY rule_id, target, resource_id
"""
_OPEN_START = "0001-01-01T00:00:00Z"
_OPEN_END = "9999-12-31T23:59:59Z"


class SQLiteEvents:
    """The shim's SQLite file (schema version 1 or 2), opened read-only."""

    def __init__(self, spec: str) -> None:
        self.path = Path(spec)
        self._spec = spec

    @property
    def source(self) -> str:
        return self._spec

    def read(self, window: Window) -> StoredEvents:
        path = self.path
        if not path.is_file():
            raise MigrateError(f"--events {self._spec}: no such file (the shim's SQLite events database)")
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise MigrateError(f"cannot open the events database {path}: {exc}") from exc
        bounds = {
            "since": _utc_text(window.since) if window.since else _OPEN_START,
            "until": _utc_text(window.until) if window.until else _OPEN_END,
        }
        try:
            has_entry = self._check_schema(db)
            rows = db.execute(_SQLITE_GROUPS, bounds).fetchall()
            entries = db.execute(_SQLITE_ENTRIES, bounds).fetchall() if has_entry else []
        except sqlite3.Error as exc:
            raise MigrateError(f"cannot read the events database {path}: {exc}") from exc
        finally:
            db.close()
        groups = [_group(row, str(path)) for row in rows]
        return StoredEvents(_sorted(groups), _entries(entries))

    def _check_schema(self, db: sqlite3.Connection) -> bool:
        """Refuse a database from a newer shim, or one without the events table; True if it records entries."""
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise MigrateError(
                f"{self.path}: events schema version {version} is newer than this tool reads ({SCHEMA_VERSION})"
            )
        columns = {row[1] for row in db.execute("PRAGMA table_info(deprecation_events)")}
        if not columns:
            raise MigrateError(f"{self.path} holds no shim events (no deprecation_events table)")
        return "entry" in columns


# --------------------------------------------------------------------------------------- PostgreSQL

_PG_DEFAULTS = {"connect_timeout": "10", "application_name": "llama-stack-migrate-report"}


def _pg_window(window: Window) -> tuple[str, dict[str, dt.datetime]]:
    conditions = ["TRUE"]
    bounds: dict[str, dt.datetime] = {}
    if window.since is not None:
        conditions.append("time >= %(since)s")
        bounds["since"] = window.since
    if window.until is not None:
        conditions.append("time < %(until)s")
        bounds["until"] = window.until
    return " AND ".join(conditions), bounds


class PostgresEvents:
    """A fleet's PostgreSQL store (`deprecation_events`, with or without the `entry` column)."""

    def __init__(self, url: PostgresURL) -> None:
        self.url = url

    @property
    def source(self) -> str:
        return self.url.masked

    def read(self, window: Window) -> StoredEvents:
        try:
            import psycopg
        except ImportError as exc:
            raise MigrateError(
                f"--events postgresql://... needs psycopg 3, which is not installed: {_INSTALL_PSYCOPG}"
            ) from exc
        where, bounds = _pg_window(window)
        try:
            with psycopg.connect(self.url.conninfo(_PG_DEFAULTS)) as connection:
                connection.read_only = True
                connection.execute("SET TIME ZONE 'UTC'")
                has_entry = self._check_schema(connection)
                rows = connection.execute(_pg_groups(where).encode(), bounds).fetchall()
                entries = connection.execute(_pg_entries(where).encode(), bounds).fetchall() if has_entry else []
        except psycopg.Error as exc:
            raise MigrateError(f"cannot read the events from {self.url.masked}: {self.url.describe(exc)}") from None
        groups = [_group(row, self.url.masked) for row in rows]
        return StoredEvents(_sorted(groups), _entries(entries))

    def _check_schema(self, connection: psycopg.Connection[Any]) -> bool:
        """Refuse a database without the events table, or from a newer shim; True if it records entries."""
        found = connection.execute(
            "SELECT to_regclass('deprecation_events') IS NOT NULL, "
            "to_regclass('llama_stack_migrate_schema') IS NOT NULL"
        ).fetchone()
        if not found or not found[0]:
            raise MigrateError(f"{self.url.masked} holds no shim events (no deprecation_events table)")
        if found[1]:
            version = connection.execute(
                "SELECT max(version) FROM llama_stack_migrate_schema WHERE component = 'deprecation_events'"
            ).fetchone()
            if version and version[0] is not None and int(version[0]) > TABLE_VERSION:
                raise MigrateError(
                    f"{self.url.masked}: events schema version {version[0]} is newer than this tool reads "
                    f"({TABLE_VERSION})"
                )
        return has_entry_column(connection)


def _pg_groups(where: str) -> str:
    return f"""
SELECT (time AT TIME ZONE 'UTC')::date AS day, rule_id, target, outcome,
       CASE WHEN outcome IN {_REGISTER_OUTCOMES!r} THEN resource_id END AS resource,
       sdk_name, sdk_version, credential_fingerprint, count(*), min(time), max(time)
FROM deprecation_events
WHERE {where}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""


def _pg_entries(where: str) -> str:
    return f"""
SELECT DISTINCT ON (rule_id, target, resource_id) rule_id, target, resource_id, entry, time
FROM deprecation_events
WHERE outcome = 'unsatisfied' AND resource_id IS NOT NULL AND entry IS NOT NULL AND {where}
ORDER BY rule_id, target, resource_id, time DESC
"""


# ------------------------------------------------------------------------------------------- shared


def _group(row: Sequence[object], where: str) -> EventGroup:
    """One row of a grouped query, checked (targets and outcomes this tool knows)."""
    day, rule_id, target, outcome, resource, sdk_name, sdk_version, fingerprint, calls, first, last = row
    target_name = _TARGETS.get(str(target))
    outcome_name = _OUTCOMES.get(str(outcome))
    if target_name is None or outcome_name is None:
        raise MigrateError(f"{where}: an event has target {target!r} and outcome {outcome!r}, unknown to this tool")
    return EventGroup(
        day=day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)),
        rule_id=str(rule_id),
        target=target_name,
        outcome=outcome_name,
        resource_id=_text(resource),
        sdk_name=_text(sdk_name),
        sdk_version=_text(sdk_version),
        fingerprint=_text(fingerprint),
        calls=int(str(calls)),
        first=_utc(first),
        last=_utc(last),
    )


def _entries(rows: Sequence[Sequence[object]]) -> dict[EntryKey, dict[str, Any]]:
    """The latest entry per (rule, target, resource); entries that are not JSON objects are skipped."""
    found: dict[EntryKey, dict[str, Any]] = {}
    for rule_id, target, resource, entry, _ in rows:
        target_name = _TARGETS.get(str(target))
        if isinstance(entry, str):
            try:
                entry = json.loads(entry)
            except ValueError:
                continue
        if target_name is not None and isinstance(entry, dict):
            found[(str(rule_id), target_name, str(resource))] = entry
    return found


def _group_values(group: EventGroup) -> tuple[object, ...]:
    return (
        group.day,
        group.rule_id,
        group.target,
        group.outcome,
        group.resource_id,
        group.sdk_name,
        group.sdk_version,
        group.fingerprint,
    )


def _sorted(groups: list[EventGroup]) -> list[EventGroup]:
    return sorted(groups, key=EventGroup.sort_key)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc(value: object) -> dt.datetime:
    """A stored time as an aware UTC datetime (SQLite: ISO 8601 text; PostgreSQL: timestamptz)."""
    text = "" if isinstance(value, dt.datetime) else str(value).replace("Z", "+00:00")
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)

"""Read the shim's deprecation events (`deprecation_events`, events schema version 1), grouped.

One grouped query (UTC day, rule, target, outcome, resource, SDK, credential fingerprint) does the
heavy lifting in the database, so a report over millions of events stays fast; the report is built
from those groups. The database is opened read-only. The same columns will be read from PostgreSQL
once the shim has a PostgreSQL store; until then a `postgresql://` URL is refused with a clear error.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from migrate.errors import MigrateError
from migrate.shim.events import SCHEMA_VERSION, Outcome
from migrate.targets import TARGETS, TargetName

_OUTCOMES: dict[str, Outcome] = {name: name for name in get_args(Outcome)}
_TARGETS: dict[str, TargetName] = {name: name for name in TARGETS}
_REGISTER_OUTCOMES = ("satisfied", "unsatisfied")
_TIMESTAMP = "%Y-%m-%dT%H:%M:%fZ"


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


_QUERY = f"""
SELECT date(time) AS day, rule_id, target, outcome,
       CASE WHEN outcome IN {_REGISTER_OUTCOMES!r} THEN resource_id END AS resource,
       sdk_name, sdk_version, credential_fingerprint,
       count(*), strftime('{_TIMESTAMP}', min(julianday(time))), strftime('{_TIMESTAMP}', max(julianday(time)))
FROM deprecation_events
WHERE day IS NOT NULL AND julianday(time) >= julianday(:since) AND julianday(time) < julianday(:until)
GROUP BY day, rule_id, target, outcome, resource, sdk_name, sdk_version, credential_fingerprint
ORDER BY day
"""
_OPEN_START = "0001-01-01T00:00:00Z"
_OPEN_END = "9999-12-31T23:59:59Z"


def read_events(spec: str, window: Window) -> list[EventGroup]:
    """The grouped events of the store named by `spec` (an SQLite file) within `window`."""
    if spec.startswith(("postgresql:", "postgres:")):
        raise MigrateError(
            "reading shim events from PostgreSQL is not supported yet: give the shim's SQLite file to --events"
        )
    path = Path(spec)
    if not path.is_file():
        raise MigrateError(f"--events {spec}: no such file (the shim's SQLite events database)")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise MigrateError(f"cannot open the events database {path}: {exc}") from exc
    try:
        _check_schema(db, path)
        rows = db.execute(
            _QUERY,
            {
                "since": _utc_text(window.since) if window.since else _OPEN_START,
                "until": _utc_text(window.until) if window.until else _OPEN_END,
            },
        ).fetchall()
    except sqlite3.Error as exc:
        raise MigrateError(f"cannot read the events database {path}: {exc}") from exc
    finally:
        db.close()
    return [_group(row, path) for row in rows]


def _check_schema(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a database from a newer shim, or one without the events table."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise MigrateError(f"{path}: events schema version {version} is newer than this tool reads ({SCHEMA_VERSION})")
    table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deprecation_events'").fetchone()
    if table is None:
        raise MigrateError(f"{path} holds no shim events (no deprecation_events table)")


def _group(row: tuple[object, ...], path: Path) -> EventGroup:
    """One row of the grouped query, checked (targets and outcomes this tool knows)."""
    day, rule_id, target, outcome, resource, sdk_name, sdk_version, fingerprint, calls, first, last = row
    target_name = _TARGETS.get(str(target))
    outcome_name = _OUTCOMES.get(str(outcome))
    if target_name is None or outcome_name is None:
        raise MigrateError(f"{path}: an event has target {target!r} and outcome {outcome!r}, unknown to this tool")
    return EventGroup(
        day=dt.date.fromisoformat(str(day)),
        rule_id=str(rule_id),
        target=target_name,
        outcome=outcome_name,
        resource_id=_text(resource),
        sdk_name=_text(sdk_name),
        sdk_version=_text(sdk_version),
        fingerprint=_text(fingerprint),
        calls=int(str(calls)),
        first=_parse_utc(str(first)),
        last=_parse_utc(str(last)),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

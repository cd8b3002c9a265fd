"""The deprecation-event contract between the shim, which writes events, and `report`, which reads them.

What both sides must agree on lives here, below both: the outcomes an event records, the schema versions
of the SQLite file and of the PostgreSQL table, and the PostgreSQL URL (`--events postgresql://...`),
whose password never reaches a log or an error message. Neither side imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from migrate.errors import MigrateError

if TYPE_CHECKING:
    import psycopg

Outcome = Literal[
    "forwarded",  # the target still serves the route: relayed (status 0 when the client left before the answer)
    "satisfied",  # register: the resource is declared on the target, answered in the legacy shape
    "unsatisfied",  # register: not declared (409); unregister, translated read: no such resource (404)
    "acknowledged",  # unregister of a declared resource answered as done; nothing changed upstream
    "rejected",  # unregister refused (--on-unregister reject)
    "gone",  # removed on the target with no replacement (410; 501 for a built-in group's tools nothing lists)
    "translated",  # read of a legacy client: answered in the legacy shape, built from the target's answers
    "invalid",  # the legacy request is invalid (400), too large (413) or was abandoned mid-body (status 0)
    "upstream-error",  # the upstream could not be reached or answered a read unexpectedly
]

#: The SQLite store's `PRAGMA user_version`: 1, the first; 2 adds `entry` (the run-config entry an
#: unsatisfied register should declare, JSON).
SCHEMA_VERSION = 2
SCHEMES = ("postgresql", "postgres")

_MASK = "***"

#: The version recorded for the table: the oldest layout a writer must know. Events schema 2 only
#: added the nullable `entry` column, which version-1 writers leave out, so it is still 1.
TABLE_VERSION = 1


def is_postgres_url(value: str) -> bool:
    """True for `postgresql://...` and `postgres://...` (what `--events` treats as a URL)."""
    return value.split("://", 1)[0].lower() in SCHEMES and "://" in value


@dataclass(frozen=True)
class PostgresURL:
    """A PostgreSQL connection URL; `str()` and `repr()` show it with the password as `***`."""

    url: str = field(repr=False)

    def __post_init__(self) -> None:
        if not is_postgres_url(self.url):
            raise MigrateError(f"--events {self.masked!r}: expected postgresql://[user[:password]@]host[:port]/dbname")
        try:
            parts = urlsplit(self.url)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError as exc:
            raise MigrateError(f"--events {self.masked!r} is not a valid PostgreSQL URL") from exc
        if not parts.path.strip("/"):
            raise MigrateError(f"--events {self.masked!r} names no database (postgresql://host/DBNAME)")

    @property
    def password(self) -> str | None:
        """The password in the URL (userinfo or `password=` parameter), or None."""
        try:
            parts = urlsplit(self.url)
            userinfo_password = unquote(parts.password) if parts.password else None
        except ValueError:
            return None
        query_password = dict(parse_qsl(parts.query)).get("password")
        return userinfo_password or query_password or None

    @property
    def masked(self) -> str:
        """The URL with any password replaced by `***`."""
        return mask_url(self.url)

    def scrub(self, text: str) -> str:
        """`text` with every occurrence of the password (plain or percent-encoded) replaced by `***`."""
        password = self.password
        if not password:
            return text
        for form in {password, quote(password, safe="")}:
            text = text.replace(form, _MASK)
        return text

    def describe(self, exc: BaseException) -> str:
        """A driver error as `Type: first line of its message`, scrubbed of the password."""
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return self.scrub(f"{type(exc).__name__}: {first_line}")

    def conninfo(self, defaults: dict[str, str]) -> str:
        """The libpq connection string: the URL, plus each of `defaults` the URL does not set (psycopg needed)."""
        from psycopg import conninfo

        try:
            given = conninfo.conninfo_to_dict(self.url)
        except Exception:  # psycopg.ProgrammingError, whose message may quote the URL
            raise MigrateError(f"--events {self.masked!r} is not a valid PostgreSQL URL") from None
        return conninfo.make_conninfo(
            self.url, **{name: value for name, value in defaults.items() if name not in given}
        )

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"PostgresURL({self.masked!r})"


def mask_url(url: str) -> str:
    """`url` with the password of its userinfo and any `password=` query parameter shown as `***`."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostinfo = netloc.rpartition("@")
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":" + _MASK
            netloc = f"{userinfo}@{hostinfo}"
        query = parts.query
        if query:
            pairs = [(name, _MASK if name == "password" else value) for name, value in parse_qsl(query, True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        scheme = url.split("://", 1)[0]
        return f"{scheme}://{_MASK}"


def has_entry_column(connection: psycopg.Connection[Any]) -> bool:
    """Whether `deprecation_events` (as the search path finds it) has the `entry` column (events schema 2)."""
    found = connection.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('deprecation_events') "
        "AND attname = 'entry' AND NOT attisdropped"
    ).fetchone()
    return bool(found and found[0])

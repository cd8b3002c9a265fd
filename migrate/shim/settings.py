"""Everything the shim is told at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yarl

from migrate.errors import MigrateError
from migrate.shim.answers import OnUnregister
from migrate.shim.proxy import UpstreamConfig
from migrate.targets import TargetName

DEFAULT_MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class ShimSettings:
    """`events` None: no SQLite store (the JSON event log alone, if `event_log`)."""

    upstream: UpstreamConfig
    target: TargetName
    on_unregister: OnUnregister = "acknowledge"
    max_body: int = DEFAULT_MAX_BODY
    events: Path | None = None
    event_log: bool = True
    fingerprint_key: Path | None = None
    rule_dirs: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        check_upstream_url(self.upstream.base_url)
        if self.max_body < 0:
            raise MigrateError("the body size limit cannot be negative")

    @property
    def key_path(self) -> Path | None:
        """The fingerprint key: as given, else beside the events database."""
        if self.fingerprint_key is not None:
            return self.fingerprint_key
        return self.events.with_name(self.events.name + ".key") if self.events is not None else None


def check_upstream_url(url: str) -> None:
    """An absolute http(s) URL with a host and no query, fragment or credentials."""
    try:
        parsed = yarl.URL(url)
    except (ValueError, TypeError) as exc:
        raise MigrateError(f"--upstream {url!r} is not a URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise MigrateError(f"--upstream {url!r} must be an http:// or https:// URL with a host")
    if parsed.query_string or parsed.fragment or parsed.user or parsed.password:
        raise MigrateError(f"--upstream {url!r} must not have a query, a fragment or credentials")

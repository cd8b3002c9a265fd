"""Everything the shim is told at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yarl

from migrate.errors import MigrateError
from migrate.shim.answers import OnUnregister
from migrate.shim.client_address import Network
from migrate.shim.postgres import PostgresURL
from migrate.shim.upstream import UpstreamConfig
from migrate.targets import TargetName

DEFAULT_MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class ShimSettings:
    """`events`: an SQLite file, a PostgreSQL URL, or None for no store (the JSON event log alone, if `event_log`).

    `metrics_listen`: a separate (host, port) for the metrics; None serves them on the shim's own
    port under the reserved prefix (`metrics.METRICS_PATH`). `trusted_proxies`: gateways whose
    `X-Forwarded-For` names the client in events (`client_address.ClientAddress`).
    """

    upstream: UpstreamConfig
    target: TargetName
    on_unregister: OnUnregister = "acknowledge"
    max_body: int = DEFAULT_MAX_BODY
    events: Path | PostgresURL | None = None
    event_log: bool = True
    fingerprint_key: Path | None = None
    rule_dirs: tuple[Path, ...] = ()
    metrics_listen: tuple[str, int] | None = None
    trusted_proxies: tuple[Network, ...] = ()

    def __post_init__(self) -> None:
        check_upstream_url(self.upstream.base_url)
        if self.max_body < 0:
            raise MigrateError("the body size limit cannot be negative")

    @property
    def key_path(self) -> Path | None:
        """The fingerprint key: as given, else beside an SQLite events file (None: a random key per process)."""
        if self.fingerprint_key is not None:
            return self.fingerprint_key
        return self.events.with_name(self.events.name + ".key") if isinstance(self.events, Path) else None


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

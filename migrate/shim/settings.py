"""Everything the shim is told at start-up, checked as a whole when it is built.

The checks that tie options together (a PostgreSQL store needs a shared key, the shim must not listen
where its upstream or its metrics are) live here rather than in the `shim` command, so a settings
object is valid wherever it is made: by the command, by a test, by a benchmark.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import yarl

from migrate.errors import MigrateError
from migrate.event_schema import PostgresURL
from migrate.shim.answers import OnUnregister
from migrate.shim.client_address import Network
from migrate.shim.upstream import UpstreamConfig
from migrate.targets import TargetName

DEFAULT_MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class ShimSettings:
    """`events`: an SQLite file, a PostgreSQL URL, or None for no store (the JSON event log alone, if `event_log`).

    `metrics_listen`: a separate (host, port) for the metrics; None serves them on the shim's own
    port under the reserved prefix (`metrics.METRICS_PATH`). `trusted_proxies`: gateways whose
    `X-Forwarded-For` names the client in events (`client_address.ClientAddress`). `listen`: the
    (host, port) the shim itself listens on, when known (the `shim` command; None when a test or
    another server runs the app), checked against the upstream and the metrics address.
    `legacy_user_agents`: `User-Agent` prefixes of clients that announce no SDK but read the legacy
    shapes (`python-requests`): their reads are translated like those of llama-stack-client 0.3
    (`clients.LegacyClients`).
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
    listen: tuple[str, int] | None = None
    legacy_user_agents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_upstream_url(self.upstream.base_url)
        if self.max_body < 0:
            raise MigrateError("the body size limit cannot be negative")
        if isinstance(self.events, PostgresURL) and self.fingerprint_key is None:
            raise MigrateError(
                "--events postgresql://... needs --fingerprint-key FILE, the same file on every shim that shares "
                "the store, so that one credential has one fingerprint across the fleet"
            )
        if self.listen is not None:
            check_not_own_address(self.upstream.base_url, self.listen, self.metrics_listen)

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


def check_not_own_address(upstream: str, listen: tuple[str, int], metrics_listen: tuple[str, int] | None) -> None:
    """Neither the upstream nor the separate metrics listener may be the shim's own `listen` address.

    Called by `ShimSettings`, and by the `shim` command before it asks the upstream for its version:
    a shim pointed at itself would otherwise fail there with a refused connection instead of this.
    """
    host, port = listen
    if metrics_listen == listen:
        raise MigrateError(f"--metrics-listen {_shown(metrics_listen)} is the shim's own address {_shown(listen)}")
    parsed = yarl.URL(upstream)
    if parsed.port == port and (parsed.host == host or (is_loopback(parsed.host or "") and is_loopback(host))):
        raise MigrateError(
            f"--upstream {upstream} is the shim's own address {_shown(listen)}: it would proxy to itself"
        )


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback IP address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

"""`llama-stack-migrate shim`: run the shim in front of a Llama Stack / OGX server.

The click command `shim` is registered in the CLI group by `migrate.cli`; calling `shim()` runs it
on its own. Errors the tool raises on purpose (`MigrateError`) exit with code 2, like every command
(`exit_codes.errors_to_exit_codes`).
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import click
import uvicorn

from migrate.errors import MigrateError
from migrate.event_schema import PostgresURL, is_postgres_url
from migrate.exit_codes import errors_to_exit_codes
from migrate.rule_loader import load_rules
from migrate.shim.client_address import parse_trusted_proxies
from migrate.shim.events import default_events_path
from migrate.shim.nginx import NginxSite, render_nginx
from migrate.shim.server import server_config
from migrate.shim.settings import ShimSettings, check_not_own_address, check_upstream_url, is_loopback
from migrate.shim.upstream import UpstreamConfig
from migrate.shim.version import probe_version, target_for_version
from migrate.targets import TARGETS, TargetName

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8322

log = logging.getLogger("migrate.shim")

_LISTEN = re.compile(r"^(?:(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\[\]]+):)?(?P<port>\d{1,5})$")
_SIZE = re.compile(r"^(?P<number>\d+)\s*(?P<unit>|k|kib|m|mib)$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "kib": 1024, "m": 1024 * 1024, "mib": 1024 * 1024}


def parse_listen(value: str, option: str = "--listen") -> tuple[str, int]:
    """`[HOST:]PORT` (IPv6 in brackets); a bare port binds 127.0.0.1."""
    found = _LISTEN.match(value.strip())
    if not found or not 0 < int(found.group("port")) < 65536:
        raise MigrateError(f"{option} {value!r}: expected [HOST:]PORT, e.g. 127.0.0.1:{DEFAULT_PORT}")
    host = (found.group("host") or DEFAULT_HOST).strip("[]")
    return host, int(found.group("port"))


def parse_size(value: str) -> int:
    """Bytes, or a number with k/KiB or m/MiB."""
    found = _SIZE.match(value.strip())
    if not found:
        raise MigrateError(f"--max-body {value!r}: expected bytes such as 1048576, 512KiB or 1MiB")
    return int(found.group("number")) * _UNITS[found.group("unit").lower()]


def parse_events(value: str | None) -> Path | PostgresURL:
    """`--events`: a `postgresql://` URL, or the path of an SQLite file (the default path when None)."""
    if value is None:
        return default_events_path()
    if is_postgres_url(value):
        return PostgresURL(value)
    if "://" in value:
        raise MigrateError(f"--events: {value.split('://', 1)[0]}:// is not a store; give a file or postgresql://...")
    return Path(value)


@click.command("shim", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--upstream", required=True, help="Base URL of the Llama Stack / OGX server, e.g. http://127.0.0.1:8321.")
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    help="Server generation behind the shim [default: read from the upstream's GET /v1/version].",
)
@click.option(
    "--listen",
    default=f"{DEFAULT_HOST}:{DEFAULT_PORT}",
    show_default=True,
    help="[HOST:]PORT to listen on; a bare port binds 127.0.0.1.",
)
@click.option(
    "--on-unregister",
    type=click.Choice(("acknowledge", "reject")),
    default="acknowledge",
    show_default=True,
    help="Answer to an unregister of a resource now declared in the run config.",
)
@click.option(
    "--events",
    "events_path",
    metavar="PATH|URL",
    help="SQLite file, or postgresql://user@host/db URL, for deprecation events "
    "[default: $XDG_STATE_HOME/llama-stack-migrate/shim-events.sqlite3].",
)
@click.option("--no-event-log", is_flag=True, help="Do not write one JSON line per event to stderr.")
@click.option(
    "--fingerprint-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Key file for credential fingerprints [default: beside the events file, '.key' appended; "
    "required with a postgresql:// store, the same file on every shim].",
)
@click.option(
    "--metrics-listen",
    metavar="[HOST:]PORT",
    help="Serve the Prometheus metrics on a port of their own [default: on the shim's port, "
    "under /-/llama-stack-migrate/metrics].",
)
@click.option(
    "--emit-nginx",
    is_flag=True,
    help="Print an nginx config that sends only the deprecated calls to the shim (at --listen), then exit.",
)
@click.option(
    "--nginx-listen",
    default="80",
    show_default=True,
    metavar="[HOST:]PORT",
    help="The listen address of the server block that --emit-nginx prints.",
)
@click.option("--max-body", default="1MiB", show_default=True, help="Largest request body of a deprecated call.")
@click.option("--connect-timeout", type=float, default=10.0, show_default=True, help="Seconds to connect upstream.")
@click.option("--read-timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for upstream data.")
@click.option(
    "--pool-timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for a pooled connection."
)
@click.option("--max-connections", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Extra rule directory; a rule with a bundled id overrides it.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="CIDR",
    help="A gateway (address or network) whose X-Forwarded-For names the client in events; repeatable.",
)
@click.option(
    "--legacy-user-agent",
    "legacy_user_agents",
    multiple=True,
    metavar="PREFIX",
    help="Translate the reads of clients whose User-Agent starts with PREFIX (e.g. python-requests) as those of "
    "llama-stack-client 0.3, which get the legacy shapes; repeatable.",
)
@click.option(
    "--log-level",
    type=click.Choice(("debug", "info", "warning", "error")),
    default="info",
    show_default=True,
)
def shim(
    upstream: str,
    target: TargetName | None,
    listen: str,
    on_unregister: str,
    events_path: str | None,
    no_event_log: bool,
    fingerprint_key: Path | None,
    metrics_listen: str | None,
    emit_nginx: bool,
    nginx_listen: str,
    max_body: str,
    connect_timeout: float,
    read_timeout: float,
    pool_timeout: float,
    max_connections: int,
    rule_dirs: tuple[Path, ...],
    trusted_proxies: tuple[str, ...],
    legacy_user_agents: tuple[str, ...],
    log_level: str,
) -> None:
    """Proxy a Llama Stack / OGX server, answer the deprecated calls and translate legacy clients' reads."""
    if emit_nginx:
        with errors_to_exit_codes():
            check_upstream_url(upstream)
            shim_host, shim_port = parse_listen(listen)
            site = NginxSite(upstream.rstrip("/"), shim_host, shim_port, nginx_listen, connect_timeout, read_timeout)
            click.echo(render_nginx(load_rules(list(rule_dirs)), site), nl=False)
        return
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    with errors_to_exit_codes():
        config = _server_config(
            upstream=upstream,
            target=target,
            listen=listen,
            on_unregister=on_unregister,
            events_path=events_path,
            event_log=not no_event_log,
            fingerprint_key=fingerprint_key,
            metrics_listen=metrics_listen,
            max_body=max_body,
            upstream_config=UpstreamConfig(
                upstream.rstrip("/"),
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                pool_timeout=pool_timeout,
                max_connections=max_connections,
            ),
            rule_dirs=rule_dirs,
            trusted_proxies=trusted_proxies,
            legacy_user_agents=legacy_user_agents,
            log_level=log_level,
        )
    uvicorn.Server(config).run()


def _server_config(
    *,
    upstream: str,
    target: TargetName | None,
    listen: str,
    on_unregister: str,
    events_path: str | None,
    event_log: bool,
    fingerprint_key: Path | None,
    metrics_listen: str | None,
    max_body: str,
    upstream_config: UpstreamConfig,
    rule_dirs: tuple[Path, ...],
    trusted_proxies: tuple[str, ...],
    legacy_user_agents: tuple[str, ...],
    log_level: str,
) -> uvicorn.Config:
    from migrate.shim.app import ShimApp

    check_upstream_url(upstream)
    host, port = parse_listen(listen)
    body_limit = parse_size(max_body)
    events = parse_events(events_path)
    trusted = parse_trusted_proxies(trusted_proxies)
    metrics_address = parse_listen(metrics_listen, "--metrics-listen") if metrics_listen is not None else None
    if target is None:
        check_not_own_address(upstream_config.base_url, (host, port), metrics_address)
        version = probe_version(upstream_config)
        target = target_for_version(version)
        log.info("upstream %s is version %s: target %s", upstream, version, target)
    settings = ShimSettings(
        upstream=upstream_config,
        target=target,
        on_unregister="reject" if on_unregister == "reject" else "acknowledge",
        max_body=body_limit,
        events=events,
        event_log=event_log,
        fingerprint_key=fingerprint_key,
        rule_dirs=rule_dirs,
        metrics_listen=metrics_address,
        trusted_proxies=trusted,
        listen=(host, port),
        legacy_user_agents=tuple(prefix.strip() for prefix in legacy_user_agents if prefix.strip()),
    )
    app = ShimApp(settings)
    if not is_loopback(host):
        log.warning("listening on %s: anyone who can reach it can use %s through the shim", host, upstream)
    log.info("shim on http://%s:%d -> %s (target %s), events in %s", host, port, upstream, target, settings.events)
    if app.metrics_listener is not None:
        log.info("metrics on http://%s:%d/metrics", *app.metrics_listener.address)
    return server_config(app, host=host, port=port, log_level=log_level)

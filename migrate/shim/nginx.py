"""`shim --emit-nginx`: an nginx configuration that sends only the deprecated calls to the shim.

For sites that already run nginx as their gateway: the deprecated register/unregister calls, and the
reads of the read rules (which the shim translates or answers 410 where they break, and relays
where they do not), go to the shim; everything else goes straight to the Llama Stack / OGX server,
so ordinary traffic does not take the extra hop.

The choice is one `map` over `"$request_method:$uri"`, with one anchored regex per deprecated
route of the rules (current and 0.2-era paths). `$uri` is percent-decoded and has its dot segments
resolved, like the path the shim matches on, so an id sent raw (`vllm/llama`) or encoded
(`vllm%2Fllama`) is routed alike; `merge_slashes off` keeps `//` as the shim sees it. The request
goes on as `$request_uri`, exactly as the client sent it (`%2F` stays encoded).

Behind nginx, requests that do not pass through the shim lose its client-version rewrite. The
servers only check the version headers when they are present, so the config removes them on the
direct route: an old SDK is not refused with 426 there either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yarl

from migrate import __version__
from migrate.errors import MigrateError
from migrate.routes import Route, compile_route

if TYPE_CHECKING:
    from migrate.registry import RuleSet

_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_LISTEN = re.compile(r"^(?:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?\d{1,5}$")

SHIM_BACKEND = "llama_stack_migrate_shim"
UPSTREAM_BACKEND = "llama_stack_migrate_upstream"
BACKEND_VAR = "$llama_stack_migrate_backend"


@dataclass(frozen=True)
class NginxSite:
    """What the emitted config needs to know: both servers, nginx's own `listen`, and the timeouts."""

    upstream: str
    shim_host: str
    shim_port: int
    listen: str = "80"
    connect_timeout: float = 10.0
    read_timeout: float = 300.0


def route_regex(route: Route) -> str:
    """The PCRE for `"METHOD:decoded-path"` of one route: the shim's own pattern (`registry.compile_route`).

    The pattern is Python's (DOTALL, like `(?s)`), which PCRE reads alike; its named groups become
    plain groups, so that nginx sets no capture variables.
    """
    pattern = compile_route(route.template, anchored=True).pattern
    return f"(?s)^{re.escape(route.method)}:{_NAMED_GROUP.sub('(?:', pattern)}\\z"


def _server_address(host: str, port: int) -> str:
    """An `upstream` server address; a wildcard listen address is reached over loopback."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _seconds(value: float) -> str:
    return f"{max(1, round(value))}s"


def render_nginx(ruleset: RuleSet, site: NginxSite) -> str:
    """The configuration, to be included in nginx's `http { }` context."""
    upstream = yarl.URL(site.upstream)
    if upstream.scheme not in ("http", "https") or not upstream.host:
        raise MigrateError(f"--upstream {site.upstream!r} must be an http:// or https:// URL with a host")
    if not _LISTEN.match(site.listen.strip()):
        raise MigrateError(f"--nginx-listen {site.listen!r}: expected [HOST:]PORT, e.g. 80 or 127.0.0.1:8080")
    upstream_host = upstream.raw_host or ""
    upstream_address = _server_address(upstream_host, upstream.explicit_port or upstream.port or 80)
    shim_address = _server_address(site.shim_host, site.shim_port)
    base = upstream.raw_path.rstrip("/")
    https = upstream.scheme == "https"
    rule_ids = sorted({route.rule.id for route in ruleset.routes})
    width = max(len(route_regex(route)) for route in ruleset.routes) + 3

    lines = [
        f"# llama-stack-migrate {__version__} shim --emit-nginx",
        "# Only the deprecated calls and the reads of the read rules go to the shim; everything else goes straight",
        f"# to {upstream.origin()}{base}. Include this file in nginx's http {{ }} context, for example",
        "# as /etc/nginx/conf.d/llama-stack-migrate.conf, and run the shim with",
        f"#   llama-stack-migrate shim --upstream {site.upstream} --listen {shim_address}",
        "# Re-emit it after changing the rules: the routes below come from them.",
        "",
        f"upstream {UPSTREAM_BACKEND} {{",
        f"    server {upstream_address};",
        "    keepalive 32;",
        "}",
        "",
        f"upstream {SHIM_BACKEND} {{",
        f"    server {shim_address};",
        "    keepalive 32;",
        "}",
        "",
        f"# The calls of {len(rule_ids)} rules, matched on the method and the percent-decoded",
        "# path ($uri), so ids sent raw (a/b) and encoded (a%2Fb) go the same way.",
        f'map "$request_method:$uri" {BACKEND_VAR} {{',
        f"    default {UPSTREAM_BACKEND};",
    ]
    for route in ruleset.routes:
        pattern = f'"~{route_regex(route)}"'
        legacy = ", 0.2-era path" if route.legacy else ""
        lines.append(
            f"    {pattern:<{width}} {SHIM_BACKEND};  # {route.rule.id} {route.method} {route.template}{legacy}"
        )
    lines += [
        "}",
        "",
        "# The servers refuse (426) a client version header that differs from their own, and check it only",
        "# when it is present. The shim rewrites it; the direct route drops it (an empty value is not sent).",
    ]
    for header in ("llamastack", "ogx"):
        lines += [
            f"map {BACKEND_VAR} $llama_stack_migrate_{header}_client_version {{",
            f"    {SHIM_BACKEND} $http_x_{header}_client_version;",
            '    default "";',
            "}",
        ]
    target = f"{BACKEND_VAR}$request_uri"
    if base:
        lines += [
            "# The upstream's base path; the shim adds it itself.",
            f"map {BACKEND_VAR} $llama_stack_migrate_base_path {{",
            f'    {UPSTREAM_BACKEND} "{base}";',
            '    default "";',
            "}",
        ]
        target = f"{BACKEND_VAR}$llama_stack_migrate_base_path$request_uri"
    if https:
        lines += [
            f"map {BACKEND_VAR} $llama_stack_migrate_scheme {{",
            f"    {UPSTREAM_BACKEND} https;",
            "    default http;",
            "}",
        ]
        proxy_pass = f"$llama_stack_migrate_scheme://{target}"
    else:
        proxy_pass = f"http://{target}"
    lines += [
        "",
        "server {",
        f"    listen {site.listen.strip()};",
        "    merge_slashes off;        # keep // as the shim and the server see it",
        "    client_max_body_size 0;   # the server and the shim's --max-body decide",
        "",
        "    location / {",
        "        # $request_uri: the path and query exactly as the client sent them (%2F stays encoded).",
        f"        proxy_pass {proxy_pass};",
        "        proxy_http_version 1.1;",
        '        proxy_set_header Connection "";',
        "        proxy_set_header Host $host;",
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        "        proxy_set_header X-Forwarded-Host $http_host;",
        "        proxy_set_header X-LlamaStack-Client-Version $llama_stack_migrate_llamastack_client_version;",
        "        proxy_set_header X-OGX-Client-Version $llama_stack_migrate_ogx_client_version;",
        "        proxy_buffering off;          # SSE and chunked answers are flushed as they arrive",
        "        proxy_request_buffering off;  # request bodies stream too",
        "        proxy_redirect off;",
        f"        proxy_connect_timeout {_seconds(min(site.connect_timeout, 75))};",
        f"        proxy_read_timeout {_seconds(site.read_timeout)};",
        f"        proxy_send_timeout {_seconds(site.read_timeout)};",
    ]
    if https:
        lines += [
            "        proxy_ssl_server_name on;",
            f"        proxy_ssl_name {upstream_host};",
        ]
    lines += ["    }", "}", ""]
    return "\n".join(lines)

"""The client version gate and the target generation, both read from the upstream's `GET /v1/version`.

llama-stack answers 426 when `X-LlamaStack-Client-Version` differs from its own major.minor, OGX
does the same with `X-OGX-Client-Version`, so an old SDK is refused on every call. The shim
rewrites both headers to the upstream's version; the client's real version is kept for the event
(see `identity.py`) and each distinct rewrite is logged once.

Two readers of one answer: the gate reads the version while it handles requests, through the
shim's pooled client (`fetch_version`); the `shim` command reads it once at start-up to pick the
target, before any pool exists, with httpx (`probe_version`): a one-off call off the request path,
where a general client's timeouts and error types serve better than the hot path's own client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Sequence

from migrate import __version__
from migrate.errors import MigrateError
from migrate.shim.headers import Header
from migrate.shim.upstream import Upstream, UpstreamConfig, UpstreamError, tls_context
from migrate.targets import TargetName

log = logging.getLogger("migrate.shim")

VERSION_HEADERS = (b"x-llamastack-client-version", b"x-ogx-client-version")
_RELEASE = re.compile(r"^(\d+)\.(\d+)")
#: How long a version read from the upstream is trusted (it changes only when the server is replaced).
VERSION_TTL_S = 60.0
#: Distinct rewrites logged once each; beyond this many the log stays quiet.
_MAX_LOGGED = 100


def major_minor(version: str) -> tuple[int, int] | None:
    """`(0, 7)` for `0.7.3`; None when the text does not start with a release."""
    found = _RELEASE.match(version.strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


def target_for_version(version: str) -> TargetName:
    """The rule target that describes a server of `version` (llama-stack 0.x, OGX 0.8 and later)."""
    release = major_minor(version)
    if release is None:
        raise MigrateError(f"cannot tell the server generation from version {version!r}; pass --target")
    if release < (0, 7):
        return "llama-stack-0.4"
    if release < (0, 8):
        return "llama-stack-0.7"
    return "ogx-1"


async def fetch_version(upstream: Upstream) -> str:
    """The upstream's version string, read through the shim's pooled client; `MigrateError` when it cannot be read."""
    try:
        async with upstream.request("GET", "/v1/version", [(b"accept", b"application/json")], None) as response:
            raw = b"".join([chunk async for chunk in response.body])
            status = response.status
    except UpstreamError as exc:
        raise MigrateError(f"cannot read the upstream version: {exc}") from exc
    return _version_in(status, raw)


def probe_version(config: UpstreamConfig) -> str:
    """The upstream's version string, read once with httpx (the `shim` command at start-up); `MigrateError` if not.

    The connection is made as the shim's own client makes it: `config`'s connect and read timeouts,
    the same TLS verification (`upstream.tls_context`), no proxy from the environment and no redirect.
    """
    import httpx  # here, not at the top: the running shim never needs it

    timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout, pool=config.pool_timeout)
    headers = {"accept": "application/json", "user-agent": f"llama-stack-migrate/{__version__}"}
    try:
        with httpx.Client(base_url=config.base_url, timeout=timeout, verify=tls_context(), trust_env=False) as client:
            response = client.get("/v1/version", headers=headers)
    except httpx.ConnectTimeout as exc:
        raise MigrateError("cannot read the upstream version: connecting to the upstream timed out") from exc
    except httpx.TimeoutException as exc:
        raise MigrateError("cannot read the upstream version: the upstream did not answer in time") from exc
    except httpx.ConnectError as exc:
        raise MigrateError(f"cannot read the upstream version: cannot connect to the upstream: {exc}") from exc
    except httpx.HTTPError as exc:
        raise MigrateError(f"cannot read the upstream version: {type(exc).__name__}: {exc}") from exc
    return _version_in(response.status_code, response.content)


def _version_in(status: int, body: bytes) -> str:
    """The `version` of a 200 JSON answer to `GET /v1/version`."""
    try:
        version = json.loads(body)["version"] if status == 200 else None
    except (ValueError, KeyError, TypeError):
        version = None
    if not isinstance(version, str):
        raise MigrateError(f"GET /v1/version on the upstream answered {status} without a version")
    return version


class VersionGate:
    """Rewrites client version headers whose major.minor differs from the upstream's."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._version: str | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()
        self._logged: set[tuple[bytes, bytes]] = set()

    async def upstream_version(self) -> str | None:
        """The cached upstream version (re-read after `VERSION_TTL_S`), None while it cannot be read."""
        if self._version is not None and time.monotonic() - self._read_at < VERSION_TTL_S:
            return self._version
        async with self._lock:
            if self._version is None or time.monotonic() - self._read_at >= VERSION_TTL_S:
                try:
                    self._version = await fetch_version(self._upstream)
                except MigrateError as exc:
                    log.warning("client version headers left as sent: %s", exc)
                    return None
                self._read_at = time.monotonic()
        return self._version

    async def rewrite(self, headers: Sequence[Header]) -> list[Header]:
        """`headers` with every mismatching client version header set to the upstream version."""
        if not any(name in VERSION_HEADERS for name, _ in headers):
            return list(headers)
        version = await self.upstream_version()
        if version is None:
            return list(headers)
        wanted = major_minor(version)
        rewritten: list[Header] = []
        for name, value in headers:
            if name in VERSION_HEADERS and major_minor(value.decode("latin-1")) != wanted:
                if (name, value) not in self._logged and len(self._logged) < _MAX_LOGGED:
                    self._logged.add((name, value))
                    log.info(
                        "client version %s %s rewritten to %s for the upstream",
                        name.decode(),
                        value.decode("latin-1")[:40],
                        version,
                    )
                value = version.encode("ascii", "replace")
            rewritten.append((name, value))
        return rewritten

"""The upstream side: one pooled aiohttp session, and the streaming relay of a request and its answer.

aiohttp was chosen over httpx.AsyncClient by measurement (docs/shim.md, "Upstream client"): on the
same machine httpx fell from 800 to 210 requests/s between 1 and 256 concurrent requests while
aiohttp stayed between 2,400 and 5,000 (httpx issue #3215).

Nothing is buffered: the request body goes upstream as it arrives from the client, and the answer
goes back chunk by chunk as it arrives (SSE and chunked answers are flushed per chunk). Paths are
sent exactly as given (`encoded=True`: no re-quoting, `%2F` stays), no header is added except
`Host` and the `X-Forwarded-*` fields the caller supplies, redirects are not followed, cookies are
not kept, and compressed bodies stay compressed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import yarl
from multidict import CIMultiDict

from migrate.errors import MigrateError
from migrate.shim.headers import Header, end_to_end

log = logging.getLogger("migrate.shim")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Body = bytes | AsyncIterator[bytes] | None

#: Extra answer headers that are added beside the upstream's own instead of replacing them.
_ADDITIVE = frozenset({b"link"})
#: Headers aiohttp would invent when the client did not send them.
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


class UpstreamError(MigrateError):
    """The upstream could not be reached or broke the exchange; `kind` picks the problem answered."""

    def __init__(self, kind: Literal["unavailable", "timeout", "protocol"], message: str) -> None:
        super().__init__(message)
        self.kind = kind


class ClientDisconnected(MigrateError):
    """The client went away before its request body was complete."""


@dataclass(frozen=True)
class UpstreamConfig:
    """Where the upstream is and how patiently to talk to it (seconds)."""

    base_url: str
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    pool_timeout: float = 30.0
    max_connections: int = 100


@dataclass(frozen=True)
class UpstreamResponse:
    """Status, end-to-end headers (lower-case names) and the body as it arrives."""

    status: int
    headers: list[Header]
    body: AsyncIterator[bytes]


class Upstream:
    """The fixed upstream server, reached through one connection pool."""

    def __init__(self, config: UpstreamConfig) -> None:
        self.config = config
        base = yarl.URL(config.base_url)
        self._origin = base.origin()
        self._prefix = base.raw_path.rstrip("/")
        self.host = base.raw_authority
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.config.max_connections, limit_per_host=0),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=self.config.pool_timeout,
                    sock_connect=self.config.connect_timeout,
                    sock_read=self.config.read_timeout,
                ),
            )
        return self._session

    async def aclose(self) -> None:
        """Close the pool (a later request opens a new one)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def url(self, target: str) -> yarl.URL:
        """The upstream URL of an origin-form `target` (path and query, already percent-encoded)."""
        return yarl.URL(str(self._origin) + self._prefix + target, encoded=True)

    @asynccontextmanager
    async def request(
        self, method: str, target: str, headers: Sequence[Header], body: Body
    ) -> AsyncIterator[UpstreamResponse]:
        """Send one request; the response body must be consumed inside the `async with` block."""
        outgoing = CIMultiDict((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)
        try:
            async with self._client().request(
                method,
                self.url(target),
                headers=outgoing,
                data=body,
                allow_redirects=False,
                skip_auto_headers=_NO_AUTO_HEADERS,
            ) as response:
                yield UpstreamResponse(
                    status=response.status,
                    headers=end_to_end((name.lower(), value) for name, value in response.raw_headers),
                    body=_chunks(response),
                )
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamError("timeout", f"the upstream did not answer {method} in time") from exc
        except aiohttp.ClientConnectorError as exc:
            raise UpstreamError("unavailable", f"cannot connect to the upstream: {exc.os_error}") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamError("protocol", f"the upstream broke the exchange: {type(exc).__name__}") from exc


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for chunk in response.content.iter_any():
        yield chunk


def request_body(scope: Scope, receive: Receive, complete: asyncio.Event) -> Body:
    """The client's body as a stream for aiohttp, or None when the request has none (RFC 9112 6.3)."""
    headers = dict(scope["headers"])
    if b"content-length" not in headers and b"transfer-encoding" not in headers:
        complete.set()
        return None
    return _stream_body(receive, complete)


async def _stream_body(receive: Receive, complete: asyncio.Event) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected("the client disconnected while sending its body")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            complete.set()
            return


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it exceeds `limit` bytes (the rest is left unread)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected("the client disconnected while sending its body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def relay(
    response: UpstreamResponse,
    send: Send,
    receive: Receive,
    body_complete: asyncio.Event,
    extra_headers: Sequence[Header] = (),
) -> bool:
    """Send the upstream answer to the client as it arrives; False when the client left before its end.

    `extra_headers` replace the upstream's fields of the same name, except `Link`, which is added.

    An answer of unknown length (chunked, SSE) is watched for a client disconnect, so an endless
    stream is dropped as soon as nobody reads it. An upstream failure after the headers are sent
    raises `UpstreamError`: the caller then ends the exchange without completing the body, which
    makes the server close the connection so the client sees a truncated answer.
    """
    replaced = {name for name, _ in extra_headers} - _ADDITIVE
    headers = [header for header in response.headers if header[0] not in replaced]
    await send({"type": "http.response.start", "status": response.status, "headers": [*headers, *extra_headers]})
    if any(name == b"content-length" for name, _ in response.headers):
        await _pump(response.body, send)
        return True
    pump = asyncio.ensure_future(_pump(response.body, send))
    watcher = asyncio.ensure_future(_disconnected(receive, body_complete))
    try:
        await asyncio.wait({pump, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, watcher):
            if not task.done():
                task.cancel()
        await asyncio.gather(pump, watcher, return_exceptions=True)
    if pump.cancelled():
        log.info("client disconnected during a streamed answer; upstream stream closed")
        return False
    pump.result()
    return True


async def _pump(body: AsyncIterator[bytes], send: Send) -> None:
    try:
        async for chunk in body:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
        raise UpstreamError("protocol", f"the upstream answer broke off: {type(exc).__name__}") from exc
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive, body_complete: asyncio.Event) -> None:
    await body_complete.wait()
    while (await receive())["type"] != "http.disconnect":
        pass

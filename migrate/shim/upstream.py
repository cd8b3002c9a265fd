"""The shim's own pooled HTTP/1.1 client of the one fixed upstream: `Upstream`, and `UpstreamError` for its failures.

The client is a plain asyncio protocol per connection; answers are parsed by llhttp (`httptools`, the
parser uvicorn uses, and aiohttp's own parser is llhttp too). It was chosen by measurement
(`benchmarks/shim_speed.py`, docs/shim.md "Speed"): on the 2-core machine a keep-alive GET cost
aiohttp ~100 us of CPU and this client ~30 us, and httpx.AsyncClient collapses under concurrency
(httpx issue #3215). The shim needs only a small part of a general client: one fixed upstream, no
redirects, cookies, proxies or decompression. (One-off reads outside the request path, such as the
version probe at start-up, use httpx: `version.py`.)

The request body is sent as it arrives (the first 64 KiB are read ahead, so a small body can be sent
again) and the answer is handed over chunk by chunk as it arrives. Paths are sent exactly as given
(`%2F` stays), no header is added except `Host`, the body framing (`Content-Length` or
`Transfer-Encoding: chunked`) and the `X-Forwarded-*` fields the caller supplies.

Connections are kept alive and reused (at most `max_connections`, most recently used first), but not
after an error answer other than 404: llama-stack 0.7.3 (after a 400 to an unknown benchmark) and OGX
1.5.0 (after a 500) keep such a connection open without `Connection: close` and never answer on it
again, and a POST, which is never sent twice, would wait on it until the read timeout. A 404, the
answer of every read of an absent resource, was seen to leave the connection sound. When a
pooled connection turns out to be closed by the upstream before any byte of the answer (its idle
keep-alive timeout raced the request), an idempotent request with a replayable body is sent once more
on a new connection. Any other request only takes a connection idle for less than `FRESH_IDLE_S`, so
that race cannot hit it (RFC 9112 section 9.3.1: no automatic retry of a non-idempotent request).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, cast

import httptools
import yarl

from migrate.errors import MigrateError
from migrate.shim.asgi import Body, ClientDisconnected
from migrate.shim.headers import Header, end_to_end

log = logging.getLogger("migrate.shim")

#: Bytes of a streamed request body read before the request is sent; a body that ends within them is replayable.
_READ_AHEAD = 64 * 1024
#: Methods whose request may be sent twice (RFC 9110 section 9.2.2).
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
#: A request that cannot be sent again (another method, or a body beyond the read-ahead) uses a pooled
#: connection only if it has been idle for less than this many seconds. Servers close idle keep-alive
#: connections after a few seconds (uvicorn: 5 s); such a close racing the request would fail it.
FRESH_IDLE_S = 1.0
#: Answer bytes held for a slow client before reading from the upstream pauses.
_HIGH_WATER = 256 * 1024
#: What may not appear in a request target or a header field sent upstream (no request smuggling).
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_BAD_NAME = re.compile(rb"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")
_BAD_VALUE = re.compile(rb"[\x00\r\n]")
#: Error answers after which a connection is still reused (see the module docstring); after any other, it is closed.
_SOUND_AFTER = frozenset({404})
#: The fields that give a message its length; an answer with neither (nor a status without body) ends at close.
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})
#: Request headers the client sets itself (the framing is decided per request).
_OWN_HEADERS = _FRAMING | {b"host"}


class UpstreamError(MigrateError):
    """The upstream could not be reached, broke the exchange, or answered what cannot be used (`invalid`).

    `kind` picks the problem answered (`problems.upstream_failure`).
    """

    def __init__(self, kind: Literal["unavailable", "timeout", "protocol", "invalid"], message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class UpstreamConfig:
    """Where the upstream is and how patiently to talk to it (seconds)."""

    base_url: str
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    pool_timeout: float = 30.0
    max_connections: int = 100


def tls_context() -> ssl.SSLContext:
    """How an `https://` upstream is verified: the system's trust store and the host name (Python's defaults).

    OpenSSL's default paths are used, so `SSL_CERT_FILE` and `SSL_CERT_DIR` name a private CA. The
    start-up version probe (`version.probe_version`) uses this context too: both trust the same servers.
    """
    return ssl.create_default_context()


@dataclass(frozen=True)
class PoolStats:
    """The upstream connection pool at one moment: connections `in_use` by a request or `idle` in the pool."""

    in_use: int
    idle: int


@dataclass(frozen=True)
class UpstreamResponse:
    """Status, end-to-end headers (lower-case names) and the body as it arrives."""

    status: int
    headers: list[Header]
    body: AsyncIterator[bytes]


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection to the upstream, carrying one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._write_paused = False
        self.closed: asyncio.Future[None] = loop.create_future()
        self.lost = False
        self.idle_since = 0.0
        self.error: UpstreamError | None = None
        self.begin(head_only=False)
        self.active = False

    def begin(self, *, head_only: bool) -> None:
        """Start an exchange; `head_only` for a HEAD request, whose answer has no body."""
        self.active = True
        self.head_only = head_only
        self.started = False
        self.interim = False
        self.status = 0
        self.headers: list[Header] = []
        self.has_head = False
        self.framed = True
        self.complete = False
        self.keep_alive = False
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.reading_paused = False

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def data_received(self, data: bytes) -> None:
        if self.complete or not self.active:
            self._stray()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.fail(UpstreamError("protocol", "the upstream switched protocols"))
        except httptools.HttpParserError as exc:
            if self.complete:  # the bytes after a complete answer: the answer stands
                self._stray()
            else:
                self.fail(UpstreamError("protocol", f"the upstream sent a malformed answer ({type(exc).__name__})"))

    def _stray(self) -> None:
        """Bytes that answer no request: the connection can no longer be trusted, so it is closed, never reused."""
        self.keep_alive = False
        self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.complete and self.error is None:
            if self.has_head and not self.framed:
                self.complete = True  # an answer without a length ends with the connection
            else:
                self.error = UpstreamError(
                    "protocol", "the upstream closed the connection before its answer was complete"
                )
        self._wake()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        if not self.closed.done():
            self.closed.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    # llhttp callbacks

    def on_message_begin(self) -> None:
        if self.complete:
            raise RuntimeError("a second answer to one request")
        self.started = True
        self.headers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:  # 1xx interim answer (101 raises HttpParserUpgrade): the final one follows
            self.interim = True
            return
        self.status = status
        self.has_head = True
        self.framed = self.head_only or status in (204, 304) or any(name in _FRAMING for name, _ in self.headers)
        if self.head_only:
            self.complete = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        if self.complete:
            return  # the body of an answer to HEAD: not relayed, and the connection is not reused
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER and not self.reading_paused and self._transport is not None:
            self.reading_paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.complete:
            return
        if self.interim:
            self.interim = False
            return
        self.keep_alive = self._parser.should_keep_alive()
        self.complete = True
        self._wake()

    # the exchange

    def write(self, data: bytes) -> None:
        if self.lost or self._transport is None:
            raise UpstreamError("protocol", "the upstream closed the connection while the request was sent")
        self._transport.write(data)

    async def drain(self) -> None:
        if self._write_paused and not self.lost:
            self._drain = self._loop.create_future()
            await self._drain
        if self.lost:
            raise UpstreamError("protocol", "the upstream closed the connection while the request was sent")

    async def wait(self, timeout: float, abandon: asyncio.Future[None] | None = None) -> None:
        """Until the next event of the answer; `UpstreamError` on a broken exchange or after `timeout` s of silence.

        `ClientDisconnected` as soon as `abandon` (the client-gone future) is done.
        """
        if self.error is None:
            waiter = self._waiter = self._loop.create_future()
            timer = self._loop.call_later(timeout, _expire, waiter)
            if abandon is not None:
                abandon.add_done_callback(self._abandoned)
            try:
                await waiter
            finally:
                timer.cancel()
                if abandon is not None:
                    abandon.remove_done_callback(self._abandoned)
                self._waiter = None
        if self.error is not None:
            raise self.error

    def _abandoned(self, _: asyncio.Future[None]) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ClientDisconnected("the client disconnected before the answer was complete"))

    async def body(self, timeout: float, abandon: asyncio.Future[None] | None = None) -> AsyncIterator[bytes]:
        while True:
            if abandon is not None and abandon.done():
                raise ClientDisconnected("the client disconnected before the answer was complete")
            if self.chunks:
                chunk = self.chunks.popleft()
                self.buffered -= len(chunk)
                if self.reading_paused and not self.chunks and self._transport is not None:
                    self.reading_paused = False
                    self._transport.resume_reading()
                yield chunk
            elif self.complete:
                return
            else:
                await self.wait(timeout, abandon)

    @property
    def reusable(self) -> bool:
        """The last answer ended cleanly, was no error answer that can leave the connection dead, and it stays open."""
        return (
            self.complete
            and self.keep_alive
            and self.error is None
            and (self.status < 400 or self.status in _SOUND_AFTER)
            and not self.head_only
            and not self.chunks
            and not self.lost
        )

    def fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self.close()
        self._wake()

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(UpstreamError("timeout", "the upstream did not answer in time"))


class _Exchange:
    """`async with upstream.request(...) as response`: the connection goes back to the pool at the end."""

    def __init__(
        self,
        upstream: Upstream,
        method: str,
        target: str,
        headers: Sequence[Header],
        body: Body,
        abandon: asyncio.Future[None] | None,
    ) -> None:
        self._upstream = upstream
        self._request = (method, target, headers, body, abandon)
        self._abandon = abandon
        self._connection: _Connection | None = None

    async def __aenter__(self) -> UpstreamResponse:
        connection = self._connection = await self._upstream._exchange(*self._request)
        body = connection.body(self._upstream.config.read_timeout, self._abandon)
        return UpstreamResponse(connection.status, end_to_end(connection.headers), body)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self._upstream._release(self._connection)


class Upstream:
    """The fixed upstream server, reached through one pool of keep-alive connections."""

    def __init__(self, config: UpstreamConfig) -> None:
        self.config = config
        base = yarl.URL(config.base_url)
        self._origin = base.origin()
        self._prefix = base.raw_path.rstrip("/")
        self.host = base.raw_authority
        self._host_header = base.raw_authority.encode("ascii")
        self._address = (base.raw_host or "", base.port or (443 if base.scheme == "https" else 80))
        self._ssl = tls_context() if base.scheme == "https" else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[_Connection] = []
        self._open = 0
        self._slots: collections.deque[asyncio.Future[None]] = collections.deque()
        self._all: set[_Connection] = set()

    def url(self, target: str) -> yarl.URL:
        """The upstream URL of an origin-form `target` (path and query, already percent-encoded)."""
        return yarl.URL(str(self._origin) + self._prefix + target, encoded=True)

    def request(
        self,
        method: str,
        target: str,
        headers: Sequence[Header],
        body: Body,
        abandon: asyncio.Future[None] | None = None,
    ) -> _Exchange:
        """Send one request; the response body must be consumed inside the `async with` block.

        `target` is origin-form (path and query, percent-encoded); `headers` lower-case, without `Host`.
        When `abandon` (`client_gone`) is done before the answer is complete, waiting for it raises
        `ClientDisconnected` and the upstream connection is closed, so the upstream sees the request end.
        """
        return _Exchange(self, method, target, headers, body, abandon)

    def stats(self) -> PoolStats:
        """How many connections are open now, in use or idle (those the upstream has closed are not counted).

        Safe to call from another thread (the metrics listener): the collections are copied first.
        """
        idle = {connection for connection in tuple(self._idle) if not connection.lost}
        in_use = sum(1 for connection in tuple(self._all) if not connection.lost and connection not in idle)
        return PoolStats(in_use=in_use, idle=len(idle))

    async def aclose(self) -> None:
        """Close every connection (a later request opens new ones)."""
        connections, self._all, self._idle = self._all, set(), []
        self._open = 0
        for connection in connections:
            connection.close()
        waiting = [connection.closed for connection in connections if not connection.closed.done()]
        if waiting:
            await asyncio.wait(waiting, timeout=5)

    async def _exchange(
        self,
        method: str,
        target: str,
        headers: Sequence[Header],
        body: Body,
        abandon: asyncio.Future[None] | None,
    ) -> _Connection:
        if _BAD_TARGET.search(target):
            raise UpstreamError("protocol", "the request target has a character that cannot go upstream")
        streamed = body is not None and not isinstance(body, bytes)
        payload = body if isinstance(body, bytes) else None
        rest: AsyncIterator[bytes] | None = None
        if body is not None and not isinstance(body, bytes):
            payload, rest = await _read_ahead(body)
        chunked = streamed and not any(name == b"content-length" for name, _ in headers)
        first = self._head(method, target, headers, payload, streamed, chunked)
        if chunked:
            first += (_frame(payload) if payload else b"") + (b"0\r\n\r\n" if rest is None else b"")
        elif payload:
            first += payload
        replayable = rest is None and method in _IDEMPOTENT
        for attempt in (1, 2):
            connection, reused = await self._acquire(max_idle=None if replayable else FRESH_IDLE_S)
            try:
                connection.begin(head_only=method == "HEAD")
                connection.write(first)
                if rest is not None:
                    await _send_stream(connection, rest, chunked)
                while not connection.has_head:
                    await connection.wait(self.config.read_timeout, abandon)
                return connection
            except UpstreamError:
                self._discard(connection)
                if attempt == 1 and replayable and reused and connection.lost and not connection.started:
                    log.debug("a pooled upstream connection was closed by the upstream; sending again")
                    continue
                raise
            except BaseException:
                self._discard(connection)
                raise
        raise AssertionError("unreachable")

    def _head(
        self,
        method: str,
        target: str,
        headers: Sequence[Header],
        payload: bytes | None,
        streamed: bool,
        chunked: bool,
    ) -> bytes:
        lines = [
            method.encode("ascii"),
            b" ",
            (self._prefix + target).encode("ascii"),
            b" HTTP/1.1\r\nhost: ",
            self._host_header,
        ]
        for name, value in headers:
            if name in _OWN_HEADERS and not (name == b"content-length" and streamed and not chunked):
                continue
            if _BAD_NAME.search(name) or _BAD_VALUE.search(value):
                raise UpstreamError("protocol", "a request header cannot go upstream (invalid name or value)")
            lines += (b"\r\n", name, b": ", value)
        if chunked:
            lines.append(b"\r\ntransfer-encoding: chunked")
        elif payload is not None and not streamed:
            lines += (b"\r\ncontent-length: ", str(len(payload)).encode("ascii"))
        lines.append(b"\r\n\r\n")
        return b"".join(lines)

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._idle, self._all, self._open = [], set(), 0
            self._slots.clear()

    async def _acquire(self, *, max_idle: float | None) -> tuple[_Connection, bool]:
        """A pooled connection (idle for at most `max_idle` s, if given) or a new one; True when pooled."""
        self._bind()
        while True:
            now = time.monotonic()
            while self._idle:
                connection = self._idle.pop()
                if connection.lost:
                    self._forget(connection)
                elif max_idle is not None and now - connection.idle_since > max_idle:
                    self._discard(connection)
                else:
                    return connection, True
            if self._open < self.config.max_connections:
                self._open += 1
                try:
                    connection = await self._connect()
                except BaseException:
                    self._open -= 1
                    self._wake_slot()
                    raise
                self._all.add(connection)
                return connection, False
            await self._wait_slot()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        host, port = self._address
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Connection(loop), host, port, ssl=self._ssl, server_hostname=host if self._ssl else None
                ),
                self.config.connect_timeout,
            )
        except asyncio.TimeoutError as exc:
            raise UpstreamError("timeout", "connecting to the upstream timed out") from exc
        except OSError as exc:
            raise UpstreamError("unavailable", f"cannot connect to the upstream: {exc}") from exc
        return connection

    async def _wait_slot(self) -> None:
        assert self._loop is not None
        slot: asyncio.Future[None] = self._loop.create_future()
        self._slots.append(slot)
        timer = self._loop.call_later(self.config.pool_timeout, _expire_slot, slot)
        try:
            await slot
        finally:
            timer.cancel()
            if not slot.done() or slot.cancelled():
                self._remove_slot(slot)

    def _remove_slot(self, slot: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):
            self._slots.remove(slot)

    def _wake_slot(self) -> None:
        while self._slots:
            slot = self._slots.popleft()
            if not slot.done():
                slot.set_result(None)
                return

    def _release(self, connection: _Connection) -> None:
        connection.active = False
        if connection.reusable and connection in self._all:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
            self._wake_slot()
        else:
            self._discard(connection)

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._forget(connection)

    def _forget(self, connection: _Connection) -> None:
        if connection in self._all:
            self._all.discard(connection)
            self._open -= 1
            connection.close()
            self._wake_slot()


def _expire_slot(slot: asyncio.Future[None]) -> None:
    if not slot.done():
        slot.set_exception(UpstreamError("timeout", "no upstream connection became free in time"))


def _frame(chunk: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(chunk), chunk)


async def _read_ahead(body: AsyncIterator[bytes]) -> tuple[bytes, AsyncIterator[bytes] | None]:
    """Up to `_READ_AHEAD` bytes of `body`, and the rest as a stream (None when the body ended within them)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in body:
        parts.append(chunk)
        size += len(chunk)
        if size > _READ_AHEAD:
            return b"".join(parts), body
    return b"".join(parts), None


async def _send_stream(connection: _Connection, stream: AsyncIterator[bytes], chunked: bool) -> None:
    async for chunk in stream:
        connection.write(_frame(chunk) if chunked else chunk)
        await connection.drain()
    if chunked:
        connection.write(b"0\r\n\r\n")

"""The HTTP server the shim runs on: uvicorn with llhttp (`httptools`), keeping the request target as sent.

uvicorn's httptools protocol puts only the *path* of the request target into the ASGI scope: it
turns `GET http://other.example/v1/models` (absolute-form) into `/v1/models`, drops a `#fragment`,
and answers an authority-form target (`CONNECT host:443`) or `OPTIONS *` with a 400 before
the app sees it. The shim must refuse the first kind with its own problem answer, and must never
forward it as if it were origin-form. `ShimHttpProtocol` therefore sets `raw_path` and
`query_string` from the request target exactly as received, split at the first `?` (what uvicorn's
h11 protocol does), so `matching.parse_target` sees and refuses every target that is not a plain
absolute path. Bytes llhttp cannot parse get the `invalid-http-request` problem document instead of
uvicorn's plain-text 400.

It also gathers what uvicorn writes to one connection during one turn of the event loop into a
single `send()`: uvicorn writes an answer's head and its body separately, two system calls where one
does (on asyncio's loop and on uvloop alike). httptools is used instead of h11 because it is several
times cheaper per request, and uvloop, when it is installed, because it saved a further 4-22% of
CPU per request under concurrency. These choices were made by measurement (`benchmarks/shim_speed.py`, docs/shim.md
"Speed"). `server_config` is the one place that builds the uvicorn configuration; the `shim`
command and the tests both use it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Literal

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from migrate.shim.asgi import CLIENT_GONE
from migrate.shim.problems import PROBLEM_CONTENT_TYPE, invalid_http_request

#: The event loop: `auto` is uvloop when it is installed (not on Windows), else the standard library's.
Loop = Literal["auto", "asyncio", "uvloop"]


class _BatchedWrites(asyncio.Transport):
    """A transport whose writes of one event-loop turn go out together, at the end of that turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._pending is None:
            self._pending = [bytes(data)]
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(bytes(data))

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending:
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = None
        self._transport.abort()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending or ()))

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)


class ShimHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with `raw_path` and `query_string` taken from the request target as sent.

    Each request's scope also carries, under `extensions[asgi.CLIENT_GONE]`, a future that is done once
    the client's connection is lost (uvicorn itself only tells an app that is waiting in `receive()`).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        loop = asyncio.get_running_loop()
        self._client_gone: asyncio.Future[None] = loop.create_future()
        super().connection_made(_BatchedWrites(transport, loop))

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if not self._client_gone.done():
            self._client_gone.set_result(None)

    def send_400_response(self, msg: str) -> None:
        """What uvicorn sends when llhttp rejects the bytes: a problem document instead of plain text."""
        body = invalid_http_request().body()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: " + PROBLEM_CONTENT_TYPE.encode("ascii") + b"\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def on_headers_complete(self) -> None:
        target: bytes = self.url
        if not target.startswith(b"/"):
            # Not origin-form: let uvicorn build the scope from a harmless path, then put the real
            # target in place so the app refuses it (httptools' URL parser would reject some forms).
            self.url = b"/"
        super().on_headers_complete()
        self.url = target
        raw_path, _, query = target.partition(b"?")
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        if "raw_path" in scope:  # absent only for an upgrade request, which is refused
            scope["raw_path"] = raw_path
            scope["query_string"] = query
            scope["extensions"] = {CLIENT_GONE: self._client_gone}


def server_config(app: Any, *, host: str, port: int, log_level: str, loop: Loop = "auto") -> uvicorn.Config:
    """The uvicorn configuration of the shim: `ShimHttpProtocol`, no websockets, no access log, no added headers."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=ShimHttpProtocol,
        loop=loop,
        ws="none",
        lifespan="on",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        log_level=log_level,
    )

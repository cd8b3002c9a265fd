"""The relay: a client's request body streamed upstream, and the upstream's answer streamed back to the client.

Nothing is buffered: the request body goes upstream as it arrives from the client (`request_body`), and
the answer goes back chunk by chunk as it arrives (SSE and chunked answers are flushed per chunk), so
a long or endless answer reaches the client as it is produced. Only the body of a deprecated call,
which the shim must read to answer it, is read whole, and only up to a limit (`read_body`).

A client that leaves ends the relay at once, so the upstream sees its request end too (`relay`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

from migrate.shim.asgi import Body, ClientDisconnected, Receive, Scope, Send
from migrate.shim.headers import Header
from migrate.shim.upstream import UpstreamResponse

log = logging.getLogger("migrate.shim")

#: Extra answer headers that are added beside the upstream's own instead of replacing them.
_ADDITIVE = frozenset({b"link"})


def request_body(scope: Scope, receive: Receive, complete: asyncio.Event) -> Body:
    """The client's body as a stream for `Upstream.request`, or None when the request has none (RFC 9112 6.3)."""
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
    gone: asyncio.Future[None] | None = None,
) -> bool:
    """Send the upstream answer to the client as it arrives; False when the client left before its end.

    `extra_headers` replace the upstream's fields of the same name, except `Link`, which is added.

    `gone` is the server's client-gone future (`client_gone`), also given to `Upstream.request`: the
    body then stops the moment the client leaves. Without it (another ASGI server), an answer of
    unknown length (chunked, SSE) is watched for a client disconnect instead, so an endless stream is
    dropped as soon as nobody reads it. An upstream failure after the headers are sent raises
    `UpstreamError`: the caller then ends the exchange without completing the body, which makes the
    server close the connection so the client sees a truncated answer.
    """
    replaced = {name for name, _ in extra_headers} - _ADDITIVE
    headers = [header for header in response.headers if header[0] not in replaced]
    await send({"type": "http.response.start", "status": response.status, "headers": [*headers, *extra_headers]})
    if gone is not None:
        try:
            await _pump(response.body, send)
        except ClientDisconnected:
            log.info("client disconnected during an answer; upstream request closed")
            return False
        return True
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
    async for chunk in body:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive, body_complete: asyncio.Event) -> None:
    await body_complete.wait()
    while (await receive())["type"] != "http.disconnect":
        pass

"""The shim's own upstream client (`upstream.Upstream`) against scripted raw HTTP/1.1 servers on real sockets.

Each server is an asyncio server on 127.0.0.1 whose handler writes exactly the bytes a test needs:
keep-alive connections closed by the server, answers to HEAD, 1xx interim answers, answers whose
length is the connection's, malformed answers, slow answers, a small pool.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from migrate.shim.upstream import FRESH_IDLE_S, Upstream, UpstreamConfig, UpstreamError
from tests.shim.conftest import run

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


def answer(body: bytes, status: bytes = b"200 OK", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\ncontent-length: %d\r\n" % len(body) + extra + b"\r\n" + body


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request's head and body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return head, body
            body += chunk[:-2]
    marker = lower.find(b"content-length: ")
    length = int(lower[marker + 16 :].split(b"\r\n", 1)[0]) if marker >= 0 else 0
    return head, await reader.readexactly(length)


@asynccontextmanager
async def scripted(handler: Handler) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server calling `handler(reader, writer, connection_number)`; yields its URL and every request head seen."""
    heads: list[bytes] = []
    count = 0

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        count += 1
        try:
            await handler(_Recording(reader, heads), writer, count)  # type: ignore[arg-type]
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", heads
    finally:
        server.close()
        await server.wait_closed()


class _Recording:
    """A StreamReader that remembers every request head read through `readuntil(CRLFCRLF)`."""

    def __init__(self, reader: asyncio.StreamReader, heads: list[bytes]) -> None:
        self._reader = reader
        self._heads = heads

    async def readuntil(self, separator: bytes) -> bytes:
        data = await self._reader.readuntil(separator)
        if separator == b"\r\n\r\n":
            self._heads.append(data)
        return data

    async def readexactly(self, size: int) -> bytes:
        return await self._reader.readexactly(size)


async def fetch(upstream: Upstream, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    async with upstream.request(method, "/thing", [(b"accept", b"*/*")], body) as response:
        return response.status, b"".join([chunk async for chunk in response.body])


def test_a_pooled_connection_the_upstream_closed_is_replaced_for_an_idempotent_request() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        await read_request(reader)
        writer.write(answer(b"one"))
        await writer.drain()
        await read_request(reader)  # the next request on this connection: closed unanswered (idle timeout race)

    async def scenario() -> None:
        async with scripted(handler) as (url, heads):
            upstream = Upstream(UpstreamConfig(url))
            assert await fetch(upstream) == (200, b"one")
            assert await fetch(upstream, "DELETE") == (200, b"one")  # sent again on a new connection
            await upstream.aclose()
        assert len(heads) == 3

    run(scenario())


def test_a_post_is_not_sent_twice_and_avoids_connections_idle_too_long() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        await read_request(reader)
        writer.write(answer(b"%d" % number))
        await writer.drain()
        await read_request(reader)  # then closed unanswered

    async def scenario() -> None:
        async with scripted(handler) as (url, heads):
            upstream = Upstream(UpstreamConfig(url))
            assert await fetch(upstream, "POST", b"{}") == (200, b"1")
            with pytest.raises(UpstreamError) as raised:  # RFC 9112 9.3.1: no automatic retry of a POST
                await fetch(upstream, "POST", b"{}")
            assert raised.value.kind == "protocol"
            assert len(heads) == 2
            assert await fetch(upstream, "POST", b"{}") == (200, b"2")
            await asyncio.sleep(FRESH_IDLE_S + 0.2)
            assert await fetch(upstream, "POST", b"{}") == (200, b"3")  # a new connection, not the idle one
            await upstream.aclose()
        assert len(heads) == 4

    run(scenario())


def test_head_interim_and_close_delimited_answers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        head, _ = await read_request(reader)
        if head.startswith(b"HEAD"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")  # no body follows
            await writer.drain()
            await read_request(reader)
        elif number == 2:
            writer.write(b"HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n" + answer(b"final"))
            await writer.drain()
            await read_request(reader)
        else:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end")
            await writer.drain()

    async def scenario() -> None:
        async with scripted(handler) as (url, _):
            upstream = Upstream(UpstreamConfig(url, read_timeout=5))
            async with upstream.request("HEAD", "/thing", [], None) as response:
                assert response.status == 200
                assert (b"content-length", b"1000") in response.headers
                assert [chunk async for chunk in response.body] == []
            async with upstream.request("GET", "/thing", [], None) as response:
                assert response.status == 200
                assert b"".join([chunk async for chunk in response.body]) == b"final"
            assert await fetch(upstream) == (200, b"until the end")
            await upstream.aclose()

    run(scenario())


def test_malformed_truncated_and_silent_answers_are_upstream_errors() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        head, _ = await read_request(reader)
        if b"/malformed" in head:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nabcde")
        elif b"/truncated" in head:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this")
        else:
            await asyncio.sleep(2)
        await writer.drain()

    async def scenario() -> None:
        async with scripted(handler) as (url, _):
            upstream = Upstream(UpstreamConfig(url, read_timeout=0.3))
            for path, kind in (("/malformed", "protocol"), ("/silent", "timeout")):
                with pytest.raises(UpstreamError) as raised:
                    async with upstream.request("GET", path, [], None):
                        pass
                assert raised.value.kind == kind
            async with upstream.request("GET", "/truncated", [], None) as response:
                assert response.status == 200
                with pytest.raises(UpstreamError) as raised:
                    [chunk async for chunk in response.body]
                assert raised.value.kind == "protocol"
            await upstream.aclose()

    run(scenario())


def test_the_pool_limit_holds_and_a_full_pool_times_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        while True:
            await read_request(reader)
            await asyncio.sleep(0.3)
            writer.write(answer(b"%d" % number))
            await writer.drain()

    async def scenario() -> None:
        async with scripted(handler) as (url, _):
            upstream = Upstream(UpstreamConfig(url, max_connections=1, pool_timeout=5))
            results = await asyncio.gather(*(fetch(upstream) for _ in range(3)))
            assert results == [(200, b"1")] * 3  # one connection, used in turn
            await upstream.aclose()
            impatient = Upstream(UpstreamConfig(url, max_connections=1, pool_timeout=0.1))
            outcomes = await asyncio.gather(fetch(impatient), fetch(impatient), return_exceptions=True)
            assert outcomes[0] == (200, b"2")
            assert isinstance(outcomes[1], UpstreamError)
            assert outcomes[1].kind == "timeout"
            await impatient.aclose()

    run(scenario())


def test_bodies_are_framed_as_given_and_large_answers_stream_through() -> None:
    large = bytes(range(256)) * 4096  # 1 MiB: beyond the read-ahead and the read buffer's high-water mark

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        while True:
            head, body = await read_request(reader)
            framing = b"chunked" if b"transfer-encoding: chunked" in head.lower() else b"length"
            if b"/large" in head:
                writer.write(answer(large))
            else:
                writer.write(answer(framing + b" " + hashlib.sha256(body).hexdigest().encode()))
            await writer.drain()

    async def chunks(data: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(data), 50_000):
            yield data[start : start + 50_000]

    async def scenario() -> None:
        async with scripted(handler) as (url, _):
            upstream = Upstream(UpstreamConfig(url))
            for data, headers, framing in (
                (large, [(b"content-length", str(len(large)).encode())], b"length"),  # kept, streamed raw
                (large, [], b"chunked"),  # a chunked body stays chunked
                (b"small", [], b"chunked"),  # even when it fits the read-ahead
            ):
                async with upstream.request("POST", "/upload", headers, chunks(data)) as response:
                    received = b"".join([chunk async for chunk in response.body])
                assert received == framing + b" " + hashlib.sha256(data).hexdigest().encode()
            async with upstream.request("GET", "/large", [], None) as response:
                parts = [chunk async for chunk in response.body]
            assert b"".join(parts) == large
            assert len(parts) > 1  # streamed, not gathered
            await upstream.aclose()

    run(scenario())


def test_header_values_that_would_split_the_request_are_refused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        await read_request(reader)

    async def scenario() -> None:
        async with scripted(handler) as (url, heads):
            upstream = Upstream(UpstreamConfig(url))
            for headers, target in (
                ([(b"x-evil", b"a\r\nGET /smuggled HTTP/1.1")], "/thing"),
                ([(b"bad name", b"x")], "/thing"),
                ([], "/thing HTTP/1.1\r\nx: y"),
            ):
                with pytest.raises(UpstreamError) as raised:
                    async with upstream.request("GET", target, headers, None):
                        pass
                assert raised.value.kind == "protocol"
            await upstream.aclose()
        assert heads == []

    run(scenario())


def test_a_connection_is_not_reused_after_an_error_answer_that_can_leave_it_dead() -> None:
    """OGX 1.5.0 after a 500, llama-stack 0.7.3 after a 400: the connection stays open and never answers again."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> None:
        head, _ = await read_request(reader)
        status = head.split(b" ", 2)[1].split(b"?")[0].rsplit(b"/", 1)[1]
        if status == b"thing":
            writer.write(answer(b"%d" % number))
        else:
            writer.write(answer(b"{}", status + b" Whatever"))
        await writer.drain()
        if status in (b"thing", b"404"):
            await handler(reader, writer, number)  # a sound connection answers the next request
        else:
            await read_request(reader)  # the next request on this connection is never answered
            await asyncio.sleep(30)

    async def error(upstream: Upstream, status: str) -> int:
        async with upstream.request("GET", f"/status/{status}", [], None) as response:
            _ = [chunk async for chunk in response.body]  # the whole answer, as the relay reads it
            return response.status

    async def scenario() -> None:
        async with scripted(handler) as (url, _):
            upstream = Upstream(UpstreamConfig(url, read_timeout=3.0))
            assert await error(upstream, "500") == 500
            assert await fetch(upstream, "POST", b"{}") == (200, b"2")  # a new connection, not the dead one
            assert await error(upstream, "400") == 400
            assert await fetch(upstream, "POST", b"{}") == (200, b"3")
            assert await error(upstream, "404") == 404
            assert await fetch(upstream, "POST", b"{}") == (200, b"3")  # a 404 leaves the connection in use
            assert upstream.stats().idle == 1
            await upstream.aclose()

    run(scenario())

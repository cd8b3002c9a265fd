"""A small HTTP/1.1 load generator for the shim's load and fleet tests: raw asyncio sockets, llhttp parsing.

`drive(url, calls, concurrency)` opens `concurrency` keep-alive connections and sends every call once,
each connection taking the next call when its answer is complete. Each call carries its own check of
the answer (status, headers, exact body), written from what the test sent. An answer that fails its
check is *corrupted*; a call whose connection closed (or timed out) before a complete answer is
*lost*. Nothing is retried, so every loss is counted. httpx is not used: at 64 connections its own
cost per request would dominate a 2-core machine (httpx issue #3215), and the tests need the raw bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httptools

#: (status, headers with lower-case names, body) -> what is wrong with the answer, or None when it is right.
Check = Callable[[int, dict[str, str], bytes], str | None]


@dataclass(frozen=True)
class Call:
    """One request and the check of its answer."""

    method: str
    target: str
    check: Check
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", "host: shim"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in ("POST", "PUT"):
            lines.append(f"content-length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Results:
    """What happened to every call."""

    sent: int = 0
    answered: int = 0
    lost: list[str] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


class _Answer:
    """llhttp callbacks gathering one answer."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.complete = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


async def drive(url: str, calls: Sequence[Call], concurrency: int, timeout: float = 120.0) -> Results:
    """Send every call over `concurrency` connections to `url` (http://127.0.0.1:PORT)."""
    host, port = url.removeprefix("http://").split(":")
    results = Results()
    pending = iter(calls)

    async def worker() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        for call in pending:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, int(port))
            assert reader is not None
            results.sent += 1
            try:
                status, answer = await asyncio.wait_for(_exchange(reader, writer, call), timeout)
            except (
                ConnectionError,
                asyncio.IncompleteReadError,
                asyncio.TimeoutError,
                httptools.HttpParserError,
            ) as exc:
                results.lost.append(f"{call.method} {call.target}: {type(exc).__name__} {exc}")
                writer.close()
                reader = writer = None
                continue
            results.answered += 1
            results.statuses[status] = results.statuses.get(status, 0) + 1
            problem = call.check(status, answer.headers, bytes(answer.body))
            if problem is not None:
                results.corrupted.append(f"{call.method} {call.target}: {problem}")
            if answer.headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, call: Call) -> tuple[int, _Answer]:
    writer.write(call.encode())
    await writer.drain()
    answer = _Answer()
    parser = httptools.HttpResponseParser(answer)
    if call.method == "HEAD":
        raise ValueError("HEAD is not supported by this generator")
    while not answer.complete:
        data = await reader.read(65536)
        if not data:
            raise ConnectionError("the connection closed before the answer was complete")
        parser.feed_data(data)
    return parser.get_status_code(), answer

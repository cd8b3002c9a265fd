"""A real upstream that misbehaves on purpose: raw asyncio sockets on 127.0.0.1, in a thread of its own.

Every fault is produced for real on the wire, chosen by the request path:

| path | what the upstream does |
|---|---|
| `/ok` | a normal keep-alive answer (`200`, `ok`) |
| `/v1/version` | `{"version": "0.7.3"}` |
| `/v1/models/<id>`, `/v1beta/connectors` | a read: `read_fault` says how (`None`: the model, the listing) |
| `/silent`, `.../silent` | reads the request and never answers |
| `/reset` | reads the request and resets the connection (RST) |
| `/garbage` | answers bytes that are not HTTP, then closes |
| `/reset-mid-body` | `Content-Length: 100000`, 1,000 bytes, then RST |
| `/reset-mid-chunked` | a chunked answer, one chunk, then RST |
| `/stall-mid-body` | `Content-Length: 100000`, 1,000 bytes, then silence |
| `/bad-chunk` | a chunked answer, one chunk, then a chunk header that is not hex |
| `/trailing-garbage` | a complete answer followed by stray bytes on the same connection |
| `/trickle-sized`, `/trickle-chunked` | a long answer (10 MB with a length, or chunked) sent 1 KiB every 10 ms |
| anything else | `200`, `null` |

The trickles run until the answer is complete or the connection is closed by the peer; `trickles`
records which, so a test sees from the upstream's side whether the shim cancelled the request.
`live` counts the connections that are open right now (from the upstream's side).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

ReadFault = Literal["reset", "garbage-http", "garbage-json", "silent", "wrong-shape"] | None

TRICKLE_TOTAL = 10 * 1024 * 1024
TRICKLE_PIECE = b"x" * 1024


@dataclass
class FaultyUpstream:
    """The misbehaving server; the attributes are read and set by the test thread (plain ints and flags)."""

    read_fault: ReadFault = None
    live: int = 0
    connections: int = 0
    requests: list[str] = field(default_factory=list)
    #: path -> "closed-by-peer" or "complete", for each trickle that ended
    trickles: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.live += 1
            self.connections += 1
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                path = head.split(b" ", 2)[1].decode("latin-1")
                with self._lock:
                    self.requests.append(path)
                if not await self._answer(path, reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with self._lock:
                self.live -= 1
            writer.close()

    async def _answer(self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection is done."""
        if path.startswith("/v1/models/") or path == "/v1beta/connectors":
            return await self._read(path, reader, writer)
        if path == "/v1/version":
            writer.write(_answer(json.dumps({"version": "0.7.3"}).encode(), b"application/json"))
        elif path == "/ok":
            writer.write(_answer(b"ok"))
        elif path.endswith("/silent"):
            await reader.read()  # until the peer closes
            return False
        elif path == "/reset":
            _reset(writer)
            return False
        elif path == "/garbage":
            writer.write(b"\x00\xffTHIS IS NOT HTTP\r\n\r\n\x01\x02")
            await writer.drain()
            return False
        elif path in ("/reset-mid-body", "/stall-mid-body"):
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n" + b"y" * 1000)
            await writer.drain()
            if path == "/reset-mid-body":
                await asyncio.sleep(0.05)
                _reset(writer)
            else:
                await reader.read()
            return False
        elif path == "/reset-mid-chunked":
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)
            _reset(writer)
            return False
        elif path == "/bad-chunk":
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(b"zz\r\nnot a chunk\r\n")
            await writer.drain()
            await reader.read()
            return False
        elif path == "/trailing-garbage":
            writer.write(_answer(b"complete") + b"EXTRA BYTES THAT ANSWER NOTHING")
        elif path in ("/trickle-sized", "/trickle-chunked"):
            await self._trickle(path, reader, writer)
            return False
        else:
            writer.write(_answer(b"null", b"application/json"))  # any other request: done
        await writer.drain()
        return True

    async def _read(self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        identifier = path[len("/v1/models/") :].replace("%2F", "/")
        fault = self.read_fault
        if fault == "reset":
            _reset(writer)
            return False
        if fault == "silent":
            await reader.read()
            return False
        if fault == "garbage-http":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: nonsense\r\n\r\n{}")
        elif fault == "garbage-json":
            writer.write(_answer(b"{this is not json", b"application/json"))
        elif fault == "wrong-shape":
            writer.write(_answer(json.dumps({"identifier": 42}).encode(), b"application/json"))
        elif path == "/v1beta/connectors":
            listing = {"data": [{"connector_id": "weather", "url": "http://127.0.0.1:9/mcp"}]}
            writer.write(_answer(json.dumps(listing).encode(), b"application/json"))
        else:
            resource = {
                "identifier": identifier,
                "provider_resource_id": identifier.partition("/")[2],
                "provider_id": identifier.partition("/")[0],
                "type": "model",
                "metadata": {},
                "model_type": "llm",
            }
            writer.write(_answer(json.dumps(resource).encode(), b"application/json"))
        await writer.drain()
        return fault is None

    async def _trickle(self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chunked = path == "/trickle-chunked"
        if chunked:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % TRICKLE_TOTAL)
        closed = asyncio.ensure_future(reader.read())  # b"" when the peer closes (nothing else is sent)
        sent = 0
        outcome = "complete"
        try:
            while sent < TRICKLE_TOTAL:
                piece = b"%x\r\n%b\r\n" % (len(TRICKLE_PIECE), TRICKLE_PIECE) if chunked else TRICKLE_PIECE
                writer.write(piece)
                sent += len(TRICKLE_PIECE)
                await writer.drain()
                await asyncio.wait({closed}, timeout=0.01)
                if closed.done():
                    outcome = "closed-by-peer"
                    break
            if chunked and outcome == "complete":
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except ConnectionError:
            outcome = "closed-by-peer"
        finally:
            closed.cancel()
            with self._lock:
                self.trickles.append((path, outcome))


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """One request head (requests to this server have no body); None at the end of the connection."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None


def _answer(body: bytes, content_type: bytes = b"text/plain", status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 %b\r\ncontent-type: %b\r\ncontent-length: %d\r\n\r\n%b" % (status, content_type, len(body), body)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN (SO_LINGER with a zero timeout), as a crashed or killed peer does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextmanager
def serve_faulty(upstream: FaultyUpstream, port: int = 0) -> Iterator[str]:
    """Serve `upstream` on 127.0.0.1:`port` (0: a free one) from a thread with its own event loop; yields its URL.

    On exit the server stops and closes every connection, as an upstream that is shut down does.
    """
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, asyncio.AbstractServer] = {}

    async def start() -> None:
        box["server"] = await asyncio.start_server(upstream.handle, "127.0.0.1", port, reuse_address=True)
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    server = box["server"]
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:

        async def stop() -> None:
            server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

"""A small real upstream for the shim's tests, and a helper that serves any ASGI app on a real port.

`FakeUpstream` answers like a llama-stack 0.7 / OGX server where the shim cares (version gate,
`/v1/version`, model, provider and connector reads and listings in the target's shapes, a connector's
tools, 405/404 for removed routes) and offers test
routes: `/echo` (what arrived), `/bytes` (a fixed body), `/chunks` and `/sse` (streamed answers
that wait for the test between chunks), `/status/<code>`, `/hop`, `/cookie`, `/redirect`, `/slow`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

import uvicorn

Headers = list[tuple[bytes, bytes]]

PAYLOAD = bytes(range(256)) * 64  # 16 KiB, every byte value


@dataclass
class Seen:
    """One request as the upstream received it."""

    method: str
    raw_path: str
    query: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value.decode("latin-1") for key, value in self.headers if key == name.encode()]


def model(identifier: str, model_type: str = "llm") -> dict[str, Any]:
    """A model as llama-stack 0.7.3 answers GET /v1/models/{id} (with a field the legacy schema lacks)."""
    provider, _, resource = identifier.partition("/")
    return {
        "identifier": identifier,
        "provider_resource_id": resource,
        "provider_id": provider,
        "type": "model",
        "metadata": {},
        "model_type": model_type,
        "model_validation": None,
    }


#: The tools every declared connector's MCP server offers (as llama-stack 0.7.3 lists them: no `toolgroup_id`).
CONNECTOR_TOOLS = [
    {
        "toolgroup_id": None,
        "name": "lookup_ticket",
        "description": "Look a ticket up",
        "input_schema": {"type": "object", "properties": {"ticket_id": {"type": "string"}}},
        "output_schema": None,
        "metadata": {"endpoint": "http://127.0.0.1:9/mcp"},
    }
]
#: The tool of a built-in group (`builtin::websearch`, llama-stack 0.7.3's GET /v1/tools).
BUILTIN_TOOL = {"toolgroup_id": "builtin::websearch", "name": "web_search", "description": "Search the web"}


def listed_model(resource: dict[str, Any]) -> dict[str, Any]:
    """A model as the OpenAI listing of llama-stack 0.7.3 / OGX shows it (`GET /v1/models`)."""
    custom = {
        "model_type": resource["model_type"],
        "provider_id": resource["provider_id"],
        "provider_resource_id": resource["provider_resource_id"],
        **resource["metadata"],
    }
    return {
        "id": resource["identifier"],
        "object": "model",
        "created": 1796530954,
        "owned_by": "llama_stack",
        "custom_metadata": custom,
    }


@dataclass
class FakeUpstream:
    """A pure ASGI app; the state is plain attributes a test sets before it sends requests."""

    version: str = "0.7.3"
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    connectors: list[dict[str, Any]] = field(default_factory=list)
    providers: list[dict[str, Any]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    slow_seconds: float = 3.0
    fail_reads: bool = False
    streams_abandoned: int = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen = Seen(
            scope["method"], scope["raw_path"].decode("latin-1"), scope["query_string"].decode(), scope["headers"], body
        )
        self.seen.append(seen)
        await self._route(seen, send, receive)

    async def _route(self, seen: Seen, send: Any, receive: Any) -> None:
        path, method = seen.raw_path, seen.method
        client = seen.header("x-llamastack-client-version")
        if client and client[0].split(".")[:2] != self.version.split(".")[:2]:
            message = f"Client version {client[0]} is not compatible with server version {self.version}."
            return await _json(send, 426, {"error": {"message": message}})
        if path == "/v1/version":
            return await _json(send, 200, {"version": self.version})
        if self.fail_reads and method == "GET" and path != "/v1/version":
            return await _json(send, 503, {"error": {"message": "backend unavailable"}})
        if path == "/v1/models" and method == "GET":
            return await _json(send, 200, {"data": [listed_model(resource) for resource in self.models.values()]})
        if path.startswith("/v1/models/") and method == "GET":
            identifier = path[len("/v1/models/") :].replace("%2F", "/")
            if identifier in self.models:
                return await _json(send, 200, self.models[identifier])
            return await _json(send, 404, {"error": {"message": f"Model '{identifier}' not found."}})
        if path.startswith("/v1/models") and method in ("POST", "DELETE"):
            return await _json(send, 405, {"detail": "Method Not Allowed"})
        if path.startswith("/v1/toolgroups"):
            return await _json(send, 404, {"detail": "Not Found"})
        if path in ("/v1beta/connectors", "/v1alpha/admin/connectors"):
            return await _json(send, 200, {"data": self.connectors})
        for prefix in ("/v1beta/connectors/", "/v1alpha/admin/connectors/"):
            if path.startswith(prefix) and path.endswith("/tools"):
                connector = unquote(path[len(prefix) : -len("/tools")])
                if any(known["connector_id"] == connector for known in self.connectors):
                    return await _json(send, 200, {"data": CONNECTOR_TOOLS})
                return await _json(send, 404, {"error": {"message": f"Connector '{connector}' not found"}})
        if path == "/v1/tools" and method == "GET":
            group = dict(parse_qsl(seen.query)).get("toolgroup_id")
            if group == "builtin::websearch" and self.providers:
                return await _json(send, 200, {"data": [BUILTIN_TOOL]})
            return await _json(send, 404, {"error": {"message": f"Tool Group '{group}' not found."}})
        if path == "/v1/providers":
            return await _json(send, 200, {"data": self.providers})
        if path == "/v1/scoring-functions" and method == "POST":
            headers = [(b"link", b'</v1/scoring-functions>; rel="collection"'), (b"deprecation", b"@0")]
            return await _raw(send, 200, headers, b"null")
        if path == "/bytes":
            return await _raw(send, 200, [(b"content-type", b"application/octet-stream")], PAYLOAD)
        if path == "/chunks":
            return await self._stream(send, receive, b"text/plain", [b"first chunk\n", b"second chunk\n"])
        if path == "/sse":
            events = [b'event: delta\ndata: {"n": 1}\n\n', b'event: delta\ndata: {"n": 2}\n\n', b"data: [DONE]\n\n"]
            return await self._stream(send, receive, b"text/event-stream", events)
        if path == "/broken":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"partial", "more_body": True})
            return None  # the answer never ends: uvicorn closes the connection
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            headers = [(b"content-type", b"application/json"), (b"x-upstream-error", b"yes")]
            return await _raw(send, code, headers, json.dumps({"error": {"message": f"status {code}"}}).encode())
        if path == "/hop":
            headers = [
                (b"content-type", b"text/plain"),
                (b"connection", b"x-private"),
                (b"x-private", b"hop"),
                (b"keep-alive", b"timeout=5"),
                (b"x-end-to-end", b"kept"),
            ]
            return await _raw(send, 200, headers, b"ok")
        if path == "/cookie":
            return await _raw(send, 200, [(b"set-cookie", b"session=upstream; Path=/")], b"cookie")
        if path == "/redirect":
            return await _raw(send, 307, [(b"location", b"/elsewhere")], b"")
        if path == "/slow":
            await asyncio.sleep(self.slow_seconds)
            return await _raw(send, 200, [], b"late")
        return await self._echo(seen, send)

    async def _echo(self, seen: Seen, send: Any) -> None:
        await _json(
            send,
            200,
            {
                "method": seen.method,
                "raw_path": seen.raw_path,
                "query": seen.query,
                "headers": [[key.decode("latin-1"), value.decode("latin-1")] for key, value in seen.headers],
                "body_sha256": hashlib.sha256(seen.body).hexdigest(),
                "body_length": len(seen.body),
            },
        )

    async def _stream(self, send: Any, receive: Any, content_type: bytes, chunks: list[bytes]) -> None:
        """The first chunk at once, the rest only after the test sets `gate` (at most 10 s).

        A client (the shim) that disconnects meanwhile ends the stream and is counted in `streams_abandoned`.
        """
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": chunks[0], "more_body": True})
        disconnect = asyncio.ensure_future(receive())
        deadline = time.monotonic() + 10
        while not self.gate.is_set() and time.monotonic() < deadline:
            if disconnect.done():
                self.streams_abandoned += 1
                return
            await asyncio.sleep(0.01)
        disconnect.cancel()
        for chunk in chunks[1:]:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _json(send: Any, status: int, document: Any) -> None:
    await _raw(send, status, [(b"content-type", b"application/json")], json.dumps(document).encode())


async def _raw(send: Any, status: int, headers: Headers, body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serve(app: Any, *, lifespan: Literal["on", "off"] = "off", config: uvicorn.Config | None = None) -> Iterator[str]:
    """Serve `app` with uvicorn (h11, or as `config` says) on a free 127.0.0.1 port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = config or uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan=lifespan,
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()

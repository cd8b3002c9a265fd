"""The ASGI types the shim is written against, and the one extension its own server adds to the scope.

The shim is a pure ASGI application without a framework (`app.ShimApp`), so the app, the relay and
the upstream client speak the ASGI specification's dict messages directly; these aliases name them
once, as uvicorn's `_types.py` does, in a module that imports nothing else of the shim.

A client that leaves is not an error of the shim: `ClientDisconnected` lets every layer stop its work
for that request (waiting for the upstream, relaying its body) and be told apart from a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from migrate.errors import MigrateError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: A request body as it goes upstream: whole, streamed as it arrives from the client, or none.
Body = bytes | AsyncIterator[bytes] | None


class ClientDisconnected(MigrateError):
    """The client went away before its request body, or the answer relayed to it, was complete."""


#: The key, in the ASGI scope's `extensions`, of a future that the server (`server.ShimHttpProtocol`)
#: completes when the client's connection is lost. With it, a relayed request is abandoned the moment
#: its client leaves, whether the shim is waiting for the upstream's answer or relaying its body.
CLIENT_GONE = "llama_stack_migrate.client_gone"


def client_gone(scope: Scope) -> asyncio.Future[None] | None:
    """The server's client-gone future of this request (None under a server that does not offer it)."""
    extensions = scope.get("extensions")
    gone: asyncio.Future[None] | None = extensions.get(CLIENT_GONE) if extensions else None
    return gone

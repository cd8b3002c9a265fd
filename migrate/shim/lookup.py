"""Reading a resource on the target through the upstream's read API, with the caller's credentials.

Where a declared resource is read back is rule data (`rules.Naming.reads`): a model at
`GET /v1/models/{identifier}`; an MCP tool group in the connector listing (`GET .../connectors/{id}`
would contact the MCP server and answer 502 when it is down, the listing does not); a built-in tool
group in the providers listing, found when a configured provider's type serves it. An unregister rule
reads its resource where its register rule does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from migrate.rules import Naming, ReadBack
from migrate.shim.headers import Header
from migrate.shim.matching import quote_identifier
from migrate.shim.upstream import Upstream, UpstreamError


@dataclass(frozen=True)
class Read:
    """One way to find a resource.

    GET `path` (`{identifier}` filled in): 200 is present, 404 absent. With `listing_field`, the
    answer is a listing (`{"data": [...]}`) searched for an item whose field, mapped through
    `mapping` when given, equals the identifier.
    """

    path: str
    listing_field: str | None = None
    mapping: Mapping[str, str] | None = field(default=None, hash=False)

    @classmethod
    def of(cls, read: ReadBack, naming: Naming) -> Read:
        """The read of rule data: the providers listing of built-in identifiers maps provider types."""
        builtin = naming.builtin
        mapping = builtin.providers if builtin is not None and read is builtin.read else None
        return cls(read.path, read.listing_field, mapping)

    def target(self, identifier: str) -> str:
        """The upstream path for `identifier` (checked and percent-encoded)."""
        if "{identifier}" not in self.path:
            return self.path
        return self.path.replace("{identifier}", quote_identifier(identifier))

    def finds(self, document: Any, identifier: str) -> bool:
        """Whether a 200 answer `document` (for a listing, an object with a `data` list) holds the resource."""
        if self.listing_field is None:
            return True
        for item in document["data"]:
            value = item.get(self.listing_field) if isinstance(item, dict) else None
            if self.mapping is not None and isinstance(value, str):
                value = self.mapping.get(value)
            if value == identifier:
                return True
        return False


@dataclass(frozen=True)
class Found:
    """The outcome of a lookup: present (with the resource), absent, or an unexpected upstream answer."""

    state: Literal["present", "absent", "failed"]
    resource: Any = None
    status: int | None = None
    body: bytes = b""
    content_type: bytes = b"application/json"


def reads_for(naming: Naming | None, identifier: str) -> tuple[Read, ...]:
    """The reads that find `identifier` on the target (empty: the resource is not declared there)."""
    if naming is None:
        return ()
    return tuple(Read.of(read, naming) for read in naming.reads(identifier))


@dataclass(frozen=True)
class Answered:
    """The upstream's complete answer to one GET."""

    status: int
    body: bytes
    content_type: bytes


async def get(upstream: Upstream, target: str, authorization: bytes | None) -> Answered:
    """`GET target` on the upstream with the caller's `Authorization` and no other header of the request."""
    headers: list[Header] = [(b"accept", b"application/json")]
    if authorization is not None:
        headers.append((b"authorization", authorization))
    async with upstream.request("GET", target, headers, None) as response:
        body = b"".join([chunk async for chunk in response.body])
        content_type = dict(response.headers).get(b"content-type", b"application/json")
        return Answered(response.status, body, content_type)


async def read_listing(upstream: Upstream, target: str, authorization: bytes | None) -> Found:
    """A listing (`{"data": [...]}`): present with its items, absent (404), or the upstream's other answer.

    A 200 without a `data` list raises `UpstreamError` (`invalid`), as in `look_up`.
    """
    answered = await get(upstream, target, authorization)
    if answered.status == 404:
        return Found("absent", status=404, body=answered.body, content_type=answered.content_type)
    if answered.status != 200:
        return Found("failed", status=answered.status, body=answered.body, content_type=answered.content_type)
    try:
        document = json.loads(answered.body)
    except ValueError as exc:
        raise UpstreamError("invalid", f"the upstream answered GET {target} with 200 and no JSON") from exc
    if not _is_listing(document):
        raise UpstreamError("invalid", f"the upstream answered GET {target} with 200 and no 'data' list")
    return Found("present", resource=document["data"], status=200)


async def look_up(upstream: Upstream, reads: tuple[Read, ...], identifier: str, authorization: bytes | None) -> Found:
    """Try each read in turn: the first that finds the resource wins; an unexpected answer stops.

    A 200 whose body is not JSON (or, for a listing, has no `data` list) raises `UpstreamError` (`invalid`):
    it is neither the resource nor its absence, and must not reach the client as a success.
    """
    last_status: int | None = None
    for read in reads:
        answered = await get(upstream, read.target(identifier), authorization)
        status, body, content_type = answered.status, answered.body, answered.content_type
        last_status = status
        if status == 404:
            continue
        if status != 200:
            return Found("failed", status=status, body=body, content_type=content_type)
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise UpstreamError("invalid", f"the upstream answered GET {read.path} with 200 and no JSON") from exc
        if read.listing_field is not None and not _is_listing(document):
            raise UpstreamError("invalid", f"the upstream answered GET {read.path} with 200 and no 'data' list")
        if read.finds(document, identifier):
            return Found("present", resource=document if read.listing_field is None else None, status=status)
    return Found("absent", status=last_status)


def _is_listing(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("data"), list)

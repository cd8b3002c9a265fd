"""Reading a resource on the target through the upstream's read API, with the caller's credentials.

The rule's `read.http` (`GET /v1/models/{identifier}`) says where a declared resource is read back.
An unregister rule uses the read of the register rule for the same resource.

Tool groups (declare-connector) have no `read` in the rule files; what replaces them was checked on
the real servers (llama-stack 0.7.3, OGX 1.5.0):

* an MCP group is a connector: found in the connector listing (`GET .../connectors/{id}` would
  contact the MCP server and answer 502 when it is down, the listing does not);
* a built-in group (`builtin::...`) is registered by a configured tool_runtime provider: found when
  `GET /v1/providers` lists a provider whose type serves it (`BUILTIN_TOOL_GROUPS`, from the
  servers' provider registries). The tool listings cannot be used: OGX 1.5.0 answers 500 to
  `GET /v1/admin/tools` (its admin API lacks the tool_groups dependency).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from migrate.errors import MigrateError
from migrate.registry import RuleSet
from migrate.rules import Rule
from migrate.shim.headers import Header
from migrate.shim.matching import quote_identifier
from migrate.shim.upstream import Upstream, UpstreamError
from migrate.targets import TargetName

CONNECTOR_LISTS: dict[TargetName, str] = {
    "llama-stack-0.7": "/v1beta/connectors",
    "ogx-1": "/v1alpha/admin/connectors",
}
PROVIDER_LIST = "/v1/providers"
BUILTIN_PREFIX = "builtin::"
#: tool_runtime provider type -> the built-in tool group it registers.
BUILTIN_TOOL_GROUPS: dict[str, str] = {
    "inline::file-search": "builtin::file_search",
    "remote::bing-search": "builtin::websearch",
    "remote::brave-search": "builtin::websearch",
    "remote::exa-search": "builtin::websearch",
    "remote::nimble-search": "builtin::websearch",
    "remote::serply-search": "builtin::websearch",
    "remote::tavily-search": "builtin::websearch",
    "remote::wolfram-alpha": "builtin::wolfram_alpha",
}


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


def _parse_read(http: str) -> str:
    method, _, path = http.partition(" ")
    if method != "GET" or not path.startswith("/"):
        raise MigrateError(f"read {http!r} must be 'GET /path'")
    return path


def reads_for(ruleset: RuleSet, rule: Rule, target: TargetName, identifier: str) -> tuple[Read, ...]:
    """The reads that find `identifier` of `rule`'s resource on `target` (empty: nothing to read)."""
    register = rule
    if rule.operation == "unregister":
        register = next(
            (other for other in ruleset.rules if other.resource == rule.resource and other.operation == "register"),
            rule,
        )
    plan = register.targets[target]
    if plan.read is not None:
        return (Read(_parse_read(plan.read.http)),)
    if plan.strategy == "declare-connector" and target in CONNECTOR_LISTS:
        if identifier.startswith(BUILTIN_PREFIX):
            return (Read(PROVIDER_LIST, listing_field="provider_type", mapping=BUILTIN_TOOL_GROUPS),)
        return (Read(CONNECTOR_LISTS[target], listing_field="connector_id"),)
    return ()


async def look_up(upstream: Upstream, reads: tuple[Read, ...], identifier: str, authorization: bytes | None) -> Found:
    """Try each read in turn: the first that finds the resource wins; an unexpected answer stops.

    A 200 whose body is not JSON (or, for a listing, has no `data` list) raises `UpstreamError` (`invalid`):
    it is neither the resource nor its absence, and must not reach the client as a success.
    """
    headers: list[Header] = [(b"accept", b"application/json")]
    if authorization is not None:
        headers.append((b"authorization", authorization))
    last_status: int | None = None
    for read in reads:
        async with upstream.request("GET", read.target(identifier), headers, None) as response:
            body = b"".join([chunk async for chunk in response.body])
            content_type = dict(response.headers).get(b"content-type", b"application/json")
            status = response.status
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

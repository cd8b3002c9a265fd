"""RFC 9457 problem documents (`application/problem+json`), the shim's only error body.

Every `type` is `PROBLEM_BASE` + a name of `PROBLEM_TYPES`; `docs/shim.md` documents each one
(anchor `problem-NAME`). Extension members carry machine-readable details (the rule, the YAML entry
to declare, ...).

The type URIs are `tag:` URIs (RFC 4151), which RFC 9457 section 3.1.1 allows for types that need
not resolve. The project owns no web domain: an `https:` type would name a domain someone else may
own (and RFC 9457 asks that a resolvable type lead to its documentation), and a `urn:` needs a
registered namespace. The authority `llama-stack-migrate` is a single DNS label, which no one can
register as a domain at a registrar, and 2026 is the year the names were minted. Clients compare the URI as an
opaque string; a published type keeps its URI, since a new one would be a new type to clients.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PROBLEM_BASE = "tag:llama-stack-migrate,2026:problem/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

#: Every problem type the shim answers with, and its one status code (docs/shim.md, "Problem documents").
PROBLEM_TYPES: Mapping[str, int] = {
    "invalid-http-request": 400,
    "invalid-request-target": 400,
    "method-not-allowed": 405,
    "invalid-body": 400,
    "invalid-identifier": 400,
    "body-too-large": 413,
    "resource-not-declared": 409,
    "builtin-tool-group-not-served": 409,
    "resource-not-found": 404,
    "unregister-rejected": 409,
    "operation-removed": 410,
    "builtin-tools-not-listed": 501,
    "upstream-unavailable": 502,
    "upstream-timeout": 504,
    "upstream-invalid-response": 502,
    "not-found": 404,
    "internal-error": 500,
}

_RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


@dataclass(frozen=True)
class Problem:
    """One problem occurrence; `slug` names its type (a key of `PROBLEM_TYPES`) below `PROBLEM_BASE`."""

    slug: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if PROBLEM_TYPES.get(self.slug) != self.status:
            raise ValueError(f"{self.slug!r} with status {self.status} is not a documented problem type")
        clash = _RESERVED.intersection(self.extensions)
        if clash:
            raise ValueError(f"extension members may not redefine {sorted(clash)}")

    @property
    def type(self) -> str:
        """The problem type URI."""
        return problem_type(self.slug)

    def document(self) -> dict[str, Any]:
        """The JSON object: the standard members first, then the extensions."""
        document: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        document["detail"] = self.detail
        if self.instance is not None:
            document["instance"] = self.instance
        document.update(self.extensions)
        return document

    def body(self) -> bytes:
        """The document as compact UTF-8 JSON."""
        return json.dumps(self.document(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem_type(name: str) -> str:
    """The type URI of the problem type `name`."""
    return PROBLEM_BASE + name


def invalid_request_target(detail: str) -> Problem:
    """400 for a target the shim does not forward."""
    return Problem("invalid-request-target", "Invalid request target", 400, detail)


def invalid_http_request() -> Problem:
    """400 for bytes the HTTP parser rejects (request line, headers or body framing): nothing is forwarded."""
    return Problem(
        "invalid-http-request",
        "Invalid HTTP request",
        400,
        "The request is not valid HTTP/1.1 (its request line, a header or the body framing); it was not forwarded.",
    )


def method_not_allowed(method: str) -> Problem:
    """405 for `CONNECT`."""
    return Problem(
        "method-not-allowed",
        "Method not allowed",
        405,
        f"{method} is not accepted: the shim is a reverse proxy for one fixed upstream, not a forward proxy.",
    )


def internal_error(instance: str | None) -> Problem:
    """500 for a failure of the shim itself; the detail names nothing from the request."""
    return Problem(
        "internal-error",
        "Internal error in the shim",
        500,
        "The shim failed to handle this request; the shim's log names the cause.",
        instance=instance,
    )


def upstream_failure(kind: str, detail: str, instance: str | None) -> Problem:
    """502 when the upstream cannot be reached or breaks the exchange, 504 when it does not answer in time.

    `invalid`: the upstream answered, but with something the shim cannot use (a read that is not JSON).
    """
    if kind == "timeout":
        return Problem("upstream-timeout", "Upstream timed out", 504, detail, instance=instance)
    if kind == "invalid":
        return Problem("upstream-invalid-response", "Unexpected upstream answer", 502, detail, instance=instance)
    return Problem("upstream-unavailable", "Upstream unavailable", 502, detail, instance=instance)

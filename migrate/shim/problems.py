"""RFC 9457 problem documents (`application/problem+json`), the shim's only error body.

Every `type` is a URI under `PROBLEM_BASE`; `docs/shim.md` documents each one. Extension members
carry machine-readable details (the rule, the YAML entry to declare, ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PROBLEM_BASE = "https://llama-stack-migrate.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


@dataclass(frozen=True)
class Problem:
    """One problem occurrence; `slug` names its type below `PROBLEM_BASE`."""

    slug: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        clash = _RESERVED.intersection(self.extensions)
        if clash:
            raise ValueError(f"extension members may not redefine {sorted(clash)}")

    @property
    def type(self) -> str:
        """The problem type URI."""
        return PROBLEM_BASE + self.slug

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

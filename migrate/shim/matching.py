"""From a raw request target to a deprecated operation: safety checks, normalisation, route matching.

The upstream server (Starlette) routes on the percent-decoded path without normalising it, so a
model id sent as `vllm%2Fllama` and as `vllm/llama` reaches the same `{model_id:path}` route. The
matcher does the same on the decoded path. Before that, dot segments of the raw path are resolved
(RFC 3986 section 5.2.4, `%2E` counted as `.`): a path that climbs above the root is refused, and
so is a decoded path that still has a `.` or `..` segment (one hidden behind an encoded `/`), so the
shim and every server behind it see the same route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from migrate.errors import MigrateError
from migrate.routes import Route, compile_route
from migrate.rules import Rule

if TYPE_CHECKING:
    from migrate.registry import RuleSet

_DOT = re.compile(r"%2e", re.IGNORECASE)
_DOT_SEGMENTS = frozenset({".", ".."})
#: Characters kept as they are when an identifier is put into an upstream path: RFC 3986 pchar plus `/`.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class TargetRefused(MigrateError):
    """The request target is not one the shim forwards (absolute-form, escapes the root, ...)."""


@dataclass(frozen=True)
class RequestTarget:
    """A checked origin-form target: `raw_path` as it goes upstream, `path` decoded for matching."""

    raw_path: str
    path: str
    query: bytes

    @property
    def upstream_target(self) -> str:
        """Path and query as they go upstream."""
        return self.raw_path + ("?" + self.query.decode("latin-1") if self.query else "")


def parse_target(raw_path: bytes, query: bytes) -> RequestTarget:
    """Check and normalise an ASGI `raw_path`; raise `TargetRefused` for anything but a safe origin-form path."""
    if not raw_path.startswith(b"/"):
        raise TargetRefused(
            "only origin-form request targets (a path starting with '/') are accepted; "
            "absolute-form, authority-form and asterisk-form targets are refused"
        )
    try:
        text = raw_path.decode("ascii")
    except UnicodeDecodeError as exc:
        raise TargetRefused("the request path has bytes outside US-ASCII; percent-encode them") from exc
    if "#" in text or any(ord(char) < 0x21 or ord(char) == 0x7F for char in text):
        raise TargetRefused("the request path has a fragment or control characters")
    normalised = remove_dot_segments(text)
    path = unquote(normalised, errors="replace")
    if any(segment in _DOT_SEGMENTS for segment in path.split("/")):
        raise TargetRefused("the decoded request path has a '.' or '..' segment (behind an encoded '/')")
    return RequestTarget(raw_path=normalised, path=path, query=query)


def remove_dot_segments(raw_path: str) -> str:
    """RFC 3986 5.2.4 on a raw absolute path; `TargetRefused` when `..` would climb above the root."""
    output: list[str] = []
    segments = raw_path.split("/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        plain = _DOT.sub(".", segment)
        if plain == ".":
            if last:
                output.append("")
            continue
        if plain == "..":
            if not output:
                raise TargetRefused("the request path climbs above the root with '..'")
            output.pop()
            if last:
                output.append("")
            continue
        output.append(segment)
    return "/" + "/".join(output)


def quote_identifier(identifier: str) -> str:
    """An identifier as an upstream path: `/` kept (the servers accept ids raw), the rest percent-encoded.

    Raises `TargetRefused` for an identifier with an empty, `.` or `..` segment.
    """
    if any(segment in _DOT_SEGMENTS or not segment for segment in identifier.split("/")):
        raise TargetRefused(f"the identifier {identifier!r} has an empty, '.' or '..' segment")
    return quote(identifier, safe=_PATH_SAFE)


@dataclass(frozen=True)
class Match:
    """A deprecated operation: the rule, the route template it matched and its decoded parameters."""

    rule: Rule
    route: Route
    params: dict[str, str]


class RouteMatcher:
    """Every (method, path template) of a rule set, anchored at both ends of the path.

    Routes are indexed by method and their first two path segments (`("GET", "v1", "models")`), which
    every rule's template writes literally: most traffic (`POST /v1/chat/completions`) is told apart by
    one dictionary lookup, not by trying each pattern. A template with a parameter in those segments
    would be tried for every path of its method.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self._routes: dict[tuple[str, str, str], list[tuple[re.Pattern[str], Route]]] = {}
        self._anywhere: dict[str, list[tuple[re.Pattern[str], Route]]] = {}
        for route in ruleset.routes:
            entry = (compile_route(route.template, anchored=True), route)
            key = _segments(route.template)
            if key is None or "{" in "".join(key):
                self._anywhere.setdefault(route.method, []).append(entry)
            else:
                self._routes.setdefault((route.method, *key), []).append(entry)

    def match(self, method: str, path: str) -> Match | None:
        """The rule's operation `method path` (decoded) is, or None for any other traffic."""
        parts = path.split("/", 3)
        if len(parts) >= 3:
            found = _first(self._routes.get((method, parts[1], parts[2]), ()), path)
            if found is not None:
                return found
        return _first(self._anywhere.get(method, ()), path)


def _first(routes: Iterable[tuple[re.Pattern[str], Route]], path: str) -> Match | None:
    for pattern, route in routes:
        found = pattern.fullmatch(path)
        if found:
            return Match(route.rule, route, found.groupdict())
    return None


def _segments(path: str) -> tuple[str, str] | None:
    """The first two segments of an absolute path (`("v1", "models")` for `/v1/models/x`), None with fewer."""
    parts = path.split("/", 3)
    return (parts[1], parts[2]) if len(parts) >= 3 else None

"""The deprecated HTTP routes of the rules, compiled for matching URLs and request paths.

Used by the scan's raw-HTTP and curl matchers (`sources.urls`), the shim's router (`shim.matching`) and
its nginx configuration (`shim.nginx`); `registry.RuleSet.routes` lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from migrate.rules import PATH_PARAMETER, Rule


@dataclass(frozen=True)
class Route:
    """One deprecated HTTP route, compiled for matching URL templates when a matcher first asks.

    Compiling every route is a few milliseconds of a commit hook's scan, in which most files hold no URL.
    """

    rule: Rule
    method: str
    template: str
    legacy: bool

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return compile_route(self.template)


def compile_route(template: str, *, anchored: bool = False) -> re.Pattern[str]:
    """A regex for the route: `{name}` matches one path segment, `{name:path}` one or more.

    By default it finds the route at the end of a URL (a scheme, host or prefix before it, a query
    and a trailing `/` after it), and a `HOLE` (an unknown value in an f-string or concatenation)
    may stand for any part of a parameter. `anchored` patterns are for `fullmatch` on a request
    path (a trailing `/` allowed, as upstream redirects it).
    """
    parts: list[str] = []
    last = 0
    for match in PATH_PARAMETER.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        segment = r".+?" if match.group("kind") == "path" else r"[^/?#]+"
        parts.append(f"(?P<{match.group('name')}>{segment})")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts) + ("/?" if anchored else r"/?(?:[?#].*)?$"), re.DOTALL)

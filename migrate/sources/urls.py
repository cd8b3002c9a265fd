"""Match URL templates (literal text with holes for unknown values) against the deprecated routes.

Python's raw-HTTP matcher and the shell/curl matcher both reduce a URL expression to a template
string in which `HOLE` stands for every value not known statically (a variable, `$BASE_URL`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.routes import Route

HOLE = "\x00"

# A raw HTTP call is only taken for Llama Stack when the file says so somewhere: other services
# have a `/v1/datasets` or `/v1/models` route too.
LLAMA_CONTEXT = re.compile(r"llama|\bogx|:8321\b|LLAMA_STACK", re.IGNORECASE)


def match_route(ruleset: RuleSet, method: str, url: str) -> Route | None:
    """The deprecated route that `method url` hits, or None. `url` may contain holes."""
    method = method.upper()
    path = url
    # A scheme and host (literal or hole) before the path are allowed; the route must follow a `/`
    # boundary, which the templates' leading `/v1` guarantees.
    for route in ruleset.routes:
        if route.method == method and route.pattern.search(path):
            return route
    return None


def has_literal_path(url: str, route: Route) -> bool:
    """Whether the route's fixed prefix is written literally in the URL (so a rename can edit it)."""
    prefix = route.template.split("{", 1)[0].rstrip("/")
    return prefix in url

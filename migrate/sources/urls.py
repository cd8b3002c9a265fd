"""Match URL templates (literal text with holes for unknown values) against the deprecated routes.

Python's raw-HTTP matcher and the shell/curl matcher both reduce a URL expression to a template
string in which `HOLE` stands for every value not known statically (a variable, `$BASE_URL`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from migrate.registry import RuleSet
    from migrate.routes import Route

HOLE = "\x00"

# A raw HTTP call is only taken for Llama Stack when the file says so somewhere: other services
# have a `/v1/datasets` or `/v1/models` route too.
LLAMA_CONTEXT = re.compile(r"llama|\bogx|:8321\b|LLAMA_STACK", re.IGNORECASE)
#: A text that names the server itself, not a model called llama (`llama3.2` on Ollama or vLLM).
LLAMA_STACK_NAMED = re.compile(r"llama[ _-]?stack|\bogx\b|:8321\b", re.IGNORECASE)

# What a URL expression names as its server, for the routes OpenAI-compatible servers serve as well
# (`GET /v1/models`: vLLM, NIM, NeMo, Ollama and OpenAI answer it too). "ollama" is not Llama Stack.
_LLAMA_STACK_SERVER = re.compile(r"llama[-_ ]?stack|(?<![a-z])ogx(?![a-z])|:8321\b", re.IGNORECASE)
_OTHER_SERVER = re.compile(
    r"(?<![a-z])(?:nim|nemo|openai|vllm|ollama|tgi)(?![a-z])|:(?:8000|11434)\b|api\.openai\.com", re.IGNORECASE
)

Server = Literal["llama-stack", "other", "unknown"]


def server_named(text: str) -> Server:
    """Whose server the text of a URL expression (and what its names are bound to) points at."""
    if _LLAMA_STACK_SERVER.search(text):
        return "llama-stack"
    return "other" if _OTHER_SERVER.search(text) else "unknown"


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

"""Legacy model names resolved to the target's identifier wherever a request names a model (D7).

Only models need it: a shield keeps its `shield_id` and an MCP group its `toolgroup_id` (as
`connector_id`) on every target, while a model's identifier changed with the generations. An app
names a model by

* the identifier the legacy server gave it (`vllm/acme/x`, from `provider_id/provider_model_id` on
  0.3 to 0.7), which OGX names `provider_id/model_id` when the model was declared with another
  `model_id` (`vllm/chat`);
* the `model_id` it registered (`chat`), a 0.2-era habit that already failed on 0.3.

`ModelNames` knows two sources: what the app registered through the shim (each satisfied model
register: its `model_id` and `provider_id/provider_model_id` map to the identifier the target
answered; in memory, for the life of the process), and the target's model listing (each model's
`provider_id/provider_resource_id` maps to its identifier; read with the caller's credentials when a
name is not known, at most once per `LISTING_TTL_S`). A name that is neither an alias nor known
passes through unchanged: the target answers it as it would.

Where a request names a model: the top-level `model` of the inference, embeddings, Responses and
moderation bodies (`MODEL_BODIES`), and the path of `GET /v1/models/{id}` (and, through the
unregister answer, `DELETE /v1/models/{id}`). A body is only parsed when its `model` (found by a
byte search) resolves to another name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from migrate.shim.lookup import get
from migrate.shim.upstream import Upstream, UpstreamError

log = logging.getLogger("migrate.shim")

#: Request paths whose JSON body names a model in its top-level `model`.
MODEL_BODIES = frozenset(
    {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/moderations"}
)
#: The model lookup route, whose path names a model.
MODEL_PATH = "/v1/models/"
#: How long a model listing read for resolution is trusted.
LISTING_TTL_S = 30.0
#: `"model": "<json string>"`: a key inside a string value is escaped (`\"model\"`) and cannot match.
_MODEL_VALUE = re.compile(rb'"model"\s*:\s*"((?:[^"\\]|\\.)*)"')


class ModelNames:
    """Aliases of models, from registers through the shim and from the target's listing (module docstring)."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._registered: dict[str, str] = {}
        self._listed: dict[str, str] = {}
        self._identifiers: frozenset[str] = frozenset()
        self._read_at = -LISTING_TTL_S
        self._lock = asyncio.Lock()

    def learn(self, names: Iterable[str | None], identifier: str) -> None:
        """A model register through the shim was satisfied: each of `names` is `identifier` from now on."""
        for name in names:
            if name and name != identifier:
                self._registered[name] = identifier

    async def resolve(self, name: str, authorization: bytes | None) -> str:
        """The target's identifier for `name`, or `name` when it is one, or unknown."""
        registered = self._registered.get(name)
        if registered is not None:
            return registered
        if name in self._identifiers or name in self._listed:
            return self._listed.get(name, name)
        if time.monotonic() - self._read_at >= LISTING_TTL_S:
            await self._refresh(authorization)
        return self._listed.get(name, name)

    async def _refresh(self, authorization: bytes | None) -> None:
        async with self._lock:
            if time.monotonic() - self._read_at < LISTING_TTL_S:
                return
            self._read_at = time.monotonic()
            try:
                answered = await get(self._upstream, "/v1/models", authorization)
                data = json.loads(answered.body)["data"] if answered.status == 200 else None
            except (UpstreamError, ValueError, KeyError, TypeError) as exc:
                log.debug("model names not refreshed: %s", type(exc).__name__)
                return
            if isinstance(data, list):
                self._identifiers, self._listed = _aliases(item for item in data if isinstance(item, dict))

    async def resolve_body(self, body: bytes, authorization: bytes | None) -> bytes | None:
        """`body` with its top-level `model` resolved, or None when there is nothing to change."""
        found = _MODEL_VALUE.search(body)
        if found is None:
            return None
        raw = found.group(1)
        try:
            name = json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("utf-8")
        except ValueError:
            return None
        resolved = await self.resolve(name, authorization)
        if resolved == name:
            return None
        try:
            document = json.loads(body)
        except ValueError:
            return None
        if not isinstance(document, dict) or document.get("model") != name:
            return None  # the match was not the top-level field
        document["model"] = resolved
        log.debug("model %r resolved to %r", name, resolved)
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _aliases(items: Iterable[dict[str, Any]]) -> tuple[frozenset[str], dict[str, str]]:
    """The identifiers of a model listing (OpenAI or legacy shape), and `provider_id/provider_resource_id` of each."""
    identifiers: set[str] = set()
    aliases: dict[str, str] = {}
    for item in items:
        custom = item.get("custom_metadata")
        fields = custom if isinstance(custom, dict) else item
        identifier = item.get("id", item.get("identifier"))
        provider, resource = fields.get("provider_id"), fields.get("provider_resource_id")
        if not isinstance(identifier, str):
            continue
        identifiers.add(identifier)
        if isinstance(provider, str) and isinstance(resource, str):
            aliases.setdefault(f"{provider}/{resource}", identifier)
    for identifier in identifiers:
        aliases.pop(identifier, None)  # an identifier is never an alias of another model
    return frozenset(identifiers), aliases

"""Server-side adapter: runs inside the Llama Stack server, not in a client."""

from __future__ import annotations

import atexit
import functools
import logging
from typing import Any

import httpx
from llama_stack.apis.models import Model, ModelType
from llama_stack.providers.datatypes import ModelsProtocolPrivate

log = logging.getLogger(__name__)


class AcmeInferenceAdapter(ModelsProtocolPrivate):
    def __init__(self, config: Any) -> None:
        self.config = config
        self.http = httpx.AsyncClient(base_url=config.url, timeout=60)
        self._models: dict[str, Model] = {}
        atexit.register(self._close_sync)

    async def register_model(self, model: Model) -> Model:
        """Called by the stack's routing table when a model is registered with this provider."""
        served = await self._served_models()
        if model.provider_resource_id not in served:
            raise ValueError(f"ACME gateway does not serve {model.provider_resource_id}")
        self._models[model.identifier] = model
        return model

    async def unregister_model(self, model_id: str) -> None:
        self._models.pop(model_id, None)

    async def _served_models(self) -> set[str]:
        # The gateway's own OpenAI-compatible listing.
        response = await self.http.get("/v1/models")
        return {item["id"] for item in response.json()["data"]}

    async def _announce(self, model: Model) -> None:
        # The ACME gateway keeps its own registry of deployments (POST /v1/models on the gateway).
        await self.http.post("/v1/models", json={"name": model.provider_resource_id})

    def _close_sync(self) -> None:
        log.debug("closing ACME client")


async def seed_defaults(routing_table: Any, dist_registry: Any, impls: dict[str, Any]) -> None:
    """Register the gateway's default models at stack start-up (server-internal)."""
    for name in ("acme-large", "acme-small"):
        model = Model(
            identifier=f"acme/{name}",
            provider_resource_id=name,
            provider_id="acme",
            model_type=ModelType.llm,
        )
        await routing_table.register_model(model_id=model.identifier, provider_id="acme", provider_model_id=name)
        await dist_registry.register(model)
    safety = impls["safety"]
    await safety.register_shield(dist_registry.get("shield", "acme-guard"))


@functools.singledispatch
def describe(obj: object) -> str:
    return repr(obj)


@describe.register
def _(obj: Model) -> str:
    return f"model {obj.identifier}"

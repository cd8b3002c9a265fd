"""Product-catalog assistant service (asyncio).

On start-up it provisions its models and its inventory tools on Llama Stack, serves a burst of requests
concurrently, and deprovisions everything on shutdown. Configuration comes from the environment.
"""

import asyncio
import os
from dataclasses import dataclass, field

from llama_stack_client import AsyncLlamaStackClient
from stepreport import check, step


@dataclass(frozen=True)
class Settings:
    base_url: str = field(default_factory=lambda: os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))
    inventory_mcp_url: str = field(default_factory=lambda: os.environ.get("INVENTORY_MCP_URL", "http://inventory/mcp"))


CHAT_MODEL = "vllm/acme/catalog-chat"
EMBED_MODEL = "vllm/acme/catalog-embed"
INVENTORY_TOOLS = "mcp::inventory"


class CatalogService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = AsyncLlamaStackClient(base_url=settings.base_url)
        self.catalog: dict[str, dict] = {}

    async def provision_models(self) -> None:
        await asyncio.gather(
            self.client.models.register(
                model_id=CHAT_MODEL, provider_id="vllm", provider_model_id="acme/catalog-chat", model_type="llm"
            ),
            self.client.models.register(
                model_id=EMBED_MODEL,
                provider_id="vllm",
                provider_model_id="acme/catalog-embed",
                model_type="embedding",
                metadata={"embedding_dimension": 384},
            ),
        )

    async def provision_tools(self) -> None:
        await self.client.toolgroups.register(
            toolgroup_id=INVENTORY_TOOLS,
            provider_id="model-context-protocol",
            mcp_endpoint={"uri": self.settings.inventory_mcp_url},
        )

    async def load_catalog(self) -> None:
        for model in await self.client.models.list():
            self.catalog[model.identifier] = {
                "kind": model.model_type,
                "provider": model.provider_id,
                "backend_name": model.provider_resource_id,
                "dimension": model.metadata.get("embedding_dimension"),
            }
        check(self.catalog.get(CHAT_MODEL, {}).get("backend_name") == "acme/catalog-chat", f"catalog {self.catalog}")
        check(self.catalog.get(EMBED_MODEL, {}).get("kind") == "embedding", f"catalog {self.catalog}")

    async def describe(self, product: str) -> str:
        completion = await self.client.chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": f"Describe {product}"}]
        )
        return completion.choices[0].message.content

    async def embed(self, products: list[str]) -> list[list[float]]:
        response = await self.client.embeddings.create(model=EMBED_MODEL, input=products)
        return [item.embedding for item in response.data]

    async def inventory_tools(self) -> list[str]:
        return [tool.name for tool in await self.client.tools.list(toolgroup_id=INVENTORY_TOOLS)]

    async def shutdown(self) -> None:
        await self.client.toolgroups.unregister(INVENTORY_TOOLS)
        for model_id in (CHAT_MODEL, EMBED_MODEL):
            await self.client.models.unregister(model_id)


async def main() -> None:
    service = CatalogService(Settings())
    with step("provision the models"):
        await service.provision_models()
    with step("provision the inventory tools"):
        await service.provision_tools()
    with step("load the catalog from the model list"):
        await service.load_catalog()
    with step("describe products concurrently"):
        answers = await asyncio.gather(*(service.describe(p) for p in ("kettle", "toaster", "blender")))
        check(all("acme/catalog-chat" in a for a in answers), f"answers {answers}")
    with step("embed products"):
        vectors = await service.embed(["kettle", "toaster"])
        check([len(v) for v in vectors] == [384, 384], f"dimensions {[len(v) for v in vectors]}")
    with step("look up a model's details"):
        model = await service.client.models.retrieve(EMBED_MODEL)
        check(model.provider_resource_id == "acme/catalog-embed", f"{model!r}")
    with step("list the inventory tools"):
        check("add_numbers" in await service.inventory_tools(), "inventory tools missing")
    with step("shut down"):
        await service.shutdown()


if __name__ == "__main__":
    asyncio.run(main())

"""Start-up registration for the support bot's async web service.

The FastAPI app calls :func:`warm_up` from its lifespan hook so the chat and embedding models
exist before the first request; ``--cleanup`` removes them again (used by the preview
environments when they are torn down)::

    python -m supportbot.async_setup --base-url http://127.0.0.1:8321 [--cleanup]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Iterable, Sequence

from llama_stack_client import APIError, AsyncLlamaStackClient

from .settings import Settings

log = logging.getLogger(__name__)

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIMENSION = 384


def make_async_client(settings: Settings) -> AsyncLlamaStackClient:
    return AsyncLlamaStackClient(base_url=settings.base_url, timeout=settings.request_timeout, max_retries=0)


async def register_chat_model(client: AsyncLlamaStackClient, settings: Settings) -> str:
    async with client.models.with_streaming_response.register(
        model_id="supportbot-chat",
        provider_id=settings.inference_provider,
        provider_model_id=settings.chat_model,
        model_type="llm",
        metadata={"context_length": 8192, "owner": "support-bot"},
    ) as response:
        log.info("POST %s -> %s", response.http_request.url, response.status_code)
        model = await response.parse()
    return model.identifier


async def register_embedding_model(client: AsyncLlamaStackClient, settings: Settings) -> str:
    model = await client.models.register(
        model_id="supportbot-embed",
        provider_id=settings.inference_provider,
        provider_model_id=EMBEDDING_MODEL,
        model_type="embedding",
        metadata={"embedding_dimension": EMBEDDING_DIMENSION},
    )
    return model.identifier


async def unregister_models(client: AsyncLlamaStackClient, model_identifiers: Iterable[str]) -> None:
    await asyncio.gather(*(client.models.unregister(identifier) for identifier in model_identifiers))


async def warm_up(settings: Settings) -> list[str]:
    async with make_async_client(settings) as client:
        chat, embed = await asyncio.gather(
            register_chat_model(client, settings), register_embedding_model(client, settings)
        )
    log.info("models ready: %s, %s", chat, embed)
    return [chat, embed]


async def cool_down(settings: Settings, model_identifiers: Iterable[str]) -> None:
    async with make_async_client(settings) as client:
        await unregister_models(client, model_identifiers)


async def _main(settings: Settings, cleanup: bool) -> None:
    identifiers = await warm_up(settings)
    for identifier in identifiers:
        print(f"registered {identifier}")
    if cleanup:
        await cool_down(settings, identifiers)
        for identifier in identifiers:
            print(f"unregistered {identifier}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m supportbot.async_setup", description="Register the async service's models."
    )
    parser.add_argument("--base-url", help="Llama Stack URL (default: $LLAMA_STACK_URL)")
    parser.add_argument("--cleanup", action="store_true", help="unregister the models again afterwards")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    settings = Settings.from_env()
    if args.base_url:
        settings = settings.with_base_url(args.base_url)
    try:
        asyncio.run(_main(settings, args.cleanup))
    except APIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures, in the style of llama-stack's own integration tests.

The integration tests talk to the server at ``$LLAMA_STACK_URL`` (start one with ``run.yaml``)
and are skipped when nothing answers there.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator

import pytest
from llama_stack_client import APIConnectionError, LlamaStackClient

from supportbot.settings import Settings

# Model identifiers the fixtures registered and have not unregistered yet.
_LEFT_BEHIND: list[str] = []


def _warn_about_leftovers() -> None:
    if _LEFT_BEHIND:
        print(f"supportbot tests left models registered: {', '.join(_LEFT_BEHIND)}", file=sys.stderr)


atexit.register(_warn_about_leftovers)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs a running Llama Stack 0.3.x server ($LLAMA_STACK_URL)"
    )


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def llama_stack_client(settings: Settings) -> Iterator[LlamaStackClient]:
    client = LlamaStackClient(base_url=settings.base_url, timeout=10.0, max_retries=0)
    try:
        client.models.list()
    except APIConnectionError:
        client.close()
        pytest.skip(f"no Llama Stack server at {settings.base_url}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def text_model_id(settings: Settings) -> str:
    return os.environ.get("SUPPORTBOT_TEXT_MODEL", settings.chat_model)


@pytest.fixture(scope="session")
def embedding_model_id() -> str:
    return os.environ.get("SUPPORTBOT_EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def embedding_dimension() -> int:
    return int(os.environ.get("SUPPORTBOT_EMBEDDING_DIMENSION", "384"))


@pytest.fixture(scope="session")
def client_with_models(
    llama_stack_client: LlamaStackClient,
    settings: Settings,
    text_model_id: str,
    embedding_model_id: str,
    embedding_dimension: int,
) -> Iterator[LlamaStackClient]:
    """The client, with the text and embedding models registered for the whole session."""
    provider_id = settings.inference_provider
    present = {model.provider_resource_id for model in llama_stack_client.models.list()}
    created: list[str] = []
    if text_model_id not in present:
        model = llama_stack_client.models.register(
            model_id=text_model_id,
            provider_id=provider_id,
            provider_model_id=text_model_id,
            model_type="llm",
        )
        created.append(model.identifier)
    if embedding_model_id not in present:
        model = llama_stack_client.models.register(
            model_id=embedding_model_id,
            provider_id=provider_id,
            provider_model_id=embedding_model_id,
            model_type="embedding",
            metadata={"embedding_dimension": embedding_dimension},
        )
        created.append(model.identifier)
    _LEFT_BEHIND.extend(created)

    yield llama_stack_client

    for identifier in created:
        llama_stack_client.models.unregister(identifier)
        _LEFT_BEHIND.remove(identifier)

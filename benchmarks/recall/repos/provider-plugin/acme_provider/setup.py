"""Client-side helper shipped with the provider: registers a model if the stack lacks it."""

from __future__ import annotations

from llama_stack_client import LlamaStackClient


def ensure_model(client: LlamaStackClient, name: str) -> None:
    if any(model.identifier == name for model in client.models.list()):
        return
    client.models.register(model_id=name, provider_id="acme")

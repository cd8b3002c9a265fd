"""The intake pipeline: classify an uploaded document and file it."""

from __future__ import annotations

import os

from intake._vendor.llama_stack_client import LlamaStackClient

CLASSIFIER = os.environ.get("CLASSIFIER_MODEL", "granite-3.3-8b")
client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))


def bootstrap() -> None:
    """Called once from the service's startup hook."""
    client.models.register(model_id=CLASSIFIER, provider_id="vllm", model_type="llm")
    client.shields.register(shield_id="pii-guard", provider_id="llama-guard")


def classify(text: str) -> str:
    completion = client.chat.completions.create(
        model=CLASSIFIER,
        messages=[{"role": "user", "content": f"Classify this document: {text[:4000]}"}],
    )
    return completion.choices[0].message.content or "unknown"


def shutdown() -> None:
    client.shields.delete("pii-guard")
    client.models.unregister(CLASSIFIER)

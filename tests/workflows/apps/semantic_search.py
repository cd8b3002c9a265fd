"""Index a few FAQ answers with an embedding model and find the closest one to a question."""

import math
import os

from llama_stack_client import LlamaStackClient
from stepreport import check, step

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))

PROVIDER = "vllm"
EMBEDDING_MODEL = "minilm-faq"
DIMENSION = 384

FAQ = [
    "Reset your password from the login page.",
    "The VPN client is on the intranet downloads page.",
    "Printers on the third floor are out of toner.",
]


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True)) / (
        math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    )


with step("register the embedding model"):
    embedder = client.models.register(
        model_id=EMBEDDING_MODEL,
        provider_id=PROVIDER,
        model_type="embedding",
        metadata={"embedding_dimension": DIMENSION},
    )

with step("embed the FAQ with the returned identifier"):
    response = client.embeddings.create(model=embedder.identifier, input=FAQ)
    vectors = [item.embedding for item in response.data]
    check(len(vectors) == len(FAQ), f"{len(vectors)} vectors for {len(FAQ)} texts")
    check(all(len(v) == DIMENSION for v in vectors), f"dimensions {[len(v) for v in vectors]}")

with step("embed the question with the provider-qualified id"):
    question = client.embeddings.create(model=f"{PROVIDER}/{EMBEDDING_MODEL}", input="where is the VPN client?")
    scores = [cosine(question.data[0].embedding, v) for v in vectors]
    check(len(scores) == len(FAQ), f"scores {scores}")

with step("list the embedding models"):
    embedding_models = [m for m in client.models.list() if m.model_type == "embedding"]
    by_id = {m.identifier: m for m in embedding_models}
    check(f"{PROVIDER}/{EMBEDDING_MODEL}" in by_id, f"not listed: {sorted(map(str, by_id))}")
    check(
        by_id[f"{PROVIDER}/{EMBEDDING_MODEL}"].metadata["embedding_dimension"] == DIMENSION,
        f"metadata {by_id[f'{PROVIDER}/{EMBEDDING_MODEL}'].metadata!r}",
    )

with step("read the dimension from the model"):
    fetched = client.models.retrieve(embedder.identifier)
    check(fetched.model_type == "embedding", f"model_type {fetched.model_type!r}")
    check(int(fetched.metadata["embedding_dimension"]) == DIMENSION, f"metadata {fetched.metadata!r}")
    check(fetched.provider_id == PROVIDER, f"provider_id {fetched.provider_id!r}")

with step("unregister the embedding model"):
    client.models.unregister(embedder.identifier)

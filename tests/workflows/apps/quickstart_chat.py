"""Quickstart: register the model our vLLM serves, chat with it, look it up, clean up.

Follows the Llama Stack 0.3 getting-started guide. Run with the server's URL in LLAMA_STACK_URL.
"""

import os

from llama_stack_client import LlamaStackClient
from stepreport import check, step

LLAMA_STACK_URL = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")

# Llama Stack names a model "<provider_id>/<provider_model_id>"; we register it under that name so the
# rest of the team can use the same string everywhere.
MODEL_ID = "vllm/acme/quickstart-8b"
PROVIDER_MODEL_ID = "acme/quickstart-8b"

client = LlamaStackClient(base_url=LLAMA_STACK_URL)

with step("register the model"):
    model = client.models.register(
        model_id=MODEL_ID,
        provider_id="vllm",
        provider_model_id=PROVIDER_MODEL_ID,
        model_type="llm",
        metadata={"team": "quickstart", "context_length": 8192},
    )
    check(model.identifier == MODEL_ID, f"registered as {model.identifier!r}, expected {MODEL_ID!r}")

with step("chat with the returned identifier"):
    completion = client.chat.completions.create(
        model=model.identifier,
        messages=[{"role": "user", "content": "Say hello to the quickstart"}],
    )
    answer = completion.choices[0].message.content
    check(PROVIDER_MODEL_ID in answer, f"the answer did not come from {PROVIDER_MODEL_ID}: {answer!r}")

with step("chat with the model id we registered"):
    completion = client.chat.completions.create(
        model=MODEL_ID,
        messages=[{"role": "user", "content": "What is Llama Stack?"}],
    )
    check(completion.choices[0].message.content, "empty answer")

with step("stream a chat"):
    stream = client.chat.completions.create(
        model=MODEL_ID,
        messages=[{"role": "user", "content": "Count to three"}],
        stream=True,
    )
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    check("Count to three" in "".join(pieces), f"unexpected stream: {pieces!r}")

with step("find the model in the model list"):
    listed = {m.identifier: m for m in client.models.list()}
    check(MODEL_ID in listed, f"{MODEL_ID} not in {sorted(map(str, listed))}")
    mine = listed[MODEL_ID]
    check(mine.provider_id == "vllm", f"provider_id {mine.provider_id!r}")
    check(mine.provider_resource_id == PROVIDER_MODEL_ID, f"provider_resource_id {mine.provider_resource_id!r}")
    check(mine.model_type == "llm", f"model_type {mine.model_type!r}")
    check(mine.metadata.get("team") == "quickstart", f"metadata {mine.metadata!r}")

with step("retrieve the model"):
    fetched = client.models.retrieve(MODEL_ID)
    check(fetched.identifier == MODEL_ID, f"identifier {fetched.identifier!r}")
    check(fetched.provider_resource_id == PROVIDER_MODEL_ID, f"provider_resource_id {fetched.provider_resource_id!r}")
    check(fetched.metadata.get("context_length") == 8192, f"metadata {fetched.metadata!r}")

with step("unregister the model"):
    client.models.unregister(MODEL_ID)

"""Legacy model names reach the target under its identifier (D7); every other name and body passes unchanged.

The upstream is `FakeUpstream` on a real port (OGX's naming: a model declared with `model_id: chat` and
`provider_model_id: acme/chat-a` is `vllm/chat`); what it received is read from its `seen` requests.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.shim.conftest import run, settings_for, shim_client
from tests.shim.upstream import FakeUpstream, Seen, model

CHAT = {**model("vllm/chat"), "provider_resource_id": "acme/chat-a"}


def received(fake: FakeUpstream, path: str) -> list[Seen]:
    return [seen for seen in fake.seen if seen.raw_path.startswith(path) and seen.header("x-forwarded-for")]


def exchange(url: str, *requests: tuple[str, str, Any]) -> list[httpx.Response]:
    async def scenario() -> list[httpx.Response]:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return [
                await client.request(method, path, content=body, headers={"content-type": "application/json"})
                if isinstance(body, bytes)
                else await client.request(method, path, json=body)
                for method, path, body in requests
            ]

    return run(scenario())


def test_the_names_an_app_registered_reach_inference_as_the_target_identifier(
    upstream: tuple[FakeUpstream, str],
) -> None:
    fake, url = upstream
    fake.models["vllm/chat"] = CHAT
    register = {"model_id": "chat", "provider_id": "vllm", "provider_model_id": "acme/chat-a"}
    chat = {"messages": [{"role": "user", "content": 'say "model": "chat"'}], "stream": False}
    answers = exchange(
        url,
        ("POST", "/v1/models", register),
        ("POST", "/v1/chat/completions", {"model": "chat", **chat}),  # the 0.2-era habit: the model_id
        ("POST", "/v1/embeddings", {"input": "x", "model": "vllm/acme/chat-a"}),  # 0.3-0.7's identifier
        ("POST", "/v1/responses", b'{"model": "vllm/chat",  "input": "x"}'),  # already the target's
        ("DELETE", "/v1/models/chat", None),
    )
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 200]
    assert answers[0].json()["identifier"] == "vllm/chat"
    (completion,) = received(fake, "/v1/chat/completions")
    assert json.loads(completion.body) == {"model": "vllm/chat", **chat}  # only the top-level field changed
    (embedding,) = received(fake, "/v1/embeddings")
    assert json.loads(embedding.body)["model"] == "vllm/chat"
    (response,) = received(fake, "/v1/responses")
    assert response.body == b'{"model": "vllm/chat",  "input": "x"}'  # untouched, byte for byte
    assert answers[4].content == b"null"  # the unregister found the model under its identifier


def test_the_listing_names_the_legacy_identifiers_and_unknown_names_pass_unchanged(
    upstream: tuple[FakeUpstream, str],
) -> None:
    fake, url = upstream
    fake.models["vllm/chat"] = CHAT
    unknown = json.dumps({"model": "vllm/never-declared", "messages": []}).encode()

    async def scenario() -> list[httpx.Response]:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return [
                await client.post("/v1/chat/completions", json={"model": "vllm/acme/chat-a", "messages": []}),
                await client.get("/v1/models/vllm/acme/chat-a"),
                await client.post(
                    "/v1/chat/completions", content=unknown, headers={"content-type": "application/json"}
                ),
                await client.post(
                    "/v1/chat/completions", content=unknown, headers={"content-type": "application/json"}
                ),
            ]

    answers = run(scenario())
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    first, *rest = received(fake, "/v1/chat/completions")
    assert json.loads(first.body)["model"] == "vllm/chat"
    assert [seen.body for seen in rest] == [unknown, unknown]
    assert answers[1].json()["identifier"] == "vllm/chat"  # GET /v1/models/{id} under the target's identifier
    listings = [seen for seen in fake.seen if seen.raw_path == "/v1/models" and seen.method == "GET"]
    assert len(listings) == 1  # read once for the first unknown name, trusted for LISTING_TTL_S after


def test_a_chunked_body_streams_through_unresolved(upstream: tuple[FakeUpstream, str]) -> None:
    fake, url = upstream
    fake.models["vllm/chat"] = CHAT
    body = json.dumps({"model": "vllm/acme/chat-a", "messages": []}).encode()

    async def parts() -> Any:
        yield body

    async def scenario() -> httpx.Response:
        async with shim_client(settings_for(url, "ogx-1")) as (client, _):
            return await client.post("/v1/chat/completions", content=parts())

    assert run(scenario()).status_code == 200
    (seen,) = received(fake, "/v1/chat/completions")
    assert seen.body == body  # no length given: streamed as it arrives, never read whole

"""Unit tests for ragsvc.stack_http, against a fake stack (responses library)."""

import responses

from ragsvc import stack_http


@responses.activate
def test_register_embedding_model_posts_the_payload() -> None:
    responses.post(f"{stack_http.LLAMA_STACK_URL}/v1/models", json={"identifier": "all-MiniLM-L6-v2"})
    stack_http.register_embedding_model("all-MiniLM-L6-v2", 384)
    assert responses.calls[0].request.url.endswith("/v1/models")


@responses.activate
def test_unregister_tolerates_missing_models() -> None:
    responses.delete(f"{stack_http.LLAMA_STACK_URL}/v1/models/gone", status=404)
    stack_http.unregister_model("gone")

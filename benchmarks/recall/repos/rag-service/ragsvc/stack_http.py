"""Thin HTTP client for the Llama Stack admin routes we still need.

We do not use llama-stack-client here: the service runs in a slim image with only `requests`.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote, urljoin

import requests

log = logging.getLogger(__name__)

LLAMA_STACK_URL = os.environ.get("LLAMA_STACK_URL", "http://llama-stack:8321")
TIMEOUT = float(os.environ.get("LLAMA_STACK_TIMEOUT", "30"))
MODELS_ENDPOINT = f"{LLAMA_STACK_URL}/v1/models"
SESSION = requests.Session()


def register_embedding_model(model_id: str, dimension: int) -> dict:
    payload = {
        "model_id": model_id,
        "provider_id": "sentence-transformers",
        "model_type": "embedding",
        "metadata": {"embedding_dimension": dimension},
    }
    response = SESSION.post(MODELS_ENDPOINT, json=payload, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def unregister_model(model_id: str) -> None:
    response = SESSION.delete(f"{MODELS_ENDPOINT}/{quote(model_id, safe='')}", timeout=TIMEOUT)
    if response.status_code not in (200, 204, 404):
        response.raise_for_status()


def register_corpus(dataset_id: str, uri: str) -> None:
    url = urljoin(LLAMA_STACK_URL, "/v1beta/datasets")
    requests.post(
        url,
        json={"dataset_id": dataset_id, "purpose": "eval/question-answer", "source": {"type": "uri", "uri": uri}},
        timeout=TIMEOUT,
    ).raise_for_status()


def drop_corpus(dataset_id: str) -> None:
    requests.request("DELETE", LLAMA_STACK_URL + "/v1beta/datasets/" + dataset_id, timeout=TIMEOUT)


def register_scorer(scoring_fn_id: str) -> None:
    endpoint = "{}/v1/scoring-functions".format(LLAMA_STACK_URL)
    body = {
        "scoring_fn_id": scoring_fn_id,
        "description": "retrieval hit@5",
        "return_type": {"type": "number"},
        "provider_id": "basic",
    }
    SESSION.post(endpoint, json=body, timeout=TIMEOUT)


def models() -> list[str]:
    return [item["identifier"] for item in SESSION.get(MODELS_ENDPOINT, timeout=TIMEOUT).json()["data"]]


def health() -> bool:
    try:
        return SESSION.get(f"{LLAMA_STACK_URL}/v1/health", timeout=5).ok
    except requests.RequestException:
        log.warning("stack at %s is down", LLAMA_STACK_URL)
        return False

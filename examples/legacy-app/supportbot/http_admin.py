"""Raw HTTP admin calls.

Used where llama-stack-client 0.3.x has no method for a route the server serves
(``benchmarks`` and ``scoring_functions`` cannot be unregistered through the SDK), and by the
on-call runbook, which drives the server from a shell without the SDK installed::

    python -m supportbot.http_admin list-models
    python -m supportbot.http_admin register-model supportbot-chat --provider-id vllm \\
        --provider-model-id meta-llama/Llama-3.2-3B-Instruct
    python -m supportbot.http_admin delete-scoring-function llm-as-judge::supportbot-answer-quality
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import httpx
import requests

from .settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


class HTTPAdminError(RuntimeError):
    """The server answered an admin call with an error status."""

    def __init__(self, method: str, url: str, status_code: int, body: str) -> None:
        super().__init__(f"{method} {url} -> HTTP {status_code}: {body[:300]}")
        self.status_code = status_code


def _check(method: str, url: str, status_code: int, body: str) -> None:
    if status_code >= 400:
        raise HTTPAdminError(method, url, status_code, body)


def health(base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    try:
        response = httpx.get(f"{base_url}/v1/health", timeout=timeout)
    except httpx.TransportError:
        return False
    return response.status_code == 200


def list_model_ids(base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Ids of the models the server serves (Llama Stack ``identifier``; OpenAI-style ``id`` from 0.4 on)."""
    response = httpx.get(f"{base_url}/v1/models", timeout=timeout)
    _check("GET", str(response.request.url), response.status_code, response.text)
    return [str(entry.get("identifier") or entry.get("id")) for entry in response.json()["data"]]


def register_model(
    base_url: str,
    model_id: str,
    provider_id: str,
    provider_model_id: str | None = None,
    *,
    model_type: str = "llm",
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"model_id": model_id, "provider_id": provider_id, "model_type": model_type}
    if provider_model_id:
        payload["provider_model_id"] = provider_model_id
    response = httpx.post(f"{base_url}/v1/models", json=payload, timeout=timeout)
    _check("POST", str(response.request.url), response.status_code, response.text)
    model: dict[str, Any] = response.json()
    log.info("registered model %s over HTTP", model.get("identifier"))
    return model


def delete_scoring_function(base_url: str, fn_id: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    response = requests.delete(f"{base_url}/v1/scoring-functions/{fn_id}", timeout=timeout)
    _check("DELETE", response.url, response.status_code, response.text)
    log.info("unregistered scoring function %s", fn_id)


def delete_benchmark(base_url: str, benchmark_id: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    with httpx.Client(timeout=timeout) as http:
        response = http.delete(f"{base_url}/v1alpha/eval/benchmarks/{benchmark_id}")
    _check("DELETE", str(response.request.url), response.status_code, response.text)
    log.info("unregistered benchmark %s", benchmark_id)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m supportbot.http_admin", description="Llama Stack admin calls over plain HTTP."
    )
    parser.add_argument("--base-url", help="Llama Stack URL (default: $LLAMA_STACK_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list-models")
    register = commands.add_parser("register-model")
    register.add_argument("model_id")
    register.add_argument("--provider-id", required=True)
    register.add_argument("--provider-model-id")
    register.add_argument("--model-type", choices=["llm", "embedding"], default="llm")
    delete_fn = commands.add_parser("delete-scoring-function")
    delete_fn.add_argument("fn_id")
    delete_bench = commands.add_parser("delete-benchmark")
    delete_bench.add_argument("benchmark_id")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    settings = Settings.from_env()
    base_url = (args.base_url or settings.base_url).rstrip("/")
    try:
        if args.command == "list-models":
            print("\n".join(list_model_ids(base_url)))
        elif args.command == "register-model":
            model = register_model(
                base_url, args.model_id, args.provider_id, args.provider_model_id, model_type=args.model_type
            )
            print(json.dumps(model, indent=2))
        elif args.command == "delete-scoring-function":
            delete_scoring_function(base_url, args.fn_id)
        elif args.command == "delete-benchmark":
            delete_benchmark(base_url, args.benchmark_id)
    except (HTTPAdminError, httpx.HTTPError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

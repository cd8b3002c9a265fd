"""Embeddings come from a vLLM server that speaks the OpenAI API (not from the stack)."""

from __future__ import annotations

import os

import httpx

VLLM_URL = os.environ.get("VLLM_URL", "http://vllm:8000")


def served_models() -> list[str]:
    response = httpx.get(f"{VLLM_URL}/v1/models", timeout=10)
    return [item["id"] for item in response.json()["data"]]


def load_lora(name: str, path: str) -> None:
    # vLLM's dynamic LoRA loading (VLLM_ALLOW_RUNTIME_LORA_UPDATING=True)
    httpx.post(f"{VLLM_URL}/v1/load_lora_adapter", json={"lora_name": name, "lora_path": path}, timeout=60)

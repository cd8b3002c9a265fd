"""Admin endpoints of the bot's own web service (FastAPI), not Llama Stack's."""

from __future__ import annotations

import atexit

import httpx
from fastapi import APIRouter

from supportbot.settings import Settings

router = APIRouter(prefix="/admin")
settings = Settings.from_env()
http = httpx.Client(base_url=settings.base_url, timeout=30)
atexit.register(http.close)


@router.post("/models/{model_id}")
def add_model(model_id: str, provider_id: str = "ollama") -> dict[str, str]:
    """Expose model registration to the ops dashboard."""
    response = http.post("/v1/models", json={"model_id": model_id, "provider_id": provider_id})
    response.raise_for_status()
    return {"status": "registered", "model": model_id}


@router.delete("/models/{model_id}")
def remove_model(model_id: str) -> dict[str, str]:
    http.delete(f"/v1/models/{model_id}").raise_for_status()
    return {"status": "removed", "model": model_id}


@router.get("/models")
def list_models() -> list[str]:
    return [item["identifier"] for item in http.get("/v1/models").json()["data"]]

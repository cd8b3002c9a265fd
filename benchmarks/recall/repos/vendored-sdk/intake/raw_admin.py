"""Admin helpers that talk to the stack without the SDK (used from the ops container)."""

from __future__ import annotations

import os

import httpx

BASE = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")


def register_toolgroup(toolgroup_id: str, mcp_url: str) -> None:
    with httpx.Client(base_url=BASE) as http:
        http.post(
            "/v1/toolgroups",
            json={"toolgroup_id": toolgroup_id, "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": mcp_url}},
        ).raise_for_status()

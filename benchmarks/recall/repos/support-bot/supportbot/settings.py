"""Runtime settings, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    base_url: str
    inference_model: str
    provider_id: str
    guard_model: str
    kb_mcp_url: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"),
            inference_model=os.environ.get("INFERENCE_MODEL", "llama3.2:3b"),
            provider_id=os.environ.get("INFERENCE_PROVIDER", "ollama"),
            guard_model=os.environ.get("SAFETY_MODEL", "llama-guard3:1b"),
            kb_mcp_url=os.environ.get("KB_MCP_URL", "http://kb-mcp:8000/sse"),
        )

"""Runtime settings, read from the environment.

Every value has a default that matches ``run.yaml`` next to this package, so a developer can
start the stack locally and run ``python -m supportbot.main`` without exporting anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

DEFAULT_BASE_URL = "http://127.0.0.1:8321"

_TRUTHY = frozenset({"1", "true", "yes", "on"})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUTHY


@dataclass(frozen=True)
class Settings:
    """Where the Llama Stack server is and which providers the support bot uses on it."""

    base_url: str = DEFAULT_BASE_URL
    inference_provider: str = "vllm"
    chat_model: str = "meta-llama/Llama-3.2-3B-Instruct"
    guard_model: str = "meta-llama/Llama-Guard-3-1B"
    tickets_mcp_url: str = "http://127.0.0.1:8001/sse"
    scoring_provider: str = "llm-as-judge"
    eval_provider: str = "meta-reference"
    enable_websearch: bool = False
    request_timeout: float = 30.0

    @property
    def chat_model_identifier(self) -> str:
        """The id the server gives the chat model (llama-stack 0.3: ``provider_id/provider_model_id``)."""
        return f"{self.inference_provider}/{self.chat_model}"

    @property
    def guard_model_identifier(self) -> str:
        return f"{self.inference_provider}/{self.guard_model}"

    def with_base_url(self, base_url: str) -> Settings:
        return replace(self, base_url=base_url.rstrip("/"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            base_url=env.get("LLAMA_STACK_URL", DEFAULT_BASE_URL).rstrip("/"),
            inference_provider=env.get("SUPPORTBOT_INFERENCE_PROVIDER", defaults.inference_provider),
            chat_model=env.get("SUPPORTBOT_CHAT_MODEL", defaults.chat_model),
            guard_model=env.get("SUPPORTBOT_GUARD_MODEL", defaults.guard_model),
            tickets_mcp_url=env.get("SUPPORTBOT_TICKETS_MCP_URL", defaults.tickets_mcp_url),
            scoring_provider=env.get("SUPPORTBOT_SCORING_PROVIDER", defaults.scoring_provider),
            eval_provider=env.get("SUPPORTBOT_EVAL_PROVIDER", defaults.eval_provider),
            enable_websearch=_flag(env.get("SUPPORTBOT_WEBSEARCH")),
            request_timeout=float(env.get("SUPPORTBOT_TIMEOUT", defaults.request_timeout)),
        )

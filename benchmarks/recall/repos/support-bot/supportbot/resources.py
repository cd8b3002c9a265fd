"""Make sure the stack knows the models, shields and tools the bot relies on.

Run once at start-up (idempotent: already registered resources are skipped).
"""

from __future__ import annotations

import logging

from llama_stack_client import LlamaStackClient
from llama_stack_client.types.toolgroup_register_params import McpEndpoint

from supportbot.settings import Settings

log = logging.getLogger(__name__)

GUARD_SHIELD = "support-guard"
KB_TOOLGROUP = "mcp::support-kb"


def ensure_resources(client: LlamaStackClient, settings: Settings) -> None:
    known_models = {model.identifier for model in client.models.list()}
    if settings.inference_model not in known_models:
        log.info("registering %s on %s", settings.inference_model, settings.provider_id)
        client.models.register(
            model_id=settings.inference_model,
            provider_id=settings.provider_id,
            model_type="llm",
        )

    if settings.guard_model not in known_models:
        client.models.register(model_id=settings.guard_model, provider_id=settings.provider_id)

    shields = {shield.identifier for shield in client.shields.list()}
    if GUARD_SHIELD not in shields:
        client.shields.register(
            shield_id=GUARD_SHIELD,
            provider_id="llama-guard",
            provider_shield_id=settings.guard_model,
        )

    groups = {group.identifier for group in client.toolgroups.list()}
    if KB_TOOLGROUP not in groups:
        client.toolgroups.register(
            toolgroup_id=KB_TOOLGROUP,
            provider_id="model-context-protocol",
            mcp_endpoint=McpEndpoint(uri=settings.kb_mcp_url),
        )
    # Web search comes with the distribution; older stacks needed it registered by hand:
    # client.toolgroups.register(toolgroup_id="builtin::websearch", provider_id="tavily-search")


def drop_resources(client: LlamaStackClient, settings: Settings) -> None:
    """Undo `ensure_resources` (used by the integration tests' teardown)."""
    client.toolgroups.unregister(toolgroup_id=KB_TOOLGROUP)
    client.shields.delete(GUARD_SHIELD)
    client.models.unregister(settings.guard_model)

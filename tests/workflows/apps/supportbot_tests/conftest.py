"""Fixtures for the support bot's integration tests: they provision what the tests need on a live stack.

Set LLAMA_STACK_URL to the stack under test and SUPPORT_MCP_URL to the ticket system's MCP server.
"""

import os

import pytest
from llama_stack_client import LlamaStackClient

CHAT_MODEL = "vllm/acme/support-13b"
TICKETS_TOOLGROUP = "mcp::support-tickets"


@pytest.fixture(scope="session")
def client():
    return LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))


@pytest.fixture(scope="session")
def mcp_url():
    return os.environ.get("SUPPORT_MCP_URL", "http://localhost:8000/mcp")


@pytest.fixture(scope="session")
def chat_model(client):
    model = client.models.register(
        model_id=CHAT_MODEL,
        provider_id="vllm",
        provider_model_id="acme/support-13b",
        model_type="llm",
        metadata={"owner": "support"},
    )
    yield model
    client.models.unregister(model.identifier)


@pytest.fixture(scope="session")
def ticket_tools(client, mcp_url):
    client.toolgroups.register(
        toolgroup_id=TICKETS_TOOLGROUP,
        provider_id="model-context-protocol",
        mcp_endpoint={"uri": mcp_url},
    )
    yield TICKETS_TOOLGROUP
    client.toolgroups.unregister(toolgroup_id=TICKETS_TOOLGROUP)

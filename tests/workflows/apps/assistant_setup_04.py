"""Assistant set-up for llama-stack-client 0.4: register our model and the tickets MCP server, check them, clean up.

Written against the 0.4 SDK: `models.list()` returns OpenAI-style models (`id`, `custom_metadata`), `retrieve`
the Llama Stack model (`identifier`, `api_model_type`), and the register/unregister methods are deprecated (the
SDK warns; we silence the warning where we still call them). Run with the server's URL in LLAMA_STACK_URL and the
MCP server's in TICKETS_MCP_URL.
"""

import os
import warnings

from llama_stack_client import LlamaStackClient
from stepreport import check, step

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))
TICKETS_MCP_URL = os.environ.get("TICKETS_MCP_URL", "http://localhost:8000/mcp")

MODEL_ID = "vllm/acme/assistant-04"
PROVIDER_MODEL_ID = "acme/assistant-04"
TOOLGROUP = "mcp::tickets04"

with step("register the model"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = client.models.register(
            model_id=MODEL_ID,
            provider_id="vllm",
            provider_model_id=PROVIDER_MODEL_ID,
            model_type="llm",
            metadata={"team": "assistant"},
        )
    check(model.identifier == MODEL_ID, f"registered as {model.identifier!r}, expected {MODEL_ID!r}")

with step("chat with the returned identifier"):
    completion = client.chat.completions.create(
        model=model.identifier, messages=[{"role": "user", "content": "Say hello to the assistant"}]
    )
    answer = completion.choices[0].message.content
    check(PROVIDER_MODEL_ID in answer, f"the answer did not come from {PROVIDER_MODEL_ID}: {answer!r}")

with step("find the model in the model list"):
    listed = {m.id: m for m in client.models.list()}
    check(MODEL_ID in listed, f"{MODEL_ID} not in {sorted(listed)}")
    details = listed[MODEL_ID].custom_metadata or {}
    check(details.get("provider_id") == "vllm", f"custom_metadata {details!r}")
    check(details.get("provider_resource_id") == PROVIDER_MODEL_ID, f"custom_metadata {details!r}")
    check(details.get("model_type") == "llm", f"custom_metadata {details!r}")

with step("retrieve the model"):
    fetched = client.models.retrieve(MODEL_ID)
    check(fetched.identifier == MODEL_ID, f"identifier {fetched.identifier!r}")
    check(fetched.provider_resource_id == PROVIDER_MODEL_ID, f"provider_resource_id {fetched.provider_resource_id!r}")
    check(fetched.api_model_type == "llm", f"api_model_type {fetched.api_model_type!r}")
    check((fetched.metadata or {}).get("team") == "assistant", f"metadata {fetched.metadata!r}")

with step("register the tickets MCP server"), warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    client.toolgroups.register(
        toolgroup_id=TOOLGROUP, provider_id="model-context-protocol", mcp_endpoint={"uri": TICKETS_MCP_URL}
    )

with step("the tool group is listed"):
    groups = {g.identifier: g for g in client.toolgroups.list()}
    check(TOOLGROUP in groups, f"{TOOLGROUP} not in {sorted(groups)}")
    check(groups[TOOLGROUP].mcp_endpoint.uri == TICKETS_MCP_URL, f"{groups[TOOLGROUP]!r}")

with step("list the tickets tools"):
    tools = {tool.name: tool for tool in client.tools.list(toolgroup_id=TOOLGROUP)}
    check("lookup_ticket" in tools, f"tools {sorted(tools)}")
    check("ticket_id" in tools["lookup_ticket"].input_schema["properties"], f"{tools['lookup_ticket']!r}")

with step("unregister the tickets MCP server"), warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    client.toolgroups.unregister(TOOLGROUP)

with step("unregister the model"), warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    client.models.unregister(MODEL_ID)

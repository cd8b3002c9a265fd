"""Helpdesk assistant: an agent that answers ticket questions with the helpdesk's MCP server.

The MCP server's URL comes from HELPDESK_MCP_URL (streamable HTTP, e.g. http://helpdesk:8000/mcp).
"""

import os

from llama_stack_client import LlamaStackClient
from stepreport import check, step

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))
HELPDESK_MCP_URL = os.environ.get("HELPDESK_MCP_URL", "http://localhost:8000/mcp")

MODEL = "vllm/acme/helpdesk-7b"
TOOLGROUP = "mcp::helpdesk"
SEARCH = "builtin::websearch"

with step("register the assistant model"):
    client.models.register(model_id=MODEL, provider_id="vllm", provider_model_id="acme/helpdesk-7b")

with step("register the helpdesk MCP server"):
    client.toolgroups.register(
        toolgroup_id=TOOLGROUP,
        provider_id="model-context-protocol",
        mcp_endpoint={"uri": HELPDESK_MCP_URL},
    )

with step("the tool group is listed"):
    groups = {g.identifier: g for g in client.toolgroups.list()}
    check(TOOLGROUP in groups, f"{TOOLGROUP} not in {sorted(groups)}")
    check(groups[TOOLGROUP].mcp_endpoint.uri == HELPDESK_MCP_URL, f"{groups[TOOLGROUP]!r}")

with step("get the tool group"):
    group = client.toolgroups.get(TOOLGROUP)
    check(group.provider_id == "model-context-protocol", f"provider_id {group.provider_id!r}")

with step("list the helpdesk tools"):
    tools = {tool.name: tool for tool in client.tools.list(toolgroup_id=TOOLGROUP)}
    check({"lookup_ticket", "add_numbers"} <= set(tools), f"tools {sorted(tools)}")
    check("ticket_id" in tools["lookup_ticket"].input_schema["properties"], f"{tools['lookup_ticket']!r}")

with step("call a tool directly"):
    result = client.tool_runtime.invoke_tool(tool_name="lookup_ticket", kwargs={"ticket_id": "T-1"})
    check("printer on fire" in result.content[0].text, f"tool result {result.content!r}")

with step("ask the agent about a ticket"):
    agent = client.alpha.agents.create(
        agent_config={
            "model": MODEL,
            "instructions": "You are a helpdesk assistant. Use the tools to look up tickets.",
            "toolgroups": [TOOLGROUP],
        }
    )
    session = client.alpha.agents.session.create(agent.agent_id, session_name="ticket-triage")
    final = None
    for chunk in client.alpha.agents.turn.create(
        session.session_id,
        agent_id=agent.agent_id,
        messages=[{"role": "user", "content": 'Please lookup_ticket {"ticket_id": "T-2"}'}],
        stream=True,
    ):
        if chunk.event.payload.event_type == "turn_complete":
            final = chunk.event.payload.turn.output_message.content
    check(final and "VPN drops every hour" in final, f"agent answered {final!r}")

with step("ask through the Responses API with the MCP server"):
    response = client.responses.create(
        model=MODEL,
        input='Please lookup_ticket {"ticket_id": "T-1"}',
        tools=[{"type": "mcp", "server_label": "helpdesk", "server_url": HELPDESK_MCP_URL}],
    )
    check("printer on fire" in response.output_text, f"response {response.output_text!r}")

with step("enable web search"):
    client.toolgroups.register(toolgroup_id=SEARCH, provider_id="tavily-search")

with step("web search offers its tool"):
    names = [tool.name for tool in client.tools.list(toolgroup_id=SEARCH)]
    check("web_search" in names, f"tools {names}")

with step("disable web search"):
    client.toolgroups.unregister(SEARCH)

with step("unregister the helpdesk MCP server"):
    client.toolgroups.unregister(TOOLGROUP)

with step("unregister the assistant model"):
    client.models.unregister(MODEL)

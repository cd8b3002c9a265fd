"""The support bot's integration tests against a live Llama Stack."""

from conftest import CHAT_MODEL


def test_bot_answers(client, chat_model):
    completion = client.chat.completions.create(
        model=chat_model.identifier,
        messages=[{"role": "user", "content": "My printer is on fire"}],
    )
    assert "printer" in completion.choices[0].message.content


def test_bot_answers_under_its_configured_name(client, chat_model):
    completion = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}],
    )
    assert completion.choices[0].message.content


def test_model_is_registered_with_our_metadata(client, chat_model):
    model = next(m for m in client.models.list() if m.identifier == chat_model.identifier)
    assert model.provider_id == "vllm"
    assert model.provider_resource_id == "acme/support-13b"
    assert model.metadata["owner"] == "support"


def test_ticket_tools_are_available(client, ticket_tools):
    names = {tool.name for tool in client.tools.list(toolgroup_id=ticket_tools)}
    assert "lookup_ticket" in names


def test_ticket_lookup(client, ticket_tools):
    result = client.tool_runtime.invoke_tool(tool_name="lookup_ticket", kwargs={"ticket_id": "T-2"})
    assert "VPN" in result.content[0].text


def test_toolgroup_register_unregister_roundtrip(client, mcp_url):
    client.toolgroups.register(
        toolgroup_id="mcp::scratch-tickets",
        provider_id="model-context-protocol",
        mcp_endpoint={"uri": mcp_url},
    )
    assert "mcp::scratch-tickets" in [g.identifier for g in client.toolgroups.list()]
    client.toolgroups.unregister("mcp::scratch-tickets")
    assert "mcp::scratch-tickets" not in [g.identifier for g in client.toolgroups.list()]

"""A register and the unregister of the same resource move together (issue 11), judged alike by scan and fix.

Each case is a real file fixed by the real `fix` (and scanned by the real `scan`): the unregister of a register
left for a human stays, an unsafe register makes its unregister unsafe, a test of the register/unregister
lifecycle is left whole for a human, and a built-in group's unregister does not claim to stay in `connectors`.
"""

from __future__ import annotations

from pathlib import Path

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_text
from migrate.findings import Finding
from migrate.fix.engine import FileFix, fix_file
from migrate.rule_loader import load_rules
from migrate.targets import TargetName

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)


def fix(tmp_path: Path, code: str, *, target: TargetName = "llama-stack-0.7", unsafe: bool = False) -> FileFix:
    path = tmp_path / "app.py"
    path.write_text(code, encoding="utf-8")
    result = fix_file(SourceFile(path, path.name, "python"), RULESET, target, PREFILTER, unsafe=unsafe)
    assert result.error is None
    return result


def scanned(code: str, target: TargetName = "llama-stack-0.7") -> dict[tuple[int, str], Finding]:
    return {(f.line, f.rule): f for f in scan_text(code, "python", RULESET, target, "app.py").findings}


def applicability(finding: Finding) -> str:
    assert finding.fix is not None
    return finding.fix.applicability


KWARGS_REGISTER = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient()
spec = {"model_id": "chat", "provider_id": "vllm"}
client.models.register(**spec)
client.chat.completions.create(model="vllm/chat", messages=[])
client.models.unregister("vllm/chat")
"""


def test_the_unregister_of_a_register_left_for_a_human_stays(tmp_path: Path) -> None:
    findings = scanned(KWARGS_REGISTER)
    assert applicability(findings[(5, "LSM101")]) == "manual"
    unregister = findings[(7, "LSM102")]
    assert applicability(unregister) == "manual" and not unregister.fixable
    assert unregister.fix is not None and "its register (line 5) is left for a human" in unregister.fix.note
    result = fix(tmp_path, KWARGS_REGISTER, unsafe=True)
    assert result.status == "unchanged" and result.after.decode() == KWARGS_REGISTER


UNSAFE_REGISTER = """\
import os

from llama_stack_client import LlamaStackClient

TICKETS = "mcp::tickets"
client = LlamaStackClient()
client.toolgroups.register(
    toolgroup_id=TICKETS, provider_id="model-context-protocol", mcp_endpoint={"uri": os.environ["TICKETS_URL"]}
)
client.toolgroups.unregister(TICKETS)
"""


def test_an_unsafe_register_makes_its_unregister_unsafe(tmp_path: Path) -> None:
    findings = scanned(UNSAFE_REGISTER)
    assert applicability(findings[(7, "LSM121")]) == "unsafe"
    assert applicability(findings[(10, "LSM122")]) == "unsafe"  # safe on its own
    left = fix(tmp_path, UNSAFE_REGISTER)
    assert left.status == "unchanged"
    assert [f.rule for f, _ in left.outcome.unsafe] == ["LSM121", "LSM122"]
    applied = fix(tmp_path, UNSAFE_REGISTER, unsafe=True).after.decode()
    assert "toolgroups.register" not in applied and "toolgroups.unregister" not in applied


# The shape of upstream's MCP integration tests: the test registers the group, uses it, and unregisters it.
LIFECYCLE = """\
import pytest


@pytest.fixture
def ticket_group(llama_stack_client, mcp_server):
    llama_stack_client.toolgroups.register(
        toolgroup_id="mcp::tickets", provider_id="model-context-protocol", mcp_endpoint={"uri": mcp_server}
    )
    yield "mcp::tickets"
    llama_stack_client.toolgroups.unregister(toolgroup_id="mcp::tickets")


class TestToolGroups:
    def test_register_and_unregister(self, llama_stack_client, mcp_server):
        test_toolgroup_id = "mcp::scratch"
        llama_stack_client.toolgroups.register(
            toolgroup_id=test_toolgroup_id, provider_id="model-context-protocol", mcp_endpoint={"uri": mcp_server}
        )
        assert test_toolgroup_id in [g.identifier for g in llama_stack_client.toolgroups.list()]
        llama_stack_client.toolgroups.unregister(toolgroup_id=test_toolgroup_id)
        assert test_toolgroup_id not in [g.identifier for g in llama_stack_client.toolgroups.list()]
"""


def test_a_test_of_the_register_lifecycle_is_left_whole_for_a_human(tmp_path: Path) -> None:
    findings = scanned(LIFECYCLE, "ogx-1")
    # the register, the unregister, and the test's reads of the group (rewritten anywhere else)
    for line, rule in ((16, "LSM121"), (19, "LSM123"), (20, "LSM122"), (21, "LSM123")):
        finding = findings[(line, rule)]
        assert applicability(finding) == "manual"
        assert finding.fix is not None and "TestToolGroups.test_register_and_unregister" in finding.fix.note
    result = fix(tmp_path, LIFECYCLE, target="ogx-1", unsafe=True)
    after = result.after.decode()
    test_part = after[after.index("class TestToolGroups") :]
    assert test_part == LIFECYCLE[LIFECYCLE.index("class TestToolGroups") :]  # the test is not touched
    fixture_part = after[: after.index("class TestToolGroups")]
    assert "toolgroups.register" not in fixture_part and "toolgroups.unregister" not in fixture_part
    assert [f.line for f, _ in result.outcome.applied] == [6, 10]


BUILTIN = """\
from llama_stack_client import LlamaStackClient

SEARCH = "builtin::websearch"
client = LlamaStackClient()
client.toolgroups.register(toolgroup_id=SEARCH, provider_id="tavily-search")
client.toolgroups.unregister(SEARCH)
"""


def test_a_built_in_groups_unregister_follows_the_tool_runtime_providers(tmp_path: Path) -> None:
    after = fix(tmp_path, BUILTIN, target="ogx-1").after.decode()
    assert after.endswith(
        '# llama-stack-migrate: tool group "builtin::websearch" is built in: the tool_runtime provider registers it'
        " (LSM121)\n"
        '# llama-stack-migrate: tool group "builtin::websearch" is built in: it follows the tool_runtime providers'
        " (LSM122)\n"
    )
    assert "connectors" not in after


BOUND = """\
from llama_stack_client import LlamaStackClient


def provision(client: LlamaStackClient, spec):
    model = client.models.register(model_id="chat", provider_id="vllm", **spec)
    try:
        yield model
    finally:
        client.models.unregister(model.identifier)
"""


def test_an_unregister_of_the_registers_result_is_its_pair() -> None:
    findings = scanned(BOUND)
    unregister = findings[(9, "LSM102")]
    assert applicability(unregister) == "manual"
    assert unregister.fix is not None and "line 5" in unregister.fix.note


# Both quote characters inside the identifier's f-string fields: the scan judges the register an unsafe rewrite,
# but the rewrite itself gives up (it cannot write the f-string), so fix must keep the unregister too.
QUOTES = """\
from llama_stack_client import LlamaStackClient


def provision(client: LlamaStackClient, settings, names):
    client.models.register(model_id=f"{names['chat']}", provider_id=f'{settings["provider"]}')
    client.models.unregister(f"{names['chat']}")
"""


def test_fix_keeps_an_unregister_whose_register_its_rewrite_left_after_all(tmp_path: Path) -> None:
    result = fix(tmp_path, QUOTES, unsafe=True)
    assert result.status == "unchanged"
    reasons = {f.rule: reason for f, reason in result.outcome.manual}
    assert "both quote characters" in reasons["LSM101"]
    assert "its register (line 5) is left as it is" in reasons["LSM102"]


RENAMED = """\
def test_dataset_roundtrip(llama_stack_client):
    llama_stack_client.datasets.register(purpose="eval/question-answer", source={"type": "rows"}, dataset_id="qa")
    llama_stack_client.datasets.unregister("qa")
"""


def test_a_lifecycle_the_target_still_serves_under_a_new_name_is_renamed(tmp_path: Path) -> None:
    after = fix(tmp_path, RENAMED).after.decode()
    assert after == RENAMED.replace(".datasets.", ".beta.datasets.")


# Found by tests/hardening: the register in the except handler goes with the try whose body fix removes.
HANDLER = """\
from llama_stack_client import LlamaStackClient, NotFoundError

client = LlamaStackClient()
client.toolgroups.unregister("mcp::github")
try:
    client.models.unregister("vllm/llama3")
except NotFoundError:
    client.toolgroups.register(**spec.kwargs)
"""


def test_a_register_in_an_except_handler_is_a_fallback_and_pairs_with_nothing(tmp_path: Path) -> None:
    assert applicability(scanned(HANDLER)[(4, "LSM122")]) == "safe"
    first = fix(tmp_path, HANDLER).after.decode()
    assert "toolgroups.unregister" not in first and "toolgroups.register" not in first
    assert fix(tmp_path, first).status == "unchanged"  # and fix is idempotent

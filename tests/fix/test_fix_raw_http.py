"""Raw-HTTP registers and unregisters: `fix` rewrites them as it rewrites their SDK twins, where it can be sure.

An ops script that POSTs `/v1/models` and `/v1/toolgroups` with literal bodies gets its models and MCP server into
the run config (issue 11, S4/F8); a model's POST becomes the GET of the declared model, a tool group's POST and
every DELETE go. Where `fix` cannot be sure (a URL built elsewhere, a generic `request("POST", ...)`, a body that
is not `json=`, an identifier only known at run time or one a URL must encode, an answer that is used), the call
stays with a reason that says which, and what its body declares is declared all the same.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from migrate.discovery import discover
from migrate.fix.run import FixRun, run_fix, write_run
from migrate.rule_loader import load_rules
from migrate.targets import TargetName

RULESET = load_rules()

OPS = """\
import os

import requests

BASE = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")
MCP_URL = os.environ["OPS_MCP_URL"]
MODEL = "vllm/acme/ops-llm"
GUARD = {"model_id": "ops-guard", "provider_id": "vllm", "provider_model_id": "acme/ops-guard"}

requests.post(f"{BASE}/v1/models", json={"model_id": MODEL, "provider_id": "vllm", "provider_model_id": "acme/ops-llm"})
requests.post(f"{BASE}/v1/models", json=GUARD)
requests.post(f"{BASE}/v1/toolgroups", json={"toolgroup_id": "builtin::websearch", "provider_id": "tavily-search"})
requests.post(
    f"{BASE}/v1/toolgroups",
    json={"toolgroup_id": "mcp::ops", "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": MCP_URL}},
)
requests.post(f"{BASE}/v1/models", json=load_spec())
"""

OPS_FIXED_FOR_OGX = """\
import os

import requests

BASE = os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")
MCP_URL = os.environ["OPS_MCP_URL"]
MODEL = "vllm/acme/ops-llm"
GUARD = {"model_id": "ops-guard", "provider_id": "vllm", "provider_model_id": "acme/ops-guard"}

requests.get(f"{BASE}/v1/models/{MODEL}")
requests.get(f"{BASE}/v1/models/vllm/ops-guard")
# llama-stack-migrate: tool group "builtin::websearch" is built in: the tool_runtime provider registers it (LSM121)
# llama-stack-migrate: MCP tool group "mcp::ops" is a `connectors` entry now (LSM121)
requests.post(f"{BASE}/v1/models", json=load_spec())
"""


def fixed(
    tmp_path: Path, code: str, target: TargetName, *, unsafe: bool
) -> tuple[FixRun, dict[str, list[dict[str, object]]]]:
    (tmp_path / "ops.py").write_text(code, encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text("version: 2\n", encoding="utf-8")
    run = run_fix(discover([tmp_path / "ops.py"]).files, RULESET, target, unsafe=unsafe, config_path=config)
    assert write_run(run) == []
    data = YAML(typ="safe").load(config.read_text(encoding="utf-8"))
    models = data.get("registered_resources", {}).get("models", [])
    return run, {"models": models, "connectors": data.get("connectors", [])}


def test_literal_bodies_are_declared_and_the_calls_read_them_back_or_go(tmp_path: Path) -> None:
    run, declared = fixed(tmp_path, OPS, "ogx-1", unsafe=True)
    [result] = run.files
    assert (tmp_path / "ops.py").read_text(encoding="utf-8") == OPS_FIXED_FOR_OGX
    assert declared["models"] == [
        {"model_id": "vllm/acme/ops-llm", "provider_id": "vllm", "provider_model_id": "acme/ops-llm"},
        {"model_id": "ops-guard", "provider_id": "vllm", "provider_model_id": "acme/ops-guard"},
    ]
    assert declared["connectors"] == [{"connector_id": "mcp::ops", "url": None}]  # set by a human
    assert [finding.line for finding, _ in result.outcome.applied] == [10, 11, 12, 13]
    [(left, reason)] = result.outcome.manual
    assert left.line == 17 and "only known at run time" in reason
    # As the scan says: the MCP group's URL is only known at run time.
    assert [f.fix.applicability for f in result.findings if f.fix] == ["safe", "safe", "safe", "unsafe", "manual"]


def test_the_read_back_uses_the_identifier_of_the_target(tmp_path: Path) -> None:
    fixed(tmp_path, OPS, "llama-stack-0.7", unsafe=True)
    lines = (tmp_path / "ops.py").read_text(encoding="utf-8").splitlines()
    # 0.7 names a model provider_id/provider_model_id, OGX provider_id/model_id (`MODEL` already is one).
    assert lines[9:11] == [
        'requests.get(f"{BASE}/v1/models/vllm/acme/ops-llm")',
        'requests.get(f"{BASE}/v1/models/vllm/acme/ops-guard")',
    ]


def test_a_body_with_values_only_known_at_run_time_needs_unsafe_fixes(tmp_path: Path) -> None:
    run, declared = fixed(tmp_path, OPS, "llama-stack-0.7", unsafe=False)
    assert [m["model_id"] for m in declared["models"]] == ["vllm/acme/ops-llm", "ops-guard"]
    assert declared["connectors"] == []
    [result] = run.files
    assert [finding.line for finding, _ in result.outcome.unsafe] == [13]
    assert 'requests.post(\n    f"{BASE}/v1/toolgroups",' in (tmp_path / "ops.py").read_text(encoding="utf-8")


TIMID = """\
import requests
from llama_stack_client import LlamaStackClient

URL = "http://localhost:8321/v1/models"
BASE = "http://localhost:8321"
client = LlamaStackClient(base_url=BASE)

requests.post(URL, json={"model_id": "built-elsewhere", "provider_id": "vllm"})
requests.request("POST", f"{BASE}/v1/models", json={"model_id": "generic", "provider_id": "vllm"})
requests.post(f"{BASE}/v1/models", data='{"model_id": "as-data", "provider_id": "vllm"}')
requests.post(f"{BASE}/v1/models", json={"model_id": "my model", "provider_id": "vllm"})
requests.post(f"{BASE}/v1/models", json={"model_id": "one", "provider_id": "vllm"}, headers={"X": "1"}, **extra)
requests.post(f"{BASE}/v1/models?dry_run=true", json={"model_id": "query", "provider_id": "vllm"})
group = requests.post(f"{BASE}/v1/toolgroups", json={"toolgroup_id": "builtin::websearch", "provider_id": "tavily"})
client.models.unregister("vllm/built-elsewhere")


def roundtrip(name):
    requests.post(f"{BASE}/v1/models", json={"model_id": name, "provider_id": "vllm"})
    requests.delete(f"{BASE}/v1/models/{name}")
    gone = requests.delete(f"{BASE}/v1/models/vllm/scratch")
    return gone.json()
"""


def test_what_fix_cannot_be_sure_of_stays_with_a_precise_reason(tmp_path: Path) -> None:
    run, declared = fixed(tmp_path, TIMID, "ogx-1", unsafe=True)
    [result] = run.files
    assert (tmp_path / "ops.py").read_text(encoding="utf-8") == TIMID
    reasons = {finding.line: reason for finding, reason in result.outcome.manual}
    assert "not rewritten: the URL is not written in the call" in reasons[8]
    assert "not rewritten: only the `.post(...)` and `.delete(...)` of an HTTP client" in reasons[9]
    assert "not rewritten: the body is not passed as `json=`" in reasons[10]
    assert "not rewritten: the identifier 'vllm/my model' needs percent-encoding in a URL" in reasons[11]
    assert "not rewritten: arguments unpacked with * or ** are only known at run time" in reasons[12]
    assert "not rewritten: the URL is not written in the call" in reasons[13]  # a query after the path
    assert "not rewritten: raw HTTP whose response is used" in reasons[14]
    assert "not rewritten: raw HTTP whose identifier is only known at run time" in reasons[19]
    # Unregisters declare nothing: the scan's note says why each stays.
    notes = {finding.line: finding.fix.note for finding in result.findings if finding.fix is not None}
    assert notes[15].startswith("its register (line 8) is left for a human")  # an SDK unregister, a raw register
    assert notes[20].startswith("its register (line 19) is left for a human")
    assert notes[21] == "raw HTTP whose response is used, so the statement cannot simply go"
    assert sorted(notes) == [8, 9, 10, 11, 12, 13, 14, 15, 19, 20, 21]
    assert all(f.fix is not None and f.fix.applicability == "manual" for f in result.findings)
    # What a body that is written out declares, is declared all the same.
    declared_ids = [m["model_id"] for m in declared["models"]]
    assert declared_ids == ["built-elsewhere", "generic", "my model", "one", "query", None]


SDK_AND_RAW = """\
import requests
from llama_stack_client import LlamaStackClient

BASE = "http://localhost:8321"
MODEL = "vllm/acme/x"
client = LlamaStackClient(base_url=BASE)

requests.post(f"{BASE}/v1/models", json={"model_id": MODEL, "provider_id": "vllm"})
client.models.unregister(MODEL)
"""


def test_an_sdk_unregister_goes_with_the_raw_register_it_names(tmp_path: Path) -> None:
    fixed(tmp_path, SDK_AND_RAW, "ogx-1", unsafe=False)
    assert (tmp_path / "ops.py").read_text(encoding="utf-8").splitlines()[7:] == [
        'requests.get(f"{BASE}/v1/models/{MODEL}")',
        '# llama-stack-migrate: model "vllm/acme/x" stays declared in registered_resources.models (LSM102)',
    ]


WRAPPED = """\
import requests

BASE = "http://localhost:8321"
RESPONSES = []


def keep(response):
    RESPONSES.append(response)


def ok(response):
    response.raise_for_status()


keep(requests.delete(f"{BASE}/v1/models/vllm/a"))
RESPONSES.append(requests.delete(f"{BASE}/v1/models/vllm/b"))
ok(requests.delete(f"{BASE}/v1/models/vllm/c"))
"""


def test_a_delete_goes_with_a_check_of_its_answer_and_stays_where_the_answer_is_kept(tmp_path: Path) -> None:
    run, _ = fixed(tmp_path, WRAPPED, "llama-stack-0.7", unsafe=False)
    [result] = run.files
    assert (tmp_path / "ops.py").read_text(encoding="utf-8").splitlines()[-3:] == [
        'keep(requests.delete(f"{BASE}/v1/models/vllm/a"))',
        'RESPONSES.append(requests.delete(f"{BASE}/v1/models/vllm/b"))',
        '# llama-stack-migrate: model "vllm/c" stays declared in registered_resources.models (LSM102)',
    ]
    notes = {finding.line: finding.fix.note for finding in result.findings if finding.fix is not None}
    assert notes[15] == notes[16] == "raw HTTP whose response is used, so the statement cannot simply go"

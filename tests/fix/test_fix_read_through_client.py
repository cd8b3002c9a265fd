"""LSM123 and LSM124 on llama-stack 0.7 and OGX: `read-through-client` rewrites tool-group reads and a group's tool
listing into the client's `get` of the target's route (the rules' examples say how; tests/workflows runs the result
against the real servers).

Here: a second run changes nothing and leaves no finding of the rule, and the rewrites `fix` refuses at the last
moment (what the scan cannot see: a wrapper of the method, the name the items are made with bound to something
else) leave the file as it was, with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_text
from migrate.fix.engine import fix_file
from migrate.rule_loader import load_rules
from migrate.rules import Example
from migrate.targets import TargetName

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
CASES = [
    (rule_id, example, target)
    for rule_id in ("LSM123", "LSM124")
    for example in RULESET.by_id[rule_id].examples
    for target in example.after
]


def fix(tmp_path: Path, code: str, target: TargetName) -> tuple[str, list[str]]:
    path = tmp_path / "app.py"
    path.write_text(code, encoding="utf-8")
    result = fix_file(SourceFile(path, path.name, "python"), RULESET, target, PREFILTER, unsafe=True)
    assert result.error is None
    return result.after.decode(), [reason for _, reason in result.outcome.manual]


@pytest.mark.parametrize(("rule_id", "example", "target"), CASES, ids=[f"{r}::{e.name}::{t}" for r, e, t in CASES])
def test_a_rewritten_read_is_fixed_once_and_for_all(
    tmp_path: Path, rule_id: str, example: Example, target: TargetName
) -> None:
    after, _ = fix(tmp_path, example.code, target)
    assert after == example.after[target]
    assert fix(tmp_path, after, target)[0] == after
    left = [f for f in scan_text(after, "python", RULESET, target, "app.py").findings if f.rule == rule_id]
    before = [f for f in scan_text(example.code, "python", RULESET, target, "app.py").findings if f.rule == rule_id]
    # what stays is what fix left for a human (the raw-HTTP read), at the same place
    assert [(f.source, f.fix and f.fix.applicability) for f in left] == [
        (f.source, "manual") for f in before if f.fix is not None and f.fix.applicability == "manual"
    ]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (
            "from llama_stack_client import LlamaStackClient\nfrom acme import SimpleNamespace\n\n"
            'client = LlamaStackClient()\nnames = client.tools.list(toolgroup_id="mcp::a")\n',
            "`SimpleNamespace` names something else in this module",
        ),
        (
            "from llama_stack_client import LlamaStackClient\n\n"
            'client = LlamaStackClient()\nraw = client.tools.with_raw_response.list(toolgroup_id="mcp::a")\n',
            "the SDK method is not written in the call",
        ),
    ],
    ids=["the name bound to something else", "a with_raw_response wrapper"],
)
def test_what_the_scan_cannot_see_is_left_as_it_was(tmp_path: Path, code: str, reason: str) -> None:
    after, manual = fix(tmp_path, code, "ogx-1")
    assert after == code
    assert len(manual) == 1 and reason in manual[0]


def test_an_existing_import_is_reused(tmp_path: Path) -> None:
    code = (
        "from types import SimpleNamespace\n\nfrom llama_stack_client import LlamaStackClient\n\n"
        'client = LlamaStackClient()\nnames = [t.name for t in client.tools.list(toolgroup_id="mcp::a")]\n'
    )
    after, _ = fix(tmp_path, code, "llama-stack-0.7")
    assert after.count("SimpleNamespace") == 2  # the import, and the one use
    assert 'client.get("/v1beta/connectors/mcp::a/tools", cast_to=object)' in after


def test_a_literal_id_is_percent_encoded_into_the_route_as_the_shim_encodes_it(tmp_path: Path) -> None:
    code = (
        "from llama_stack_client import LlamaStackClient\n\n"
        'client = LlamaStackClient()\ngroup = client.toolgroups.get("mcp::ops tools")\n'
    )
    after, manual = fix(tmp_path, code, "llama-stack-0.7")
    assert manual == []
    assert 'client.get("/v1beta/connectors/mcp::ops%20tools", cast_to=object)' in after

"""The bundled example app: every planted deprecated use is found, and nothing else.

The expected table is the app author's inventory of what was planted (not the scanner's output).
"""

from __future__ import annotations

import json

import pytest

from migrate.rule_loader import load_rules
from migrate.targets import TARGETS
from tests.conftest import REPO, RunCli

APP = "examples/legacy-app"

PLANTED: dict[str, list[tuple[int | None, int, str]]] = {
    "README.md": [
        (None, 84, "LSM101"), (None, 85, "LSM111"), (None, 86, "LSM121"), (None, 87, "LSM131"),
        (None, 88, "LSM151"), (None, 90, "LSM141"), (None, 94, "LSM102"), (None, 95, "LSM122"),
        (None, 96, "LSM132"), (None, 112, "LSM121"),
    ],
    "notebooks/explore.ipynb": [
        (4, 1, "LSM101"), (6, 1, "LSM131"), (8, 1, "LSM111"), (13, 1, "LSM102"), (13, 2, "LSM132"),
        (13, 3, "LSM112"),
    ],
    "run.yaml": [
        # its provider settings: APIs OGX does not have (LSM265), renamed on 0.7 and OGX (LSM261-263), rag-runtime
        (None, 13, "LSM265"), (None, 14, "LSM261"), (None, 18, "LSM265"), (None, 19, "LSM265"), (None, 20, "LSM265"),
        (None, 28, "LSM263"), (None, 30, "LSM265"), (None, 35, "LSM261"), (None, 37, "LSM262"), (None, 64, "LSM264"),
        (None, 73, "LSM265"), (None, 80, "LSM265"), (None, 87, "LSM265"),
        (None, 120, "LSM211"), (None, 129, "LSM221"), (None, 132, "LSM221"),
    ],
    "scripts/bootstrap.sh": [
        (None, 39, "LSM101"), (None, 42, "LSM101"), (None, 48, "LSM111"), (None, 53, "LSM121"),
        (None, 58, "LSM121"), (None, 62, "LSM131"), (None, 69, "LSM151"), (None, 76, "LSM141"),
        (None, 84, "LSM142"), (None, 85, "LSM152"), (None, 87, "LSM132"), (None, 88, "LSM122"),
        (None, 89, "LSM122"), (None, 90, "LSM112"), (None, 91, "LSM102"), (None, 92, "LSM102"),
    ],
    "supportbot/async_setup.py": [(None, 33, "LSM101"), (None, 46, "LSM101"), (None, 57, "LSM102")],
    "pyproject.toml": [(None, 12, "LSM160")],  # llama-stack-client>=0.3,<0.4: the SDK of the 0.3 server
    "supportbot/http_admin.py": [(None, 72, "LSM101"), (None, 80, "LSM152"), (None, 87, "LSM142")],
    "supportbot/next_client.py": [
        (None, 18, "LSM131"), (None, 28, "LSM141"), (None, 39, "LSM142"), (None, 43, "LSM152"),
        (None, 47, "LSM132"),
    ],
    "supportbot/resources.py": [
        (None, 48, "LSM101"), (None, 60, "LSM111"), (None, 72, "LSM121"), (None, 80, "LSM121"),
        (None, 87, "LSM131"), (None, 116, "LSM151"), (None, 125, "LSM141"),
    ],
    "supportbot/teardown.py": [(None, 29, "LSM132"), (None, 38, "LSM122"), (None, 48, "LSM112"), (None, 53, "LSM102")],
    "tests/conftest.py": [(None, 82, "LSM101"), (None, 90, "LSM101"), (None, 103, "LSM102")],
    "tests/test_resources.py": [
        (None, 134, "LSM121"), (None, 144, "LSM122"), (None, 149, "LSM131"), (None, 155, "LSM141"),
        (None, 165, "LSM132"),
    ],
}  # fmt: skip

#: Reads the app makes that break on OGX (read rules): listings in the legacy shape, reads of removed kinds.
READS: dict[str, list[tuple[int | None, int, str]]] = {
    "supportbot/http_admin.py": [(None, 55, "LSM103")],
    "supportbot/inventory.py": [
        (None, 35, "LSM113"), (None, 43, "LSM123"), (None, 51, "LSM133"), (None, 57, "LSM153"), (None, 63, "LSM143"),
    ],
    "tests/conftest.py": [(None, 46, "LSM103")],
    "tests/test_resources.py": [
        (None, 127, "LSM113"), (None, 140, "LSM123"),
        (None, 161, "LSM143"),
    ],
}  # fmt: skip

#: Listings iterated in place whose items' fields are read: the 0.4 SDK has no legacy field on a listed model
#: (a read finding there), while the 0.7 SDK that the OGX fix pins maps them back (no finding on OGX).
SETTLED_READS: dict[str, list[tuple[int | None, int, str]]] = {
    "notebooks/explore.ipynb": [(2, 7, "LSM103")],
    "tests/conftest.py": [(None, 79, "LSM103")],
    "tests/test_resources.py": [(None, 113, "LSM103"), (None, 120, "LSM103")],
}  # fmt: skip


def scan(run_cli: RunCli, *args: str) -> dict[str, object]:
    process = run_cli("scan", "--format", "json", *args, APP, cwd=REPO)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)  # type: ignore[no-any-return]


def test_every_planted_use_is_found_and_no_look_alike(run_cli: RunCli) -> None:
    report = scan(run_cli)
    found = sorted(
        (f["path"].removeprefix(APP + "/"), f["cell"], f["line"], f["rule"])
        for f in report["findings"]  # type: ignore[attr-defined]
    )
    expected = sorted(
        (path, cell, line, rule)
        for table in (PLANTED, READS)
        for path, uses in table.items()
        for cell, line, rule in uses
    )
    assert found == expected
    assert report["failures"] == []
    twelve = {rule.id for rule in load_rules().rules if rule.operation in ("register", "unregister")}
    assert len(twelve) == 12
    assert {rule for uses in PLANTED.values() for *_, rule in uses} >= twelve


def test_target_changes_the_verdict_on_the_example(run_cli: RunCli) -> None:
    on_04 = scan(run_cli, "--target", "llama-stack-0.4")
    deprecated = [f for f in on_04["findings"] if f["operation"] != "read"]  # type: ignore[attr-defined]
    # The run config's tool_groups, shields and provider settings are read by 0.4: sixteen fewer findings.
    assert len(deprecated) == sum(map(len, PLANTED.values())) - 16
    # 0.4 serves shields, tool groups and scoring functions as 0.3 did; the model listing changed shape there,
    # and the datasets and benchmarks namespaces were renamed.
    reads = sorted((f["line"], f["rule"]) for f in on_04["findings"] if f["operation"] == "read")  # type: ignore[attr-defined]
    assert reads == sorted(
        (line, rule)
        for table in (READS, SETTLED_READS)
        for uses in table.values()
        for _, line, rule in uses
        if rule in ("LSM103", "LSM133", "LSM143")
    )
    severities = {(f["rule"], f["severity"]) for f in on_04["findings"]}  # type: ignore[attr-defined]
    assert ("LSM101", "warning") in severities  # still served on 0.4
    assert ("LSM131", "error") in severities  # client.datasets was renamed to client.beta.datasets in 0.4


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("where", ["inside the app", "from the repository root"])
def test_every_finding_line_of_the_text_output_fits_in_120_columns(run_cli: RunCli, target: str, where: str) -> None:
    """As the app's developers run it, and as docs/getting-started.md does; each mark is what the JSON says."""
    cwd, path = (REPO / APP, ".") if where == "inside the app" else (REPO, APP)
    process = run_cli("scan", "--target", target, path, cwd=cwd)
    assert process.returncode == 0, process.stderr
    lines = process.stdout.splitlines()
    finding_lines = lines[: lines.index("")]
    report = json.loads(run_cli("scan", "--format", "json", "--target", target, path, cwd=cwd).stdout)
    findings = report["findings"]
    assert len(finding_lines) == len(findings) > 0
    assert [line for line in finding_lines if len(line) > 120] == []
    marks = {"safe": "[*] ", "unsafe": "[~] ", "manual": ""}
    for line, finding in zip(finding_lines, findings, strict=True):
        mark = marks[finding["fix"]["applicability"]]
        assert line.endswith(f": {finding['rule']} {mark}{finding['message']}"), line
        provider = finding["resource"] == "provider"  # a provider setting is renamed or removed, not ignored
        verdict = f" ignored by {target}" if finding["operation"] == "config" and not provider else f" on {target}"
        assert finding["message"].endswith(verdict), finding["message"]

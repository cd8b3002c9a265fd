"""`report --format json`: valid against the committed schema, and its numbers are the input's."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from migrate.report.render_json import json_schema
from tests.conftest import REPO
from tests.report.conftest import RunReport
from tests.report.history import CLIENTS, DAYS, PLAN, calls_per_day_per_rule, daily_totals

SCHEMA = REPO / "docs" / "report-output.schema.json"


@pytest.fixture(scope="module")
def document(example_scan: Path, history_db: Path) -> dict[str, Any]:
    from tests.report.conftest import run_process

    process = run_process(
        "-m", "migrate", "report", "--scan", str(example_scan), "--events", str(history_db), "--format", "json"
    )
    assert process.returncode == 0, process.stderr
    parsed: dict[str, Any] = json.loads(process.stdout)
    return parsed


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == json_schema(), (
        "regenerate with `python -c 'from migrate.report.render_json import json_schema; "
        'print(json_schema(), end="")\' > docs/report-output.schema.json`'
    )


def test_the_report_validates_against_the_committed_schema(document: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(error.path)}: {error.message}" for error in errors)
    broken = {**document, "repositories": [{**document["repositories"][0], "verdict": {"status": "maybe"}}]}
    assert list(validator.iter_errors(broken)), "the schema must reject an unknown verdict"


def test_scan_totals_are_the_scan_files(document: dict[str, Any], example_scan: Path) -> None:
    scan = json.loads(example_scan.read_text())
    (repo,) = document["repositories"]
    totals = repo["totals"]
    assert repo["name"] == "legacy-app" and repo["target"] == scan["target"]
    assert totals["findings"] == scan["summary"]["findings"]
    assert totals["errors"] == scan["summary"]["errors"]
    assert totals["safe"] + totals["unsafe"] + totals["auto"] == scan["summary"]["fixable"]
    assert totals["manual"] == sum(1 for finding in scan["findings"] if not finding["fixable"])
    assert {row["rule"]: row["findings"] for row in repo["by_rule"]} == scan["summary"]["by_rule"]
    assert [item["finding"] for item in repo["findings"]] == scan["findings"]
    by_file = Counter(finding["path"] for finding in scan["findings"])
    assert {row["path"]: row["findings"] for row in repo["by_file"]} == dict(by_file)


def test_burn_down_is_the_event_history(document: dict[str, Any]) -> None:
    runtime = document["runtime"]
    expected = calls_per_day_per_rule()
    assert runtime["days"] == [day.isoformat() for day in DAYS]
    assert {series["rule"]: series["counts"] for series in runtime["burndown"]} == expected
    assert {series["rule"]: series["total"] for series in runtime["burndown"]} == {
        rule: sum(counts) for rule, counts in expected.items()
    }
    assert runtime["daily_totals"] == daily_totals()
    assert runtime["calls"] == sum(sum(calls.counts) for calls in PLAN)
    assert runtime["trend"]["direction"] == "falling"
    assert runtime["trend"]["first"] == runtime["daily_totals"][0]
    assert runtime["trend"]["last"] == runtime["daily_totals"][-1]
    assert runtime["targets"] == ["ogx-1"]


def test_outcomes_and_clients_are_the_event_history(document: dict[str, Any]) -> None:
    runtime = document["runtime"]
    outcomes: Counter[tuple[str, str]] = Counter()
    by_sdk: Counter[tuple[str | None, str | None]] = Counter()
    by_credential: Counter[str | None] = Counter()
    rules_by_credential: dict[str | None, set[str]] = {}
    for calls in PLAN:
        client = CLIENTS[calls.client]
        outcomes[(calls.rule, calls.outcome)] += sum(calls.counts)
        by_sdk[(client.sdk_name, client.sdk_version)] += sum(calls.counts)
        by_credential[client.fingerprint] += sum(calls.counts)
        rules_by_credential.setdefault(client.fingerprint, set()).add(calls.rule)
    assert {(o["rule"], o["outcome"]): o["calls"] for o in runtime["outcomes"]} == dict(outcomes)
    sdk_rows = runtime["clients_by_sdk"]
    assert {(c["sdk_name"], c["sdk_version"]): c["calls"] for c in sdk_rows} == dict(by_sdk)
    assert [c["calls"] for c in sdk_rows] == sorted((c["calls"] for c in sdk_rows), reverse=True)
    credential_rows = runtime["clients_by_credential"]
    assert {c["fingerprint"]: c["calls"] for c in credential_rows} == dict(by_credential)
    assert {c["fingerprint"]: set(c["rules"]) for c in credential_rows} == rules_by_credential
    web = next(c for c in credential_rows if c["fingerprint"] == CLIENTS["web"].fingerprint)
    assert web["sdks"] == ["llama-stack-client/0.3.5"]
    assert web["last_seen"].startswith(DAYS[-1].isoformat())  # the web client still calls on the last day


def test_a_window_keeps_only_its_days(run_report: RunReport, history_db: Path) -> None:
    process = run_report(
        "--events", str(history_db), "--since", "2026-03-04", "--until", "2026-03-05", "--format", "json"
    )
    assert process.returncode == 0, process.stderr
    runtime = json.loads(process.stdout)["runtime"]
    assert runtime["days"] == ["2026-03-04", "2026-03-05"]
    expected = {rule: counts[2:4] for rule, counts in calls_per_day_per_rule().items() if any(counts[2:4])}
    assert {series["rule"]: series["counts"] for series in runtime["burndown"]} == expected
    assert runtime["calls"] == sum(sum(counts) for counts in expected.values())
    assert runtime["since"] == "2026-03-04T00:00:00Z" and runtime["until"] == "2026-03-06T00:00:00Z"


def test_a_window_wider_than_the_events_shows_the_quiet_days_as_zero(run_report: RunReport, history_db: Path) -> None:
    since = DAYS[0] - dt.timedelta(days=2)
    process = run_report("--events", str(history_db), "--since", since.isoformat(), "--format", "json")
    assert process.returncode == 0, process.stderr
    runtime = json.loads(process.stdout)["runtime"]
    assert runtime["days"][:3] == [since.isoformat(), (since + dt.timedelta(days=1)).isoformat(), DAYS[0].isoformat()]
    assert runtime["daily_totals"][:2] == [0, 0]
    assert runtime["days"][-1] == DAYS[-1].isoformat()


def test_a_time_of_day_window_cuts_inside_a_day(run_report: RunReport, history_db: Path) -> None:
    # Events of a day start at 07:00 (see history.events); before 07:30 on the first day there are only the
    # first call of each plan line with calls that day (07:00).
    process = run_report(
        "--events",
        str(history_db),
        "--since",
        "2026-03-02T00:00:00Z",
        "--until",
        "2026-03-02T07:30:00Z",
        "--format",
        "json",
    )
    assert process.returncode == 0, process.stderr
    runtime = json.loads(process.stdout)["runtime"]
    assert runtime["calls"] == sum(1 for calls in PLAN if calls.counts[0])

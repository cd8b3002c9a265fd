"""The report as one document: the model behind `report --format json` (docs/report-output.schema.json).

The Markdown and HTML renderers read only this model, so every format shows the same numbers.
`schema_version` changes when a field is removed or changes meaning (new fields may be added).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from migrate.event_schema import Outcome
from migrate.findings import Finding
from migrate.scan_report import Failure, Tool
from migrate.targets import TargetName

FixClass = Literal["safe", "unsafe", "auto", "manual"]
VerdictStatus = Literal["ready", "ready-with-warnings", "fix-ready", "not-ready", "incomplete"]
Direction = Literal["falling", "rising", "flat", "too-little-data"]

FIX_LABELS: dict[FixClass, str] = {
    "safe": "safe auto-fix",
    "unsafe": "unsafe auto-fix",
    "auto": "auto-fix",
    "manual": "manual",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Verdict(_Strict):
    """Whether a repository is ready for its target, as a status and one line of text."""

    status: VerdictStatus = Field(
        description="ready: nothing left; ready-with-warnings: only uses the target still serves; fix-ready: "
        "every blocking use is a safe auto-fix; not-ready: some need unsafe fixes or manual work; incomplete: "
        "otherwise ready, but files could not be scanned."
    )
    line: str = Field(description="The verdict as one line of text.")


class FixCounts(_Strict):
    """Findings split by what `fix` can do with them."""

    findings: int
    safe: int = Field(description="`fix --write` rewrites them (safe auto-fix).")
    unsafe: int = Field(description="Only `fix --write --unsafe-fixes` rewrites them; a human checks the result.")
    auto: int = Field(description="Fixable, but the sources were not available to tell safe from unsafe.")
    manual: int = Field(description="`fix` cannot rewrite them: a human migrates them.")


class Totals(FixCounts):
    """A repository's totals."""

    errors: int = Field(description="Findings whose operation the target removed (or renamed).")
    warnings: int = Field(description="Findings whose operation is only deprecated on the target.")
    files: int = Field(description="Files with at least one finding.")
    files_failed: int = Field(description="Files the scan could not read or parse.")


class Readiness(_Strict):
    """The repository's files by what the target needs of them (the overview's bar): the worst finding decides."""

    files: int = Field(description="Files the scan looked at (parsed, or ruled out by the prefilter).")
    ready: int = Field(description="Files with no use that breaks on the target (none, or only deprecated ones).")
    safe: int = Field(description="Files whose breaking uses are all safe auto-fixes.")
    unsafe: int = Field(description="Files with an unsafe auto-fix and no manual use.")
    auto: int = Field(description="Files with an auto-fix whose safety is unknown (sources not found), no worse.")
    manual: int = Field(description="Files with a breaking use a human must migrate.")
    failed: int = Field(description="Files that could not be (fully) scanned.")


class ReportFinding(_Strict):
    """A finding of the scan, with what `fix` can do with it and who owns its file."""

    finding: Finding
    fix: FixClass
    note: str | None = Field(description="Why the finding is manual or unsafe, when `fix` said so.")
    owners: list[str] = Field(description="CODEOWNERS owners of the file (empty: none, or no CODEOWNERS).")


class RuleCount(FixCounts):
    """Findings of one rule."""

    rule: str
    summary: str | None = Field(description="The rule's summary (null: a rule this tool does not know).")
    guidance: str | None = Field(description="What to do on the target, from the rule.")


class FileCount(FixCounts):
    """Findings in one file, and the file's owners."""

    path: str
    errors: int
    owners: list[str]


class OwnerCount(FixCounts):
    """Findings in the files of one CODEOWNERS owner (a finding counts once per owner of its file)."""

    owner: str | None = Field(description="A CODEOWNERS owner; null for files no rule assigns an owner.")
    files: int


class Repository(_Strict):
    """What the scan of one repository found, judged for its target."""

    name: str
    scan_file: str | None = Field(
        description="The `scan --format json` file read; null when `report` scanned `directory`."
    )
    directory: str | None = Field(description="The repository directory `report` scanned itself; null for a scan file.")
    sources: str | None = Field(
        description="The folder the findings' paths were read from (the safe/unsafe split, CODEOWNERS paths); "
        "null when none of the files was found."
    )
    target: TargetName
    verdict: Verdict
    split_known: bool = Field(description="Whether every fixable finding was classified as safe or unsafe.")
    totals: Totals
    readiness: Readiness
    attention: list[ReportFinding] = Field(
        description="Findings a human must act on: manual and unsafe ones that break on the target, first."
    )
    findings: list[ReportFinding] = Field(description="Every finding, by path and line.")
    failures: list[Failure]
    by_rule: list[RuleCount]
    by_file: list[FileCount]
    by_owner: list[OwnerCount] | None = Field(description="Null when the repository has no CODEOWNERS file.")
    codeowners: str | None = Field(description="The CODEOWNERS file used.")


class Trend(_Strict):
    """Whether daily calls are going down: the least-squares slope over the days of the window."""

    direction: Direction
    first: int = Field(description="Calls on the first day.")
    last: int = Field(description="Calls on the last day.")
    change_per_day: float = Field(description="Slope of the least-squares line through the daily counts.")


class RuleSeries(_Strict):
    """One rule's deprecated calls per day (parallel to `Runtime.days`)."""

    rule: str
    total: int
    counts: list[int]
    trend: Trend


class SdkClient(_Strict):
    """Callers grouped by the SDK their requests named (null: not named)."""

    sdk_name: str | None
    sdk_version: str | None
    calls: int
    rules: list[str]
    first_seen: dt.datetime
    last_seen: dt.datetime


class CredentialClient(_Strict):
    """Callers grouped by the shim's keyed fingerprint of their credential (null: no credential)."""

    fingerprint: str | None
    calls: int
    sdks: list[str] = Field(description="`name/version` of every SDK seen with the credential.")
    rules: list[str]
    first_seen: dt.datetime
    last_seen: dt.datetime


class OutcomeCount(_Strict):
    """Calls of one rule the shim answered with one outcome."""

    rule: str
    outcome: Outcome
    calls: int


class PendingEntry(_Strict):
    """A resource clients register through the shim that the target does not declare."""

    rule: str
    section: str = Field(description="Run-config section, e.g. registered_resources.models.")
    identifier: str = Field(description="The identifier clients read the resource by on the target.")
    fields: dict[str, Any] = Field(
        description="The entry: the latest one the shim recorded for the resource (credential-free), else rebuilt "
        "from the identifier; null where the events do not tell the value."
    )
    unknown: list[str] = Field(description="Fields to fill in by hand (null in `fields` and in the YAML).")
    calls: int
    clients: int = Field(description="Distinct credential fingerprints that made the calls.")
    first_seen: dt.datetime
    last_seen: dt.datetime


class PendingPatch(_Strict):
    """Every pending declaration for one target, as one YAML block to merge into the run config."""

    target: TargetName
    yaml: str
    entries: list[PendingEntry]


class Unservable(_Strict):
    """Register calls no run-config entry can satisfy (a built-in tool group without a provider)."""

    rule: str
    target: TargetName
    identifier: str
    calls: int
    guidance: str


class Runtime(_Strict):
    """What the shim recorded: deprecated calls made at run time."""

    source: str = Field(
        description="The events store read: the SQLite file as given, or the PostgreSQL URL with its password masked."
    )
    since: dt.datetime | None = Field(description="Start of the window (inclusive), when one was given.")
    until: dt.datetime | None = Field(description="End of the window (exclusive), when one was given.")
    calls: int
    first_event: dt.datetime | None
    last_event: dt.datetime | None
    targets: list[TargetName] = Field(description="Targets the shim answered for in the window.")
    days: list[dt.date] = Field(description="Every UTC day of the burn-down, oldest first.")
    daily_totals: list[int]
    trend: Trend
    burndown: list[RuleSeries]
    outcomes: list[OutcomeCount]
    clients_by_sdk: list[SdkClient] = Field(description="Most calls first.")
    clients_by_credential: list[CredentialClient] = Field(description="Most calls first.")
    pending: list[PendingPatch]
    unnamed_registrations: int = Field(
        description="Unsatisfied register calls whose request lacked the fields that name the resource."
    )
    unservable: list[Unservable]


class Report(_Strict):
    """`llama-stack-migrate report`: readiness per repository and target, and the run-time picture."""

    schema_version: Literal[1] = 1
    tool: Tool = Tool()
    generated_at: dt.datetime
    repositories: list[Repository]
    runtime: Runtime | None

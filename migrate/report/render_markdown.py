"""`report --format markdown`: GitHub-flavoured Markdown for a pull-request comment or an issue.

Verdicts first, then what needs attention, then per repository the counts and (folded) every finding,
then the run-time picture: burn-down, outcomes, top clients and the pending run-config patch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from itertools import groupby

from migrate.report.model import (
    FIX_LABELS,
    Direction,
    FixCounts,
    Report,
    ReportFinding,
    Repository,
    Runtime,
    VerdictStatus,
)

#: How many clients the top-clients tables show (the JSON report has them all).
TOP_CLIENTS = 10

_MARK: dict[VerdictStatus, str] = {
    "ready": "✅",
    "ready-with-warnings": "✅",
    "fix-ready": "🔧",
    "not-ready": "❌",
    "incomplete": "❓",
}
_DIRECTION: dict[Direction, str] = {
    "falling": "falling ↘",
    "rising": "rising ↗",
    "flat": "flat →",
    "too-little-data": "too little data",
}
_BARS = "▁▂▃▄▅▆▇█"


def render_markdown(report: Report) -> str:
    """The whole report as Markdown."""
    out = ["# Llama Stack migration report", ""]
    out += [f"- {_MARK[repo.verdict.status]} {_escape(repo.verdict.line)}" for repo in report.repositories]
    if report.runtime is not None:
        out.append(f"- 📈 {_escape(runtime_line(report.runtime))}")
    out.append("")
    out += _attention(report)
    for repo in report.repositories:
        out += _repository(repo)
    if report.runtime is not None:
        out += _runtime(report.runtime)
    out.append(f"<sub>llama-stack-migrate {report.tool.version}, {report.generated_at:%Y-%m-%d %H:%M} UTC</sub>")
    return "\n".join(out) + "\n"


def runtime_line(runtime: Runtime) -> str:
    """One line about run time: calls, trend, pending declarations."""
    pending = sum(len(patch.entries) for patch in runtime.pending)
    trend = runtime.trend
    moving = (
        f"{_DIRECTION[trend.direction]} ({trend.first} → {trend.last} a day)"
        if trend.direction != "too-little-data"
        else "too little data for a trend"
    )
    return (
        f"run time: {runtime.calls} deprecated call{'s' * (runtime.calls != 1)} over {len(runtime.days)} "
        f"day{'s' * (len(runtime.days) != 1)}, {moving}; {pending} pending declaration{'s' * (pending != 1)}"
    )


def _attention(report: Report) -> list[str]:
    """What a human must act on: findings, unscanned files, run-time problems."""
    out = ["## Needs attention", ""]
    anything = False
    for repo in report.repositories:
        if not repo.attention and not repo.failures:
            continue
        anything = True
        out += [f"### {_escape(repo.name)}", ""]
        if repo.attention:
            summaries = {row.rule: row.summary or "" for row in repo.by_rule}
            out += _table(
                ("where", "rule", "use", "code", "fix"),
                [
                    (
                        _code(_where(item)),
                        item.finding.rule,
                        _escape(summaries[item.finding.rule]),
                        _code(item.finding.source.strip()),
                        _escape(FIX_LABELS[item.fix] + (f": {item.note}" if item.note else "")),
                    )
                    for item in repo.attention
                ],
            )
            out += ["What to do for each rule is in its repository's *By rule* table.", ""]
        if repo.failures:
            out += [f"Files that could not be scanned ({len(repo.failures)}):", ""]
            out += [f"- {_code(failure.path)}: {_escape(failure.error)}" for failure in repo.failures]
            out.append("")
    runtime = report.runtime
    if runtime is not None and (runtime.pending or runtime.unservable or runtime.unnamed_registrations):
        anything = True
        pending = sum(len(patch.entries) for patch in runtime.pending)
        out += ["### Run time", ""]
        if pending:
            out.append(
                f"- {pending} resource{'s' * (pending != 1)} clients register but the target does not declare: "
                "apply the [pending declarations](#pending-declarations)."
            )
        out += [
            f"- {_code(item.identifier)} ({item.rule}, {item.calls} calls) cannot be declared: {_escape(item.guidance)}"
            for item in runtime.unservable
        ]
        if runtime.unnamed_registrations:
            out.append(
                f"- {runtime.unnamed_registrations} register calls lacked the fields that name the resource "
                "(the shim's 409 answers say which)."
            )
        out.append("")
    if not anything:
        out += ["Nothing: no finding needs a human.", ""]
    return out


def _repository(repo: Repository) -> list[str]:
    """One repository: verdict, totals, counts per rule, file and owner, every finding (folded)."""
    t = repo.totals
    out = [f"## {_escape(repo.name)} (target {_code(repo.target)})", "", _escape(repo.verdict.line), ""]
    out += _table(
        ("findings", "blocking", "warnings", "safe auto-fix", "unsafe auto-fix", "auto-fix (split unknown)", "manual"),
        [(t.findings, t.errors, t.warnings, t.safe, t.unsafe, t.auto, t.manual)],
    )
    files = f"{t.files} file{'s' * (t.files != 1)} with findings, {t.files_failed} not scanned"
    out.append(f"{files}. Scan: {_code(repo.scan_file)}.")
    if not repo.split_known:
        out.append("Some fixable findings' files were not found, so safe and unsafe auto-fixes are not told apart.")
    out.append("")
    if repo.by_rule:
        out += ["### By rule", ""]
        out += _table(
            ("rule", "summary", *_SPLIT_HEADERS, "what to do"),
            [(row.rule, _escape(row.summary or ""), *_split(row), _escape(row.guidance or "")) for row in repo.by_rule],
        )
        out += ["### By file", ""]
        out += _table(
            ("file", "blocking", *_SPLIT_HEADERS, "owners"),
            [(_code(row.path), row.errors, *_split(row), _escape(" ".join(row.owners))) for row in repo.by_file],
        )
    if repo.by_owner is not None:
        out += [f"### By owner ({_code(repo.codeowners or '')})", ""]
        out += _table(
            ("owner", "files", *_SPLIT_HEADERS),
            [(_escape(row.owner or "(no owner)"), row.files, *_split(row)) for row in repo.by_owner],
        )
    if repo.findings:
        out += [f"<details><summary>All {len(repo.findings)} findings</summary>", ""]
        for path, items in groupby(repo.findings, key=lambda item: item.finding.path):
            out += [f"**{_escape(path)}**", ""]
            for item in items:
                f = item.finding
                where = _code(_where(item, with_path=False))
                out.append(f"- {where} {f.rule} {f.severity}, {FIX_LABELS[item.fix]}: {_finding_text(item)}")
                out.append(f"  {_code(f.source.strip())}")
            out.append("")
        out += ["</details>", ""]
    return out


_SPLIT_HEADERS = ("findings", "safe", "unsafe", "auto", "manual")


def _split(row: FixCounts) -> tuple[int, int, int, int, int]:
    return (row.findings, row.safe, row.unsafe, row.auto, row.manual)


def _runtime(runtime: Runtime) -> list[str]:
    """The shim's events: burn-down, outcomes, top clients, pending declarations."""
    out = ["## Run time (shim events)", "", _escape(runtime_line(runtime)) + ".", ""]
    out.append(
        f"Source {_code(runtime.source)}, {window_text(runtime)}, targets {', '.join(runtime.targets) or 'none'}."
    )
    out.append("")
    if runtime.days:
        out += ["### Burn-down (deprecated calls per day)", ""]
        out += _table(
            ("rule", f"{runtime.days[0]:%m-%d} … {runtime.days[-1]:%m-%d}", "first day", "last day", "total", "trend"),
            [
                (s.rule, sparkline(s.counts), s.trend.first, s.trend.last, s.total, _DIRECTION[s.trend.direction])
                for s in runtime.burndown
            ]
            + [
                (
                    "**all**",
                    sparkline(runtime.daily_totals),
                    runtime.trend.first,
                    runtime.trend.last,
                    runtime.calls,
                    _DIRECTION[runtime.trend.direction],
                )
            ],
        )
        out += ["<details><summary>Calls per day</summary>", ""]
        rules = [series.rule for series in runtime.burndown]
        out += _table(
            ("day", "all", *rules),
            [
                (f"{day}", total, *(series.counts[index] for series in runtime.burndown))
                for index, (day, total) in enumerate(zip(runtime.days, runtime.daily_totals, strict=True))
            ],
        )
        out += ["</details>", ""]
    if runtime.outcomes:
        out += ["### Outcomes", ""]
        out += _table(("rule", "outcome", "calls"), [(o.rule, o.outcome, o.calls) for o in runtime.outcomes])
    if runtime.clients_by_sdk:
        out += _clients(runtime)
    out += _pending(runtime)
    return out


def _clients(runtime: Runtime) -> list[str]:
    by_sdk = runtime.clients_by_sdk
    out = ["### Top clients by SDK", ""]
    out += _table(
        ("SDK", "version", "calls", "rules", "last seen"),
        [
            (
                _escape(c.sdk_name or "(unknown)"),
                _escape(c.sdk_version or ""),
                c.calls,
                " ".join(c.rules),
                _time(c.last_seen),
            )
            for c in by_sdk[:TOP_CLIENTS]
        ],
    )
    out += _more(len(by_sdk))
    by_credential = runtime.clients_by_credential
    out += ["### Top clients by credential", ""]
    out += _table(
        ("credential fingerprint", "calls", "SDKs", "rules", "last seen"),
        [
            (
                _code(c.fingerprint or "(none)"),
                c.calls,
                _escape(", ".join(c.sdks)),
                " ".join(c.rules),
                _time(c.last_seen),
            )
            for c in by_credential[:TOP_CLIENTS]
        ],
    )
    return out + _more(len(by_credential))


def _pending(runtime: Runtime) -> list[str]:
    """The run-config patch per target, and what in it a human fills in."""
    out = ["### Pending declarations", ""]
    if not runtime.pending:
        return [*out, "None: every resource clients registered is declared on the target.", ""]
    for patch in runtime.pending:
        names = ", ".join(_code(entry.identifier) for entry in patch.entries)
        out += [f"Add to the {_code(patch.target)} server's run config ({names}), then restart it:", ""]
        out += ["```yaml", patch.yaml.rstrip("\n"), "```", ""]
        unknown = [f"{_code(entry.identifier)}: {', '.join(entry.unknown)}" for entry in patch.entries if entry.unknown]
        if unknown:
            out += [f"Fill in by hand ({'; '.join(unknown)}): the shim's events do not hold these values.", ""]
    return out


def sparkline(counts: Sequence[int]) -> str:
    """Counts as a row of block characters, scaled to the largest (zero as the lowest block)."""
    top = max(counts, default=0)
    return "".join(_BARS[round(count / top * (len(_BARS) - 1))] if top else _BARS[0] for count in counts)


def _more(total: int) -> list[str]:
    return [f"… and {total - TOP_CLIENTS} more (see `--format json`).", ""] if total > TOP_CLIENTS else []


def _where(item: ReportFinding, *, with_path: bool = True) -> str:
    f = item.finding
    place = f"cell {f.cell}, {f.line}:{f.column}" if f.cell is not None else f"{f.line}:{f.column}"
    return f"{f.path}:{place}" if with_path else place


def _finding_text(item: ReportFinding) -> str:
    text = item.finding.message
    if item.note:
        text += f" ({item.note})"
    return _escape(text)


def window_text(runtime: Runtime) -> str:
    """The window of the events, as given (`until` is exclusive, so its previous instant is shown)."""
    if runtime.since is None and runtime.until is None:
        return "all recorded events"
    start = f"{runtime.since:%Y-%m-%d %H:%M}" if runtime.since else "the first event"
    end = f"{runtime.until - dt.timedelta(microseconds=1):%Y-%m-%d %H:%M}" if runtime.until else "the last event"
    return f"events from {start} to {end} UTC"


def _time(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def _escape(text: str) -> str:
    """Text safe in Markdown and in a table cell: markup characters escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _code(text: str) -> str:
    """An inline code span that holds any text (fenced with more backticks than it contains; `|` escaped)."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return fence + padded.replace("|", "\\|") + fence

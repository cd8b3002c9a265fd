"""`report --format markdown`: GitHub-flavoured Markdown for a pull-request comment or an issue.

Verdicts first, then what needs attention, then per repository the counts and (folded) every finding,
then the run-time picture: burn-down, outcomes, top clients and the pending run-config patch.

With a size cap (`--max-chars`, by default GitHub's comment limit) rows are left out, detail first
(`fit.py`): every finding, calls per day, the per-file, per-owner and outcome tables, then pending
declarations, and only last the needs-attention rows, the counts per rule and the verdicts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from itertools import groupby

from migrate.report.fit import Cut, Piece, fit
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
from migrate.report.repository import fix_command

#: How many clients the top-clients tables show (the JSON report has them all).
TOP_CLIENTS = 10
#: The most bars a sparkline has: a window of more days sums several days a bar.
SPARKLINE_WIDTH = 92

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

#: What a size cap leaves out first (lowest level first): detail tables, then pending declarations,
#: then the needs-attention rows. The counts per rule (a row per rule, with what to do), the burn-down
#: (a row per rule) and the top clients (10 rows) are short; the verdicts go last.
_FINDINGS, _CALLS_PER_DAY, _BY_FILE, _BY_OWNER, _OUTCOMES, _PENDING, _ATTENTION, _BY_RULE, _VERDICTS = range(1, 10)


def render_markdown(report: Report, max_chars: int | None = None) -> str:
    """The whole report as Markdown, in at most `max_chars` characters (None: no cap).

    `MigrateError` when the verdicts and totals alone do not fit.
    """
    out: list[Piece] = ["# Llama Stack migration report", ""]
    verdicts = [[f"- {_MARK[repo.verdict.status]} {verdict_markdown(repo)}"] for repo in report.repositories]
    out.append(Cut(verdicts, _VERDICTS, "verdicts"))
    if report.runtime is not None:
        out.append(f"- 📈 {_escape(runtime_line(report.runtime))}")
    out.append("")
    out += _attention(report)
    for repo in report.repositories:
        out += _repository(repo)
    if report.runtime is not None:
        out += _runtime(report.runtime)
    out.append(f"<sub>llama-stack-migrate {report.tool.version}, {report.generated_at:%Y-%m-%d %H:%M} UTC</sub>")
    return fit(out, max_chars, banner_at=2)


def verdict_markdown(repo: Repository) -> str:
    """The verdict line as Markdown: the command it names is a code span, the rest plain text."""
    command = f"`{fix_command(repo.target)}`"
    before, found, after = repo.verdict.line.rpartition(command)
    if not found:
        return _escape(repo.verdict.line)
    space = " " if before[-1:].isspace() else ""
    return _escape(before) + space + _code(command.strip("`")) + _escape(after)


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


def _attention(report: Report) -> list[Piece]:
    """What a human must act on: findings, unscanned files, run-time problems."""
    out: list[Piece] = ["## Needs attention", ""]
    anything = False
    for repo in report.repositories:
        if not repo.attention and not repo.failures:
            continue
        anything = True
        out += [f"### {_escape(repo.name)}", ""]
        if repo.attention:
            summaries = {row.rule: row.summary or "" for row in repo.by_rule}
            out += _cut_table(
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
                _ATTENTION,
                "findings that need attention",
            )
            out += ["What to do for each rule is in its repository's *By rule* table.", ""]
        if repo.failures:
            out += [f"Files that could not be scanned ({len(repo.failures)}):", ""]
            failures = [[f"- {_code(failure.path)}: {_escape(failure.error)}"] for failure in repo.failures]
            out += [Cut(failures, _ATTENTION, "files that could not be scanned"), ""]
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


def _repository(repo: Repository) -> list[Piece]:
    """One repository: verdict, totals, counts per rule, file and owner, every finding (folded)."""
    t = repo.totals
    out: list[Piece] = [f"## {_escape(repo.name)} (target {_code(repo.target)})", "", verdict_markdown(repo), ""]
    out += _table(
        ("findings", "blocking", "warnings", "safe auto-fix", "unsafe auto-fix", "auto-fix (split unknown)", "manual"),
        [(t.findings, t.errors, t.warnings, t.safe, t.unsafe, t.auto, t.manual)],
    )
    files = f"{t.files} file{'s' * (t.files != 1)} with findings, {t.files_failed} not scanned"
    out.append(f"{files}. {_input(repo)}.")
    if not repo.split_known:
        out.append("Some fixable findings' files were not found, so safe and unsafe auto-fixes are not told apart.")
    out.append("")
    if repo.by_rule:
        out += ["### By rule", ""]
        out += _cut_table(
            ("rule", "summary", *_SPLIT_HEADERS, "what to do"),
            [(row.rule, _escape(row.summary or ""), *_split(row), _escape(row.guidance or "")) for row in repo.by_rule],
            _BY_RULE,
            "rules",
        )
        out += ["### By file", ""]
        out += _cut_table(
            ("file", "blocking", *_SPLIT_HEADERS, "owners"),
            [(_code(row.path), row.errors, *_split(row), _escape(" ".join(row.owners))) for row in repo.by_file],
            _BY_FILE,
            "files",
        )
    if repo.by_owner is not None:
        out += [f"### By owner ({_code(repo.codeowners or '')})", ""]
        out += _cut_table(
            ("owner", "files", *_SPLIT_HEADERS),
            [(_escape(row.owner or "(no owner)"), row.files, *_split(row)) for row in repo.by_owner],
            _BY_OWNER,
            "owners",
        )
    if repo.findings:
        out += [f"<details><summary>All {len(repo.findings)} findings</summary>", ""]
        findings: list[list[str]] = []
        for path, items in groupby(repo.findings, key=lambda item: item.finding.path):
            group: list[list[str]] = []
            for item in items:
                f = item.finding
                where = _code(_where(item, with_path=False))
                group.append(
                    [
                        f"- {where} {f.rule} {f.severity}, {FIX_LABELS[item.fix]}: {_finding_text(item)}",
                        f"  {_code(f.source.strip())}",
                    ]
                )
            group[0][:0] = [f"**{_escape(path)}**", ""]  # the file's heading stays with its first finding
            group[-1].append("")
            findings += group
        out += [Cut(findings, _FINDINGS, "findings"), "</details>", ""]
    return out


_SPLIT_HEADERS = ("findings", "safe", "unsafe", "auto", "manual")


def _input(repo: Repository) -> str:
    """Where the findings came from, and where the sources were read."""
    if repo.directory is not None:
        return f"Scanned {_code(repo.directory)}"
    sources = f"sources in {_code(repo.sources)}" if repo.sources is not None else "sources not found"
    return f"Scan: {_code(repo.scan_file or '')}, {sources}"


def _split(row: FixCounts) -> tuple[int, int, int, int, int]:
    return (row.findings, row.safe, row.unsafe, row.auto, row.manual)


def _runtime(runtime: Runtime) -> list[Piece]:
    """The shim's events: burn-down, outcomes, top clients, pending declarations."""
    out: list[Piece] = ["## Run time (shim events)", "", _escape(runtime_line(runtime)) + ".", ""]
    out.append(
        f"Source {_code(runtime.source)}, {window_text(runtime)}, targets {', '.join(runtime.targets) or 'none'}."
    )
    out.append("")
    if runtime.days:
        out += ["### Burn-down (deprecated calls per day)", ""]
        out += _table(
            ("rule", _days_header(runtime.days), "first day", "last day", "total", "trend"),
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
        out += _cut_table(
            ("day", "all", *rules),
            [
                (f"{day}", total, *(series.counts[index] for series in runtime.burndown))
                for index, (day, total) in enumerate(zip(runtime.days, runtime.daily_totals, strict=True))
            ],
            _CALLS_PER_DAY,
            "days",
        )
        out += ["</details>", ""]
    if runtime.outcomes:
        out += ["### Outcomes", ""]
        out += _cut_table(
            ("rule", "outcome", "calls"), [(o.rule, o.outcome, o.calls) for o in runtime.outcomes], _OUTCOMES, "rows"
        )
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


def _pending(runtime: Runtime) -> list[Piece]:
    """The run-config patch per target (one YAML block, never cut), and what in it a human fills in."""
    out: list[Piece] = ["### Pending declarations", ""]
    if not runtime.pending:
        return [*out, "None: every resource clients registered is declared on the target.", ""]
    patches: list[list[str]] = []
    for patch in runtime.pending:
        names = ", ".join(_code(entry.identifier) for entry in patch.entries)
        item = [f"Add to the {_code(patch.target)} server's run config ({names}), then restart it:", ""]
        fence = _fence(patch.yaml)
        item += [f"{fence}yaml", patch.yaml.rstrip("\n"), fence, ""]
        unknown = [f"{_code(entry.identifier)}: {', '.join(entry.unknown)}" for entry in patch.entries if entry.unknown]
        if unknown:
            item += [f"Fill in by hand ({'; '.join(unknown)}): the shim's events do not hold these values.", ""]
        patches.append(item)
    return [*out, Cut(patches, _PENDING, "run-config patches (one per target)")]


def _days_header(days: Sequence[dt.date]) -> str:
    """The header of the sparkline column: the first and last day, and the days a bar sums when it sums several."""
    per_bar = _days_per_bar(len(days))
    if per_bar == 1:
        return f"{days[0]:%m-%d} … {days[-1]:%m-%d}"
    return f"{days[0]} … {days[-1]}, {per_bar} days a bar"


def _days_per_bar(days: int) -> int:
    return max(1, -(-days // SPARKLINE_WIDTH))


def sparkline(counts: Sequence[int]) -> str:
    """Counts as a row of block characters, scaled to the largest (zero as the lowest block).

    More than `SPARKLINE_WIDTH` counts are summed in runs of equal length (the last may be shorter),
    so that a long window still gives a short line.
    """
    per_bar = _days_per_bar(len(counts))
    if per_bar > 1:
        counts = [sum(counts[start : start + per_bar]) for start in range(0, len(counts), per_bar)]
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


def _cut_table(headers: Sequence[str], rows: Iterable[Sequence[object]], level: int, noun: str) -> list[Piece]:
    """A table whose rows a size cap may leave out (`noun` names them in the note)."""
    head, separator, *lines, blank = _table(headers, rows)
    return [head, separator, Cut([[line] for line in lines], level, noun), blank]


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GFM table; every `|` in a cell is escaped (GFM unescapes it first, even inside a code span)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return [*lines, ""]


_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#&~])")
#: What would open a block at the start of a line: a list marker, a setext underline, an ordered item.
_BLOCK_START = re.compile(r"^(\d*)([-+=.)])")


def _escape(text: str) -> str:
    """Text safe in Markdown: markup characters escaped, on one line (a table escapes its own `|`)."""
    escaped = _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _BLOCK_START.sub(r"\1\\\2", escaped)


def _code(text: str) -> str:
    """An inline code span that holds any text (fenced with more backticks than it contains)."""
    text = " ".join(text.split())
    fence = "`" * (_longest_run(text) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return fence + padded + fence


def _fence(block: str) -> str:
    """A code block fence longer than any run of backticks in `block` (at least three)."""
    return "`" * max(3, _longest_run(block) + 1)


def _longest_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)

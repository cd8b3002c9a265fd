"""`report --format html`: one self-contained page (inline CSS, SVG and script; nothing is fetched).

A Content-Security-Policy allows only the page's own style and script (by hash) and no network at
all. Tables are sortable: click (or Enter on) a column header; numbers sort as numbers.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from html import escape

from migrate.report.chart import burndown_svg, colour
from migrate.report.model import FIX_LABELS, FixCounts, Report, ReportFinding, Repository, Runtime
from migrate.report.overview import KINDS, readiness_svg, rule_uses, rules_svg
from migrate.report.render_markdown import runtime_line, window_text
from migrate.report.repository import fix_command

_STYLE = """
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;
--ready:#009e73;--safe:#0072b2;--unsafe:#e69f00;--auto:#8c959f;--manual:#d55e00;--failed:#cc79a7}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;
--head:#161b22;--ready:#25b989;--safe:#3d9ef0;--unsafe:#f0b030;--auto:#7d8590;--manual:#f06a2a;--failed:#e08ec0}}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0;background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px}h2{font-size:20px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin-top:24px}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}
th{background:var(--head);cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:var(--head);border:1px solid var(--line);padding:12px;overflow:auto}
ul.verdicts{list-style:none;padding:0}ul.verdicts li{padding:6px 10px;margin:4px 0;border-left:6px solid var(--auto)}
ul.verdicts li.ready,ul.verdicts li.ready-with-warnings{border-color:var(--ready)}
ul.verdicts li.fix-ready{border-color:var(--safe)}ul.verdicts li.not-ready{border-color:var(--manual)}
ul.verdicts li.incomplete{border-color:var(--unsafe)}
svg.burndown,svg.chart{max-width:100%;height:auto;display:block}
.burndown .grid{stroke:var(--line)}.burndown .axis{stroke:var(--muted)}
.burndown text{font-size:11px;fill:var(--muted)}.burndown .total{fill:var(--fg)}
.chart text{font-size:13px;fill:var(--fg)}.chart .note{fill:var(--muted)}.chart .status{font-weight:600}
.status-not-ready{fill:var(--manual)}.status-fix-ready{fill:var(--safe)}.status-incomplete{fill:var(--unsafe)}
.status-ready,.status-ready-with-warnings{fill:var(--ready)}
.seg-ready{fill:var(--ready)}.seg-safe{fill:var(--safe)}.seg-unsafe{fill:var(--unsafe)}.seg-auto{fill:var(--auto)}
.seg-manual{fill:var(--manual)}.seg-failed{fill:var(--failed)}
#overview figure{margin:12px 0 20px}#overview figcaption{font-weight:600;margin-bottom:6px}
.legend{display:flex;gap:16px;flex-wrap:wrap;list-style:none;padding:0}
.legend li{display:flex;align-items:center;gap:6px}
@media print{:root{--fg:#000;--bg:#fff;--muted:#444;--line:#999;--head:#eee}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}main{max-width:none;padding:0}
th{cursor:auto}figure,tr,li{break-inside:avoid}h2,h3{break-after:avoid}.table-wrap{overflow:visible}}
"""

_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (header, column) {
    header.tabIndex = 0;
    function value(row) {
      var cell = row.cells[column];
      var text = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
      return header.getAttribute("data-type") === "number" ? Number(text) : text;
    }
    function sort() {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = value(a), y = value(b);
        var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    header.addEventListener("click", sort);
    header.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
    });
  });
});
"""

Cell = str | int | float


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    body = ["<main>", "<h1>Llama Stack migration report</h1>", *_overview(report), '<ul class="verdicts">']
    for repo in report.repositories:
        body.append(f'<li class="{repo.verdict.status}" data-repo="{escape(repo.name)}">{verdict_html(repo)}</li>')
    if report.runtime is not None:
        body.append(f'<li data-runtime="">{escape(runtime_line(report.runtime))}</li>')
    body.append("</ul>")
    body += _attention(report)
    for index, repo in enumerate(report.repositories):
        body += _repository(repo, index)
    if report.runtime is not None:
        body += _runtime(report.runtime)
    body.append(
        f"<footer><small>llama-stack-migrate {escape(report.tool.version)}, "
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC</small></footer></main>"
    )
    policy = (
        f"default-src 'none'; style-src '{_digest(_STYLE)}'; script-src '{_digest(_SCRIPT)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Llama Stack migration report</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def verdict_html(repo: Repository) -> str:
    """The verdict line as HTML: the command it names is code, the rest text."""
    command = f"`{fix_command(repo.target)}`"
    before, found, after = repo.verdict.line.rpartition(command)
    if not found:
        return escape(repo.verdict.line)
    return f"{escape(before)}<code>{escape(command.strip('`'))}</code>{escape(after)}"


def _overview(report: Report) -> list[str]:
    """The charts a reader takes in first: each repository's readiness, and the uses per rule; then as tables."""
    repos = report.repositories
    if not repos:
        return []
    rules = rule_uses(repos)
    kinds = [kind for kind in KINDS if kind in ("ready", "safe", "unsafe", "manual") or _present(report, kind)]
    out = ['<section id="overview" aria-labelledby="overview-heading"><h2 id="overview-heading">Overview</h2>']
    out.append('<ul class="legend">')
    for kind in kinds:
        paint = f'class="seg-{kind}"'
        out.append(f'<li data-kind="{kind}">{_swatch(paint)}{escape(KINDS[kind])}</li>')
    out.append("</ul>")
    out.append('<figure id="readiness"><figcaption>Files of each repository, by what the target needs</figcaption>')
    out += [readiness_svg(repos), "</figure>"]
    if rules:
        out.append('<figure id="rules"><figcaption>Uses of each deprecated API, in every repository</figcaption>')
        out += [rules_svg(rules), "</figure>"]
    out.append("<details><summary>The overview as tables</summary>")
    out += _table(
        "overview-repos",
        "",
        [("repository", "text"), ("verdict", "text"), ("files", "number"), *((KINDS[k], "number") for k in KINDS)],
        [
            (
                repo.name,
                repo.verdict.status,
                repo.readiness.files,
                *(getattr(repo.readiness, kind) for kind in KINDS),
            )
            for repo in repos
        ],
    )
    out += _table(
        "overview-rules",
        "",
        [
            ("rule", "text"),
            ("summary", "text"),
            ("uses", "number"),
            *((KINDS[k], "number") for k in KINDS if k not in ("ready", "failed")),
        ],
        [(row.rule, row.summary, row.total, row.safe, row.unsafe, row.auto, row.manual) for row in rules],
    )
    out += ["</details>", "</section>"]
    return out


def _present(report: Report, kind: str) -> bool:
    return any(getattr(repo.readiness, kind) for repo in report.repositories)


def _digest(text: str) -> str:
    """The CSP source expression that allows exactly `text` as an inline style or script."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _attention(report: Report) -> list[str]:
    """What a human must act on: findings, unscanned files, run-time problems."""
    out = ['<section id="attention"><h2>Needs attention</h2>']
    anything = False
    for repo in report.repositories:
        if repo.attention:
            anything = True
            out.append(f"<h3>{escape(repo.name)}</h3>")
            summaries = {row.rule: row.summary or "" for row in repo.by_rule}
            out += _table(
                "attention",
                repo.name,
                [
                    ("file", "text"),
                    ("line", "number"),
                    ("rule", "text"),
                    ("use", "text"),
                    ("code", "code"),
                    ("fix", "text"),
                ],
                [
                    (
                        item.finding.path,
                        item.finding.line,
                        item.finding.rule,
                        summaries[item.finding.rule],
                        item.finding.source.strip(),
                        _what(FIX_LABELS[item.fix], item.note),
                    )
                    for item in repo.attention
                ],
            )
        if repo.failures:
            anything = True
            out.append(f"<p>{escape(repo.name)}: files that could not be scanned:</p><ul>")
            out += [f"<li><code>{escape(f.path)}</code>: {escape(f.error)}</li>" for f in repo.failures]
            out.append("</ul>")
    runtime = report.runtime
    if runtime is not None:
        pending = sum(len(patch.entries) for patch in runtime.pending)
        if pending:
            anything = True
            out.append(
                f"<p>{pending} resource{'s' * (pending != 1)} clients register but the target does not declare: "
                'apply the <a href="#pending">pending declarations</a>.</p>'
            )
        for item in runtime.unservable:
            anything = True
            out.append(
                f"<p><code>{escape(item.identifier)}</code> ({escape(item.rule)}, {item.calls} calls) cannot be "
                f"declared: {escape(item.guidance)}</p>"
            )
        if runtime.unnamed_registrations:
            anything = True
            out.append(
                f"<p>{runtime.unnamed_registrations} register calls lacked the fields that name the resource.</p>"
            )
    if not anything:
        out.append("<p>Nothing: no finding needs a human.</p>")
    out.append("</section>")
    return out


_SPLIT_COLUMNS = [
    ("findings", "number"),
    ("safe", "number"),
    ("unsafe", "number"),
    ("auto", "number"),
    ("manual", "number"),
]


def _split(row: FixCounts) -> tuple[int, int, int, int, int]:
    return (row.findings, row.safe, row.unsafe, row.auto, row.manual)


def _repository(repo: Repository, index: int) -> list[str]:
    """One repository: verdict, totals, counts per rule, file and owner, every finding (folded)."""
    t = repo.totals
    out = [
        f'<section class="repository" id="repo-{index}" data-repo="{escape(repo.name)}">',
        f"<h2>{escape(repo.name)} <small>(target <code>{escape(repo.target)}</code>)</small></h2>",
        f"<p>{verdict_html(repo)}</p>",
    ]
    out += _table(
        "totals",
        repo.name,
        [
            (name, "number")
            for name in (
                "findings",
                "blocking",
                "warnings",
                "safe auto-fix",
                "unsafe auto-fix",
                "auto-fix (split unknown)",
                "manual",
                "files",
                "files not scanned",
            )
        ],
        [(t.findings, t.errors, t.warnings, t.safe, t.unsafe, t.auto, t.manual, t.files, t.files_failed)],
    )
    if not repo.split_known:
        out.append(
            "<p>Some fixable findings' files were not found, so safe and unsafe auto-fixes are not told apart.</p>"
        )
    out.append("<h3>By rule</h3>")
    out += _table(
        "by-rule",
        repo.name,
        [("rule", "text"), ("summary", "text"), *_SPLIT_COLUMNS, ("what to do", "text")],
        [(row.rule, row.summary or "", *_split(row), row.guidance or "") for row in repo.by_rule],
    )
    out.append("<h3>By file</h3>")
    out += _table(
        "by-file",
        repo.name,
        [("file", "text"), ("blocking", "number"), *_SPLIT_COLUMNS, ("owners", "text")],
        [(row.path, row.errors, *_split(row), " ".join(row.owners)) for row in repo.by_file],
    )
    if repo.by_owner is not None:
        out.append(f"<h3>By owner <small>(<code>{escape(repo.codeowners or '')}</code>)</small></h3>")
        out += _table(
            "by-owner",
            repo.name,
            [("owner", "text"), ("files", "number"), *_SPLIT_COLUMNS],
            [(row.owner or "(no owner)", row.files, *_split(row)) for row in repo.by_owner],
        )
    out.append(f"<details><summary>All {len(repo.findings)} findings</summary>")
    out += _table(
        "findings",
        repo.name,
        [
            ("file", "text"),
            ("line", "number"),
            ("rule", "text"),
            ("severity", "text"),
            ("fix", "text"),
            ("owners", "text"),
            ("what", "text"),
            ("source", "code"),
        ],
        [_finding_row(item) for item in repo.findings],
    )
    out += ["</details>", "</section>"]
    return out


def _runtime(runtime: Runtime) -> list[str]:
    """The shim's events: burn-down chart and table, outcomes, clients, pending declarations."""
    out = ['<section id="runtime"><h2>Run time (shim events)</h2>', f"<p>{escape(runtime_line(runtime))}.</p>"]
    out.append(
        f"<p>Source <code>{escape(runtime.source)}</code>, {escape(window_text(runtime))}; "
        f"targets {escape(', '.join(runtime.targets) or 'none')}.</p>"
    )
    if runtime.days:
        out.append('<figure id="burndown"><figcaption>Deprecated calls per day</figcaption>')
        out.append(burndown_svg(runtime.days, runtime.burndown))
        out.append('<ul class="legend">')
        for number, series in enumerate(runtime.burndown):
            label = f"{escape(series.rule)}: {series.total} ({escape(series.trend.direction)})"
            paint = f'fill="{colour(number)}"'
            out.append(f'<li data-rule="{escape(series.rule)}">{_swatch(paint)}{label}</li>')
        out.append("</ul></figure>")
        rules = [series.rule for series in runtime.burndown]
        out += _table(
            "per-day",
            "",
            [("day", "text"), ("all", "number"), *((rule, "number") for rule in rules)],
            [
                (f"{day}", total, *(series.counts[index] for series in runtime.burndown))
                for index, (day, total) in enumerate(zip(runtime.days, runtime.daily_totals, strict=True))
            ],
        )
    out.append("<h3>Outcomes</h3>")
    out += _table(
        "outcomes",
        "",
        [("rule", "text"), ("outcome", "text"), ("calls", "number")],
        [(o.rule, o.outcome, o.calls) for o in runtime.outcomes],
    )
    out.append("<h3>Clients by SDK</h3>")
    out += _table(
        "clients-sdk",
        "",
        [
            ("SDK", "text"),
            ("version", "text"),
            ("calls", "number"),
            ("rules", "text"),
            ("first seen", "text"),
            ("last seen", "text"),
        ],
        [
            (
                c.sdk_name or "(unknown)",
                c.sdk_version or "",
                c.calls,
                " ".join(c.rules),
                f"{c.first_seen:%Y-%m-%d %H:%M}",
                f"{c.last_seen:%Y-%m-%d %H:%M}",
            )
            for c in runtime.clients_by_sdk
        ],
    )
    out.append("<h3>Clients by credential</h3>")
    out += _table(
        "clients-credential",
        "",
        [
            ("credential fingerprint", "text"),
            ("calls", "number"),
            ("SDKs", "text"),
            ("rules", "text"),
            ("last seen", "text"),
        ],
        [
            (c.fingerprint or "(none)", c.calls, ", ".join(c.sdks), " ".join(c.rules), f"{c.last_seen:%Y-%m-%d %H:%M}")
            for c in runtime.clients_by_credential
        ],
    )
    out.append('<h3 id="pending">Pending declarations</h3>')
    if not runtime.pending:
        out.append("<p>None: every resource clients registered is declared on the target.</p>")
    for patch in runtime.pending:
        out.append(f"<p>Add to the <code>{escape(patch.target)}</code> server's run config, then restart it:</p>")
        out.append(f'<pre data-target="{escape(patch.target)}"><code>{escape(patch.yaml)}</code></pre>')
        out += _table(
            "pending",
            patch.target,
            [
                ("identifier", "text"),
                ("rule", "text"),
                ("calls", "number"),
                ("clients", "number"),
                ("to fill in", "text"),
                ("last seen", "text"),
            ],
            [
                (e.identifier, e.rule, e.calls, e.clients, ", ".join(e.unknown), f"{e.last_seen:%Y-%m-%d %H:%M}")
                for e in patch.entries
            ],
        )
    out.append("</section>")
    return out


def _swatch(paint: str) -> str:
    """A legend square; `paint` is the rect's fill or class attribute."""
    return f'<svg width="12" height="12" aria-hidden="true"><rect {paint} width="12" height="12"/></svg>'


def _finding_row(item: ReportFinding) -> tuple[Cell, ...]:
    f = item.finding
    what = _what(f.message, item.note)
    return (f.path, f.line, f.rule, f.severity, FIX_LABELS[item.fix], " ".join(item.owners), what, f.source.strip())


def _what(message: str, note: str | None) -> str:
    return f"{message} ({note})" if note else message


def _table(kind: str, owner: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Cell]]) -> list[str]:
    """A sortable table; `kind` and `owner` (a repository, or a target) name it for readers and tests.

    Columns are `(name, type)`: `number` cells sort as numbers, `code` cells are shown as code.
    """
    head = "".join(f'<th scope="col" data-type="{kind_}">{escape(name)}</th>' for name, kind_ in columns)
    names = f'data-table="{escape(kind)}" data-owner="{escape(owner)}"'
    out = [f'<div class="table-wrap"><table class="sortable" {names}><thead><tr>{head}</tr></thead><tbody>']
    for row in rows:
        cells = "".join(_cell(value, kind_) for value, (_, kind_) in zip(row, columns, strict=True))
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table></div>")
    return out


def _cell(value: Cell, kind: str) -> str:
    if kind == "number":
        return f'<td class="num" data-value="{value}">{value}</td>'
    if kind == "code":
        return f"<td><code>{escape(str(value))}</code></td>"
    return f"<td>{escape(str(value))}</td>"

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
from migrate.report.render_markdown import runtime_line, window_text

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0;background:#fff}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px}h2{font-size:20px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin-top:24px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:12px;overflow:auto}
ul.verdicts{list-style:none;padding:0}ul.verdicts li{padding:6px 10px;margin:4px 0;border-left:6px solid #8c959f}
li.ready,li.ready-with-warnings{border-color:#1a7f37}li.fix-ready{border-color:#0969da}
li.not-ready{border-color:#cf222e}li.incomplete{border-color:#bf8700}
svg.burndown{max-width:100%;height:auto}.burndown .grid{stroke:#eaeef2}.burndown .axis{stroke:#57606a}
.burndown text{font-size:11px;fill:#57606a}.burndown .total{fill:#1f2328}
.legend{display:flex;gap:16px;flex-wrap:wrap;list-style:none;padding:0}
.legend li{display:flex;align-items:center;gap:6px}
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
    body = ["<main>", "<h1>Llama Stack migration report</h1>", '<ul class="verdicts">']
    for repo in report.repositories:
        body.append(
            f'<li class="{repo.verdict.status}" data-repo="{escape(repo.name)}">{escape(repo.verdict.line)}</li>'
        )
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
        f"<p>{escape(repo.verdict.line)}</p>",
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
            out.append(f'<li data-rule="{escape(series.rule)}">{_swatch(colour(number))}{label}</li>')
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


def _swatch(fill: str) -> str:
    return f'<svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{fill}"/></svg>'


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
    out = [f'<table class="sortable" {names}><thead><tr>{head}</tr></thead><tbody>']
    for row in rows:
        cells = "".join(_cell(value, kind_) for value, (_, kind_) in zip(row, columns, strict=True))
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return out


def _cell(value: Cell, kind: str) -> str:
    if kind == "number":
        return f'<td class="num" data-value="{value}">{value}</td>'
    if kind == "code":
        return f"<td><code>{escape(str(value))}</code></td>"
    return f"<td>{escape(str(value))}</td>"

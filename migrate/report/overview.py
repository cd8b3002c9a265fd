"""The HTML report's overview: what a reader takes in within seconds, as inline SVG charts.

* Readiness: one bar per repository, its files split into ready / safe auto-fix / unsafe auto-fix /
  manual (and, when there are any, split unknown and not scanned), each bar the full width so that
  repositories of any size compare; the verdict is written beside it.
* Rules: one bar per rule, its uses over every repository split by what `fix` can do with them, on
  one scale so that the rules compare.

Each chart is `role="img"` with a `<title>` and a `<desc>` that says the numbers in words, every
segment has a `<title>` tooltip and `data-*` numbers, and the page shows the same numbers in a
table (the text alternative). Colours come from CSS classes (`seg-ready`, ...), so that the page's
style sheet adapts them to dark mode and print; they are the Okabe-Ito colour-blind-safe set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from migrate.report.model import Repository, VerdictStatus

WIDTH = 880
_LABEL = 300
_STATUS = 110
_ROW = 30
_BAR = 18
_TOP = 8
#: The longest label drawn in full; longer ones are cut (the tooltip and the table have them whole).
_LABEL_CHARS = 36

#: Segment kinds, in drawing order, with their legend text.
KINDS: dict[str, str] = {
    "ready": "ready",
    "safe": "safe auto-fix",
    "unsafe": "unsafe auto-fix",
    "auto": "auto-fix, split unknown",
    "manual": "manual",
    "failed": "not scanned",
}
_STATUS_TEXT: dict[VerdictStatus, str] = {
    "ready": "ready",
    "ready-with-warnings": "ready",
    "fix-ready": "fix-ready",
    "not-ready": "not ready",
    "incomplete": "incomplete",
}


@dataclass(frozen=True)
class RuleUses:
    """One rule's uses over every repository, by what `fix` can do with them."""

    rule: str
    summary: str
    safe: int
    unsafe: int
    auto: int
    manual: int

    @property
    def total(self) -> int:
        return self.safe + self.unsafe + self.auto + self.manual


def rule_uses(repositories: Sequence[Repository]) -> list[RuleUses]:
    """Every rule's uses summed over the repositories, most uses first."""
    sums: dict[str, list[int]] = {}
    summaries: dict[str, str] = {}
    for repo in repositories:
        for row in repo.by_rule:
            counts = sums.setdefault(row.rule, [0, 0, 0, 0])
            for index, value in enumerate((row.safe, row.unsafe, row.auto, row.manual)):
                counts[index] += value
            summaries[row.rule] = row.summary or ""
    rows = [RuleUses(rule, summaries[rule], *counts) for rule, counts in sums.items()]
    return sorted(rows, key=lambda row: (-row.total, row.rule))


def readiness_svg(repositories: Sequence[Repository]) -> str:
    """One full-width bar per repository: its files by readiness, with the verdict beside it."""
    height = _TOP * 2 + _ROW * len(repositories)
    plot = WIDTH - _LABEL - _STATUS
    words = "; ".join(
        f"{repo.name}: {_status(repo)}, {repo.readiness.files} files: "
        + ", ".join(f"{count} {KINDS[kind]}" for kind, count in _readiness(repo) if count)
        for repo in repositories
    )
    out = [_open("readiness", height, "Readiness of each repository's files", f"Files by readiness. {words}.")]
    for index, repo in enumerate(repositories):
        y = _TOP + index * _ROW
        out.append(_label(repo.name, y, "repo"))
        x = float(_LABEL)
        total = repo.readiness.files or 1
        for kind, count in _readiness(repo):
            if not count:
                continue
            width = count / total * plot
            out.append(
                f'<rect class="seg seg-{kind}" data-repo="{escape(repo.name)}" data-kind="{kind}" data-count="{count}" '
                f'x="{x:.1f}" y="{y + (_ROW - _BAR) / 2:.1f}" width="{width:.1f}" height="{_BAR}">'
                f"<title>{escape(repo.name)}: {count} of {repo.readiness.files} files {KINDS[kind]}</title></rect>"
            )
            x += width
        if not repo.readiness.files:
            out.append(f'<text class="note" x="{_LABEL}" y="{y + _ROW / 2 + 4:.1f}">no files scanned</text>')
        out.append(
            f'<text class="status status-{repo.verdict.status}" data-repo="{escape(repo.name)}" '
            f'x="{WIDTH - _STATUS + 10}" y="{y + _ROW / 2 + 4:.1f}">{escape(_status(repo))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def rules_svg(rows: Sequence[RuleUses]) -> str:
    """One bar per rule on a common scale: its uses by what `fix` can do with them, the total beside it."""
    height = _TOP * 2 + _ROW * len(rows)
    plot = WIDTH - _LABEL - _STATUS
    top = max((row.total for row in rows), default=0) or 1
    words = "; ".join(
        f"{row.rule} {row.summary}: {row.total} uses, "
        + ", ".join(f"{count} {KINDS[kind]}" for kind, count in _uses(row) if count)
        for row in rows
    )
    out = [_open("rules", height, "Uses of each deprecated API, over every repository", f"Uses by rule. {words}.")]
    for index, row in enumerate(rows):
        y = _TOP + index * _ROW
        out.append(_label(f"{row.rule} {row.summary}", y, "rule"))
        x = float(_LABEL)
        for kind, count in _uses(row):
            if not count:
                continue
            width = count / top * plot
            out.append(
                f'<rect class="seg seg-{kind}" data-rule="{escape(row.rule)}" data-kind="{kind}" data-count="{count}" '
                f'x="{x:.1f}" y="{y + (_ROW - _BAR) / 2:.1f}" width="{width:.1f}" height="{_BAR}">'
                f"<title>{escape(row.rule)}: {count} {KINDS[kind]}</title></rect>"
            )
            x += width
        out.append(
            f'<text class="total" data-rule="{escape(row.rule)}" x="{x + 6:.1f}" y="{y + _ROW / 2 + 4:.1f}">'
            f"{row.total}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _open(name: str, height: int, title: str, description: str) -> str:
    return (
        f'<svg class="chart chart-{name}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{name}-title {name}-desc">'
        f'<title id="{name}-title">{escape(title)}</title><desc id="{name}-desc">{escape(description)}</desc>'
    )


def _label(text: str, y: float, kind: str) -> str:
    shown = text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"
    return (
        f'<text class="label label-{kind}" x="{_LABEL - 10}" y="{y + _ROW / 2 + 4:.1f}" text-anchor="end">'
        f"<title>{escape(text)}</title>{escape(shown)}</text>"
    )


def _status(repo: Repository) -> str:
    return _STATUS_TEXT[repo.verdict.status]


def _readiness(repo: Repository) -> list[tuple[str, int]]:
    r = repo.readiness
    return [
        ("ready", r.ready),
        ("safe", r.safe),
        ("unsafe", r.unsafe),
        ("auto", r.auto),
        ("manual", r.manual),
        ("failed", r.failed),
    ]


def _uses(row: RuleUses) -> list[tuple[str, int]]:
    return [("safe", row.safe), ("unsafe", row.unsafe), ("auto", row.auto), ("manual", row.manual)]

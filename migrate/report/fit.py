"""Fit a Markdown document into a number of characters by leaving out whole rows, least important first.

A document is a list of lines and `Cut`s: the rows of a table or the items of a list that may be
left out from the end. Each item is a group of lines that stay together (a table row; a finding
and its code line; a YAML block with its fences), so a table row or a code fence is never split.
When rows are left out, a note takes their place saying how many and where to find them all, and
a banner under the title says that the report was shortened.

Characters are counted as UTF-16 code units, the stricter of the ways they are counted (an emoji
is one code point but two units), so a document under the cap fits either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from migrate.errors import MigrateError

#: GitHub's limit for an issue or pull-request comment body.
GITHUB_COMMENT_LIMIT = 65_536
FULL_REPORT = "`--format html` or `--format json` has them all"


@dataclass
class Cut:
    """Items that may be left out from the end, cheapest `level` first; `noun` names them in the note."""

    items: list[list[str]]
    level: int
    noun: str
    kept: int = field(init=False)

    def __post_init__(self) -> None:
        self.kept = len(self.items)

    @property
    def left_out(self) -> int:
        return len(self.items) - self.kept

    def note(self, cap: int) -> list[str]:
        """The lines that replace the items left out (none when all are kept), a paragraph of its own (a blank
        line before it ends a table or list; one after it keeps what follows out of it)."""
        if not self.left_out:
            return []
        shown = f"{self.left_out} of {len(self.items)} {self.noun}"
        return ["", f"*… {shown} left out to fit {cap:,} characters: {FULL_REPORT}.*", ""]

    def lines(self, cap: int) -> list[str]:
        return [line for item in self.items[: self.kept] for line in item] + self.note(cap)


Piece = str | Cut


def units(text: str) -> int:
    """The length of `text` in UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def banner(cap: int, left_out: int) -> list[str]:
    """The lines under the title of a shortened report."""
    return [
        f"> ✂️ Shortened to fit {cap:,} characters (`--max-chars`): {left_out:,} rows are left out, and each "
        f"shortened table says how many. {FULL_REPORT}.",
        "",
    ]


def fit(pieces: Sequence[Piece], cap: int | None, *, banner_at: int = 0) -> str:
    """The document as text of at most `cap` characters (None: everything), the banner at line `banner_at`.

    `MigrateError` when even leaving out every cuttable item does not bring it under the cap.
    """
    cuts = [piece for piece in pieces if isinstance(piece, Cut)]
    for cut in cuts:
        cut.kept = len(cut.items)
    if cap is not None and _size(pieces, cap) > cap:
        budget = cap - _size(banner(cap, 10**9), cap)
        total = _size(pieces, cap)
        for level in sorted({cut.level for cut in cuts}):
            for cut in reversed([cut for cut in cuts if cut.level == level]):
                while cut.kept and total > budget:
                    before = _size(cut.note(cap), cap)
                    cut.kept -= 1
                    total += _size(cut.note(cap), cap) - before - _size(cut.items[cut.kept], cap)
            if total <= budget:
                break
        if total > budget:
            raise MigrateError(
                f"the Markdown report needs more than --max-chars {cap} characters even with every table cut: "
                "raise --max-chars, or use --format html or --format json"
            )
    lines = _flatten(pieces, cap or 0)
    left_out = sum(cut.left_out for cut in cuts)
    if left_out:
        assert cap is not None
        lines[banner_at:banner_at] = banner(cap, left_out)
    return "\n".join(lines) + "\n"


def _flatten(pieces: Sequence[Piece], cap: int) -> list[str]:
    lines: list[str] = []
    for piece in pieces:
        if isinstance(piece, Cut):
            lines += piece.lines(cap)
        else:
            lines.append(piece)
    return lines


def _size(pieces: Sequence[Piece] | Sequence[str], cap: int) -> int:
    """Characters of the lines as `fit` joins them: each line and its newline."""
    return sum(units(line) + 1 for line in _flatten(pieces, cap))

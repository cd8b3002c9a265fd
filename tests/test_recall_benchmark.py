"""Issue 12's acceptance, on the labelled corpus of `benchmarks/recall.py`.

The corpus's sdists come from PyPI (hash-pinned `pip download`, cached under
~/.cache/llama-stack-migrate/recall, as the integration tests cache their servers): the first run
downloads them, later runs reuse them. A download that fails fails the test; nothing is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import recall


def test_recall_and_precision_per_surface_and_no_finding_on_a_near_miss(tmp_path: Path) -> None:
    repos = recall.assemble(tmp_path)
    labels = recall.load_labels()
    recall.check_labels(labels, tmp_path)
    result = recall.measure(tmp_path, repos, labels)
    report = recall.render(result, "this tree")
    assert result.near_hits == [], report
    for surface in recall.SURFACES:
        tally = result.by_surface[surface]
        assert tally.labelled >= 40, f"too few {surface} labels to measure 99%\n{report}"
        assert tally.recall >= recall.REQUIRED, report
        assert tally.precision >= recall.REQUIRED, report


def _label(line: int, kind: str = "use", rule: str = "LSM101") -> recall.Label:
    surface = "sdk" if kind == "use" else ""
    return recall.Label("repo", "app.py", None, line, kind, rule if kind == "use" else "", surface, "x", "why")


def _found(line: int, rule: str = "LSM101") -> recall.Found:
    return recall.Found("repo", "app.py", None, line, rule, "sdk", "python", "source")


def test_score_matches_findings_to_labels_by_line_and_rule() -> None:
    labels = [_label(1), _label(2), _label(3, "near"), _label(4)]
    result = recall.score(labels, [_found(1), _found(2, "LSM102"), _found(3), _found(4), _found(4)])
    sdk = result.by_surface["sdk"]
    assert (sdk.labelled, sdk.found, sdk.findings, sdk.true) == (3, 2, 5, 2)
    assert [label.line for label in result.misses] == [2]
    assert [(f.line, f.rule) for f in result.false_positives] == [(2, "LSM102"), (3, "LSM101"), (4, "LSM101")]
    assert [(found.line, label.note) for found, label in result.near_hits] == [(3, "why")]
    assert not result.acceptable()


def test_a_label_whose_snippet_left_its_line_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "app.py").write_text("import x\nclient.models.register(model_id='m')\n")
    good = recall.Label("repo", "app.py", None, 2, "use", "LSM101", "sdk", "models.register(", "")
    recall.check_labels([good], tmp_path)
    moved = recall.Label("repo", "app.py", None, 1, "use", "LSM101", "sdk", "models.register(", "")
    with pytest.raises(recall.CorpusError, match="is not on that line"):
        recall.check_labels([moved], tmp_path)

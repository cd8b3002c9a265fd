"""`fix` on real files: byte identity outside rewrites, encodings, notebooks, safety of writes."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
import yaml as pyyaml

from migrate.discovery import discover
from migrate.engine import scan_text
from migrate.fix.run import run_fix, write_run
from migrate.rule_loader import load_rules

RULESET = load_rules()

APP = """\
# -*- coding: utf-8 -*-
\"\"\"Set-up of the résumé bot.\"\"\"
from llama_stack_client import LlamaStackClient

client = LlamaStackClient()   # odd   spacing kept


def teardown():
    client.models.unregister("vllm/llama3")  # trailing comment is about the call
    print("bye")
"""


def fix_tree(root: Path, *, target: str = "llama-stack-0.7", unsafe: bool = False, write: bool = True) -> list[str]:
    run = run_fix(discover([root]).files, RULESET, target, unsafe=unsafe, config_path=None)  # type: ignore[arg-type]
    return write_run(run) if write else []


def test_only_the_rewritten_statement_changes(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(APP, encoding="utf-8")
    assert fix_tree(tmp_path) == []
    lines = path.read_text(encoding="utf-8").splitlines()
    before = APP.splitlines()
    assert lines[:8] == before[:8]
    assert lines[8].startswith('    # llama-stack-migrate: model "vllm/llama3" stays declared in')
    assert lines[9] == "    # trailing comment is about the call"  # the user's comment is kept
    assert lines[10:] == before[9:]


def test_crlf_bom_and_latin1_are_kept(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(codecs.BOM_UTF8 + APP.replace("\n", "\r\n").encode("utf-8"))
    latin = tmp_path / "latin.py"
    latin.write_bytes(APP.replace("utf-8", "latin-1").encode("latin-1"))
    assert fix_tree(tmp_path) == []
    crlf_after = crlf.read_bytes()
    assert crlf_after.startswith(codecs.BOM_UTF8)
    assert b"\n" not in crlf_after.replace(b"\r\n", b"")
    assert b"models.unregister" not in crlf_after
    latin_after = latin.read_bytes()
    assert "résumé".encode("latin-1") in latin_after and b"models.unregister" not in latin_after


def test_files_without_fixable_findings_are_never_rewritten(tmp_path: Path) -> None:
    odd = tmp_path / "odd.py"
    odd.write_bytes(b"import os\r\nx = 1\n\n\n")  # mixed newlines, nothing to fix
    manual = tmp_path / "manual.py"
    manual.write_text("import llama_stack_client\nclient.shields.delete('g')\n")
    stamp = {p: p.stat().st_mtime_ns for p in (odd, manual)}
    assert fix_tree(tmp_path, target="ogx-1") == []
    assert {p: p.stat().st_mtime_ns for p in (odd, manual)} == stamp


def test_unparsable_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("client.models.unregister('x'\n")
    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=False, config_path=None)
    (result,) = run.files
    assert result.status == "failed" and result.error is not None and "cannot parse" in result.error
    assert write_run(run) == []
    assert broken.read_text() == "client.models.unregister('x'\n"


def test_a_change_made_on_disk_after_the_read_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(APP)
    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=False, config_path=None)
    path.write_text(APP + "# edited by someone else meanwhile\n")
    errors = write_run(run)
    assert errors == [f"{path}: changed on disk while fix ran; left alone"]
    assert path.read_text().endswith("# edited by someone else meanwhile\n")


def test_mock_failed_rename_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename that fails (disk full, permissions) cannot be produced reliably as root: mocked."""
    import os

    path = tmp_path / "app.py"
    path.write_text(APP)

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=False, config_path=None)
    monkeypatch.setattr(os, "replace", refuse)
    errors = write_run(run)
    assert len(errors) == 1 and "No space left on device" in errors[0]
    assert path.read_text() == APP
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]  # no temporary file left behind


def notebook(cells: list[dict[str, object]]) -> dict[str, object]:
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


def test_notebook_code_cells_change_and_everything_else_is_kept(tmp_path: Path) -> None:
    cells: list[dict[str, object]] = [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["client.models.register(model_id='x')"]},
        {
            "cell_type": "code",
            "execution_count": 3,
            "id": "b",
            "metadata": {"tags": ["setup"]},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["client.models.unregister\n"]}],
            "source": [
                "import llama_stack_client\n",
                "client.datasets.register(purpose='eval/question-answer', source={})",
            ],
        },
    ]
    path = tmp_path / "nb.ipynb"
    original = json.dumps(notebook(cells), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(original, encoding="utf-8")
    assert fix_tree(tmp_path, target="llama-stack-0.4") == []
    after = path.read_text(encoding="utf-8")
    data = json.loads(after)
    assert data["cells"][1]["source"] == [
        "import llama_stack_client\n",
        "client.beta.datasets.register(purpose='eval/question-answer', source={})",
    ]
    assert data["cells"][0] == cells[0] and data["cells"][1]["outputs"] == cells[1]["outputs"]
    assert data["metadata"] == {"kernelspec": {"name": "python3"}}
    expected = original.replace("client.datasets.register", "client.beta.datasets.register")
    assert after == expected  # same layout: indent 1, sorted keys, final newline


def test_a_notebook_constant_of_an_earlier_cell_resolves_in_a_later_one(tmp_path: Path) -> None:
    """F9: the set-up cell's constants count in the register's cell, for scan and fix alike (no --unsafe-fixes)."""
    setup = (
        "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\nCANDIDATE = 'vllm/acme/faq'\n"
    )
    register = "candidate = client.models.register(model_id=CANDIDATE, provider_id='vllm')\n"
    cells: list[dict[str, object]] = [
        {"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [], "source": setup},
        {"cell_type": "code", "execution_count": None, "id": "b", "metadata": {}, "outputs": [], "source": register},
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook(cells), indent=1) + "\n", encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text("version: 2\n", encoding="utf-8")
    [finding] = scan_text(path.read_text(encoding="utf-8"), "notebook", RULESET, "ogx-1", "nb.ipynb").findings
    assert finding.fix is not None and finding.fix.applicability == "safe"
    run = run_fix(discover([path]).files, RULESET, "ogx-1", unsafe=False, config_path=config)
    assert write_run(run) == []
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"] == (
        "candidate = client.models.retrieve(CANDIDATE)\n"
    )
    assert pyyaml.safe_load(config.read_text(encoding="utf-8"))["registered_resources"]["models"] == [
        {"model_id": "vllm/acme/faq", "provider_id": "vllm"}
    ]


def test_shell_and_markdown_get_path_renames_only(tmp_path: Path) -> None:
    script = tmp_path / "seed.sh"
    script.write_text('curl -X POST "$LLAMA_STACK_URL/v1/datasets" \\\n  -d @dataset.json\n')
    doc = tmp_path / "README.md"
    doc.write_text(
        "Llama Stack setup\n\n```bash\ncurl -X DELETE $LLAMA_STACK_URL/v1/datasets/d1\n```\n\n"
        "```python\nclient.models.register(model_id='m', provider_id='p')\n```\n"
    )
    assert fix_tree(tmp_path, target="llama-stack-0.4") == []
    assert script.read_text() == 'curl -X POST "$LLAMA_STACK_URL/v1beta/datasets" \\\n  -d @dataset.json\n'
    assert "curl -X DELETE $LLAMA_STACK_URL/v1beta/datasets/d1" in doc.read_text()
    fix_tree(tmp_path, target="llama-stack-0.7")
    assert "client.models.register(model_id='m', provider_id='p')" in doc.read_text()  # docs: no SDK rewrites


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("seed.sh", "# setup\x0c\n# section \u2028 two\ncurl -X DELETE $LLAMA_STACK_URL/v1/datasets/d1\necho done\n"),
        (
            "README.md",
            "Llama Stack\x0c\n\n\u2028 note\n```bash\ncurl -X DELETE $LLAMA_STACK_URL/v1/datasets/d1\n```\nend\n",
        ),
        ("ci.yaml", "# \x0c\u2028\nsteps:\n  - run: curl -X DELETE $LLAMA_STACK_URL/v1/datasets/d1\n"),
    ],
)
def test_form_feeds_and_unicode_separators_do_not_shift_text_findings(tmp_path: Path, name: str, text: str) -> None:
    """Lines end at LF, CR LF and CR only, as editors and shells count them: `str.splitlines` also splits at
    form feeds and U+2028, which shifted every later finding's line number."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    curl_line = text[: text.index("curl")].count("\n") + 1
    run = run_fix(discover([tmp_path]).files, RULESET, "llama-stack-0.4", unsafe=False, config_path=None)
    (result,) = run.files
    assert [(finding.rule, finding.line) for finding in result.findings] == [("LSM132", curl_line)]
    assert write_run(run) == []
    after = path.read_bytes().decode("utf-8")
    assert after == text.replace("/v1/datasets/d1", "/v1beta/datasets/d1")

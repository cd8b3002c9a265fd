"""The engine: prefilter, decoding, per-file results that never raise, parallel runs."""

from __future__ import annotations

import codecs
from pathlib import Path

from migrate.discovery import SourceFile
from migrate.engine import Prefilter, scan_file
from migrate.rule_loader import load_rules
from migrate.scan import run_scan
from tests.conftest import REPO

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
USE = "import llama_stack_client\nclient.models.register(model_id='m', provider_id='p')\n"


def test_prefilter_rules_out_bare_register_calls_and_keeps_every_surface() -> None:
    assert not PREFILTER(b"import atexit, codecs\natexit.register(f)\ncodecs.register(search)\n")
    assert not PREFILTER(b"from django.db import models\nclass A(models.Model): pass\n")
    assert PREFILTER(b"m = client.models\nm.register(model_id='x')\n")
    assert PREFILTER(b'requests.delete(f"{base}/v1/scoring-functions/{fn}")')
    assert PREFILTER(b"llama-stack-client shields register --shield-id g")
    assert PREFILTER(b"registered_resources:\n  tool_groups: []\n")


def test_prefilter_keeps_reads_only_with_the_llama_stack_context() -> None:
    listing = b"for model in client.models.list():\n    print(model.id)\n"
    assert not PREFILTER(b"from openai import OpenAI\nclient = OpenAI()\n" + listing)  # found nowhere by the matcher
    assert PREFILTER(b"from llama_stack_client import LlamaStackClient\n" + listing)
    assert PREFILTER(b"import ogx_client\n" + listing)
    assert PREFILTER(b"for group in llama.toolgroups.list(): pass\n")
    assert PREFILTER(b'requests.get(f"{base}/v1/tools", params=params)')  # a read rule's route, as any route


def test_prefiltered_file_is_skipped_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "broken_but_irrelevant.py"
    path.write_text("def (:\n")  # would not parse, but nothing in it can be a use
    result = scan_file(path, "x.py", "python", RULESET, "ogx-1", PREFILTER)
    assert result.status == "skipped" and result.error is None


def test_bom_and_coding_cookie_are_honoured(tmp_path: Path) -> None:
    bom = tmp_path / "bom.py"
    bom.write_bytes(codecs.BOM_UTF8 + USE.encode())
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + USE.encode())
    for path, line in ((bom, 2), (latin, 4)):
        result = scan_file(path, path.name, "python", RULESET, "ogx-1", PREFILTER)
        assert result.status == "scanned"
        assert [(f.line, f.rule) for f in result.findings] == [(line, "LSM101")]


def test_undecodable_and_unreadable_files_fail_without_raising(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"client.models.register(model_id='\xff')\n")
    result = scan_file(bad, "bad.py", "python", RULESET, "ogx-1", PREFILTER)
    assert result.status == "failed" and result.error is not None and "cannot decode" in result.error
    folder = tmp_path / "folder.py"
    folder.mkdir()
    result = scan_file(folder, "folder.py", "python", RULESET, "ogx-1", PREFILTER)
    assert result.status == "failed" and result.error is not None and "cannot read" in result.error


def test_parallel_and_serial_runs_agree(tmp_path: Path) -> None:
    files = []
    for index in range(300):
        path = tmp_path / f"m{index:03}.py"
        path.write_text(USE if index % 7 == 0 else "import atexit\natexit.register(print)\n")
        files.append(SourceFile(path, path.name, "python"))
    serial = run_scan(files, RULESET, "ogx-1", jobs=1)
    parallel = run_scan(files, RULESET, "ogx-1", jobs=2)
    assert serial == parallel
    assert serial.summary.findings == 43 and serial.summary.files_skipped == 300 - 43


def test_the_prefilter_lets_through_every_sdk_cli_program() -> None:
    """A script whose only use is the CLI with a noun the SDK namespaces do not share reaches the matcher."""
    prefilter = Prefilter(load_rules())
    assert prefilter(b"ogx-client eval_tasks register --eval-task-id qa\n")
    assert prefilter(b"llama-stack-client eval_tasks register --eval-task-id qa\n")
    assert not prefilter(b"some-other-cli eval_tasks register --eval-task-id qa\n")


def test_what_the_scan_builds_without_validation_is_valid() -> None:
    """The scan builds its results as plain dataclasses, unvalidated (for start-up): they must be valid."""
    from migrate.discovery import discover
    from migrate.output.json_format import read_json, render_json

    files = discover([REPO / "examples" / "legacy-app"]).files
    report = run_scan(files, RULESET, "ogx-1", jobs=1)
    assert report.findings and all(finding.fix is not None for finding in report.findings)
    assert read_json(render_json(report)) == report  # what `report` and `--baseline` read back validates it

"""Hostile inputs: huge files, deep nesting, NUL bytes, invalid UTF-8, newlines and BOMs, symlink loops,
unreadable files, and files that change, vanish or become directories while `fix` runs.

The contract under test: per-file work never raises past the file (a `failed` result with a message
instead), a file that cannot be handled is left byte for byte as it was, and `write_run` never writes over
a change made on disk after `fix` read the file.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.discovery import SourceFile, discover
from migrate.engine import Prefilter, scan_file
from migrate.findings import FileResult
from migrate.fix import run as fix_run
from migrate.fix.engine import FileFix, fix_file
from migrate.fix.run import run_fix, write_run
from migrate.rule_loader import load_rules
from migrate.rules import Language
from migrate.targets import TargetName
from tests.conftest import RunCli, without_root_privileges

RULESET = load_rules()
PREFILTER = Prefilter(RULESET)
HEAD = "from llama_stack_client import LlamaStackClient\n"
REMOVED = "# llama-stack-migrate: model {} stays declared in registered_resources.models (LSM102)"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def scan_bytes(tmp_path: Path, data: bytes, *, name: str = "app.py", language: Language = "python") -> FileResult:
    path = _write(tmp_path, name, data)
    return scan_file(path, name, language, RULESET, "ogx-1", PREFILTER)


def fix_bytes(
    tmp_path: Path,
    data: bytes,
    *,
    name: str = "app.py",
    language: Language = "python",
    target: TargetName = "ogx-1",
) -> FileFix:
    path = _write(tmp_path, name, data)
    return fix_file(SourceFile(path, name, language), RULESET, target, PREFILTER, unsafe=True)


# -------------------------------------------------------------------------------------- huge files


def test_a_20_mb_file_is_scanned_and_fixed(tmp_path: Path) -> None:
    """20 MB: generated data (long literals and comments, the usual shape of huge modules) around real
    code, with deprecated calls at the start, in the middle and at the end. Time is not asserted."""
    blob = "BLOB_{0} = '" + "abcdefghij" * 1000 + "'  # generated data, client.models.unregister('x')\n"
    code = (
        "\n\ndef handler_{0}(request, *args, **kwargs):\n"
        '    """Request {0}; client.models.register(model_id="x") in prose."""\n'
        "    value = request.get('key_{0}')\n"
        "    return [item * {0} for item in range(value) if item % 3]\n"
    )
    parts = [HEAD, "client.models.unregister('first')\n"]
    size, index = 0, 0
    while size < 20 * 1024 * 1024:
        part = (code if index % 10 == 0 else blob).format(index)
        parts.append(part)
        size += len(part)
        index += 1
        if index == 1000:
            parts.append("client.models.unregister('middle')\n")
    parts.append("client.models.unregister('last')\n")
    source = "".join(parts)
    data = source.encode("utf-8")
    assert len(data) >= 20 * 1024 * 1024

    result = scan_bytes(tmp_path, data)
    assert result.status == "scanned"
    assert [(finding.rule, finding.source) for finding in result.findings] == [
        ("LSM102", f"client.models.unregister('{where}')") for where in ("first", "middle", "last")
    ]

    fix = fix_bytes(tmp_path, data)
    assert fix.status == "changed", fix.error
    expected = source
    for where in ("first", "middle", "last"):
        expected = expected.replace(f"client.models.unregister('{where}')\n", REMOVED.format(f"'{where}'") + "\n")
    assert fix.after == expected.encode("utf-8")


# ------------------------------------------------------------------------------------- deep nesting

DEEP = {
    "1000 nested parentheses": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "200 nested ifs": "".join("    " * depth + f"if x{depth}:\n" for depth in range(200)) + "    " * 200 + "pass\n",
    "1000-term sum": "x = " + " + ".join(["1"] * 1000) + "\n",
    "100000-term sum": "x = " + "+".join(["1"] * 100_000) + "\n",
    "5000-deep attribute chain": "x = a" + ".b" * 5000 + "\n",
    "5000 unary minus": "x = " + "-" * 5000 + "1\n",
    "topics.py-like concatenation": "topics = {'assert': " + " ".join(["'line\\n'"] * 3000) + "}\n",
}


@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_a_clean_failure_or_a_result(tmp_path: Path, body: str) -> None:
    """Parsers and visitors have recursion limits; hitting one is a `failed` result with a message, never
    a RecursionError escaping scan_file / fix_file (which took the whole CLI run down with a traceback)."""
    data = (HEAD + "client.models.unregister('a')\n" + body).encode()
    result = scan_bytes(tmp_path, data)
    assert result.status in ("scanned", "failed")
    if result.status == "failed":
        assert result.error
    fix = fix_bytes(tmp_path, data)
    assert fix.status in ("changed", "failed")
    if fix.status == "failed":
        assert fix.error and fix.after == fix.before
    else:
        assert fix.after.startswith((HEAD + REMOVED.format("'a'") + "\n").encode())
        assert fix.after.endswith(body.encode())


@pytest.mark.parametrize("shape", ["ifs", "lists", "calls"])
def test_deepest_nesting_python_accepts_is_fixed_or_fails_cleanly(tmp_path: Path, shape: str) -> None:
    """Just under CPython's own limits (99 blocks, 199 brackets) the file parses; the libcst side of fix
    then recurses far deeper and must still end in a result."""
    if shape == "ifs":
        body = "".join("    " * depth + f"if x{depth}:\n" for depth in range(98))
        body += "    " * 98 + "client.models.unregister('a')\n"
    elif shape == "lists":
        body = "client.models.unregister('a')\nx = " + "[" * 199 + "]" * 199 + "\n"
    else:
        body = "client.models.unregister('a')\nx = " + "f(" * 199 + ")" * 199 + "\n"
    data = (HEAD + body).encode()
    assert scan_bytes(tmp_path, data).status == "scanned"
    fix = fix_bytes(tmp_path, data)
    assert fix.status in ("changed", "failed")
    if fix.status == "failed":
        assert fix.error and fix.after == fix.before
    else:
        assert b"models.unregister" not in fix.after


def test_the_cli_reports_a_too_deep_file_and_goes_on(tmp_path: Path, run_cli: RunCli) -> None:
    """End to end: one pathological file among good ones is reported, not a traceback: scan could not read all
    of the tree (exit 2), fix fixed the rest and says what is left (exit 1)."""
    (tmp_path / "deep.py").write_text(HEAD + "client.models.unregister('a')\nx = " + "+".join(["1"] * 5000) + "\n")
    (tmp_path / "good.py").write_text(HEAD + "client.models.unregister('b')\n")
    for command, code in ((["scan"], 2), (["fix", "--target", "ogx-1"], 1)):
        process = run_cli(*command, ".", cwd=tmp_path)
        assert "Traceback" not in process.stderr, process.stderr[-2000:]
        assert process.returncode == code, (command, process.stdout, process.stderr[-2000:])
        assert "deep.py" in process.stdout + process.stderr
        assert "good.py" in process.stdout + process.stderr


@pytest.mark.parametrize(
    "body",
    [
        "x = " + " and ".join(["a"] * 10_000) + "\n",
        "x = (\n" + "".join(f"    v{index} or\n" for index in range(20_000)) + "    w)\n",
    ],
    ids=["and-chain", "or-chain-over-lines"],
)
def test_a_chain_that_crashes_libcst_never_reaches_it(tmp_path: Path, body: str, run_cli: RunCli) -> None:
    """`ast` reads `a and a and ...` as one flat node, so the scan passes it to fix; libcst's parser nests
    it pairwise and dies of a segmentation fault on a few thousand operands (no `except` catches that),
    taking the whole run down. fix measures the nesting first and refuses the file. In a subprocess, so a
    regression fails this test instead of killing pytest."""
    (tmp_path / "chain.py").write_text(HEAD + "client.models.unregister('a')\n" + body)
    (tmp_path / "good.py").write_text(HEAD + "client.models.unregister('b')\n")
    process = run_cli("fix", "--target", "ogx-1", "--write", ".", cwd=tmp_path)
    assert process.returncode == 1, (process.returncode, process.stdout[-2000:], process.stderr[-2000:])
    assert "Traceback" not in process.stderr
    assert "chain.py" in process.stdout + process.stderr
    assert "nested too deeply to rewrite" in process.stdout + process.stderr
    assert "unregister('a')" in (tmp_path / "chain.py").read_text()
    assert "unregister" not in (tmp_path / "good.py").read_text()


# --------------------------------------------------------------------------------- bytes and text


def test_nul_bytes_in_python_are_a_clean_failure(tmp_path: Path) -> None:
    data = (HEAD + "client.models.unregister('a')\n").encode() + b"x = '\x00'\n"
    result = scan_bytes(tmp_path, data)
    assert result.status == "failed" and result.error and "null bytes" in result.error
    fix = fix_bytes(tmp_path, data)
    assert fix.status == "failed" and fix.after == data


def test_nul_bytes_in_a_shell_script_do_not_stop_the_rename(tmp_path: Path) -> None:
    data = b"printf 'a\x00b'\ncurl -X POST http://localhost:8321/v1/datasets -d @x\n"
    fix = fix_bytes(tmp_path, data, name="seed.sh", language="shell", target="llama-stack-0.4")
    assert fix.status == "changed", fix.error
    assert fix.after == data.replace(b"/v1/datasets", b"/v1beta/datasets")


@pytest.mark.parametrize(
    ("name", "language", "data"),
    [
        ("app.py", "python", HEAD.encode() + b"client.models.unregister('caf\xe9')\n"),
        ("app.py", "python", HEAD.encode() + b"client.models.unregister('a')\n# \xff\xfe\n"),
        ("seed.sh", "shell", b"curl -X DELETE http://localhost:8321/v1/datasets/caf\xe9\n"),
        ("README.md", "markdown", b"```bash\ncurl -X DELETE http://localhost:8321/v1/datasets/\xc3\n```\n"),
    ],
    ids=["python-literal", "python-comment", "shell", "markdown"],
)
def test_invalid_utf8_is_a_clean_failure_and_left_alone(
    tmp_path: Path, name: str, language: Language, data: bytes
) -> None:
    result = scan_bytes(tmp_path, data, name=name, language=language)
    assert result.status == "failed" and result.error and "decode" in result.error
    fix = fix_bytes(tmp_path, data, name=name, language=language, target="llama-stack-0.4")
    assert fix.status == "failed" and fix.after == data
    run = run_fix([SourceFile(tmp_path / name, name, language)], RULESET, "ogx-1", unsafe=True, config_path=None)
    assert write_run(run) == []
    assert (tmp_path / name).read_bytes() == data


def test_a_latin1_file_with_a_cookie_stays_latin1(tmp_path: Path) -> None:
    data = ("# -*- coding: latin-1 -*-\n" + HEAD + "name = 'résumé'\nclient.models.unregister('a')\n").encode("latin-1")
    fix = fix_bytes(tmp_path, data)
    assert fix.status == "changed", fix.error
    assert fix.after == data.replace(b"client.models.unregister('a')", REMOVED.format("'a'").encode())


def test_crlf_is_kept_on_every_line(tmp_path: Path) -> None:
    source = (
        HEAD + "client = LlamaStackClient()\n\ndef teardown():\n    client.models.unregister('a')\n\nprint('done')\n"
    )
    data = source.replace("\n", "\r\n").encode()
    fix = fix_bytes(tmp_path, data)
    assert fix.status == "changed", fix.error
    assert b"\n" not in fix.after.replace(b"\r\n", b"")
    expected = source.replace("    client.models.unregister('a')", "    " + REMOVED.format("'a'") + "\n    pass")
    assert fix.after == expected.replace("\n", "\r\n").encode()


def test_mixed_newlines_outside_the_rewrite_are_kept(tmp_path: Path) -> None:
    data = HEAD.encode() + b"a = 1\r\nb = 2\nclient.models.unregister('a')\r\nc = 3\rd = 4\r\ne = 5\n"
    fix = fix_bytes(tmp_path, data)
    assert fix.status == "changed", fix.error
    lines = fix.after.splitlines(keepends=True)
    for line in (b"a = 1\r\n", b"b = 2\n", b"c = 3\r", b"d = 4\r\n", b"e = 5\n"):
        assert line in lines, fix.after
    assert b"unregister" not in fix.after


@pytest.mark.parametrize(
    ("name", "language", "source", "target"),
    [
        ("crlf.sh", "shell", "curl -X POST http://localhost:8321/v1/datasets \\\n  -d @x\n", "llama-stack-0.4"),
        (
            "README.md",
            "markdown",
            "# Llama\n\n```bash\ncurl -X DELETE $LLAMA_STACK_URL/v1/datasets/x\n```\n",
            "llama-stack-0.4",
        ),
        (
            "ci.yaml",
            "yaml",
            "steps:\n- run: curl -X POST http://localhost:8321/v1/eval/benchmarks -d @b\n",
            "llama-stack-0.7",
        ),
    ],
    ids=["shell", "markdown", "yaml"],
)
def test_crlf_in_renamed_scripts_and_docs_is_kept(
    tmp_path: Path, name: str, language: Language, source: str, target: TargetName
) -> None:
    data = source.replace("\n", "\r\n").encode()
    fix = fix_bytes(tmp_path, data, name=name, language=language, target=target)
    assert fix.status == "changed", fix.error
    assert b"\n" not in fix.after.replace(b"\r\n", b"")
    assert b"/v1beta/datasets" in fix.after or b"/v1alpha/eval/benchmarks" in fix.after


NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "a",
            "metadata": {},
            "outputs": [],
            "source": ["import llama_stack_client\n", "client.datasets.register(purpose='p', source={})"],
        }
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}
RUN_CONFIG = (
    "version: 2\nregistered_resources:\n  models:\n  - model_id: m\n    provider_id: ollama\n  tool_groups:\n"
    "  - toolgroup_id: mcp::fs\n    provider_id: model-context-protocol\n    mcp_endpoint:\n"
    "      uri: http://localhost:8000/sse\n"
)
BOM_CASES = {
    "python": ("app.py", "python", HEAD + "client.models.unregister('a')\n", "ogx-1"),
    "shell": ("seed.sh", "shell", "curl -X POST http://localhost:8321/v1/datasets -d @x\n", "llama-stack-0.4"),
    "markdown": (
        "README.md",
        "markdown",
        "```bash\ncurl -X DELETE $LLAMA_STACK_URL/v1/datasets/x\n```\n",
        "llama-stack-0.4",
    ),
    "notebook": ("nb.ipynb", "notebook", json.dumps(NOTEBOOK, indent=1) + "\n", "llama-stack-0.4"),
    "run config": ("run.yaml", "yaml", RUN_CONFIG, "ogx-1"),
}


@pytest.mark.parametrize(("name", "language", "source", "target"), BOM_CASES.values(), ids=BOM_CASES.keys())
def test_a_bom_is_kept(tmp_path: Path, name: str, language: Language, source: str, target: TargetName) -> None:
    data = codecs.BOM_UTF8 + source.encode()
    fix = fix_bytes(tmp_path, data, name=name, language=language, target=target)
    assert fix.status == "changed", fix.error
    assert fix.after.startswith(codecs.BOM_UTF8), fix.after[:40]
    assert not fix.after[3:].startswith(codecs.BOM_UTF8)
    without = fix_bytes(tmp_path, source.encode(), name=name, language=language, target=target)
    assert fix.after == codecs.BOM_UTF8 + without.after  # the BOM is the only difference


@pytest.mark.parametrize("also_scanned", [False, True], ids=["config-only", "config-also-scanned"])
def test_a_bom_on_the_run_config_given_with_config_is_kept(tmp_path: Path, also_scanned: bool) -> None:
    """`fix --config run.yaml` merges the entries into the config: its BOM used to make the read fail
    (decoded into the YAML text) or be dropped on writing; the file keeps it and gains only the entry."""
    app = _write(tmp_path, "app.py", (HEAD + "client.models.register(model_id='n', provider_id='vllm')\n").encode())
    config = _write(tmp_path, "run.yaml", codecs.BOM_UTF8 + RUN_CONFIG.encode())
    files = [SourceFile(app, "app.py", "python")]
    if also_scanned:
        files.append(SourceFile(config, "run.yaml", "yaml"))
    run = run_fix(files, RULESET, "ogx-1", unsafe=True, config_path=config)
    assert run.config is not None and [entry.identifier for entry in run.config.added] == ["n"]
    assert write_run(run) == []
    data = config.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and not data[3:].startswith(codecs.BOM_UTF8)
    import yaml

    models = yaml.safe_load(data[3:].decode())["registered_resources"]["models"]
    assert any(model["model_id"] == "n" for model in models), models
    assert b"model_id: m\n    provider_id: ollama" in data  # the entry that was there is kept as written


def test_invalid_escape_sequences_do_not_fail_the_scan(tmp_path: Path) -> None:
    r"""`"\d"` is a DeprecationWarning (3.11) / SyntaxWarning (3.12+) when parsed. Those warnings are about
    the user's code: with warnings as errors (pytest here, `-W error` for a user) the file used to fail
    with "cannot parse", and on 3.12+ every such file printed a warning to the user's terminal."""
    data = (HEAD + "PATTERN = '\\d+'\nclient.models.unregister('a')\n").encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = scan_bytes(tmp_path, data)
        fix = fix_bytes(tmp_path, data)
    assert result.status == "scanned", result.error
    assert [finding.rule for finding in result.findings] == ["LSM102"]
    assert fix.status == "changed", fix.error
    assert b"PATTERN = '\\d+'\n" in fix.after


# ------------------------------------------------------------------------------- the file system


def test_symlink_loops_end_and_list_each_file_once(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "pkg" / "sub").mkdir(parents=True)
    (project / "pkg" / "sub" / "app.py").write_text(HEAD + "client.models.unregister('a')\n")
    (project / "self").symlink_to(".")
    (project / "pkg" / "sub" / "up").symlink_to("../..")
    (project / "pkg" / "a").symlink_to("b")
    (project / "pkg" / "b").symlink_to("a")  # a two-link cycle: stat fails with ELOOP
    (project / "pkg" / "loop.py").symlink_to("loop.py")  # a file linked to itself
    found = discover([project], cwd=tmp_path)
    assert [file.display for file in found.files] == ["proj/pkg/sub/app.py"]
    run = run_fix(found.files, RULESET, "ogx-1", unsafe=True, config_path=None)
    assert [fix.status for fix in run.files] == ["changed"]
    assert write_run(run) == []
    assert "unregister" not in (project / "pkg" / "sub" / "app.py").read_text()


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder `nobody` can reach (pytest's own base folder is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="llama-stack-migrate-hostile-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o777)
        shutil.rmtree(folder)


def test_unreadable_files_are_reported_and_never_written(open_folder: Path) -> None:
    project = open_folder / "proj"
    (project / "locked").mkdir(parents=True)
    (project / "secret.py").write_text(HEAD + "client.models.unregister('a')\n")
    (project / "locked" / "hidden.py").write_text(HEAD + "client.models.unregister('b')\n")
    (project / "ok.py").write_text(HEAD + "client.models.unregister('c')\n")
    project.chmod(0o777)
    (project / "ok.py").chmod(0o666)
    (project / "secret.py").chmod(0)
    (project / "locked").chmod(0)
    with without_root_privileges():
        with pytest.raises(PermissionError):
            (project / "secret.py").read_bytes()  # the fault is real
        found = discover([project], cwd=open_folder)
        results = {
            file.display: scan_file(file.path, file.display, file.language, RULESET, "ogx-1", PREFILTER)
            for file in found.files
        }
        run = run_fix(found.files, RULESET, "ogx-1", unsafe=True, config_path=None)
        errors = write_run(run)
    (project / "secret.py").chmod(0o644)
    assert found.errors == [("proj/locked", "permission denied")]
    assert results["proj/secret.py"].status == "failed"
    assert results["proj/secret.py"].error == "cannot read: Permission denied"
    statuses = {fix.source.display: (fix.status, fix.error) for fix in run.files}
    assert statuses == {
        "proj/ok.py": ("changed", None),
        "proj/secret.py": ("failed", "cannot read: Permission denied"),
    }
    assert errors == []
    assert "unregister('a')" in (project / "secret.py").read_text()
    assert "unregister" not in (project / "ok.py").read_text()


def test_fix_exits_2_for_a_file_it_cannot_read_and_1_for_one_it_cannot_parse(open_folder: Path) -> None:
    """An unreadable file is an error of the run (exit 2); content fix cannot handle is work left (exit 1)."""
    (open_folder / "ok.py").write_text(HEAD + "client.models.unregister('c')\n")
    (open_folder / "broken.py").write_text(HEAD + "client.models.unregister('d'\n")
    (open_folder / "secret.py").write_text(HEAD + "client.models.unregister('a')\n")
    (open_folder / "secret.py").chmod(0)
    runner = CliRunner()
    # The same run on the readable file first, as root: every module it imports (stdlib ones under /root too) is
    # loaded before the privileges go, whatever ran before this test (a warm rule cache loads no pydantic).
    warm = runner.invoke(main, ["fix", "--target", "ogx-1", str(open_folder / "ok.py")])
    assert warm.exit_code == 0, warm.output
    with without_root_privileges():
        unreadable = runner.invoke(main, ["fix", "--target", "ogx-1", str(open_folder)])
    assert unreadable.exit_code == 2, unreadable.output
    assert "secret.py: cannot read: Permission denied" in unreadable.output
    (open_folder / "secret.py").unlink()
    broken = runner.invoke(main, ["fix", "--target", "ogx-1", str(open_folder)])
    assert broken.exit_code == 1, broken.output
    assert "broken.py: cannot parse Python" in broken.output


def _fixable(tmp_path: Path, name: str = "app.py") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "client.models.unregister('a')\n")
    return path


def test_a_file_changed_while_fix_runs_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit lands after fix read the file, while the run is still going (other files being fixed)."""
    first, second = _fixable(tmp_path, "a.py"), _fixable(tmp_path, "b.py")

    def fix_then_edit(source: SourceFile, *args: object, **kwargs: object) -> FileFix:
        result = fix_file(source, *args, **kwargs)  # type: ignore[arg-type]
        if source.path == first:
            first.write_text(first.read_text().replace("'a'", "'edited'"))  # same length, new content
        return result

    monkeypatch.setattr(fix_run, "fix_file", fix_then_edit)
    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=True, config_path=None)
    assert [fix.status for fix in run.files] == ["changed", "changed"]
    errors = write_run(run)
    assert errors == [f"{first}: changed on disk while fix ran; left alone"]
    assert first.read_text() == HEAD + "client.models.unregister('edited')\n"
    assert "unregister" not in second.read_text()


def test_a_file_only_touched_while_fix_runs_is_still_fixed(tmp_path: Path) -> None:
    """A new mtime with the same bytes is no change (editors and `git checkout` touch files)."""
    path = _fixable(tmp_path)
    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=True, config_path=None)
    os.utime(path, (1, 1))
    assert write_run(run) == []
    assert "unregister" not in path.read_text()


def test_a_file_deleted_while_fix_runs_is_not_recreated(tmp_path: Path) -> None:
    path = _fixable(tmp_path)
    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=True, config_path=None)
    path.unlink()
    errors = write_run(run)
    assert errors == [f"{path}: cannot read before writing: No such file or directory"]
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_a_directory_where_the_file_was_is_left_alone(tmp_path: Path) -> None:
    path = _fixable(tmp_path)
    run = run_fix(discover([tmp_path]).files, RULESET, "ogx-1", unsafe=True, config_path=None)
    path.unlink()
    path.mkdir()
    (path / "inside.txt").write_text("keep me")
    errors = write_run(run)
    assert errors == [f"{path}: cannot read before writing: Is a directory"]
    assert path.is_dir() and (path / "inside.txt").read_text() == "keep me"


def test_a_directory_given_as_a_source_file_is_a_clean_failure(tmp_path: Path) -> None:
    """A SourceFile whose path is a directory (it was replaced between discovery and the run)."""
    directory = tmp_path / "app.py"
    directory.mkdir()
    source = SourceFile(directory, "app.py", "python")
    result = scan_file(directory, "app.py", "python", RULESET, "ogx-1", PREFILTER)
    assert result.status == "failed" and result.error and "directory" in result.error.lower()
    fix = fix_file(source, RULESET, "ogx-1", PREFILTER, unsafe=True)
    assert fix.status == "failed" and fix.error and "directory" in fix.error.lower()


def test_a_folder_named_like_a_python_file_is_walked(tmp_path: Path) -> None:
    (tmp_path / "weird.py").mkdir()
    _fixable(tmp_path / "weird.py", "inner.py")
    found = discover([tmp_path / "weird.py"], cwd=tmp_path)
    assert [file.display for file in found.files] == ["weird.py/inner.py"]
    assert found.errors == []

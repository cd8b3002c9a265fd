"""The pre-commit hooks of .pre-commit-hooks.yaml, run for real by `pre-commit try-repo` on this checkout.

pre-commit builds the hooks' environment as a user's machine does: a virtualenv with this package
installed from the checkout (HEAD and its uncommitted changes to tracked files), its dependencies from
PyPI. `try-repo` always builds it in a throwaway store (pre-commit's `commands/try_repo.py` passes a
temporary directory as the store, whatever PRE_COMMIT_HOME says), so nothing of it can be cached between
runs but pip's own wheel cache, which makes a build about 15 s: the test runs `try-repo` twice.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from migrate.docgen import pre_commit_files
from migrate.sources import SOURCES, language_of_name
from tests.conftest import REPO

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

APP = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url="http://127.0.0.1:8321")
client.models.unregister("vllm/old")
"""


def test_the_hooks_read_the_files_the_surfaces_read() -> None:
    assert [hook["id"] for hook in HOOKS] == ["llama-stack-migrate", "llama-stack-migrate-fix"]
    for hook in HOOKS:
        assert hook["files"] == pre_commit_files(), (
            "regenerate the `files` of .pre-commit-hooks.yaml with migrate.docgen.pre_commit_files()"
        )
        assert hook["language"] == "python" and hook["entry"].startswith("llama-stack-migrate ")
    assert HOOKS[0]["entry"] == "llama-stack-migrate scan --check"
    assert HOOKS[1]["entry"] == "llama-stack-migrate fix --write"  # safe fixes only: no --unsafe-fixes


def test_the_files_pattern_agrees_with_the_surface_registry() -> None:
    """A staged file is passed to the hook exactly when `scan` reads a file of that name."""
    pattern = re.compile(pre_commit_files())
    names = [
        *(f"app{suffix}" for record in SOURCES for suffix in record.suffixes),
        *(f"APP{suffix.upper()}" for record in SOURCES for suffix in record.suffixes),
        *(name for record in SOURCES for name in record.names),
        *(f"{prefix}dev" for record in SOURCES for prefix in record.prefixes),
        *("Dockerfile.", ".x.py", "a..py", "..py", ".py", ".md", "py", "Makefile.am", "makefile", "notes.txt"),
        *("setup.cfg", "Dockerfile2", "app.py.orig", "app.pyc", "x.ipynb.bak", "README", "Justfile.txt"),
        *("requirements.txt", "requirements-dev.txt", "constraints.txt", "requirements.in", "requirements.txt.bak"),
        *("requirements", "dev-requirements.txt.orig"),
    ]
    for name in names:
        for path in (name, f"src/deep/{name}"):
            passed = pattern.search(path) is not None
            assert passed == (language_of_name(name) is not None), path


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def try_repo(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Every hook of this checkout, on `args` (`--files ...`), in the git repository `project`."""
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO), *args],
        cwd=project,
        env={**os.environ, "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_scan_hook_fails_on_a_deprecated_call_and_passes_once_the_fix_hook_ran(tmp_path: Path) -> None:
    assert shutil.which("git"), "pre-commit needs git"
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / "app.py").write_text(APP)
    (project / "notes.txt").write_text("client.models.unregister('vllm/old')\n")  # no surface reads it
    git("add", "app.py", "notes.txt", cwd=project)

    # The hooks run in the manifest's order: the scan finds the call, then the fix rewrites it.
    first = try_repo(project, "--files", "app.py", "notes.txt")
    assert first.returncode == 1, first.stdout + first.stderr
    scan, fix = first.stdout.split("llama-stack-migrate fix (safe fixes)")
    assert re.search(r"llama-stack-migrate \(deprecated Llama Stack APIs\)\.+Failed", scan), scan
    assert "app.py:4:1: LSM102 [*] Model unregistration removed on ogx-1" in scan
    assert "notes.txt" not in scan  # not passed: `scan` would call a .txt file unsupported (exit 2)
    assert re.search(r"^\.+Failed", fix) and "files were modified by this hook" in fix, fix
    fixed = (project / "app.py").read_text()
    assert 'client.models.unregister("vllm/old")' not in fixed
    assert '# llama-stack-migrate: model "vllm/old" stays declared in registered_resources.models' in fixed

    again = try_repo(project, "--files", "app.py", "notes.txt")
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"llama-stack-migrate \(deprecated Llama Stack APIs\)\.+Passed", again.stdout), again.stdout
    assert re.search(r"llama-stack-migrate fix \(safe fixes\)\.+Passed", again.stdout), again.stdout

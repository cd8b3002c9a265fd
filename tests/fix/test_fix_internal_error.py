"""A bug of ours in one file's scan or fix costs that file its result, never the other files theirs: the file is
reported as not fixed (not scanned) with what to report, left as it was, and the run goes on, as ruff reports a
panic on one file.

No input makes the tool fail on purpose (every known failure is a reported `SourceError`), so the bug is planted in
the real command's process, for the one file named `a_broken.py`: the tests say so in their names.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BROKEN = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient()
client.models.unregister("vllm/old")
"""


def _run_with_planted_bug(module: str, function: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`llama-stack-migrate ARGS` in a process where `module.function` raises a KeyError for a_broken.py."""
    plant = f"""
import sys
import {module} as target
real = target.{function}
def planted(*args, **kwargs):
    if any("a_broken" in str(arg) for arg in (*args, *kwargs.values())):
        raise KeyError("planted bug")
    return real(*args, **kwargs)
target.{function} = planted
from migrate.cli import main
sys.argv = ["llama-stack-migrate", *{list(args)!r}]
main()
"""
    return subprocess.run(
        [sys.executable, "-c", plant], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_fix_reports_a_planted_bug_in_one_file_and_fixes_the_others(tmp_path: Path) -> None:
    (tmp_path / "a_broken.py").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "b_sound.py").write_text(BROKEN, encoding="utf-8")
    process = _run_with_planted_bug(
        "migrate.fix.engine", "_rewrite", "fix", ".", "--write", "--target", "ogx-1", cwd=tmp_path
    )
    output = process.stdout + process.stderr
    assert "Traceback" not in output
    assert "a_broken.py: internal error (KeyError" in output and "please report it with the file" in output
    assert process.returncode == 1  # a file could not be fixed; every other one was
    assert (tmp_path / "a_broken.py").read_text(encoding="utf-8") == BROKEN
    assert "models.unregister" not in (tmp_path / "b_sound.py").read_text(encoding="utf-8")


def test_scan_reports_a_planted_bug_in_one_file_and_scans_the_others(tmp_path: Path) -> None:
    (tmp_path / "a_broken.py").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "b_sound.py").write_text(BROKEN, encoding="utf-8")
    process = _run_with_planted_bug("migrate.engine", "judge_text", "scan", ".", "--target", "ogx-1", cwd=tmp_path)
    output = process.stdout + process.stderr
    assert "Traceback" not in output
    assert "b_sound.py:4:1: LSM102" in output
    assert "a_broken.py" in output.split("could not be scanned:", 1)[1]
    assert "internal error (KeyError" in output
    assert process.returncode == 2  # docs/scan.md: a file that could not be scanned

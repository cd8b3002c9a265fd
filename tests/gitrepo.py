"""Run the real git in a test's work tree (tests that need git fail, never skip, without it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

GIT = shutil.which("git")
IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main")


def git(cwd: Path, *args: str) -> str:
    """Run `git ARGS` in `cwd` and return its standard output; any failure fails the test."""
    assert GIT is not None, "git is not installed; this test needs it"
    done = subprocess.run([GIT, *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout

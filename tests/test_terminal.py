"""On a real terminal (a pseudo-terminal here): colour on stdout, a progress bar on stderr."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def run_on_a_terminal(args: list[str], cwd: Path) -> str:
    controller, terminal = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "CI")}
    process = subprocess.Popen(
        [sys.executable, "-m", "migrate", *args], cwd=cwd, stdin=terminal, stdout=terminal, stderr=terminal, env=env
    )
    os.close(terminal)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(controller)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_colour_and_progress_on_a_terminal(tmp_path: Path) -> None:
    for index in range(3):
        (tmp_path / f"m{index}.py").write_text("import llama_stack_client\nc.models.unregister('x')\n")
    screen = run_on_a_terminal(["scan", "."], tmp_path)
    assert "\x1b[31m" in screen  # red severity
    assert "Scanning" in screen  # the progress bar's label
    assert "Found 3 deprecated uses in 3 files" in screen


def test_no_colour_when_piped(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import llama_stack_client\nc.models.unregister('x')\n")
    process = subprocess.run(
        [sys.executable, "-m", "migrate", "scan", "."], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert "\x1b[" not in process.stdout and "Scanning" not in process.stderr


def test_fix_diff_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import llama_stack_client\nc.models.unregister('x')\n")
    screen = run_on_a_terminal(["fix", ".", "--target", "ogx-1"], tmp_path)
    assert "\x1b[31m-c.models.unregister('x')" in screen  # removed line in red
    assert "\x1b[32m+# llama-stack-migrate: model 'x' stays declared" in screen  # added line in green
    assert (tmp_path / "m.py").read_text() == "import llama_stack_client\nc.models.unregister('x')\n"

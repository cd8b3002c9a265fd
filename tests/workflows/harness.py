"""Run every legacy app of `apps/` in each run column and print the table app x run of steps completed.

    python -m tests.workflows.harness [--columns baseline,shim-0.7.3,...] [--jobs 2] [--json results.json]
                                      [--workdir DIR]

Columns (`COLUMNS`):

* ``baseline``: the apps as written, each with the SDK it was written for (`App.sdk`: ``llama-stack-client``
  0.3.5 or 0.4.7), straight against the real server of that SDK's era (llama-stack 0.3.5 / 0.4.7).
* ``shim-0.7.3`` / ``shim-ogx``: the same apps, each with its own SDK, through ``llama-stack-migrate shim --target
  T`` in front of real llama-stack 0.7.3 / OGX 1.5.0. The server's run config is the one `fix --config` wrote for
  the apps (the declarations the shim's 409 answers ask for), with the values `fix` could not know filled in.
* ``fixed-0.7.3`` / ``fixed-ogx``: the apps after ``fix --target T --unsafe-fixes --config <run config> --write``,
  straight against the server started from that config, with the SDK the fixed code is written for (`FIXED_SDK`,
  llama-stack-client 0.7.3 for both targets).

One server per column (the baseline: one per SDK era), shared by its apps (each app uses its own resource ids),
started fresh from its config;
one `fix` per target over all apps. Inference and MCP are the stand-ins of `standins.py`. Steps come from the apps
themselves (JSON lines, see `apps/stepreport.py`, `runners/`). The table counts, per app and column, the steps
that succeeded out of the app's baseline steps; every failing step follows with its exact error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from tests.integration.servers import (
    APPS_CLIENT_035,
    APPS_CLIENT_047,
    APPS_CLIENT_073,
    LEGACY,
    LLAMA_STACK_04,
    LLAMA_STACK_07,
    OGX_RESPONSES,
    ClientSpec,
    RunningServer,
    ServerSetupError,
    ServerSpec,
    ensure_venv,
    venv_python,
)
from tests.workflows.expected import BASELINE_STEPS, Outcome, expected, mismatches
from tests.workflows.processes import Standins, running_shim, running_standins
from tests.workflows.runconfig import FixedApps, fix_apps, write_base_config

HERE = Path(__file__).resolve().parent
APPS_DIR = HERE / "apps"
RUNNERS_DIR = HERE / "runners"
APP_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Sdk:
    """An SDK generation apps are written for: its venv, and the server of its era (what the baseline runs on).

    Apps of different eras differ in more than the version header: 0.4 moved `datasets` and `benchmarks` under
    `beta.` / `alpha.` and returns OpenAI-shaped model lists, so a 0.4 app cannot run on a 0.3.5 server.
    """

    client: ClientSpec
    server: ServerSpec


SDK_035 = Sdk(APPS_CLIENT_035, LEGACY)
SDK_047 = Sdk(APPS_CLIENT_047, LLAMA_STACK_04)


@dataclass(frozen=True)
class App:
    name: str
    #: Path under `APPS_DIR`: a script, a pytest folder or a notebook.
    entry: str
    kind: Literal["script", "pytest", "notebook"]
    #: The SDK the app was written for: it runs with it in the baseline and shim columns.
    sdk: Sdk = SDK_035


APPS: tuple[App, ...] = (
    App("quickstart_chat", "quickstart_chat.py", "script"),
    App("semantic_search", "semantic_search.py", "script"),
    App("content_guard", "content_guard.py", "script"),
    App("helpdesk_agent", "helpdesk_agent.py", "script"),
    App("supportbot_tests", "supportbot_tests", "pytest"),
    App("catalog_service", "catalog_service.py", "script"),
    App("eval_walkthrough", "eval_walkthrough.ipynb", "notebook"),
    App("ops_provision", "ops_provision.py", "script"),
    App("assistant_setup_04", "assistant_setup_04.py", "script", SDK_047),
    App("eval_guild_04", "eval_guild_04.py", "script", SDK_047),
)


@dataclass(frozen=True)
class Column:
    name: str
    #: The server the apps run on; None: each app's era's server (`Sdk.server`).
    server: ServerSpec | None
    #: The SDK venv the apps run with; None: each app's own (`Sdk.client`).
    sdk: ClientSpec | None
    #: The `fix` / `shim` target; None for the baseline.
    target: str | None
    via_shim: bool
    #: Run the apps as `fix` rewrote them (else as written).
    fixed: bool


#: The SDK the fixed-* columns run the apps with.
FIXED_SDK = APPS_CLIENT_073

COLUMNS: tuple[Column, ...] = (
    Column("baseline", None, None, None, via_shim=False, fixed=False),
    # A 0.4 app keeps its SDK through the shim: the shim treats it as a current client (decision D6).
    Column("shim-0.7.3", LLAMA_STACK_07, None, "llama-stack-0.7", via_shim=True, fixed=False),
    Column("shim-ogx", OGX_RESPONSES, None, "ogx-1", via_shim=True, fixed=False),
    # The SDK fixed code is for (decision D5, rule LSM160: fix moves the project's pin to it): llama-stack-client
    # 0.7.x for both targets. The 0.7.3 server refuses SDK 0.3.5 (426); on OGX, the 0.7 SDK's list items carry the
    # legacy fields as compatibility properties. ogx-client 1.5.0 is another library (OpenAPI-generated
    # `OgxClient`) that fixed code cannot use; OGX accepts any llama-stack-client (it checks only
    # X-OGX-Client-Version).
    Column("fixed-0.7.3", LLAMA_STACK_07, FIXED_SDK, "llama-stack-0.7", via_shim=False, fixed=True),
    Column("fixed-ogx", OGX_RESPONSES, FIXED_SDK, "ogx-1", via_shim=False, fixed=True),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}


@dataclass(frozen=True)
class Step:
    step: str
    ok: bool
    error: str | None = None
    message: str | None = None


@dataclass
class AppRun:
    app: str
    column: str
    steps: list[Step]
    returncode: int
    seconds: float
    #: The end of stderr when the app ended badly (a crash outside any step, a timeout).
    stderr_tail: str = ""


@dataclass
class ColumnRun:
    column: str
    apps: list[AppRun] = field(default_factory=list)
    seconds: float = 0.0
    #: Why the column could not run at all (a server or the shim that did not start), else "".
    setup_error: str = ""
    #: What `fix` said about the apps (exit status and summary), for the columns that use its output.
    fix_summary: str = ""


# ------------------------------------------------------------------------------------------------ apps


def app_env(sdk_venv: Path, base_url: str, standins: Standins, cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "LLAMA_STACK", "OGX_", "VIRTUAL_ENV"))}
    env.update(
        PATH=os.pathsep.join([str(sdk_venv / "bin"), env.get("PATH", "")]),
        VIRTUAL_ENV=str(sdk_venv),
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join([str(RUNNERS_DIR), str(cwd)]),
        LLAMA_STACK_URL=base_url,
        HELPDESK_MCP_URL=standins.mcp_url,
        SUPPORT_MCP_URL=standins.mcp_url,
        INVENTORY_MCP_URL=standins.mcp_url,
        OPS_MCP_URL=standins.mcp_url,
        TICKETS_MCP_URL=standins.mcp_url,
    )
    return env


def parse_steps(text: str) -> list[Step]:
    steps = []
    for line in text.splitlines():
        if line.startswith('{"step"'):
            record = json.loads(line)
            steps.append(Step(record["step"], record["ok"], record.get("error"), record.get("message")))
    return steps


def run_app(
    app: App, apps_dir: Path, sdk_venv: Path, base_url: str, standins: Standins, column: str, logs: Path
) -> AppRun:
    """Run one app to its end; its steps, and its output in ``logs/<column>-<app>.log``."""
    python = str(venv_python(sdk_venv))
    env = app_env(sdk_venv, base_url, standins, apps_dir)
    steps_file = logs / f"{column}-{app.name}.steps.jsonl"
    steps_file.write_text("", encoding="utf-8")
    env["WORKFLOW_STEPS_FILE"] = str(steps_file)
    if app.kind == "script":
        command = [python, app.entry]
    elif app.kind == "pytest":
        command = [python, "-m", "pytest", app.entry, "-p", "pytest_steps", "-p", "no:cacheprovider", "-q"]
    else:
        command = [python, str(RUNNERS_DIR / "run_notebook.py"), app.entry]
    started = time.monotonic()
    try:
        process = subprocess.run(
            command, cwd=apps_dir, env=env, capture_output=True, text=True, timeout=APP_TIMEOUT_S, check=False
        )
        stdout, stderr, returncode = process.stdout, process.stderr, process.returncode
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout if isinstance(exc.stdout, str) else ""
        stderr, returncode = f"timed out after {APP_TIMEOUT_S:.0f} s", -1
    (logs / f"{column}-{app.name}.log").write_text(f"$ {' '.join(command)}\n{stdout}\n{stderr}", encoding="utf-8")
    steps = parse_steps(stdout) + parse_steps(steps_file.read_text(encoding="utf-8"))
    tail = "" if steps and returncode in (0, 1) else "\n".join((stderr or stdout).splitlines()[-15:])
    return AppRun(app.name, column, steps, returncode, round(time.monotonic() - started, 2), tail)


def run_apps(
    apps: Sequence[App],
    apps_dir: Path,
    sdk: ClientSpec | None,
    base_url: str,
    standins: Standins,
    column: str,
    jobs: int,
    logs: Path,
) -> list[AppRun]:
    """Run `apps` against `base_url`, each with `sdk`, or with the SDK it was written for when `sdk` is None."""
    venvs = {app.name: ensure_venv(sdk or app.sdk.client) for app in apps}
    logs.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(run_app, app, apps_dir, venvs[app.name], base_url, standins, column, logs) for app in apps
        ]
        return [future.result() for future in futures]


# --------------------------------------------------------------------------------------------- columns


def human_values(standins: Standins) -> dict[str, str]:
    """What a human sets where `fix` wrote ``null`` (``# unknown: EXPR``): the values the apps get at run time."""
    return {
        "HELPDESK_MCP_URL": standins.mcp_url,
        "mcp_url": standins.mcp_url,
        "self.settings.inventory_mcp_url": standins.mcp_url,
        # ops_provision's raw POST /v1/toolgroups: fix declares it, with the URL the script reads from OPS_MCP_URL.
        "MCP_URL": standins.mcp_url,
        "TICKETS_MCP_URL": standins.mcp_url,
    }


@dataclass
class Workspace:
    """The run's folder: the apps copy, base configs, one `fix` per target (made on first use)."""

    root: Path
    standins: Standins
    fixed: dict[str, FixedApps] = field(default_factory=dict)

    @property
    def apps(self) -> Path:
        copy = self.root / "apps"
        if not copy.exists():
            shutil.copytree(APPS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
        return copy

    def base_config(self, spec: ServerSpec) -> Path:
        return write_base_config(spec, self.root / "configs" / f"{spec.name}.yaml", self.standins.moderation_url)

    def fix(self, spec: ServerSpec, target: str) -> FixedApps:
        """The apps and a run config after `fix --target`. For llama-stack 0.7 the config `fix` migrates is the
        operator's own: the baseline server's 0.3.5 config, whose providers `fix` renames too (LSM261-265). OGX
        needs more than `fix` migrates in a 0.3 config (storage, the responses provider's guardrails), so its run
        starts from the OGX config without resources."""
        if target not in self.fixed:
            config = self.base_config(LEGACY if target == "llama-stack-0.7" else spec)
            self.fixed[target] = fix_apps(
                APPS_DIR, config, target, self.root / f"fix-{target}", human_values(self.standins)
            )
        return self.fixed[target]


@contextlib.contextmanager
def serving(column: Column, spec: ServerSpec, config: Path, workspace: Workspace) -> Iterator[str]:
    """The column's server `spec` (and shim) for the block; yields the URL the apps talk to."""
    state = workspace.root / (f"state-{column.name}" if column.server else f"state-{column.name}-{spec.name}")
    with RunningServer(spec, config_path=config, vllm_url=workspace.standins.vllm_url, state_dir=state) as server:
        if column.via_shim:
            assert column.target is not None
            with running_shim(server.url, column.target, state) as shim_url:
                yield shim_url
        else:
            yield server.url


def run_column(column: Column, workspace: Workspace, apps: Sequence[App], jobs: int) -> ColumnRun:
    started = time.monotonic()
    result = ColumnRun(column.name)
    try:
        # the baseline: one server per SDK era, each running the apps written for it
        servers = {column.server or app.sdk.server for app in apps}
        for spec in sorted(servers, key=lambda s: s.name):
            group = [app for app in apps if (column.server or app.sdk.server) is spec]
            if column.target is None:
                config, apps_dir = workspace.base_config(spec), workspace.apps
            else:
                fixed = workspace.fix(spec, column.target)
                config, apps_dir = fixed.config, (fixed.apps if column.fixed else workspace.apps)
                summary = [line for line in fixed.output.splitlines() if not line.startswith(" ")]
                unset = sorted(expression for expression, value in fixed.filled.items() if value is None)
                result.fix_summary = f"fix --target {column.target}: exit {fixed.returncode}; " + "; ".join(summary)
                result.fix_summary += f"; left unset: {', '.join(unset)}" if unset else ""
            with serving(column, spec, config, workspace) as url:
                result.apps += run_apps(
                    group, apps_dir, column.sdk, url, workspace.standins, column.name, jobs, workspace.root / "logs"
                )
        result.apps.sort(key=lambda app_run: [app.name for app in apps].index(app_run.app))
    except ServerSetupError as exc:
        result.setup_error = str(exc)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def run(columns: Sequence[Column], workdir: Path, apps: Sequence[App] = APPS, jobs: int = 2) -> list[ColumnRun]:
    """Run `apps` in each of `columns`; the stand-ins live for the whole run."""
    with running_standins(workdir) as standins:
        workspace = Workspace(workdir, standins)
        return [run_column(column, workspace, apps, jobs) for column in columns]


# ---------------------------------------------------------------------------------------------- report


def format_table(runs: Sequence[ColumnRun], apps: Sequence[App] = APPS) -> str:
    """Per app and column: steps that succeeded / the app's steps (in brackets: how many are expected to succeed)."""
    width = max(len(app.name) for app in apps)
    header = f"| {'app':<{width}} | " + " | ".join(f"{r.column:>15}" for r in runs) + " |"
    lines = [header, f"|{'-' * (width + 2)}|" + "|".join("-" * 16 + ":" for _ in runs) + "|"]
    totals = [[0, 0, 0] for _ in runs]
    for app in apps:
        steps = BASELINE_STEPS[app.name]
        cells = []
        for index, run_ in enumerate(runs):
            app_run = next((a for a in run_.apps if a.app == app.name), None)
            done = sum(1 for s in app_run.steps if s.ok) if app_run else 0
            want = sum(1 for step in steps if expected(run_.column, app.name, step).outcome is Outcome.OK)
            for slot, value in enumerate((done, len(steps), want)):
                totals[index][slot] += value
            cells.append(f"{done:>3} / {len(steps):<3} ({want:>3})" if app_run else f"{'not run':>15}")
        lines.append(f"| {app.name:<{width}} | " + " | ".join(cells) + " |")
    lines.append(f"| {'all':<{width}} | " + " | ".join(f"{d:>3} / {n:<3} ({w:>3})" for d, n, w in totals) + " |")
    return "\n".join(lines)


def format_mismatches(runs: Sequence[ColumnRun]) -> str:
    """Per column: the steps that differ from `expected.EXPECTED` (what is left before it can be asserted)."""
    lines = []
    for run_ in runs:
        problems = [
            problem
            for app_run in run_.apps
            for problem in mismatches(
                run_.column, app_run.app, [(s.step, s.ok, f"{s.error}: {s.message}") for s in app_run.steps]
            )
        ]
        lines.append(
            f"- {run_.column}: {len(problems)} step(s) differ from EXPECTED" + ("" if problems else " (assertable)")
        )
    return "\n".join(lines)


def format_failures(runs: Sequence[ColumnRun]) -> str:
    lines = []
    for run_ in runs:
        if run_.setup_error:
            lines.append(f"\n## {run_.column}: could not run\n{run_.setup_error}")
            continue
        failing = [(a, s) for a in run_.apps for s in a.steps if not s.ok]
        broken = [a for a in run_.apps if a.stderr_tail]
        if not failing and not broken:
            continue
        lines.append(f"\n## {run_.column}")
        for app_run, step in failing:
            lines.append(f"- {app_run.app} / {step.step}: {step.error}: {step.message}")
        for app_run in broken:
            lines.append(f"- {app_run.app}: exit {app_run.returncode}, stderr:\n{app_run.stderr_tail}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.workflows.harness", description=__doc__.splitlines()[0])
    parser.add_argument("--columns", default=",".join(COLUMNS_BY_NAME), help="comma-separated: %(default)s")
    parser.add_argument("--apps", default=",".join(app.name for app in APPS), help="comma-separated")
    parser.add_argument("--jobs", type=int, default=2, help="apps run at once per column (default 2)")
    parser.add_argument("--json", type=Path, help="write every step of every run to this file")
    parser.add_argument("--workdir", type=Path, help="keep the run's files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    columns = [COLUMNS_BY_NAME[name.strip()] for name in args.columns.split(",") if name.strip()]
    apps = [app for app in APPS if app.name in {n.strip() for n in args.apps.split(",")}]
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="workflows-")))
        runs = run(columns, workdir, apps, args.jobs)
    elapsed = time.monotonic() - started
    print(format_table(runs, apps))
    print("\nAgainst tests/workflows/expected.py:\n" + format_mismatches(runs))
    for summary in dict.fromkeys(r.fix_summary for r in runs if r.fix_summary):
        print(summary)
    print(format_failures(runs))
    print("\n" + ", ".join(f"{r.column} {r.seconds:.0f} s" for r in runs) + f"; total {elapsed:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

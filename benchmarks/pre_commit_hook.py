"""Wall time of the `llama-stack-migrate` pre-commit hook on one staged file, beside pre-commit's own cost.

Usage::

    .venv/bin/python benchmarks/pre_commit_hook.py [--runs 20] [--file PATH]

What a developer waits for at `git commit`. A throwaway git repository gets FILE (default: a module of the
bundled example app with findings) staged, and a `.pre-commit-config.yaml` naming this checkout at its
HEAD commit (commit what you measure) and, as the baseline, a local hook that runs `true`. The hook's
environment is built once (`pre-commit install-hooks`, timed apart: a user pays it once), then each
command runs `--runs` times, interleaved:

* `python -c pass`, the floor;
* `pre-commit run noop --files FILE`: pre-commit's own cost (reading the config, stashing, matching files);
* `llama-stack-migrate scan --check FILE` from the hook's environment: the hook's command alone;
* `pre-commit run llama-stack-migrate --files FILE`: the hook as a commit runs it.

The hook must fail (it finds something): a fast hook that finds nothing means nothing. The goal
(issue 13): the hook "well under a second" on one staged file; the median is compared with 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup import timed

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "examples" / "legacy-app" / "supportbot" / "resources.py"
GOAL_S = 1.0


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()
    pre_commit = Path(sys.executable).with_name("pre-commit")
    revision = git("rev-parse", "HEAD", cwd=ROOT)
    if git("status", "--porcelain", "--untracked-files=no", cwd=ROOT):
        print(f"note: uncommitted changes are not measured; the hook is this checkout at {revision[:12]}")
    with tempfile.TemporaryDirectory(prefix="pre-commit-hook-") as work:
        project, home = Path(work) / "project", Path(work) / "home"
        project.mkdir()
        git("init", "-q", cwd=project)
        shutil.copy(args.file, project / args.file.name)
        (project / ".pre-commit-config.yaml").write_text(
            f"repos:\n- repo: {ROOT}\n  rev: {revision}\n  hooks:\n  - id: llama-stack-migrate\n"
            "- repo: local\n  hooks:\n  - id: noop\n    name: noop\n    entry: 'true'\n    language: system\n"
        )
        git("add", ".", cwd=project)
        env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
        started = time.perf_counter()
        subprocess.run([str(pre_commit), "install-hooks"], cwd=project, env=env, check=True, capture_output=True)
        build = time.perf_counter() - started
        entry = next(home.glob("repo*/py_env-*/bin/llama-stack-migrate"))
        staged = args.file.name
        commands: dict[str, tuple[list[str], int]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], 0),
            "pre-commit run noop (baseline)": ([str(pre_commit), "run", "noop", "--files", staged], 0),
            "llama-stack-migrate scan --check FILE": ([str(entry), "scan", "--check", staged], 1),
            "pre-commit run llama-stack-migrate": (
                [str(pre_commit), "run", "llama-stack-migrate", "--files", staged],
                1,
            ),
        }
        for command, _ in commands.values():  # warm the file cache and write the bytecode
            timed(command, env, project)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, expected) in commands.items():
                wall, cpu, status = timed(command, env, project)
                if status != expected:
                    raise SystemExit(f"{name}: exit {status}, expected {expected}")
                samples[name].append((wall, cpu))
    print(f"{args.runs} runs each, interleaved; one staged file: {args.file.name}")
    print(f"hook environment built once by `pre-commit install-hooks`: {build:.1f} s")
    print(f"{'command':<40} {'median wall':>12} {'best wall':>10} {'median CPU':>11}")
    for name, values in samples.items():
        walls = [wall for wall, _ in values]
        cpus = [cpu for _, cpu in values]
        print(
            f"{name:<40} {statistics.median(walls) * 1000:>9.1f} ms {min(walls) * 1000:>7.1f} ms "
            f"{statistics.median(cpus) * 1000:>8.1f} ms"
        )
    median = statistics.median(wall for wall, _ in samples["pre-commit run llama-stack-migrate"])
    verdict = "within" if median <= GOAL_S else "OVER"
    print(f"median hook {median * 1000:.0f} ms: {verdict} the goal of {GOAL_S * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

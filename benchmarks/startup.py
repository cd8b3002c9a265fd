"""Start-up cost of `llama-stack-migrate scan` on one file, beside the interpreter and `--version`.

Usage::

    .venv/bin/python benchmarks/startup.py [--runs 30] [--file PATH] [--baseline REV]

A pre-commit hook runs `scan` on the staged files of every commit, so what a user feels is start-up:
the interpreter, the imports, loading the rules, then one small file. Each command runs `--runs` times,
interleaved (one of each in turn, so a load spike hits them alike), as a subprocess; the script prints
the median and the best wall time and the median CPU time (user + system, of the child) of each:

* `python -c pass`, the floor;
* `llama-stack-migrate --version`: the interpreter, click and the CLI module;
* `llama-stack-migrate scan FILE`: the default FILE is a module of the bundled example app with findings;
* with `--baseline REV`, the same scan by `migrate/` and `rules/` of git revision REV (`python -m migrate`).

The scan must find something (exit 1 with `--check`): a fast scan that finds nothing means nothing.
The goal the project set (issue 10): the median scan of one file at most 0.15 s on the 2-core
development machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "examples" / "legacy-app" / "supportbot" / "resources.py"
GOAL_S = 0.15


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the child, and its exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    status = subprocess.run(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, status.returncode


def export_revision(revision: str, folder: Path) -> Path:
    """`migrate/` and `rules/` of git revision `revision`, in `folder` (importable from there)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "migrate", "rules"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {revision} failed: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--baseline", metavar="REV", help="also the scan of git revision REV")
    args = parser.parse_args()

    console = Path(sys.executable).with_name("llama-stack-migrate")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    scan = [str(console), "scan", str(args.file), "--check", "--no-progress"]
    commands: dict[str, tuple[list[str], dict[str, str], Path]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], env, ROOT),
        "llama-stack-migrate --version": ([str(console), "--version"], env, ROOT),
        "llama-stack-migrate scan FILE": (scan, env, ROOT),
    }
    with tempfile.TemporaryDirectory(prefix="startup-baseline-") as work:
        if args.baseline:
            folder = export_revision(args.baseline, Path(work))
            old = [sys.executable, "-m", "migrate", "scan", str(args.file.resolve()), "--check", "--no-progress"]
            # run from the exported folder: `-m` puts the working directory first on sys.path
            commands[f"scan FILE at {args.baseline}"] = (old, env, folder)
        for command, run_env, cwd in commands.values():  # warm the file cache and write each one's bytecode
            timed(command, {key: value for key, value in run_env.items() if key != "PYTHONDONTWRITEBYTECODE"}, cwd)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, run_env, cwd) in commands.items():
                wall, cpu, status = timed(command, run_env, cwd)
                if "scan" in name and status != 1:
                    raise SystemExit(f"{name}: exit {status}, expected 1 (findings in {args.file})")
                samples[name].append((wall, cpu))
    print(f"{args.runs} runs each, interleaved; {args.file}")
    print(f"{'command':<34} {'median wall':>12} {'best wall':>10} {'median CPU':>11}")
    for name, values in samples.items():
        walls = [wall for wall, _ in values]
        cpus = [cpu for _, cpu in values]
        print(
            f"{name:<34} {statistics.median(walls) * 1000:>9.1f} ms {min(walls) * 1000:>7.1f} ms "
            f"{statistics.median(cpus) * 1000:>8.1f} ms"
        )
    median_scan = statistics.median(wall for wall, _ in samples["llama-stack-migrate scan FILE"])
    verdict = "within" if median_scan <= GOAL_S else "OVER"
    print(f"median scan {median_scan * 1000:.0f} ms: {verdict} the goal of {GOAL_S * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The built wheel carries the rules and works in a fresh virtualenv, away from the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from tests.conftest import REPO


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def test_wheel_installs_and_scans_with_bundled_rules(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, REPO)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("llama_stack_migrate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    rule_files = [n for n in names if n.startswith("migrate/builtin_rules/") and n.endswith(".toml")]
    assert sorted(Path(n).name for n in rule_files) == sorted(p.name for p in (REPO / "rules").glob("*.toml"))
    assert "migrate/legacy_spec/deprecated-llama-stack-spec.yaml" in names
    assert "migrate/legacy_spec/legacy-read-schemas.yaml" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "--quiet", wheel)
    assert installed.returncode == 0, installed.stderr

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(
        "import llama_stack_client\nclient.toolgroups.unregister('mcp::docs')\n", encoding="utf-8"
    )
    scanned = run(env_dir / "bin" / "llama-stack-migrate", "scan", "--format", "json", ".", cwd=project)
    assert scanned.returncode == 0, scanned.stderr
    report = json.loads(scanned.stdout)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("LSM122", 2)]
    assert len(report["rules"]) == len(rule_files)
    where = run(python, "-c", "import migrate.rule_loader as r; print(r.bundled_rules_dir())", cwd=project)
    assert "site-packages/migrate/builtin_rules" in where.stdout

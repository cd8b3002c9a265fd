"""`llama-stack-migrate fix` end to end: diff by default, --write, --check, the run config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, RunCli

APP = """\
from llama_stack_client import LlamaStackClient

client = LlamaStackClient()
chat = client.models.register(model_id="chat", provider_id="vllm", provider_model_id="meta-llama/Llama-3.1-8B")
client.toolgroups.register(toolgroup_id="mcp::docs", provider_id="mcp", mcp_endpoint={"uri": "http://127.0.0.1:8000/sse"})
"""

CONFIG = """\
version: 2
# the models this server offers
registered_resources:
  models:
  - model_id: embed   # kept as it is
    provider_id: vllm
    provider_model_id: all-MiniLM
server:
  port: 8321
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "run.yaml").write_text(CONFIG)
    return tmp_path


def test_default_prints_a_diff_and_changes_nothing(project: Path, run_cli: RunCli) -> None:
    process = run_cli("fix", "app.py", "--target", "llama-stack-0.7", cwd=project)
    assert process.returncode == 0, process.stderr
    assert '-chat = client.models.register(model_id="chat"' in process.stdout
    assert '+chat = client.models.retrieve("vllm/meta-llama/Llama-3.1-8B")' in process.stdout
    assert "# Declare these resources in the server's run config:" in process.stdout
    assert (project / "app.py").read_text() == APP
    assert "2 fixes for target llama-stack-0.7 in 1 file." in process.stderr


def test_check_exits_1_only_while_something_would_change(project: Path, run_cli: RunCli) -> None:
    assert run_cli("fix", "--check", "app.py", "--target", "ogx-1", cwd=project).returncode == 1
    assert run_cli("fix", "--write", "app.py", "--target", "ogx-1", cwd=project).returncode == 0
    assert run_cli("fix", "--check", "app.py", "--target", "ogx-1", cwd=project).returncode == 0


def test_write_with_config_merges_entries_keeping_the_config_as_written(project: Path, run_cli: RunCli) -> None:
    process = run_cli("fix", "--write", "app.py", "--target", "ogx-1", "--config", "run.yaml", cwd=project)
    assert process.returncode == 0, process.stderr
    code = (project / "app.py").read_text()
    assert 'chat = client.models.retrieve("vllm/chat")' in code  # OGX: provider_id/model_id
    assert "client.toolgroups.register" not in code
    config_text = (project / "run.yaml").read_text()
    for line in CONFIG.splitlines():
        assert line in config_text.splitlines()  # every original line is still there, unchanged
    config = yaml.safe_load(config_text)
    assert config["registered_resources"]["models"][1] == {
        "model_id": "chat",
        "provider_id": "vllm",
        "provider_model_id": "meta-llama/Llama-3.1-8B",
    }
    assert config["connectors"] == [{"connector_id": "mcp::docs", "url": "http://127.0.0.1:8000/sse"}]
    assert "Run config (run.yaml): 2 entries added." in process.stderr
    again = run_cli("fix", "--write", "app.py", "--target", "ogx-1", "--config", "run.yaml", cwd=project)
    assert again.returncode == 0 and (project / "run.yaml").read_text() == config_text


def test_a_conflicting_entry_is_reported_and_not_overwritten(project: Path, run_cli: RunCli) -> None:
    (project / "run.yaml").write_text(CONFIG.replace("model_id: embed", "model_id: chat"))
    before = (project / "run.yaml").read_text()
    process = run_cli("fix", "--write", "app.py", "--target", "ogx-1", "--config", "run.yaml", cwd=project)
    assert "conflict: registered_resources.models: 'chat'" in process.stderr
    config = yaml.safe_load((project / "run.yaml").read_text())
    assert config["registered_resources"]["models"] == yaml.safe_load(before)["registered_resources"]["models"]


def test_config_out_writes_the_block(project: Path, run_cli: RunCli) -> None:
    process = run_cli("fix", "app.py", "--target", "ogx-1", "--config-out", "entries.yaml", cwd=project)
    assert process.returncode == 0, process.stderr
    block = yaml.safe_load((project / "entries.yaml").read_text())
    assert block["registered_resources"]["models"][0]["model_id"] == "chat"
    assert "Declare these resources" not in process.stdout


def test_unsafe_fixes_are_listed_and_applied_only_on_request(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text(
        "import llama_stack_client\ndef setup(client, provider):\n"
        "    client.models.register(model_id='chat', provider_id=provider)\n"
    )
    listed = run_cli("fix", "--write", "app.py", "--target", "ogx-1", cwd=tmp_path)
    assert "1 unsafe fix(es) not applied" in listed.stderr
    assert "client.models.register" in (tmp_path / "app.py").read_text()
    applied = run_cli("fix", "--write", "--unsafe-fixes", "app.py", "--target", "ogx-1", cwd=tmp_path)
    assert applied.returncode == 0
    assert 'client.models.retrieve(f"{provider}/chat")' in (tmp_path / "app.py").read_text()
    assert "registered_resources.models 'chat' from app.py:3: provider_id" in applied.stderr
    assert "# llama-stack-migrate: unknown: provider" in applied.stdout


TWO_PROVIDERS = """\
from llama_stack_client import LlamaStackClient
client = LlamaStackClient()
local = client.models.register(model_id="llama3", provider_id="ollama", provider_model_id="llama3:8b")
served = client.models.register(model_id="llama3", provider_id="vllm", provider_model_id="meta/llama3")
again = client.models.register(model_id="llama3", provider_id="vllm", provider_model_id="meta/llama3")
renamed = client.models.register(model_id="llama3-chat", provider_id="vllm", provider_model_id="meta/llama3")
"""


@pytest.mark.parametrize("with_config", [False, True])
def test_no_declaration_is_lost_and_the_count_printed_is_the_count_written(
    tmp_path: Path, run_cli: RunCli, with_config: bool
) -> None:
    (tmp_path / "app.py").write_text(TWO_PROVIDERS)
    (tmp_path / "run.yaml").write_text("version: 2\n")
    config = ["--config", "run.yaml"] if with_config else []
    process = run_cli("fix", "--write", "app.py", "--target", "llama-stack-0.7", *config, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    text = (tmp_path / "run.yaml").read_text() if with_config else process.stdout.split("run config:", 1)[1]
    models = yaml.safe_load(text)["registered_resources"]["models"]
    assert [(m["provider_id"], m["provider_model_id"]) for m in models] == [
        ("ollama", "llama3:8b"),
        ("vllm", "meta/llama3"),
    ]
    assert f"{len(models)} entries added, 1 already present." in process.stderr
    assert (
        "conflict: registered_resources.models: 'llama3-chat' (served as 'vllm/meta/llama3') from app.py:6 "
        "differs from the entry from app.py:4; not overwritten"
    ) in process.stderr


def test_manual_work_is_listed_with_guidance(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.py").write_text("import llama_stack_client\nclient.shields.delete('guard')\n")
    process = run_cli("fix", "app.py", "--target", "ogx-1", cwd=tmp_path)
    assert "1 use(s) need a human:" in process.stderr
    assert "app.py:2:1 LSM112:" in process.stderr


def test_the_example_app_is_fixed_and_a_second_run_changes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    app = tmp_path / "legacy-app"
    shutil.copytree(REPO / "examples" / "legacy-app", app)
    first = run_cli("fix", "--write", "--unsafe-fixes", ".", "--target", "llama-stack-0.7", cwd=app)
    assert first.returncode == 0, first.stderr
    snapshot = {p: p.read_bytes() for p in app.rglob("*") if p.is_file()}
    second = run_cli("fix", "--write", "--unsafe-fixes", ".", "--target", "llama-stack-0.7", cwd=app)
    assert second.returncode == 0 and "0 fixes" in second.stderr
    assert {p: p.read_bytes() for p in app.rglob("*") if p.is_file()} == snapshot
    report = run_cli("scan", "--format", "json", "--target", "llama-stack-0.7", ".", cwd=app)
    assert '"fixable": true' not in report.stdout


def test_the_run_config_names_sources_relative_to_the_repository_not_this_machine(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """`fix /home/alice/app --config run.yaml` must not commit `# from /home/alice/app/x.py:8`."""
    app = tmp_path / "alice" / "app"
    app.mkdir(parents=True)
    (app / "x.py").write_text(APP)
    (app / "run.yaml").write_text(CONFIG)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    process = run_cli("fix", "--write", str(app), "--config", str(app / "run.yaml"), cwd=elsewhere)
    assert process.returncode == 0, process.stderr
    config = (app / "run.yaml").read_text()
    assert "# from x.py:4 (LSM101)" in config and "# from x.py:5 (LSM121)" in config
    assert str(tmp_path) not in config

    # In a git work tree the path is relative to its root, however the PATHS were written.
    (tmp_path / "alice" / ".git").mkdir()
    (app / "x.py").write_text(APP)
    (app / "run.yaml").write_text(CONFIG)
    process = run_cli("fix", "--write", "x.py", "--config", "run.yaml", cwd=app)
    assert process.returncode == 0, process.stderr
    assert "# from app/x.py:4 (LSM101)" in (app / "run.yaml").read_text()


def test_comments_at_the_call_site_name_the_resolved_id_or_quote_the_expression(
    tmp_path: Path, run_cli: RunCli
) -> None:
    (tmp_path / "app.py").write_text(
        "from llama_stack_client import LlamaStackClient\n"
        'DOCS = "mcp::docs"\n'
        "def connect(client: LlamaStackClient, group: str, url: str) -> None:\n"
        '    client.toolgroups.register(toolgroup_id=group, provider_id="mcp", mcp_endpoint={"uri": url})\n'
        '    client.toolgroups.register(toolgroup_id=DOCS, provider_id="mcp", mcp_endpoint={"uri": url})\n'
    )
    process = run_cli("fix", "--unsafe-fixes", "--write", ".", "--target", "ogx-1", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    code = (tmp_path / "app.py").read_text()
    assert "# llama-stack-migrate: the MCP tool group named by `group` is a `connectors` entry now" in code
    assert '# llama-stack-migrate: MCP tool group "mcp::docs" is a `connectors` entry now' in code
    assert "connectors named by `group` from app.py:4: connector_id, url" in process.stderr


def test_a_notebook_cell_that_does_not_parse_leaves_the_notebook_alone_and_the_run_exits_1(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """Work is left, not an error of the run: the other files are fixed, the notebook is named with the cell and
    line that do not parse, and exit 1 means what it means for --check. (A file that cannot be read is an error
    of the run, exit 2: tests/hardening/test_hostile_inputs.py.)"""
    header = "from llama_stack_client import LlamaStackClient\nclient = LlamaStackClient()\n"
    (tmp_path / "app.py").write_text(header + 'client.models.register(model_id="m", provider_id="vllm")\n')
    cells = [header, 'client.models.register(model_id="m2", provider_id="vllm")\n', "x = (1,\nprint(x\n"]
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": cell}
            for cell in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(notebook, indent=1) + "\n"
    (tmp_path / "explore.ipynb").write_text(text)
    process = run_cli("fix", "--target", "ogx-1", "--write", ".", cwd=tmp_path)
    assert process.returncode == 1, process.stderr
    assert "Traceback" not in process.stderr
    assert "explore.ipynb: cell 3: cannot parse Python (line 2)" in process.stderr
    assert (tmp_path / "explore.ipynb").read_text() == text
    assert 'client.models.retrieve("vllm/m")' in (tmp_path / "app.py").read_text()
    assert run_cli("fix", "--target", "ogx-1", "--check", ".", cwd=tmp_path).returncode == 1

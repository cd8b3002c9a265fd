"""The harness plays the human after `fix`: it fills the values `fix` marked unknown in the run config.

Checked against the real `fix` command: a register whose URL comes from the environment leaves ``url: null`` with an
``unknown:`` comment naming the expression; `fill_unknowns` sets it, keeps the comments, and reports what it set.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

from tests.workflows.runconfig import fill_unknowns

APP = """\
import os

from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url="http://localhost:8321")
client.toolgroups.register(
    toolgroup_id="mcp::tickets",
    provider_id="model-context-protocol",
    mcp_endpoint={"uri": os.environ["TICKETS_URL"]},
)
"""


def test_fill_unknowns_sets_what_fix_left_null(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text("version: 2\nregistered_resources:\n  models: []\n", encoding="utf-8")
    fixed = subprocess.run(
        [sys.executable, "-m", "migrate", "fix", str(tmp_path / "app.py"), "--target", "ogx-1", "--unsafe-fixes",
         "--config", str(config), "--write", "--no-color"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "unknown: " in config.read_text(encoding="utf-8")

    filled = fill_unknowns(config, {'os.environ["TICKETS_URL"]': "http://127.0.0.1:9000/mcp"})

    assert filled == {'os.environ["TICKETS_URL"]': "http://127.0.0.1:9000/mcp"}
    text = config.read_text(encoding="utf-8")
    assert "# from " in text and 'unknown: os.environ["TICKETS_URL"]' in text  # comments kept
    [connector] = YAML(typ="safe").load(text)["connectors"]
    assert connector == {"connector_id": "mcp::tickets", "url": "http://127.0.0.1:9000/mcp"}


def test_fill_unknowns_reports_an_expression_it_has_no_value_for(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(
        "connectors:\n- connector_id: c\n  url: null  # llama-stack-migrate: unknown: settings.url; set it\n",
        encoding="utf-8",
    )
    assert fill_unknowns(config, {}) == {"settings.url": None}
    assert YAML(typ="safe").load(config.read_text(encoding="utf-8"))["connectors"][0]["url"] is None

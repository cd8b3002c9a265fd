"""Run configs of the workflow servers, and what `fix` makes of the apps and of those configs.

* `write_base_config` writes a server generation's config: the template of `tests/integration/servers/` with what
  the apps need on top (a built-in tool group's provider, a scoring provider that can register functions; on OGX
  the Responses API, with guardrails pointed at the moderation stand-in). No resource is declared in it: the
  baseline server gets them from the apps' register calls, the targets from `fix`.
* `fix_apps` copies the apps and that config, runs ``llama-stack-migrate fix --target T --unsafe-fixes --config
  <copy> --write`` over all of them once, and then plays the human the summary asks for: it sets each value that
  `fix` left ``null`` with a ``# llama-stack-migrate: unknown: EXPR`` comment, from `human_values`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.integration.servers import (
    LEGACY,
    LLAMA_STACK_04,
    LLAMA_STACK_07,
    OGX_RESPONSES,
    ServerSpec,
    dump_yaml,
    merge_config,
)

MCP = {"provider_id": "model-context-protocol", "provider_type": "remote::model-context-protocol"}
#: `builtin::websearch`: its tool is listed offline; calling it would need the Tavily API (never done).
TAVILY = {
    "provider_id": "tavily-search",
    "provider_type": "remote::tavily-search",
    "config": {"api_key": "not-used-offline", "max_results": 3},
}
SCORING = [
    {"provider_id": "basic", "provider_type": "inline::basic"},
    # `basic` answers 501 to a new scoring function; the judge provider registers them.
    {"provider_id": "llm-as-judge", "provider_type": "inline::llm-as-judge"},
]
NO_RESOURCES = {"models": [], "shields": [], "datasets": [], "scoring_fns": [], "benchmarks": []}


def _extras(spec: ServerSpec, moderation_url: str) -> dict[str, Any]:
    if spec in (LEGACY, LLAMA_STACK_04):
        rag = {"provider_id": "rag-runtime", "provider_type": "inline::rag-runtime"}
        return {
            "providers": {"tool_runtime": [rag, MCP, TAVILY], "scoring": SCORING},
            "registered_resources": {**NO_RESOURCES, "vector_dbs": [], "tool_groups": []},
        }
    if spec is LLAMA_STACK_07:
        return {"providers": {"tool_runtime": [MCP, TAVILY], "scoring": SCORING}, "registered_resources": NO_RESOURCES}
    if spec is OGX_RESPONSES:
        responses = {
            "provider_id": "builtin",
            "provider_type": "inline::builtin",
            "config": {
                "persistence": {
                    "agent_state": {"namespace": "agents", "backend": "kv_default"},
                    "responses": {"table_name": "responses", "backend": "sql_default"},
                },
                "moderation_endpoint": moderation_url,
            },
        }
        files = {
            "provider_id": "localfs",
            "provider_type": "inline::localfs",
            "config": {
                "storage_dir": "${env.SQLITE_STORE_DIR}/files",
                "metadata_store": {"table_name": "files_metadata", "backend": "sql_default"},
            },
        }
        # The responses provider depends on vector_io and files; faiss loads its module only when used.
        faiss = {
            "provider_id": "faiss",
            "provider_type": "inline::faiss",
            "config": {"persistence": {"namespace": "vector_io::faiss", "backend": "kv_default"}},
        }
        return {
            "apis": ["inference", "tool_runtime", "responses", "vector_io", "files"],
            "providers": {
                "tool_runtime": [MCP, TAVILY],
                "responses": [responses],
                "vector_io": [faiss],
                "files": [files],
            },
            "registered_resources": {"models": []},
        }
    raise ValueError(f"no workflow config for {spec.name}")


def write_base_config(spec: ServerSpec, path: Path, moderation_url: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_yaml(merge_config(spec.load_config_template(), _extras(spec, moderation_url)), path)
    return path


@dataclass(frozen=True)
class FixedApps:
    """The apps and the run config after `fix`, and what `fix` said."""

    apps: Path
    config: Path
    returncode: int
    output: str
    #: The expressions `fix` could not resolve, with the value the human set (None: no value known, left null).
    filled: dict[str, str | None]


def fix_apps(apps: Path, base_config: Path, target: str, workdir: Path, human_values: Mapping[str, str]) -> FixedApps:
    fixed_apps = workdir / "apps"
    shutil.copytree(apps, fixed_apps, ignore=shutil.ignore_patterns("__pycache__"))
    config = workdir / "run.yaml"
    shutil.copyfile(base_config, config)
    process = subprocess.run(
        [sys.executable, "-m", "migrate", "fix", str(fixed_apps), "--target", target, "--unsafe-fixes",
         "--config", str(config), "--write", "--no-color"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    output = process.stdout + process.stderr
    (workdir / "fix-output.txt").write_text(output, encoding="utf-8")
    filled = fill_unknowns(config, human_values)
    return FixedApps(fixed_apps, config, process.returncode, output, filled)


UNKNOWN_MARKER = "llama-stack-migrate: unknown:"


def fill_unknowns(config: Path, human_values: Mapping[str, str]) -> dict[str, str | None]:
    """Set every ``null`` that `fix` marked unknown to the value a human would give it; return what was set."""
    yaml = YAML()
    yaml.preserve_quotes = True
    data = yaml.load(config.read_text(encoding="utf-8"))
    filled: dict[str, str | None] = {}
    sections = [*(data.get("registered_resources") or {}).values(), data.get("connectors") or []]
    for section in sections:
        for entry in section if isinstance(section, list) else []:
            for key, value in list(entry.items()):
                comment = entry.ca.items.get(key) if value is None else None
                text = str(comment[2].value) if comment and comment[2] is not None else ""
                if UNKNOWN_MARKER not in text:
                    continue
                expression = text.split(UNKNOWN_MARKER, 1)[1].split(";", 1)[0].strip()
                filled[expression] = human_values.get(expression)
                if expression in human_values:
                    entry[key] = human_values[expression]
    with config.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return filled

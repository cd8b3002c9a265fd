"""Smoke tests for the real-server fixtures, and the documented server facts the migration relies on.

Every request opens a fresh connection: llama-stack 0.7.3 resets a keep-alive connection after some error
answers (seen after a 501), which would make a shared client flaky.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import (
    LEGACY,
    LLAMA_STACK_07,
    OGX,
    RunningServer,
    ServerSetupError,
    ServerSpec,
    dump_yaml,
    find_python312,
    merge_config,
)

pytestmark = pytest.mark.integration

LEGACY_HEADER = "X-LlamaStack-Client-Version"
OGX_HEADER = "X-OGX-Client-Version"


def call(server: RunningServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        return client.request(method, path, **kwargs)


def model_entry(model_id: str, provider_model_id: str) -> dict[str, Any]:
    return {"model_id": model_id, "provider_id": "vllm", "provider_model_id": provider_model_id, "model_type": "llm"}


# ------------------------------------------------------------------------------------ every generation


@pytest.mark.parametrize(
    ("fixture", "version", "sdk"),
    [
        ("legacy_server", "0.3.5", "llama-stack-client"),
        ("ls07_server", "0.7.3", "llama-stack-client"),
        ("ogx_server", "1.5.0", "ogx-client"),
    ],
)
def test_server_is_up_on_loopback(fixture: str, version: str, sdk: str, request: pytest.FixtureRequest) -> None:
    server: RunningServer = request.getfixturevalue(fixture)
    assert server.url.startswith("http://127.0.0.1:")
    health = call(server, "GET", "/v1/health")
    assert health.status_code == 200
    assert health.json() == {"status": "OK"}
    assert server.version == version
    assert call(server, "GET", "/v1/version").json() == {"version": version}
    # The venv's interpreter is Python 3.12 and has the matching client SDK.
    probe = server.run_python(
        "-c", "import sys, importlib.metadata as m; print(sys.version_info[:2] == (3, 12), m.version(sys.argv[1]))", sdk
    )
    assert probe.returncode == 0, probe.stderr
    is_312, client_version = probe.stdout.split()
    assert is_312 == "True"
    assert client_version == version


@pytest.mark.parametrize("fixture", ["legacy_server", "ls07_server", "ogx_server"])
def test_unknown_route_is_plain_404(fixture: str, request: pytest.FixtureRequest) -> None:
    server: RunningServer = request.getfixturevalue(fixture)
    response = call(server, "GET", "/v1/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


# ------------------------------------------------------------------------------------------- legacy 0.3.5


def test_legacy_model_register_read_delete(legacy_server: RunningServer) -> None:
    body = {"model_id": "m1", "provider_id": "vllm", "provider_model_id": "m1"}
    registered = call(legacy_server, "POST", "/v1/models", json=body)
    assert registered.status_code == 200, registered.text
    assert registered.json()["identifier"] == "vllm/m1"

    fetched = call(legacy_server, "GET", "/v1/models/vllm/m1")
    assert fetched.status_code == 200
    assert fetched.json()["identifier"] == "vllm/m1"
    assert fetched.json()["provider_resource_id"] == "m1"

    deleted = call(legacy_server, "DELETE", "/v1/models/vllm/m1")
    assert deleted.status_code == 204
    gone = call(legacy_server, "GET", "/v1/models/vllm/m1")
    assert gone.status_code == 404
    assert "detail" in gone.json()  # 0.3.5 error bodies are {"detail": ...}


def test_legacy_identifier_is_provider_model_id(legacy_server: RunningServer) -> None:
    body = {"model_id": "alias", "provider_id": "vllm", "provider_model_id": "backend-name"}
    registered = call(legacy_server, "POST", "/v1/models", json=body)
    assert registered.status_code == 200, registered.text
    try:
        assert registered.json()["identifier"] == "vllm/backend-name"
        assert call(legacy_server, "GET", "/v1/models/vllm/alias").status_code == 404
    finally:
        call(legacy_server, "DELETE", "/v1/models/vllm/backend-name")


LEGACY_SDK_SCRIPT = """
import json, sys
from llama_stack_client import LlamaStackClient

client = LlamaStackClient(base_url=sys.argv[1])
model = client.models.register(model_id="sdk-m", provider_id="vllm", provider_model_id="sdk-m", model_type="llm")
fetched = client.models.retrieve(model.identifier)
print(json.dumps({"registered": model.identifier, "fetched": fetched.identifier}))
"""


def test_legacy_sdk_register(legacy_server: RunningServer) -> None:
    done = legacy_server.run_python("-c", LEGACY_SDK_SCRIPT, legacy_server.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"registered": "vllm/sdk-m", "fetched": "vllm/sdk-m"}
    assert call(legacy_server, "GET", "/v1/models/vllm/sdk-m").status_code == 200

    unregister = legacy_server.run_python(
        "-c",
        "import sys; from llama_stack_client import LlamaStackClient; "
        "LlamaStackClient(base_url=sys.argv[1]).models.unregister('vllm/sdk-m')",
        legacy_server.url,
    )
    assert unregister.returncode == 0, unregister.stderr
    assert call(legacy_server, "GET", "/v1/models/vllm/sdk-m").status_code == 404


def test_legacy_config_path_is_used_verbatim(tmp_path: Path) -> None:
    config = merge_config(
        LEGACY.load_config_template(), {"registered_resources": {"models": [model_entry("m4", "m4-backend")]}}
    )
    path = tmp_path / "run.yaml"
    dump_yaml(config, path)
    before = path.read_text(encoding="utf-8")
    with RunningServer(LEGACY, config_path=path) as server:
        assert server.config_path == path.resolve()
        fetched = call(server, "GET", "/v1/models/vllm/m4-backend")
        assert fetched.status_code == 200, fetched.text
        assert fetched.json()["provider_resource_id"] == "m4-backend"
    assert path.read_text(encoding="utf-8") == before


# ------------------------------------------------------------------------------------ llama-stack 0.7.3


def test_ls07_removed_and_kept_routes(ls07_server: RunningServer) -> None:
    model = {"model_id": "m1", "provider_id": "vllm", "provider_model_id": "m1"}
    assert call(ls07_server, "POST", "/v1/models", json=model).status_code == 405
    assert call(ls07_server, "DELETE", "/v1/models/vllm/x-emb").status_code == 405
    toolgroup = {"toolgroup_id": "mcp::t", "provider_id": "model-context-protocol", "mcp_endpoint": {"uri": "http://x"}}
    assert call(ls07_server, "POST", "/v1/toolgroups", json=toolgroup).status_code == 404

    shield = {"shield_id": "s1", "provider_id": "llama-guard", "provider_shield_id": "s1"}
    registered = call(ls07_server, "POST", "/v1/shields", json=shield)
    assert registered.status_code not in (404, 405)
    assert registered.status_code == 200, registered.text
    assert registered.json()["identifier"] == "s1"
    deleted = call(ls07_server, "DELETE", "/v1/shields/s1")
    assert deleted.status_code == 200  # 0.7 answers 200 null where 0.3 answered 204
    assert deleted.json() is None


def test_ls07_error_body_shape(ls07_server: RunningServer) -> None:
    missing = call(ls07_server, "GET", "/v1/models/vllm/nope")
    assert missing.status_code == 404
    assert "message" in missing.json()["error"]


def test_ls07_refuses_other_client_minor_with_426(ls07_server: RunningServer) -> None:
    refused = call(ls07_server, "GET", "/v1/models", headers={LEGACY_HEADER: "0.3.5"})
    assert refused.status_code == 426
    assert "0.3.5" in refused.json()["error"]["message"]
    # Even health is gated; only major.minor matters; the ogx header is ignored.
    assert call(ls07_server, "GET", "/v1/health", headers={LEGACY_HEADER: "0.3.5"}).status_code == 426
    assert call(ls07_server, "GET", "/v1/models", headers={LEGACY_HEADER: "0.7.5"}).status_code == 200
    assert call(ls07_server, "GET", "/v1/models", headers={OGX_HEADER: "0.3.5"}).status_code == 200


def test_legacy_sdk_is_refused_by_ls07(legacy_server: RunningServer, ls07_server: RunningServer) -> None:
    script = (
        "import sys, llama_stack_client as l\n"
        "try:\n"
        "    l.LlamaStackClient(base_url=sys.argv[1], max_retries=0).models.list()\n"
        "except l.APIStatusError as e:\n"
        "    print(e.status_code)\n"
    )
    done = legacy_server.run_python("-c", script, ls07_server.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "426"


# ---------------------------------------------------------------------------------------------- ogx 1.5.0


def test_ogx_removed_routes(ogx_server: RunningServer) -> None:
    model = {"model_id": "m1", "provider_id": "vllm", "provider_model_id": "m1"}
    assert call(ogx_server, "POST", "/v1/models", json=model).status_code == 405
    assert call(ogx_server, "DELETE", "/v1/models/vllm/x").status_code == 405
    assert call(ogx_server, "POST", "/v1/shields", json={"shield_id": "s1"}).status_code == 404
    dataset = {"dataset_id": "d1", "purpose": "eval/messages-answer", "source": {"type": "rows", "rows": []}}
    assert call(ogx_server, "POST", "/v1beta/datasets", json=dataset).status_code == 404
    assert call(ogx_server, "POST", "/v1/toolgroups", json={"toolgroup_id": "t"}).status_code == 404
    assert call(ogx_server, "POST", "/v1alpha/eval/benchmarks", json={"benchmark_id": "b"}).status_code == 404
    assert call(ogx_server, "POST", "/v1/scoring-functions", json={"scoring_fn_id": "f"}).status_code == 404


def test_ogx_checks_only_its_own_client_header(ogx_server: RunningServer) -> None:
    assert call(ogx_server, "GET", "/v1/models", headers={LEGACY_HEADER: "0.3.5"}).status_code == 200
    refused = call(ogx_server, "GET", "/v1/models", headers={OGX_HEADER: "0.3.5"})
    assert refused.status_code == 426
    assert "message" in refused.json()["error"]
    assert call(ogx_server, "GET", "/v1/models", headers={OGX_HEADER: "1.5.0"}).status_code == 200


# ---------------------------------------------------------------------------- identifiers and run configs


def test_template_model_identifiers(ls07_server: RunningServer, ogx_server: RunningServer) -> None:
    # Both templates register {model_id: x, provider_id: vllm, provider_model_id: x-emb}.
    assert call(ls07_server, "GET", "/v1/models/vllm/x-emb").status_code == 200
    assert call(ls07_server, "GET", "/v1/models/vllm/x").status_code == 404
    assert call(ogx_server, "GET", "/v1/models/vllm/x").status_code == 200
    assert call(ogx_server, "GET", "/v1/models/vllm/x-emb").status_code == 404
    ogx_model = call(ogx_server, "GET", "/v1/models/vllm/x").json()
    assert ogx_model["identifier"] == ogx_model["id"] == "vllm/x"
    assert ogx_model["provider_resource_id"] == "x-emb"


@pytest.mark.parametrize(
    ("spec", "found", "missing"),
    [
        # llama-stack names a model provider_id/provider_model_id ...
        (LLAMA_STACK_07, ["vllm/m2", "vllm/m3-backend"], ["vllm/m3", "vllm/x-emb"]),
        # ... ogx names it provider_id/model_id.
        (OGX, ["vllm/m2", "vllm/m3"], ["vllm/m3-backend", "vllm/x"]),
    ],
    ids=lambda value: value.name if isinstance(value, ServerSpec) else None,
)
def test_registered_resources_from_extra_config(spec: ServerSpec, found: list[str], missing: list[str]) -> None:
    extra = {"registered_resources": {"models": [model_entry("m2", "m2"), model_entry("m3", "m3-backend")]}}
    with RunningServer(spec, extra_config=extra) as server:
        for identifier in found:
            response = call(server, "GET", f"/v1/models/{identifier}")
            assert response.status_code == 200, (identifier, response.text)
            assert response.json()["identifier"] == identifier
        # The template's own models are gone: lists in extra_config replace, they do not append.
        for identifier in missing:
            assert call(server, "GET", f"/v1/models/{identifier}").status_code == 404, identifier


# ------------------------------------------------------------------------------------- helper behaviour


def test_merge_config_merges_mappings_and_replaces_lists() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": [3]}
    merged = merge_config(base, {"a": {"c": [9]}, "e": 5})
    assert merged == {"a": {"b": 1, "c": [9]}, "d": [3], "e": 5}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": [3]}


def test_missing_python312_is_a_loud_error(tmp_path: Path) -> None:
    with pytest.raises(ServerSetupError, match=r"need Python 3\.12"):
        find_python312(path=str(tmp_path))


def test_running_server_rejects_both_config_sources(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        RunningServer(LEGACY, extra_config={}, config_path=tmp_path / "x.yaml")

"""Python shapes beyond the rule examples: aliases, URL building, positions, confidence."""

from __future__ import annotations

import pytest

from migrate.errors import SourceError
from migrate.registry import load_rules
from migrate.sources.python import scan_python

RULESET = load_rules()


def found(code: str) -> list[tuple[int, str, str]]:
    return [(hit.line, hit.rule.id, hit.confidence) for hit in scan_python(code, RULESET)]


def test_alias_of_the_bound_method_itself() -> None:
    code = "import llama_stack_client\nregister = client.models.register\nregister(model_id='m')\n"
    assert found(code) == [(3, "LSM101", "high")]


def test_client_created_inline_and_library_client() -> None:
    code = (
        "from llama_stack.core.library_client import LlamaStackAsLibraryClient\n"
        "LlamaStackAsLibraryClient('starter').models.register(model_id='m', provider_id='p')\n"
    )
    assert found(code) == [(2, "LSM101", "high")]


def test_async_with_streaming_response() -> None:
    code = (
        "from llama_stack_client import AsyncLlamaStackClient\n"
        "async def f(client):\n"
        "    async with client.shields.with_streaming_response.register(shield_id='g') as response:\n"
        "        await response.parse()\n"
    )
    assert found(code) == [(3, "LSM111", "high")]


def test_beta_namespace_is_matched_as_the_longer_path() -> None:
    hits = scan_python("import llama_stack_client\nc.beta.datasets.unregister('d')\n", RULESET)
    assert [(h.rule.id, h.sdk_path) for h in hits] == [("LSM132", ("beta", "datasets", "unregister"))]


@pytest.mark.parametrize(
    "url",
    [
        '"http://localhost:8321/v1/models/" + model_id',
        'BASE + "/v1/models/{}".format(model_id)',
        'urljoin(BASE, f"/v1/models/{model_id}")',
        "MODEL_URL",
        'f"{BASE}/v1/models/{provider}/{model}"',
    ],
)
def test_url_expressions_are_resolved(url: str) -> None:
    code = f'BASE = "http://llama:8321"\nMODEL_URL = BASE + "/v1/models/x"\nimport requests\nrequests.delete({url})\n'
    assert found(code) == [(4, "LSM102", "medium")]


def test_generic_request_methods_and_low_level_sdk_calls() -> None:
    code = (
        "import httpx, llama_stack_client\n"
        "httpx.request('DELETE', '/v1/toolgroups/mcp::x')\n"
        "client.post('/v1/toolgroups', cast_to=object, body={})\n"
        "client._post('/v1/scoring-functions', body={})\n"
        "FinalRequestOptions.construct(method='delete', url='/v1/shields/g')\n"
        "urllib.request.Request('http://llama/v1/models', data=b'{}')\n"
        "urllib.request.Request('http://llama/v1/models')\n"
        "client.get('/v1/toolgroups')\n"
    )
    assert [(line, rule) for line, rule, _ in found(code)] == [
        (2, "LSM122"),
        (3, "LSM121"),
        (4, "LSM151"),
        (5, "LSM112"),
        (6, "LSM101"),
        (8, "LSM123"),  # a low-level GET of the tool groups: a read that breaks on the default target
    ]


def test_raw_http_needs_a_llama_stack_context() -> None:
    assert found("import requests\nrequests.delete('https://api.example.com/v1/datasets/x')\n") == []
    assert found("import requests\nrequests.delete('http://llama-stack:8321/v1/datasets/x')\n") == [
        (2, "LSM132", "medium")
    ]


def test_names_bound_twice_are_not_guessed() -> None:
    code = 'import llama_stack_client\nm = client.models\nm = other.models\nm.register(model_id="x")\n'
    assert found(code) == []


def test_wrong_signature_is_low_confidence_only_with_an_sdk_import() -> None:
    assert found("client.models.register('m')\n") == []
    assert found("import llama_stack_client\nclient.models.register('m')\n") == [(2, "LSM101", "low")]
    assert found("import llama_stack_client\nclient.models.register(model_id='m', colour='red')\n") == [
        (2, "LSM101", "low")
    ]


def test_columns_count_characters_not_bytes() -> None:
    code = 'import llama_stack_client\nx = "é"; client.shields.delete("g")\n'
    (hit,) = scan_python(code, RULESET)
    assert (hit.line, hit.column, hit.end_column) == (2, 9, 35)


def test_multiline_call_span() -> None:
    code = "import llama_stack_client\nclient.models.register(\n    model_id='m',\n)\n"
    (hit,) = scan_python(code, RULESET)
    assert (hit.line, hit.column, hit.end_line, hit.end_column) == (2, 0, 4, 1)


def test_docstrings_and_comments_are_not_calls() -> None:
    code = '"""Call client.models.register(model_id="m") first."""\n# client.models.unregister("m")\n'
    assert found(code) == []


def test_syntax_error_is_a_source_error_with_the_line() -> None:
    with pytest.raises(SourceError, match=r"cannot parse Python \(line 2\)"):
        scan_python("x = 1\nclient.models.register(\n", RULESET)

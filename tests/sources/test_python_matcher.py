"""Python shapes beyond the rule examples: aliases, URL building, positions, confidence."""

from __future__ import annotations

import pytest

from migrate.errors import SourceError
from migrate.rule_loader import load_rules
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


# ------------------------------------------------------------- issue 12: schematic calls (class 4)


def test_schematic_calls_of_documentation_are_uses() -> None:
    """`...` stands for the arguments left out; such a call is the deprecated call, not rewritable."""
    code = (
        "client.alpha.benchmarks.register(..., metadata={...})\n"
        "client.benchmarks.register(...)\n"
        "client.alpha.benchmarks.unregister(...)\n"
        "client.beta.datasets.register(purpose=..., source={'type': 'uri', 'uri': ...}, dataset_id=...)\n"
    )
    hits = scan_python(code, RULESET)
    assert [(hit.line, hit.rule.id, hit.confidence, hit.rewritable) for hit in hits] == [
        (1, "LSM141", "medium", False),
        (2, "LSM141", "medium", False),
        (3, "LSM142", "medium", False),
        (4, "LSM131", "medium", True),
    ]
    assert hits[0].call is not None and hits[0].call.starred


def test_a_real_positional_argument_still_does_not_fit_register() -> None:
    assert found("suite.benchmarks.register(bench_sort, ...)\nregistry.models.register('sort')\n") == []


# ------------------------------------------------------- issue 12: the SDK's own resources (class 6)

STAINLESS_RESOURCE = '''\
# File generated from our OpenAPI spec by Stainless.
from .._resource import AsyncAPIResource, SyncAPIResource
from .._base_client import make_request_options
from ..types.model import Model


class ModelsResource(SyncAPIResource):
    def register(self, *, model_id: str, provider_id: str | None = None) -> Model:
        return self._post(
            "/v1/models",
            body={"model_id": model_id, "provider_id": provider_id},
            options=make_request_options(),
            cast_to=Model,
        )

    def unregister(self, model_id: str) -> None:
        return self._delete(f"/v1/models/{model_id}", options=make_request_options(), cast_to=type(None))


class AsyncShieldsResource(AsyncAPIResource):
    async def delete(self, identifier: str) -> None:
        await self._delete(f"/v1/shields/{identifier}", options=make_request_options(), cast_to=type(None))


class LlamaStackAdmin:
    """Not part of the SDK: hand-written code using the client's low-level post."""

    def __init__(self, client) -> None:
        self._post = client.post

    def add_model(self, model_id: str) -> None:
        self._post("/v1/models", body={"model_id": model_id}, cast_to=object)
'''


def test_the_generated_sdk_resource_classes_are_not_usage() -> None:
    assert found(STAINLESS_RESOURCE) == [(32, "LSM101", "medium")]


# ----------------------------------------------------------------- raw HTTP that is not a request


def test_server_side_provider_talks_to_its_backend() -> None:
    code = (
        "import httpx\n"
        "from llama_stack.providers.datatypes import ModelsProtocolPrivate\n"
        "\n"
        "class GatewayAdapter(ModelsProtocolPrivate):\n"
        "    async def register_model(self, model):\n"
        '        await self.http.post("/v1/models", json={"name": model.provider_resource_id})\n'
        "        return model\n"
    )
    assert found(code) == []


def test_mock_http_registrations_are_not_requests() -> None:
    code = (
        "import requests\n"
        "import responses\n"
        'LLAMA_STACK_URL = "http://localhost:8321"\n'
        "\n"
        "@responses.activate\n"
        "def test_register() -> None:\n"
        '    responses.post(f"{LLAMA_STACK_URL}/v1/models", json={"identifier": "m"})\n'
        '    requests.post(f"{LLAMA_STACK_URL}/v1/models", json={"model_id": "m"})\n'
    )
    assert found(code) == [(8, "LSM101", "medium")]


# ------------------------------------------------------- stale calls and namespaces from a helper


def test_stale_call_with_the_methods_identifier_keyword_is_a_low_confidence_use() -> None:
    """The 0.1-era CLI of llama-stack-client called the SDK with keywords the SDK no longer took."""
    code = (
        "from ..common.utils import handle_client_errors\n"
        "\n"
        "def unregister_toolgroup(ctx, toolgroup_id):\n"
        '    client = ctx.obj["client"]\n'
        "    return client.toolgroups.unregister(tool_group_id=toolgroup_id)\n"
        "\n"
        "def register_dataset(ctx, dataset_id, url):\n"
        '    ctx.obj["client"].datasets.register(dataset_id=dataset_id, url={"uri": url}, dataset_schema={})\n'
        "\n"
        "registry.models.register(name='sort', fn=sorted)\n"
    )
    assert found(code) == [(5, "LSM122", "low"), (8, "LSM131", "low")]


def test_namespace_returned_by_a_helper_is_told_by_the_register_keywords() -> None:
    code = (
        "def _benchmarks(client):\n"
        '    return client.alpha.benchmarks if hasattr(client, "alpha") else client.benchmarks\n'
        "\n"
        "_benchmarks(client).register(benchmark_id='b', dataset_id='d', scoring_functions=['basic::equality'])\n"
        "make_registry().register(name='b', fn=print)\n"
        "get_models().register(model_id='m')\n"
        "factory().register(benchmark_id='b', dataset_id='d', scoring_functions=[], colour='red')\n"
    )
    assert found(code) == [(4, "LSM141", "low")]


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ('os.environ.get("LLAMA_STACK_URL", "http://localhost:8321")', [(5, "LSM103", "high")]),
        ('"http://localhost:8321"', [(5, "LSM103", "high")]),
        ('"http://ogx.internal:9000"', [(5, "LSM103", "high")]),
        ("settings.base_url", [(5, "LSM103", "low")]),  # names no server: a human checks it
        ('os.environ["NIM_URL"]', []),  # GET /v1/models of NVIDIA NIM, not Llama Stack's
        ('"http://localhost:11434"', []),  # Ollama's port; "ollama" is no Llama Stack either
        ('"http://vllm:8000"', []),
        ('"https://api.openai.com"', []),
    ],
)
def test_a_raw_model_listing_counts_where_its_url_names_llama_stack(
    base: str, expected: list[tuple[int, str, str]]
) -> None:
    """`GET /v1/models` is every OpenAI-compatible server's route (LSM103 `http.openai_compatible`)."""
    code = f"import os\nimport requests\nimport llama_stack_client\nBASE = {base}\n"
    code += "requests.get(f'{BASE}/v1/models')\n"
    assert found(code) == expected


def test_a_raw_register_is_taken_whatever_its_url_names() -> None:
    """POST /v1/models is Llama Stack's own route: the server the URL names does not matter."""
    code = "import requests\nimport llama_stack_client\nBASE = 'http://vllm:8000'\nrequests.post(f'{BASE}/v1/models')\n"
    assert found(code) == [(4, "LSM101", "high")]


@pytest.mark.parametrize(
    ("loop", "item", "reads"),
    [
        ('for m in requests.get(URL).json()["data"]:\n    print(m["identifier"], m["id"])', "m", {"identifier", "id"}),
        ('names = [x["provider_id"] for x in ok(requests.get(URL))["data"]]', "x", {"provider_id"}),
        ('names = [m.get("identifier") for m in requests.get(URL).json()["data"]]', "m", {"*"}),
        ('for m in requests.get(URL).json()["data"]:\n    m["identifier"] = 1', "m", {"*"}),  # a store is no read
        ('for m in requests.get(URL).json()["data"]:\n    keep(m)', "m", {"*"}),
        ("listed = requests.get(URL).json()['data']", None, set()),  # not iterated in place
    ],
)
def test_a_raw_listing_iterated_in_place_records_the_keys_read_on_its_items(
    loop: str, item: str | None, reads: set[str]
) -> None:
    code = f"import requests\nimport llama_stack_client\nURL = 'http://localhost:8321/v1/models'\n{loop}\n"
    [hit] = scan_python(code, RULESET)
    assert hit.rule.id == "LSM103" and hit.call is not None
    assert (hit.call.iterated_by, set(hit.call.item_reads)) == (item, reads)

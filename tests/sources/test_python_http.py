"""What the scan reads from a raw-HTTP register or unregister for `fix` (`CallShape.raw`): the forms it can rewrite.

The rule examples show the rewrites; these pin down the forms one by one, with the reason the scan gives for each
form `fix` leaves alone.
"""

from __future__ import annotations

import pytest

from migrate.findings import CallShape
from migrate.rule_loader import load_rules
from migrate.sources.python import scan_python

RULESET = load_rules()
HEAD = """\
import httpx, requests
BASE = "http://localhost:8321"
MODEL = "vllm/m"
CACHE = []


def ok(response):
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {response.text}")
    return response.json()


def check(body):
    return body.get("identifier")


def keep(response):
    CACHE.append(response)
    return response.json()


def report(response):
    print(response.status_code)
"""


def shape(line: str) -> CallShape:
    [hit] = [hit for hit in scan_python(HEAD + line + "\n", RULESET) if hit.surface == "http"]
    assert hit.call is not None and hit.call.raw is not None
    return hit.call


@pytest.mark.parametrize(
    "line",
    [
        'requests.post(f"{BASE}/v1/models", json={"model_id": MODEL, "provider_id": "vllm"})',
        'requests.post(BASE + "/v1/models", json={"model_id": MODEL, "provider_id": "vllm"}, timeout=3)',
        'requests.post("http://localhost:8321/v1/models", json={"model_id": MODEL, "provider_id": "vllm"})',
        'requests.post(url=f"{BASE}/v1/models", json={"model_id": MODEL, "provider_id": "vllm"})',
        'httpx.Client().post(f"{BASE}/v1/models", json={"model_id": MODEL, "provider_id": "vllm"})',
    ],
)
def test_a_register_that_fix_rewrites_gives_its_body_as_keywords(line: str) -> None:
    call = shape(line)
    assert call.raw is not None and call.raw.unfit is None
    assert call.keywords == {"model_id", "provider_id"}
    assert call.known == {"model_id": "vllm/m", "provider_id": "vllm"}
    assert call.id_code == "MODEL"


@pytest.mark.parametrize(
    ("line", "unfit"),
    [
        ('requests.request("POST", f"{BASE}/v1/models", json={})', "only the `.post(...)` and `.delete(...)`"),
        ('URL = f"{BASE}/v1/models"\nrequests.post(URL, json={})', "the URL is not written in the call"),
        ('requests.post(f"{BASE}/v1/models/", json={})', "the URL is not written in the call"),
        ('requests.post(f"{BASE}/v1/models?x=1", json={})', "the URL is not written in the call"),
        ('requests.post(f"{BASE}/v1/models", data="{}")', "the body is not passed as `json=`"),
        ('requests.post(f"{BASE}/v1/models", "{}")', "more than its URL positionally"),
        ('requests.post(f"{BASE}/v1/models", **options)', "unpacked with * or **"),
        ('requests.post(f"{BASE}/v1/models", json=spec())', "the JSON body is not a dict literal"),
        ('requests.post(f"{BASE}/v1/models", json={**spec})', "the JSON body is not a dict literal"),
        ('requests.post(f"{BASE}/v1/models", json={"model_id": "m", "modelId": "m"})', "does not take: modelId"),
    ],
)
def test_a_register_that_fix_leaves_says_why(line: str, unfit: str) -> None:
    raw = shape(line).raw
    assert raw is not None and raw.unfit is not None and unfit in raw.unfit


@pytest.mark.parametrize(
    ("line", "known", "id_code"),
    [
        ('requests.delete(f"{BASE}/v1/models/{MODEL}")', "vllm/m", "MODEL"),
        ('requests.delete(BASE + "/v1/models/" + MODEL)', "vllm/m", "MODEL"),
        ('requests.delete(f"{BASE}/v1/models/vllm/x:1b")', "vllm/x:1b", "'vllm/x:1b'"),
        ('requests.delete(f"{BASE}/v1/models/{name}")', None, "name"),
    ],
)
def test_an_unregister_names_its_resource_by_its_url(line: str, known: str | None, id_code: str) -> None:
    call = shape(line)
    assert call.raw is not None and call.raw.unfit is None
    assert call.known.get("model_id") == known
    assert call.id_code == id_code


@pytest.mark.parametrize(
    ("line", "wrapped", "standalone"),
    [
        ('requests.delete(f"{BASE}/v1/models/{MODEL}")', False, True),
        ('ok(requests.delete(f"{BASE}/v1/models/{MODEL}"))', True, False),
        ('check(ok(requests.delete(f"{BASE}/v1/models/{MODEL}")))', True, False),  # `check` reads what ok gives
        ('await ok(await requests.delete(f"{BASE}/v1/models/{MODEL}"))', True, False),
        ('keep(requests.delete(f"{BASE}/v1/models/{MODEL}"))', False, False),  # it stores the answer
        ('report(requests.delete(f"{BASE}/v1/models/{MODEL}"))', False, False),  # it prints
        ('items.append(requests.delete(f"{BASE}/v1/models/{MODEL}"))', False, False),
        ('requests.delete(f"{BASE}/v1/models/{MODEL}").raise_for_status()', True, False),
        ('print(requests.delete(f"{BASE}/v1/models/{MODEL}"), "gone")', False, False),
        ('log(requests.delete(f"{BASE}/v1/models/{MODEL}"), level=1)', False, False),
        ('gone = ok(requests.delete(f"{BASE}/v1/models/{MODEL}"))', False, False),
        ('requests.delete(f"{BASE}/v1/models/{MODEL}").json()', False, False),
    ],
)
def test_a_call_whose_statement_only_checks_its_answer_is_wrapped(line: str, wrapped: bool, standalone: bool) -> None:
    call = shape(line)
    assert call.raw is not None
    assert (call.raw.wrapped, call.standalone) == (wrapped, standalone)

"""The Markdown matcher: fenced code blocks only, with hits on file lines."""

from __future__ import annotations

from pathlib import Path

from migrate.findings import Hit
from migrate.rule_loader import load_rules
from migrate.sources.markdown import fences, scan_markdown

RULES = load_rules().select(["LSM101"], None)  # POST /v1/models, `models register`
FENCE = "```"


def scan(text: str) -> list[Hit]:
    scanned = scan_markdown(text, RULES, "ogx-1")
    assert scanned.problems == []
    [document] = scanned.documents
    assert document.lines == text.splitlines()
    return sorted(document.hits, key=lambda hit: (hit.line, hit.column))


def test_python_fence_hit_is_on_the_file_line_and_prose_is_not_scanned(tmp_path: Path) -> None:
    page = tmp_path / "guide.md"
    page.write_text(
        "# Registering models\n"
        "\n"
        'Call `client.models.register(model_id="m")` once; client.models.register(model_id="x") in prose.\n'
        "\n"
        f"{FENCE}python\n"
        "from llama_stack_client import LlamaStackClient\n"
        "\n"
        "client = LlamaStackClient(base_url='http://localhost:8321')\n"
        'client.models.register(model_id="llama3", provider_id="ollama")\n'
        f"{FENCE}\n",
        encoding="utf-8",
    )
    [hit] = scan(page.read_text(encoding="utf-8"))
    assert (hit.rule.id, hit.surface, hit.line, hit.column, hit.end_line) == ("LSM101", "sdk", 9, 0, 9)
    assert hit.cell is None


def test_indented_fence_keeps_file_columns() -> None:
    text = f"1. Register:\n\n    {FENCE}py\n    client.models.register(model_id='m')\n    {FENCE}\n"
    [hit] = scan(text)
    assert (hit.line, hit.column, hit.end_column) == (4, 4, len(text.splitlines()[3]))


def test_longer_fence_is_closed_only_by_a_fence_at_least_as_long() -> None:
    text = f'````python\ndef show():\n    """\n    {FENCE}\n    """\nclient.models.register(model_id=\'m\')\n````\n'
    [hit] = scan(text)
    assert hit.line == 6


def test_tilde_fence_with_backticks_inside_and_unclosed_fence_to_the_end() -> None:
    text = (
        "~~~bash\n"
        f"{FENCE}\n"
        "llama-stack-client models register a\n"
        "~~~\n"
        "text: llama-stack-client models register prose\n"
        f"{FENCE}sh\n"
        "llama-stack-client models register b\n"
    )
    assert [hit.line for hit in scan(text)] == [3, 7]


def test_fence_positions() -> None:
    lines = ["x", "  ~~~~ {code-block} Python :linenos:", "a", "~~~~~", "b", "```", "c"]
    blocks = list(fences(lines))
    assert [(block.language, block.indent, block.start, block.end) for block in blocks] == [
        ("python", 2, 2, 3),
        ("", 0, 6, 7),
    ]


def test_doctest_block_drops_prompts_and_output() -> None:
    text = (
        f"{FENCE}pycon\n"
        ">>> from llama_stack_client import LlamaStackClient\n"
        ">>> client.models.register(\n"
        "...     model_id='m')\n"
        "Model(identifier='vllm/m', provider_id='vllm')\n"
        f"{FENCE}\n"
    )
    [hit] = scan(text)
    assert (hit.line, hit.column, hit.end_line, hit.end_column) == (3, 4, 4, len("...     model_id='m')"))
    assert hit.confidence == "high"


def test_unparsable_python_block_is_skipped_without_failing_the_file() -> None:
    text = (
        f"{FENCE}python\n"
        "client.models.register(model_id=\n"
        f"{FENCE}\n"
        f"{FENCE}python\n"
        "client.models.register(model_id='m')\n"
        f"{FENCE}\n"
    )
    [hit] = scan(text)
    assert hit.line == 5


def test_console_block_with_prompts_and_output() -> None:
    text = (
        "Start the Llama Stack server, then:\n"
        f"{FENCE}console\n"
        '$ curl -X POST http://localhost:8321/v1/models -d \'{"model_id": "m"}\'\n'
        '{"identifier": "m"}\n'
        "$ llama-stack-client models register m\n"
        f"{FENCE}\n"
    )
    found = scan(text)
    assert [(hit.line, hit.column, hit.surface) for hit in found] == [(3, 2, "http"), (5, 2, "cli")]


def test_curl_context_comes_from_the_whole_page() -> None:
    block = f"{FENCE}bash\ncurl -d @m.json $BASE/v1/models\n{FENCE}\n"
    assert scan(block) == []
    [hit] = scan("Works with any Llama Stack distribution.\n\n" + block)
    assert (hit.line, hit.confidence) == (4, "medium")


def test_python_raw_http_uses_the_page_context_and_other_blocks() -> None:
    text = (
        "Register on your Llama Stack server:\n"
        f"{FENCE}python\nBASE = 'http://gpu-box:8000'\n{FENCE}\n"
        f"{FENCE}python\nimport requests\nrequests.post(f'{{BASE}}/v1/models', json={{}})\n{FENCE}\n"
    )
    [hit] = scan(text)
    assert (hit.surface, hit.line, hit.detail) == ("http", 7, "HTTP POST http://gpu-box:8000/v1/models")


def test_ipython_shell_escape_in_a_python_block() -> None:
    text = f"{FENCE}ipython\n!llama-stack-client models register m\nprint('done')\n{FENCE}\n"
    [hit] = scan(text)
    assert (hit.surface, hit.line, hit.column) == ("cli", 2, 1)


def test_other_languages_and_inline_code_are_not_scanned() -> None:
    text = (
        "Run `llama-stack-client models register m` or ``curl -X POST localhost:8321/v1/models -d x``.\n"
        f"{FENCE}json\n"
        '{"cmd": "llama-stack-client models register m"}\n'
        f"{FENCE}\n"
        f"{FENCE}javascript\n"
        "client.models.register({model_id: 'm'})\n"
        f"{FENCE}\n"
        "    llama-stack-client models register indented-code\n"
    )
    assert scan(text) == []


def test_fence_without_info_string_that_is_not_python_is_read_as_shell() -> None:
    [hit] = scan(f"{FENCE}\nllama-stack-client models register m\n{FENCE}\n")
    assert hit.line == 2


# -------------------------------------------------- issue 12, class 2: untagged and indented fences

RELEASE_NOTES = f"""\
# Upgrading the support bot

1. Register the chat model (Llama Stack 0.3):

   {FENCE}
   from llama_stack_client import LlamaStackClient

   client = LlamaStackClient(base_url="http://localhost:8321")
   client.models.register(model_id="llama3.2:3b", provider_id="ollama")
   {FENCE}

   The server answers with the model:

   {FENCE}
   Model(identifier='ollama/llama3.2:3b', provider_id='ollama', model_type='llm')
   {FENCE}

2. Or from a terminal, once per stack:

	{FENCE}text
	# needs llama-stack-client >= 0.2
	llama-stack-client models register llama3.2:3b --provider-id ollama
	{FENCE}

3. Undo it:

   {FENCE}
   client.models.unregister("ollama/llama3.2:3b")
   curl -X DELETE http://localhost:8321/v1/models/ollama/llama3.2:3b \\
     -H "Authorization: Bearer $TOKEN"
   {FENCE}

Config instead of calls:

{FENCE}
registered_resources:
  models:
  - model_id: llama3.2:3b
{FENCE}
"""


def test_untagged_fences_are_tried_as_python_then_as_shell() -> None:
    rules = load_rules().select(["LSM101", "LSM102"], None)
    scanned = scan_markdown(RELEASE_NOTES, rules, "ogx-1")
    found = [(hit.line, hit.column, hit.rule.id, hit.surface) for hit in scanned.documents[0].hits]
    assert sorted(found) == [
        (9, 3, "LSM101", "sdk"),  # Python in a list item, indented three spaces
        (22, 1, "LSM101", "cli"),  # tab-indented text fence, after a comment line
        (28, 3, "LSM102", "sdk"),  # a block mixing a Python call ...
        (29, 3, "LSM102", "http"),  # ... and a continued curl command
    ]


def test_untagged_python_that_uses_shell_words_as_names_stays_python() -> None:
    text = (
        f"{FENCE}\nhttp = httpx.Client()\nset(x)\nexport.register(x)\nclient.models.register(model_id='m')\n{FENCE}\n"
    )
    assert [(hit.line, hit.surface) for hit in scan(text)] == [(5, "sdk")]


def test_fence_in_a_blockquote() -> None:
    text = (
        "> **Note**\n"
        f"> {FENCE}python\n"
        ">client.models.register(model_id='m')  # no space after the marker\n"
        f"> {FENCE}\n"
        "\n"
        f"> {FENCE}python\n"
        "> client.models.register(model_id='unclosed')\n"
        "the quote ended, and the block with it\n"
        "client.models.register(model_id='prose')\n"
    )
    scanned = scan_markdown(text, RULES, "ogx-1")
    hits = sorted(scanned.documents[0].hits, key=lambda hit: hit.line)
    assert [(hit.line, hit.column) for hit in hits] == [(3, 1), (7, 2)]


def test_fence_positions_in_a_blockquote() -> None:
    lines = ["> > ```py", "> > a", "> > ```", "> ```", "> b"]
    assert [(block.quote, block.start, block.end) for block in fences(lines)] == [(2, 1, 2), (1, 4, 5)]


def test_http_block_request_lines() -> None:
    text = (
        "Llama Stack's route, by hand:\n"
        f"{FENCE}http\n"
        "POST /v1/models HTTP/1.1\n"
        "Host: localhost:8321\n"
        "\n"
        '{"model_id": "m"}\n'
        f"{FENCE}\n"
        f"{FENCE}http\nGET /v1/models HTTP/1.1\n{FENCE}\n"
    )
    [hit] = scan(text)
    assert (hit.line, hit.column, hit.end_column, hit.surface, hit.rewritable) == (3, 0, 24, "http", True)
    assert scan(text.replace("Llama Stack's", "The gateway's").replace(":8321", ":8080")) == []  # no Llama Stack


def test_ipython_prompts_are_taken_out() -> None:
    text = f"{FENCE}ipython\nIn [1]: client.models.register(model_id='m')\n   ...: \nOut[1]: Model(...)\n{FENCE}\n"
    [hit] = scan(text)
    assert (hit.line, hit.column) == (2, 8)

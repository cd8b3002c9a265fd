"""The shell matcher: curl requests and llama-stack-client commands in scripts, Makefiles, CI files."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.findings import Hit
from migrate.registry import RuleSet
from migrate.rule_loader import load_rules
from migrate.sources.shell import scan_shell, shell_hits

RULES = load_rules().select(["LSM101"], None)  # POST /v1/models, `models register`

# A made-up unregister rule with a `{...:path}` parameter and a legacy path, loaded from a temp dir.
EXTRA_RULE = """
id = "LSM901"
resource = "model"
operation = "unregister"
summary = "Thing removal"
rationale = "test rule"
docs = "https://example.com/things"

[deprecated]
version = "0.4.0"
date = 2025-11-10

[sdk]
methods = ["things.unregister"]
id_param = "thing_id"

[http]
method = "DELETE"
paths = ["/v1/things/{thing_id:path}"]
legacy_paths = ["/v1/old-things/{thing_id:path}"]

[cli]
commands = ["things unregister"]

[targets."llama-stack-0.4"]
status = "deprecated"
strategy = "keep"
guidance = "keep"

[targets."llama-stack-0.7"]
status = "deprecated"
strategy = "keep"
guidance = "keep"

[targets."ogx-1"]
status = "deprecated"
strategy = "keep"
guidance = "keep"

[[shim_examples]]
name = "a thing"
request = "DELETE /v1/things/a/b"
answers = { "llama-stack-0.4" = "forward", "llama-stack-0.7" = "forward", "ogx-1" = "forward" }

[[examples]]
name = "call"
language = "python"
findings = [1]
code = "client.things.unregister('a/b')"

[[examples]]
name = "look-alike"
language = "python"
findings = []
code = "things.remove('a')"
"""


def hits(script: str, ruleset: RuleSet = RULES) -> list[Hit]:
    return shell_hits(script.splitlines(), ruleset)


def test_scan_shell_reads_a_script_file_as_one_document(tmp_path: Path) -> None:
    script = tmp_path / "setup.sh"
    script.write_text(
        "#!/usr/bin/env bash\n"
        "set -euo pipefail\n"
        'curl -sS -X POST "$LLAMA_STACK_URL/v1/models" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        '  -d \'{"model_id": "llama3", "provider_id": "ollama"}\'\n'
        'curl "$LLAMA_STACK_URL/v1/models"\n',
        encoding="utf-8",
    )
    scanned = scan_shell(script.read_text(encoding="utf-8"), RULES, "ogx-1")
    assert scanned.problems == []
    [document] = scanned.documents
    assert len(document.lines) == 6
    [hit] = document.hits
    assert (hit.rule.id, hit.surface, hit.http_path) == ("LSM101", "http", "/v1/models")
    assert (hit.line, hit.column, hit.end_line) == (3, 0, 5)
    assert hit.end_column == len(document.lines[4])
    assert hit.detail == "curl -X POST {…}/v1/models"
    assert hit.confidence == "high"
    assert hit.rewritable is True


def test_multi_line_quoted_body_and_trailing_comment() -> None:
    script = 'curl -X POST http://localhost:8321/v1/models -d \'{\n  "model_id": "llama3"\n}\'  # register the model\n'
    [hit] = hits(script)
    assert (hit.line, hit.end_line, hit.end_column) == (1, 3, 2)  # the comment is not part of the command


@pytest.mark.parametrize(
    "command",
    [
        "curl -X POST $LLAMA_STACK_URL/v1/models",
        "curl -XPOST $LLAMA_STACK_URL/v1/models",
        "curl --request POST $LLAMA_STACK_URL/v1/models",
        "curl -sSX POST $LLAMA_STACK_URL/v1/models",
        "curl -X post $LLAMA_STACK_URL/v1/models",
        "curl $LLAMA_STACK_URL/v1/models -X POST",
    ],
)
def test_explicit_method_forms(command: str) -> None:
    [hit] = hits(command)
    assert hit.detail == "curl -X POST {…}/v1/models"


@pytest.mark.parametrize(
    "option", ["-d '{}'", "--data '{}'", "--data-raw '{}'", "--data-binary @m.json", "--json '{}'", "-F f=@m"]
)
def test_data_options_imply_post(option: str) -> None:
    [hit] = hits(f"curl -s {option} http://localhost:8321/v1/models")
    assert hit.detail == "curl -X POST http://localhost:8321/v1/models"


@pytest.mark.parametrize(
    "command",
    [
        "curl $LLAMA_STACK_URL/v1/models",
        "curl -X GET $LLAMA_STACK_URL/v1/models",
        "curl -G -d limit=5 $LLAMA_STACK_URL/v1/models",
        "curl -I $LLAMA_STACK_URL/v1/models",
    ],
)
def test_get_requests_are_never_findings(command: str) -> None:
    assert hits(command) == []


@pytest.mark.parametrize(
    "url",
    [
        '"$LLAMA_STACK_URL/v1/models"',
        "${BASE_URL}/v1/models",
        '"${BASE_URL:-http://localhost:8321}/v1/models"',
        '"$(cat llama-url.txt)/v1/models"',
        "`cat url`/v1/models",
        "'http://'$HOST:$PORT/v1/models",
    ],
)
def test_shell_variables_in_the_url_become_holes(url: str) -> None:
    [hit] = hits(f"# llama stack\ncurl -d @m.json {url}")
    assert hit.detail.endswith("/v1/models")
    assert "{…}" in hit.detail
    assert hit.rewritable is True


def test_confidence_depends_on_the_url_itself() -> None:
    script = "# Llama Stack setup\ncurl -d @m.json http://localhost:8321/v1/models\ncurl -d @m.json $BASE/v1/models\n"
    assert [hit.confidence for hit in hits(script)] == ["high", "medium"]


def test_curl_needs_a_llama_stack_context_somewhere_in_the_file() -> None:
    script = "curl -X POST https://api.example.com/v1/models -d @m.json\n"
    assert hits(script) == []
    assert len(hits(script + "# now the same on Llama Stack\n")) == 1
    assert shell_hits(script.splitlines(), RULES, llama_context=True) != []


def test_cli_commands_do_not_need_a_context() -> None:
    [hit] = hits("llama-stack-client models register llama3 --provider-id ollama\nllama-stack-client models list\n")
    assert (hit.surface, hit.confidence, hit.rewritable) == ("cli", "high", False)
    assert hit.detail == "llama-stack-client models register"
    assert (hit.line, hit.column) == (1, 0)


def test_cli_with_global_options_before_the_command() -> None:
    script = "  llama-stack-client --endpoint http://gpu:8321 --config ~/.cfg.yaml --api-key=$KEY models register m\n"
    [hit] = hits(script)
    assert hit.detail == "llama-stack-client models register"
    assert hit.column == 2
    assert hit.end_column == len(script.rstrip())


def test_option_values_are_not_taken_for_the_url() -> None:
    script = (
        "curl -X POST -e http://localhost:8321/v1/models -o /v1/models "
        "-H 'X-Path: /v1/models' http://localhost:8321/v1/chat/completions\n"
    )
    assert hits(script) == []
    [hit] = hits("curl -X POST -H 'Accept: */*' --url http://localhost:8321/v1/models\n")
    assert hit.detail == "curl -X POST http://localhost:8321/v1/models"


def test_comments_are_ignored() -> None:
    script = (
        "# curl -X POST http://localhost:8321/v1/models -d '{}'\n"
        "echo done  # curl -X POST http://localhost:8321/v1/models -d '{}'\n"
        "    # llama-stack-client models register m\n"
    )
    assert hits(script) == []


def test_commands_that_are_named_but_not_run_are_not_uses() -> None:
    script = "# llama\necho curl -X POST $URL/v1/models -d x\ngrep 'llama-stack-client models register' log\n"
    assert hits(script) == []


def test_commands_are_split_on_separators() -> None:
    script = (
        "set -e; curl -s -d @m.json http://localhost:8321/v1/models | jq .identifier\n"
        "true && llama-stack-client models register m || exit 1\n"
    )
    line1, line2 = script.splitlines()
    first, second = hits(script)
    assert (first.line, first.column, first.end_column) == (1, line1.index("curl"), line1.index(" | jq"))
    assert (second.line, second.column, second.end_column) == (2, line2.index("llama"), line2.index(" || exit"))


def test_redirections_are_not_urls() -> None:
    script = "curl -X POST 2>/dev/null >/v1/models http://localhost:8321/v1/models -d x\n"
    [hit] = hits(script)
    assert hit.detail == "curl -X POST http://localhost:8321/v1/models"


def test_console_prompts_are_allowed() -> None:
    transcript = '$ curl -X POST http://localhost:8321/v1/models -d \'{"model_id": "m"}\'\n{"identifier": "m"}\n'
    [hit] = hits(transcript)
    assert (hit.line, hit.column) == (1, 2)


def test_unbalanced_quote_is_taken_literally() -> None:
    [hit] = hits('curl -X POST "$LLAMA_STACK_URL/v1/models\n')
    assert hit.http_path == "/v1/models"


def test_raw_yaml_reacts_only_to_curl_and_the_cli() -> None:
    workflow = (
        "name: register models with curl\n"
        "jobs:\n"
        "  setup:\n"
        "    steps:\n"
        "      - run: curl -sSf -X POST ${{ secrets.LLAMA_STACK_URL }}/v1/models -d @model.json\n"
        "      - name: register\n"
        "        run: |\n"
        "          llama-stack-client models register llama3\n"
        "      - script: llama-stack-client models register other\n"
    )
    found = hits(workflow)
    assert [(hit.line, hit.surface) for hit in found] == [(5, "http"), (8, "cli"), (9, "cli")]
    assert found[0].column == workflow.splitlines()[4].index("curl")


def test_apostrophes_in_prose_do_not_swallow_commands() -> None:
    workflow = (
        "- name: Don't skip this\n"
        "  run: curl -X POST http://localhost:8321/v1/models -d @m.json\n"
        "- name: Check the model's status\n"
    )
    assert [hit.line for hit in hits(workflow)] == [2]


def test_makefile_recipe_and_dockerfile_run() -> None:
    text = (
        "register:\n\t@curl -X POST $(LLAMA_STACK_URL)/v1/models -d @m.json\nRUN llama-stack-client models register m\n"
    )
    found = hits(text)
    assert [(hit.line, hit.column, hit.surface) for hit in found] == [(2, 1, "http"), (3, 4, "cli")]


def test_first_line_and_cell_are_applied() -> None:
    lines = ["echo hi", "llama-stack-client models register m"]
    [hit] = shell_hits(lines, RULES, first_line=10, cell=3)
    assert (hit.line, hit.end_line, hit.cell) == (11, 11, 3)


def test_delete_route_with_path_parameter_from_an_extra_rule(tmp_path: Path) -> None:
    (tmp_path / "LSM901_things.toml").write_text(EXTRA_RULE, encoding="utf-8")
    ruleset = load_rules([tmp_path]).select(["LSM901"], None)
    script = (
        "# llama stack\n"
        'curl -X DELETE "$LLAMA_STACK_URL/v1/things/$PROVIDER/$THING"\n'
        "curl -X DELETE $LLAMA_STACK_URL/v1/things\n"
        "curl -X DELETE http://localhost:8321/v1/old-things/vllm/m\n"
        "curl -X POST $LLAMA_STACK_URL/v1/things/a\n"
        "llama-stack-client things unregister vllm/m\n"
    )
    found = hits(script, ruleset)
    assert [(hit.line, hit.surface, hit.http_path) for hit in found] == [
        (2, "http", "/v1/things/{thing_id:path}"),
        (4, "http", "/v1/old-things/{thing_id:path}"),
        (6, "cli", None),
    ]
    assert found[0].detail == "curl -X DELETE {…}/v1/things/{…}/{…}"
    assert found[1].detail.endswith("(0.2-era path /v1/old-things/{thing_id:path})")


# ------------------------------------------------------- issue 12, class 3: where commands hide

ALL_RULES = load_rules()


def found(script: str, ruleset: RuleSet = ALL_RULES) -> list[tuple[int, str, str]]:
    return [(hit.line, hit.rule.id, hit.surface) for hit in shell_hits(script.splitlines(), ruleset)]


BOOTSTRAP = """\
#!/usr/bin/env bash
# Bootstrap a Llama Stack after deployment.
set -Eeuo pipefail
run() { if (( DRY_RUN )); then echo "+ $*"; else "$@"; fi; }
api() { run curl -fsS -X "$1" "${STACK_URL}$2" -H 'Content-Type: application/json' "${@:3}"; }

run curl -fsS -X POST "${STACK_URL}/v1/models" \\
  -d '{"model_id": "granite-3.3-8b", "provider_id": "vllm"}'
retry 3 timeout 30 llama-stack-client --endpoint "$STACK_URL" shields register --shield-id guard
api POST /v1/toolgroups -d '{"toolgroup_id": "mcp::jira", "provider_id": "model-context-protocol"}'
api DELETE "/v1/toolgroups/mcp::wiki"
api GET /v1/models
http POST :8321/v1/models model_id=granite-3.3-8b provider_id=vllm
echo "done: llama-stack-client models register granite-3.3-8b"
echo curl -X DELETE "${STACK_URL}/v1/models/x"
grep -rn "llama-stack-client models register" docs/
"""


def test_commands_behind_wrappers_and_helpers_called_with_a_method_and_a_path() -> None:
    assert found(BOOTSTRAP) == [
        (7, "LSM101", "http"),
        (9, "LSM111", "cli"),
        (10, "LSM121", "http"),
        (11, "LSM122", "http"),
        (13, "LSM101", "http"),
    ]


def test_a_helper_called_with_a_method_and_a_path_needs_a_llama_stack_context() -> None:
    assert found("api POST /v1/models -d '{}'\n") == []


def test_sh_dash_c_and_exec_form_arrays() -> None:
    script = (
        "FROM python:3.12-slim\n"
        'RUN sh -c "llama-stack-client models register m --provider-id ollama || true"\n'
        'CMD ["sh", "-c", "llama-stack-client models register m --provider-id p && llama-stack-client models list"]\n'
        'ENTRYPOINT ["llama-stack-client", "shields", "register", "--shield-id", "guard"]\n'
        'command: ["/bin/bash", "-lc", "curl -X DELETE http://llama-stack:8321/v1/toolgroups/mcp::jira"]\n'
        'CMD ["python", "-m", "app", "--mode", "register"]\n'
        "bash -c 'echo llama-stack-client models register m'\n"
    )
    assert found(script) == [(2, "LSM101", "cli"), (3, "LSM101", "cli"), (4, "LSM111", "cli"), (5, "LSM122", "http")]


def test_ogx_client_is_the_same_cli() -> None:
    [hit] = shell_hits(["ogx-client --endpoint http://localhost:8321 models unregister vllm/m"], ALL_RULES)
    assert (hit.rule.id, hit.surface, hit.detail) == ("LSM102", "cli", "ogx-client models unregister")


def test_legacy_benchmark_commands_and_flags() -> None:
    script = (
        "# 0.1 clients: eval tasks\n"
        "llama-stack-client eval_tasks register --eval-task-id mmlu --dataset-id mmlu --scoring-functions f\n"
        "# 0.2 clients: benchmarks, still with --eval-task-id\n"
        "llama-stack-client benchmarks register --eval-task-id mmlu --dataset-id mmlu --scoring-functions f\n"
        "llama-stack-client benchmarks list\n"
    )
    assert found(script) == [(2, "LSM141", "cli"), (4, "LSM141", "cli")]

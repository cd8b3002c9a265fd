"""merge_entries / render_entries: new entries spliced into real run configs, every other byte kept."""

from __future__ import annotations

import copy
import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml  # what the server itself reads the run config with
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from migrate.atomic import write_text_atomic
from migrate.config.entries import ConfigEntry, Identity, Unknown
from migrate.config.merge import merge_entries, render_entries
from migrate.errors import MigrateError
from migrate.identifiers import IdentifierTemplate

FIXTURES = Path(__file__).parents[1] / "integration" / "servers"
EXAMPLE_RUN = Path(__file__).resolve().parents[2] / "examples" / "legacy-app" / "run.yaml"
CONFIGS = [
    FIXTURES / "legacy-0.3.5.yaml",
    FIXTURES / "llama-stack-0.7.3.yaml",
    FIXTURES / "ogx-1.5.0.yaml",
    EXAMPLE_RUN,
]
UNKNOWN_NOTE = "set it before starting the server"


def model(model_id: Any = "chat", **fields: Any) -> ConfigEntry:
    values = {"model_id": model_id, "provider_id": "vllm", **fields}
    return ConfigEntry("registered_resources.models", "model_id", values, "LSM101", "supportbot/resources.py:48")


def dataset() -> ConfigEntry:
    fields = {
        "dataset_id": "support-evals",
        "purpose": "eval/messages-answer",
        "source": {"type": "uri", "uri": "huggingface://datasets/acme/support?split=test"},
        "metadata": {},
    }
    return ConfigEntry("registered_resources.datasets", "dataset_id", fields, "LSM131", "supportbot/evals.py:12")


def connector(url: str = "http://127.0.0.1:9000/sse") -> ConfigEntry:
    fields = {"connector_id": "mcp::tickets", "url": url}
    return ConfigEntry("connectors", "connector_id", fields, "LSM121", "supportbot/tools.py:7")


def safe_load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def lost_lines(before: str, after: str) -> list[str]:
    """The lines of `before` that `after` does not keep (a diff's deleted or replaced lines)."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [line for tag, a1, a2, _, _ in matcher.get_opcodes() if tag != "equal" for line in old[a1:a2]]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.name)
def test_merge_into_a_real_config_only_adds_lines(path: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    shutil.copyfile(path, config)
    before = config.read_text()

    result = merge_entries(before, [model(), dataset(), connector()])
    write_text_atomic(config, result.text)

    after = config.read_text()
    assert set(lost_lines(before, after)) <= {
        "  models: []",
        "  datasets: []",
    }  # an empty flow list becomes a block list
    expected = copy.deepcopy(pyyaml.safe_load(before))
    resources = expected.setdefault("registered_resources", {})
    resources["models"] = [*resources.get("models", []), {"model_id": "chat", "provider_id": "vllm"}]
    resources["datasets"] = [*resources.get("datasets", []), dataset().fields]
    expected["connectors"] = [connector().fields]
    assert pyyaml.safe_load(after) == expected
    assert [entry.rule for entry in result.added] == ["LSM101", "LSM131", "LSM121"]
    assert result.already_present == [] and result.conflicts == []


def test_merge_into_the_example_inserts_exactly_after_the_last_model() -> None:
    before = EXAMPLE_RUN.read_text()

    after = merge_entries(before, [model()]).text

    insertion = "  # from supportbot/resources.py:48 (LSM101)\n  - model_id: chat\n    provider_id: vllm\n"
    at = before.index("  shields:\n")
    assert after == before[:at] + insertion + before[at:]
    assert before[:at].endswith("    model_type: llm\n")


def test_untouched_formatting_survives_byte_for_byte() -> None:
    before = (
        "version: 2   # schema version\n"
        "image_name:   'quoted'\n"
        'distro_name: "double"\n'
        "providers:\n"
        "  inference:\n"
        "  - {provider_id: vllm, provider_type: 'remote::vllm'}\n"
        "  safety: []\n"
        "server: {host: 127.0.0.1, port: 8321}\n"
        "token: ${env.TOKEN:=}\n"
        "registered_resources:\n"
        "  models:\n"
        "  - model_id: x   # aligned comment\n"
        "    provider_id: vllm\n"
        "\n"
        "  # a comment that belongs to shields\n"
        "  shields: []\n"
        "notes: |\n"
        "  keep\n"
        "    this\n"
    )

    after = merge_entries(before, [model()]).text

    insertion = "  # from supportbot/resources.py:48 (LSM101)\n  - model_id: chat\n    provider_id: vllm\n"
    at = before.index("\n\n  # a comment") + 1
    assert after == before[:at] + insertion + before[at:]


def test_nothing_to_add_returns_the_text_unchanged() -> None:
    before = EXAMPLE_RUN.read_text()
    existing = ConfigEntry(
        "registered_resources.models",
        "model_id",
        {"model_id": "llama-guard", "provider_id": "vllm", "model_type": "llm"},
        "LSM101",
        "a.py:1",
    )

    result = merge_entries(before, [existing])

    assert result.text == before
    assert result.added == [] and result.already_present == [existing] and result.conflicts == []
    assert merge_entries(before, []).text == before


def test_crlf_line_endings_and_a_missing_final_newline_are_kept() -> None:
    before = "version: 2\r\nregistered_resources:\r\n  models: []  # none yet\r\nserver:\r\n  port: 8321"

    after = merge_entries(before, [model(), connector()]).text

    assert after == (
        "version: 2\r\nregistered_resources:\r\n  models:  # none yet\r\n"
        "  # from supportbot/resources.py:48 (LSM101)\r\n  - model_id: chat\r\n    provider_id: vllm\r\n"
        "server:\r\n  port: 8321\r\n"
        "connectors:\r\n# from supportbot/tools.py:7 (LSM121)\r\n"
        "- connector_id: mcp::tickets\r\n  url: http://127.0.0.1:9000/sse"
    )
    assert merge_entries(before, []).text == before


def test_the_documents_own_indentation_is_used() -> None:
    before = (
        "providers:\n"
        "    inference:\n"
        "      - provider_id: vllm\n"
        "        provider_type: remote::vllm\n"
        "registered_resources:\n"
        "    models:\n"
        "      - model_id: a\n"
        "        provider_id: vllm\n"
    )

    after = merge_entries(before, [model(metadata={"tags": ["x"]}), connector()]).text

    assert after == before + (
        "      # from supportbot/resources.py:48 (LSM101)\n"
        "      - model_id: chat\n"
        "        provider_id: vllm\n"
        "        metadata:\n"
        "            tags:\n"
        "              - x\n"
        "connectors:\n"
        "  # from supportbot/tools.py:7 (LSM121)\n"
        "  - connector_id: mcp::tickets\n"
        "    url: http://127.0.0.1:9000/sse\n"
    )


def test_an_identical_entry_is_already_present_and_a_different_one_conflicts() -> None:
    before = (FIXTURES / "llama-stack-0.7.3.yaml").read_text()
    same = ConfigEntry(
        "registered_resources.models",
        "model_id",
        {"model_id": "llm1", "provider_id": "vllm", "provider_model_id": "some-llm"},
        "LSM101",
        "a.py:1",
    )
    different = model("minilm", provider_model_id="another-model")

    result = merge_entries(before, [same, different])

    assert result.text == before
    assert result.already_present == [same]
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert conflict.entry is different
    assert conflict.existing["provider_model_id"] == "all-MiniLM-L6-v2"
    assert conflict.existing["metadata"] == {"embedding_dimension": 384}


def test_duplicates_in_the_input_are_written_once() -> None:
    before = (FIXTURES / "ogx-1.5.0.yaml").read_text()
    first, again, clash = connector(), connector(), connector(url="http://elsewhere/sse")

    result = merge_entries(before, [first, again, clash])

    assert result.added == [first] and result.already_present == [again]
    assert [conflict.entry for conflict in result.conflicts] == [clash]
    assert result.conflicts[0].existing == first.fields
    assert safe_load(result.text)["connectors"] == [first.fields]


OGX_MODELS = Identity(IdentifierTemplate.parse("{provider_id}/{model_id}", prefix_once=True), {})


def served(model_id: str, provider_id: str, origin: str, **fields: Any) -> ConfigEntry:
    values = {"model_id": model_id, "provider_id": provider_id, **fields}
    return ConfigEntry("registered_resources.models", "model_id", values, "LSM101", origin, identity=OGX_MODELS)


def test_one_model_id_on_two_providers_is_two_models_and_both_are_declared() -> None:
    before = "registered_resources:\n  models:\n  - model_id: llama3\n    provider_id: ollama\n"
    local, again = served("llama3", "ollama", "a.py:1"), served("llama3", "ollama", "b.py:1")
    vllm = served("llama3", "vllm", "a.py:2", provider_model_id="meta/llama3")

    result = merge_entries(before, [local, vllm, again])

    assert result.added == [vllm] and result.already_present == [local, again] and result.conflicts == []
    assert [item["provider_id"] for item in safe_load(result.text)["registered_resources"]["models"]] == [
        "ollama",
        "vllm",
    ]


def test_two_entries_the_target_serves_under_one_identifier_conflict_naming_both_sources() -> None:
    first = served("vllm/chat", "vllm", "a.py:1", metadata={"team": "a"})
    clash = served("chat", "vllm", "b.py:9", metadata={"team": "b"})  # OGX also names this one vllm/chat

    block = render_entries([first, clash])

    assert block.added == [first] and block.already_present == []
    [conflict] = block.conflicts
    assert conflict.entry is clash and conflict.existing_origin == "a.py:1"
    assert safe_load(block.text)["registered_resources"]["models"] == [first.fields]


def test_unknown_values_are_null_with_a_comment_and_unknown_ids_are_never_merged() -> None:
    before = (FIXTURES / "llama-stack-0.7.3.yaml").read_text()
    first = model(Unknown("settings.chat_model"), provider_model_id=Unknown('os.environ[\n    "CHAT_MODEL"]'))
    second = model(Unknown("settings.chat_model"))

    result = merge_entries(before, [first, second])

    assert result.added == [first, second]
    lines = result.text.splitlines()
    assert lines.count("  - model_id: null  # llama-stack-migrate: unknown: settings.chat_model; " + UNKNOWN_NOTE) == 2
    note = '    provider_model_id: null  # llama-stack-migrate: unknown: os.environ[ "CHAT_MODEL"]; ' + UNKNOWN_NOTE
    assert note in lines
    assert lines.count("  # from supportbot/resources.py:48 (LSM101)") == 2
    models = pyyaml.safe_load(result.text)["registered_resources"]["models"]
    assert models[-2:] == [
        {"model_id": None, "provider_id": "vllm", "provider_model_id": None},
        {"model_id": None, "provider_id": "vllm"},
    ]


def test_missing_sections_are_created() -> None:
    before = (FIXTURES / "ogx-1.5.0.yaml").read_text()

    after = merge_entries(before, [dataset(), connector()]).text

    assert after.startswith(before[: before.index("server:")])
    inserted = after[before.index("server:") :]
    assert inserted.startswith("  datasets:\n  # from supportbot/evals.py:12 (LSM131)\n  - dataset_id: support-evals\n")
    assert after.endswith(
        "  insecure: true\nconnectors:\n# from supportbot/tools.py:7 (LSM121)\n"
        "- connector_id: mcp::tickets\n  url: http://127.0.0.1:9000/sse\n"
    )
    assert safe_load(after)["registered_resources"]["datasets"] == [dataset().fields]


@pytest.mark.parametrize(
    "resources",
    ["", "registered_resources:\n", "registered_resources: ~\n", "registered_resources: {}\n"],
    ids=["absent", "empty", "null", "empty-flow-mapping"],
)
def test_a_missing_or_empty_registered_resources_is_filled(resources: str) -> None:
    before = f"version: 2\n{resources}server:\n  port: 8321\n"

    after = merge_entries(before, [model()]).text

    assert safe_load(after) == {
        "version": 2,
        "registered_resources": {"models": [{"model_id": "chat", "provider_id": "vllm"}]},
        "server": {"port": 8321},
    }
    assert after.startswith("version: 2\n") and "server:\n  port: 8321\n" in after


def test_a_non_empty_flow_mapping_on_the_path_becomes_a_block_mapping() -> None:
    before = "registered_resources: {shields: [], vector_dbs: []}  # later\nserver:\n  port: 8321\n"

    after = merge_entries(before, [model()]).text

    assert after == (
        "registered_resources:  # later\n"
        "  shields: []\n"
        "  vector_dbs: []\n"
        "  models:\n"
        "  # from supportbot/resources.py:48 (LSM101)\n"
        "  - model_id: chat\n"
        "    provider_id: vllm\n"
        "server:\n"
        "  port: 8321\n"
    )


def test_entries_go_after_a_block_scalar_not_after_its_trailing_blank_lines() -> None:
    before = "registered_resources:\n  models:\n  - model_id: a\n    metadata:\n      about: |\n        text\n\n\n"
    before += "server: {}\n"
    kept = before.replace("about: |", "about: |+")

    after = merge_entries(before, [model()]).text
    after_kept = merge_entries(kept, [model()]).text

    insertion = "  # from supportbot/resources.py:48 (LSM101)\n  - model_id: chat\n    provider_id: vllm\n"
    at = before.index("\n\n\nserver") + 1
    assert after == before[:at] + insertion + before[at:]
    assert safe_load(after_kept)["registered_resources"]["models"][0]["metadata"]["about"] == "text\n\n\n"
    assert safe_load(after_kept)["registered_resources"]["models"][1] == {"model_id": "chat", "provider_id": "vllm"}


def test_a_byte_order_mark_is_kept_and_does_not_shift_the_indentation() -> None:
    before = "\ufeffversion: 2\nserver:\n  port: 8321\n"

    after = merge_entries(before, [connector()]).text

    assert after == before + "connectors:\n# from supportbot/tools.py:7 (LSM121)\n" + (
        "- connector_id: mcp::tickets\n  url: http://127.0.0.1:9000/sse\n"
    )


def test_flow_lists_become_block_lists() -> None:
    before = "registered_resources:\n  models: []  # none yet\n  shields: [{shield_id: s, provider_id: g}]\n"

    shield = ConfigEntry(
        "registered_resources.shields", "shield_id", {"shield_id": "t", "provider_id": "g"}, "LSM111", "b.py:2"
    )

    after = merge_entries(before, [model(), shield]).text

    assert after == (
        "registered_resources:\n"
        "  models:  # none yet\n"
        "  # from supportbot/resources.py:48 (LSM101)\n"
        "  - model_id: chat\n"
        "    provider_id: vllm\n"
        "  shields:\n"
        "  - shield_id: s\n"
        "    provider_id: g\n"
        "  # from b.py:2 (LSM111)\n"
        "  - shield_id: t\n"
        "    provider_id: g\n"
    )


def test_values_keep_their_type_for_the_servers_yaml_1_1_reader() -> None:
    before = (FIXTURES / "llama-stack-0.7.3.yaml").read_text()
    long = "a description " * 12
    tricky = {"flag": "yes", "switch": "on", "number": "1.0", "text": "null", "env": "${env.X:=}", "colon": "a: b"}

    after = merge_entries(before, [model(metadata={**tricky, "nothing": None, "long": long})]).text

    metadata = pyyaml.safe_load(after)["registered_resources"]["models"][-1]["metadata"]
    assert metadata == {**tricky, "nothing": None, "long": long}
    for line in ("      env: ${env.X:=}", "      nothing: null", f"      long: '{long}'"):
        assert line in after.splitlines()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("registered_resources: [\n", "not valid YAML: line 2, column 1"),
        ("a: b: c\n", "not valid YAML: line 1, column 5: mapping values are not allowed here"),
        ("a: 1\na: 2\n", 'duplicate key "a"'),
        ("a: 1\n---\nb: 2\n", "expected a single document"),
    ],
    ids=["unclosed", "bad-mapping", "duplicate-key", "two-documents"],
)
def test_invalid_yaml_raises_migrate_error(text: str, message: str) -> None:
    with pytest.raises(MigrateError, match="not valid YAML") as raised:
        merge_entries(text, [model()])
    assert message in str(raised.value)
    assert isinstance(raised.value.__cause__, YAMLError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- inference\n- safety\n", "must be a mapping, found a CommentedSeq"),
        ("", "must be a mapping, found nothing"),
        ("# only a comment\n", "must be a mapping, found nothing"),
        ("just text\n", "must be a mapping, found a str"),
        ("{version: 2}\n", "flow mapping"),
    ],
    ids=["list", "empty", "comment-only", "scalar", "flow-mapping"],
)
def test_a_top_level_that_is_not_a_block_mapping_raises_migrate_error(text: str, message: str) -> None:
    with pytest.raises(MigrateError, match=message):
        merge_entries(text, [model()])


def test_a_section_of_the_wrong_type_raises_migrate_error() -> None:
    with pytest.raises(MigrateError, match=r"registered_resources\.models: it is not a list"):
        merge_entries("registered_resources:\n  models: some text\n", [model()])


def test_render_entries_is_a_pasteable_block_that_parses_back() -> None:
    entries = [model(), connector(), dataset(), model(), model(Unknown("name"))]

    block = render_entries(entries).text

    assert safe_load(block) == {
        "registered_resources": {
            "models": [
                {"model_id": "chat", "provider_id": "vllm"},
                {"model_id": None, "provider_id": "vllm"},
            ],
            "datasets": [dataset().fields],
        },
        "connectors": [connector().fields],
    }
    assert block.startswith("registered_resources:\n  models:\n  # from supportbot/resources.py:48 (LSM101)\n")
    assert f"  - model_id: null  # llama-stack-migrate: unknown: name; {UNKNOWN_NOTE}\n" in block
    assert render_entries([]).text == ""

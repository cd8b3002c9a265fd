"""A synthetic shim event history: five clients over six days, deprecated calls going down.

`PLAN` is the input, written out by hand; `write_history` turns it into events and writes them into a
real SQLite file with the shim's own store (`SQLiteStore`). Tests compute what they expect from
`PLAN` directly, never from the report code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from migrate.event_schema import Outcome
from migrate.shim.events import Event, SQLiteStore
from migrate.targets import TargetName

START = dt.date(2026, 3, 2)
DAYS = [START + dt.timedelta(days=offset) for offset in range(6)]
TARGET: TargetName = "ogx-1"


@dataclass(frozen=True)
class Client:
    sdk_name: str | None
    sdk_version: str | None
    sdk_lang: str | None
    fingerprint: str | None
    user_agent: str | None


CLIENTS = {
    "web": Client(
        "llama-stack-client", "0.3.5", "python", "hmac-sha256:1111aaaa2222bbbb", "LlamaStackClient/Python 0.3.5"
    ),
    "batch": Client(
        "llama-stack-client", "0.2.23", "python", "hmac-sha256:3333cccc4444dddd", "LlamaStackClient/Python 0.2.23"
    ),
    "ogx": Client("ogx-client", "1.0.2", "python", "hmac-sha256:5555eeee6666ffff", "OgxClient/Python 1.0.2"),
    "curl": Client("curl", "8.5.0", None, None, "curl/8.5.0"),
    "anonymous": Client(None, None, None, None, None),
}


@dataclass(frozen=True)
class Calls:
    """`counts[i]` calls on day i by `client` for `rule`, answered with `outcome`, about `resource_id`."""

    client: str
    rule: str
    outcome: Outcome
    resource_id: str | None
    counts: tuple[int, ...]


PLAN = (
    # LSM101 model register (ogx-1: declare-and-read): two models never declared, one declared all along,
    # one declared on day 3 (no longer pending), and calls that lacked the fields naming the model.
    Calls("web", "LSM101", "unsatisfied", "vllm/supportbot-chat", (6, 5, 3, 2, 1, 0)),
    Calls("batch", "LSM101", "unsatisfied", "ollama/llama3.2:3b", (3, 2, 1, 0, 0, 0)),
    Calls("web", "LSM101", "satisfied", "vllm/supportbot-embed", (2, 2, 2, 2, 2, 2)),
    Calls("ogx", "LSM101", "unsatisfied", "vllm/supportbot-judge", (0, 1, 0, 0, 0, 0)),
    Calls("ogx", "LSM101", "satisfied", "vllm/supportbot-judge", (0, 0, 0, 1, 0, 0)),
    Calls("web", "LSM101", "unsatisfied", None, (2, 0, 0, 0, 0, 0)),
    # LSM121 tool group register (declare-connector): an MCP group, and a built-in group no entry can declare.
    Calls("batch", "LSM121", "unsatisfied", "mcp::tickets", (4, 3, 2, 1, 0, 0)),
    Calls("curl", "LSM121", "unsatisfied", "builtin::websearch", (2, 0, 0, 0, 0, 0)),
    # LSM102 model unregister: acknowledged, and one for a model the target does not have (404).
    Calls("web", "LSM102", "acknowledged", "vllm/supportbot-chat", (3, 3, 2, 1, 0, 0)),
    Calls("batch", "LSM102", "unsatisfied", "vllm/gone", (0, 0, 1, 0, 0, 0)),
    # Gone on ogx-1 (no replacement): datasets and shields.
    Calls("curl", "LSM131", "gone", None, (5, 4, 4, 2, 1, 0)),
    Calls("anonymous", "LSM111", "gone", None, (1, 1, 0, 0, 0, 0)),
)

#: What `report` must turn the pending register calls into (run-config entries, per section).
EXPECTED_PENDING = {
    "registered_resources": {
        "models": [
            {"model_id": "llama3.2:3b", "provider_id": "ollama"},
            {"model_id": "supportbot-chat", "provider_id": "vllm"},
        ]
    },
    "connectors": [{"connector_id": "mcp::tickets", "url": None}],
}

_STATUS = {"satisfied": 200, "unsatisfied": 409, "acknowledged": 200, "gone": 410}
_METHOD = {"LSM101": "POST", "LSM121": "POST", "LSM131": "POST", "LSM111": "POST", "LSM102": "DELETE"}


def events() -> list[Event]:
    """Every event of `PLAN`, spread over the hours of each day."""
    out: list[Event] = []
    for calls in PLAN:
        client = CLIENTS[calls.client]
        for day, count in zip(DAYS, calls.counts, strict=True):
            for number in range(count):
                moment = dt.datetime(
                    day.year, day.month, day.day, 7 + number % 12, 5 * number % 60, tzinfo=dt.timezone.utc
                )
                out.append(
                    Event(
                        time=moment,
                        rule_id=calls.rule,
                        target=TARGET,
                        method=_METHOD[calls.rule],
                        path="/v1/models",
                        outcome=calls.outcome,
                        status=404
                        if calls.rule == "LSM102" and calls.outcome == "unsatisfied"
                        else _STATUS[calls.outcome],
                        upstream_status=None,
                        latency_ms=1.0,
                        resource_id=calls.resource_id,
                        client_address="192.0.2.10",
                        user_agent=client.user_agent,
                        sdk_name=client.sdk_name,
                        sdk_lang=client.sdk_lang,
                        sdk_version=client.sdk_version,
                        credential_fingerprint=client.fingerprint,
                    )
                )
    return sorted(out, key=lambda event: event.time)


def write_history(path: Path) -> Path:
    """Write `events()` to the SQLite file `path` with the shim's store; returns `path`."""
    store = SQLiteStore(path, flush_interval=0.05)
    for event in events():
        store.submit(event)
    store.close()
    assert store.dropped == 0
    return path


def calls_per_day_per_rule() -> dict[str, list[int]]:
    """The burn-down the report must draw, from `PLAN`."""
    table: dict[str, list[int]] = {}
    for calls in PLAN:
        row = table.setdefault(calls.rule, [0] * len(DAYS))
        for index, count in enumerate(calls.counts):
            row[index] += count
    return table


def daily_totals() -> list[int]:
    """All deprecated calls per day, from `PLAN`."""
    return [sum(calls.counts[index] for calls in PLAN) for index in range(len(DAYS))]

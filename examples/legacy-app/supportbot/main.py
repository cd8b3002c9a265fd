"""Run the support bot's whole resource lifecycle against a Llama Stack server.

    python -m supportbot.main --base-url http://127.0.0.1:8321 [--skip datasets,benchmarks]

Registers every resource, reads each one back, then unregisters them in the reverse order.
Prints one line per operation (``OK``, ``SKIP`` or ``FAIL``) and stops with exit status 1 at the
first failure, so it doubles as the smoke test after a server upgrade.

``--skip`` (or ``SUPPORTBOT_SKIP``) takes a comma-separated list of resources (``models``,
``shields``, ``toolgroups``, ``datasets``, ``scoring_functions``, ``benchmarks``) or single
operations (``models.register``) to leave out, for server generations that no longer have them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
import requests
from llama_stack_client import APIError, LlamaStackClient

from . import inventory, resources, teardown
from .http_admin import HTTPAdminError
from .settings import Settings

log = logging.getLogger("supportbot")

RESOURCES = ("models", "shields", "toolgroups", "datasets", "scoring_functions", "benchmarks")
_ALIASES = {
    "model": "models",
    "shield": "shields",
    "tool_groups": "toolgroups",
    "toolgroup": "toolgroups",
    "dataset": "datasets",
    "scoring_fns": "scoring_functions",
    "scoring_function": "scoring_functions",
    "benchmark": "benchmarks",
    "eval_tasks": "benchmarks",
}

# Errors that mean "this operation failed on the server", as opposed to a bug in this program.
OPERATION_ERRORS = (
    APIError,
    HTTPAdminError,
    inventory.InventoryMismatch,
    httpx.HTTPError,
    requests.RequestException,
)


def parse_skip(value: str) -> frozenset[str]:
    """``"datasets, scoring-functions,models.register"`` -> ``{"datasets", "scoring_functions", ...}``."""
    selected: set[str] = set()
    for raw in value.split(","):
        name = raw.strip().lower().replace("-", "_")
        if not name:
            continue
        resource, _, operation = name.partition(".")
        resource = _ALIASES.get(resource, resource)
        if resource not in RESOURCES:
            raise argparse.ArgumentTypeError(
                f"unknown resource {raw.strip()!r} (expected one of: {', '.join(RESOURCES)})"
            )
        selected.add(f"{resource}.{operation}" if operation else resource)
    return frozenset(selected)


@dataclass(frozen=True)
class Step:
    resource: str
    operation: str
    action: Callable[[], str]

    @property
    def label(self) -> str:
        return f"{self.resource}.{self.operation}"

    def skipped_by(self, skip: frozenset[str]) -> bool:
        return self.resource in skip or self.label in skip


@dataclass
class Registered:
    """The ids the server knows our resources by.

    Registration replaces the defaults with what the server answered; when a registration is
    skipped, the defaults are the ids the resource is declared under in the server's run config.
    """

    model: str
    shield: str = resources.SHIELD_ID
    toolgroups: list[str] = field(default_factory=lambda: [resources.TICKETS_TOOLGROUP_ID])
    dataset: str = resources.DATASET_ID
    scoring_fns: list[str] = field(default_factory=lambda: [resources.SCORING_FN_ID])
    benchmark: str = resources.BENCHMARK_ID


class Lifecycle:
    def __init__(self, client: LlamaStackClient, settings: Settings, skip: frozenset[str]) -> None:
        self.client = client
        self.settings = settings
        self.ids = Registered(model=settings.chat_model_identifier)
        if "scoring_functions" in skip:
            self.ids.scoring_fns = []

    def steps(self) -> list[Step]:
        client, settings, ids = self.client, self.settings, self.ids
        return [
            Step("models", "register", self._register_model),
            Step("shields", "register", self._register_shield),
            Step("toolgroups", "register", self._register_toolgroups),
            Step("datasets", "register", self._register_dataset),
            Step("scoring_functions", "register", self._register_scoring_function),
            Step("benchmarks", "register", self._register_benchmark),
            Step("models", "retrieve", lambda: inventory.read_model(client, ids.model)),
            Step("models", "list", lambda: inventory.list_models(settings, ids.model)),
            Step("shields", "retrieve", lambda: inventory.read_shield(client, ids.shield)),
            Step("toolgroups", "get", lambda: inventory.read_toolgroups(client, ids.toolgroups)),
            Step("datasets", "retrieve", lambda: inventory.read_dataset(client, ids.dataset)),
            Step("scoring_functions", "retrieve", self._read_scoring_functions),
            Step("benchmarks", "retrieve", lambda: inventory.read_benchmark(client, ids.benchmark)),
            Step("benchmarks", "unregister", self._unregister_benchmark),
            Step("scoring_functions", "unregister", self._unregister_scoring_functions),
            Step("datasets", "unregister", self._unregister_dataset),
            Step("toolgroups", "unregister", self._unregister_toolgroups),
            Step("shields", "delete", self._delete_shield),
            Step("models", "unregister", self._unregister_model),
        ]

    def _register_model(self) -> str:
        self.ids.model = resources.register_model(self.client, self.settings)
        return self.ids.model

    def _register_shield(self) -> str:
        self.ids.shield = resources.register_shield(self.client, self.settings)
        return self.ids.shield

    def _register_toolgroups(self) -> str:
        self.ids.toolgroups = resources.register_toolgroups(self.client, self.settings)
        return ", ".join(self.ids.toolgroups)

    def _register_dataset(self) -> str:
        self.ids.dataset = resources.register_dataset(self.client)
        return self.ids.dataset

    def _register_scoring_function(self) -> str:
        fn_id = resources.register_scoring_function(self.client, self.settings, judge_model=self.ids.model)
        self.ids.scoring_fns = [fn_id]
        return fn_id

    def _register_benchmark(self) -> str:
        self.ids.benchmark = resources.register_benchmark(
            self.client, self.settings, self.ids.dataset, self.ids.scoring_fns
        )
        return self.ids.benchmark

    def _read_scoring_functions(self) -> str:
        return "; ".join(inventory.read_scoring_function(self.client, fn) for fn in self.ids.scoring_fns)

    def _unregister_benchmark(self) -> str:
        teardown.unregister_benchmark(self.settings, self.ids.benchmark)
        return self.ids.benchmark

    def _unregister_scoring_functions(self) -> str:
        for fn_id in self.ids.scoring_fns:
            teardown.unregister_scoring_function(self.settings, fn_id)
        return ", ".join(self.ids.scoring_fns)

    def _unregister_dataset(self) -> str:
        teardown.unregister_dataset(self.client, self.ids.dataset)
        return self.ids.dataset

    def _unregister_toolgroups(self) -> str:
        return ", ".join(teardown.unregister_toolgroups(self.client, self.ids.toolgroups))

    def _delete_shield(self) -> str:
        teardown.delete_shield(self.client, self.ids.shield)
        return self.ids.shield

    def _unregister_model(self) -> str:
        teardown.unregister_model(self.client, self.ids.model)
        return self.ids.model


def report(status: str, step: Step, detail: str) -> None:
    print(f"{status:<4} {step.label:<30} {detail}", flush=True)


def run(steps: Sequence[Step], skip: frozenset[str]) -> int:
    for step in steps:
        if step.skipped_by(skip):
            report("SKIP", step, "skipped by --skip")
            continue
        try:
            detail = step.action()
        except OPERATION_ERRORS as exc:
            log.debug("%s failed", step.label, exc_info=True)
            report("FAIL", step, f"{type(exc).__name__}: {exc}")
            return 1
        report("OK", step, detail)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m supportbot.main",
        description="Register, read back and unregister every support-bot resource on a Llama Stack server.",
    )
    parser.add_argument(
        "--base-url", help="Llama Stack URL (default: $LLAMA_STACK_URL or http://127.0.0.1:8321)"
    )
    parser.add_argument(
        "--skip",
        "--skip-manual",
        dest="skip",
        metavar="OPERATIONS",
        type=parse_skip,
        default=os.environ.get("SUPPORTBOT_SKIP", ""),
        help="comma-separated resources or resource.operation names to leave out (default: $SUPPORTBOT_SKIP)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # force: importing llama_stack_client 0.3.x already called logging.basicConfig(level=INFO).
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    settings = Settings.from_env()
    if args.base_url:
        settings = settings.with_base_url(args.base_url)

    with resources.make_client(settings) as client:
        lifecycle = Lifecycle(client, settings, args.skip)
        steps = lifecycle.steps()
        known = {step.label for step in steps}
        unknown = sorted(name for name in args.skip if "." in name and name not in known)
        if unknown:
            parser.error(f"unknown operation(s) in --skip: {', '.join(unknown)}")
        log.info("running %d operations against %s", len(steps), settings.base_url)
        return run(steps, args.skip)


if __name__ == "__main__":
    sys.exit(main())

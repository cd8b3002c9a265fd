"""`support-bot` command line."""

from __future__ import annotations

import click
from llama_stack_client import LlamaStackClient

from supportbot.resources import drop_resources, ensure_resources
from supportbot.settings import Settings


@click.group()
def main() -> None:
    """Support bot administration."""


@main.command()
def setup() -> None:
    """Register what the bot needs on the stack."""
    settings = Settings.from_env()
    ensure_resources(LlamaStackClient(base_url=settings.base_url), settings)


@main.command()
def teardown() -> None:
    settings = Settings.from_env()
    drop_resources(LlamaStackClient(base_url=settings.base_url), settings)


@main.command()
@click.argument("dataset_id")
@click.argument("uri")
def import_faq(dataset_id: str, uri: str) -> None:
    """Register a FAQ dataset for offline evaluation."""
    settings = Settings.from_env()
    client = LlamaStackClient(base_url=settings.base_url)
    datasets = client.datasets
    datasets.register(
        dataset_id=dataset_id,
        purpose="eval/question-answer",
        source={"type": "uri", "uri": uri},
    )
    click.echo(f"registered {dataset_id}")

"""`llama-stack-client models ...` (vendored CLI, trimmed)."""

import click


@click.command(name="register", help="Register a new model at distribution endpoint")
@click.argument("model_id")
@click.option("--provider-id", help="Provider ID for the model", default=None)
@click.pass_context
def register_model(ctx, model_id: str, provider_id: str | None):
    client = ctx.obj["client"]
    response = client.models.register(model_id=model_id, provider_id=provider_id)
    if response:
        click.echo(f"Successfully registered model {model_id}")


@click.command(name="unregister", help="Unregister a model from distribution endpoint")
@click.argument("model_id")
@click.pass_context
def unregister_model(ctx, model_id: str):
    client = ctx.obj["client"]
    client.models.unregister(model_id=model_id)

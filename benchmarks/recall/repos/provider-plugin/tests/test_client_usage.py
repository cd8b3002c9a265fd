"""Tests of client-side helpers; the SDK is mocked throughout."""

from unittest import mock

import pytest
from llama_stack_client import LlamaStackClient


@pytest.fixture
def client() -> mock.MagicMock:
    return mock.create_autospec(LlamaStackClient, instance=True)


def test_registers_once(client: mock.MagicMock) -> None:
    from acme_provider.setup import ensure_model

    ensure_model(client, "acme-large")
    client.models.register.assert_called_once_with(model_id="acme-large", provider_id="acme")
    assert client.models.unregister.call_count == 0


def test_skips_known_models(client: mock.MagicMock) -> None:
    from acme_provider.setup import ensure_model

    client.models.list.return_value = [mock.Mock(identifier="acme-large")]
    ensure_model(client, "acme-large")
    client.models.register.assert_not_called()


@mock.patch.object(LlamaStackClient, "models")
def test_patch_object(models: mock.MagicMock) -> None:
    models.register.side_effect = RuntimeError("405 Method Not Allowed")
    with pytest.raises(RuntimeError):
        models.register(model_id="acme-large")

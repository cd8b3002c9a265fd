from unittest import mock

from supportbot.resources import GUARD_SHIELD, ensure_resources
from supportbot.settings import Settings


def test_ensure_resources_registers_missing_shield() -> None:
    client = mock.MagicMock()
    client.models.list.return_value = []
    client.shields.list.return_value = []
    client.toolgroups.list.return_value = []
    ensure_resources(client, Settings.from_env())
    client.shields.register.assert_called_once_with(
        shield_id=GUARD_SHIELD, provider_id="llama-guard", provider_shield_id="llama-guard3:1b"
    )
    assert client.models.register.call_count == 2

"""The workflow suite: `apps/` and `runners/` are what the harness runs inside the SDK venvs, not tests here."""

from __future__ import annotations

import pytest

collect_ignore = ["apps", "runners", "standins.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: runs real Llama Stack / OGX servers (Python 3.12 venvs, cached; first run installs them)",
    )

from __future__ import annotations

import httpx

from ._base_client import AsyncAPIClient, SyncAPIClient
from .resources import shields, toolgroups
from .resources.models import models


class LlamaStackClient(SyncAPIClient):
    models: models.ModelsResource
    shields: shields.ShieldsResource
    toolgroups: toolgroups.ToolgroupsResource

    def __init__(self, *, base_url: str | httpx.URL | None = None, timeout: float = 60.0) -> None:
        super().__init__(base_url=base_url or "http://localhost:8321", timeout=timeout)
        self.models = models.ModelsResource(self)
        self.shields = shields.ShieldsResource(self)
        self.toolgroups = toolgroups.ToolgroupsResource(self)


class AsyncLlamaStackClient(AsyncAPIClient):
    def __init__(self, *, base_url: str | httpx.URL | None = None, timeout: float = 60.0) -> None:
        super().__init__(base_url=base_url or "http://localhost:8321", timeout=timeout)
        self.models = models.AsyncModelsResource(self)
        self.shields = shields.AsyncShieldsResource(self)

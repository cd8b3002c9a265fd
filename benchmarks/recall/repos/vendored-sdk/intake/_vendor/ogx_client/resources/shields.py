# File generated from our OpenAPI spec by Stainless. See CONTRIBUTING.md for details.
# Trimmed copy of ogx-client 0.8.0 for the migration spike.

from __future__ import annotations

from .._base_client import make_request_options
from .._resource import AsyncAPIResource, SyncAPIResource
from .._types import NoneType
from ..types.shield import Shield


class ShieldsResource(SyncAPIResource):
    def register(self, *, shield_id: str, provider_id: str | None = None) -> Shield:
        return self._post(
            "/v1/shields",
            body={"shield_id": shield_id, "provider_id": provider_id},
            options=make_request_options(),
            cast_to=Shield,
        )

    def delete(self, identifier: str) -> None:
        return self._delete(f"/v1/shields/{identifier}", options=make_request_options(), cast_to=NoneType)


class AsyncShieldsResource(AsyncAPIResource):
    async def delete(self, identifier: str) -> None:
        await self._delete(f"/v1/shields/{identifier}", options=make_request_options(), cast_to=NoneType)

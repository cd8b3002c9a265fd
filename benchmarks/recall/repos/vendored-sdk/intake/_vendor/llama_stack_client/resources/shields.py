# File generated from our OpenAPI spec by Stainless. See CONTRIBUTING.md for details.

from __future__ import annotations

from typing import Dict

import httpx

from .._base_client import make_request_options
from .._resource import AsyncAPIResource, SyncAPIResource
from .._types import NOT_GIVEN, Headers, NoneType, NotGiven
from .._utils import maybe_transform
from ..types import shield_register_params
from ..types.shield import Shield

__all__ = ["ShieldsResource", "AsyncShieldsResource"]


class ShieldsResource(SyncAPIResource):
    def delete(self, identifier: str, *, extra_headers: Headers | None = None) -> None:
        if not identifier:
            raise ValueError(f"Expected a non-empty value for `identifier` but received {identifier!r}")
        return self._delete(
            f"/v1/shields/{identifier}",
            options=make_request_options(extra_headers={"Accept": "*/*", **(extra_headers or {})}),
            cast_to=NoneType,
        )

    def register(
        self,
        *,
        shield_id: str,
        params: Dict[str, object] | NotGiven = NOT_GIVEN,
        provider_id: str | NotGiven = NOT_GIVEN,
        provider_shield_id: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
    ) -> Shield:
        return self._post(
            "/v1/shields",
            body=maybe_transform(
                {
                    "shield_id": shield_id,
                    "params": params,
                    "provider_id": provider_id,
                    "provider_shield_id": provider_shield_id,
                },
                shield_register_params.ShieldRegisterParams,
            ),
            options=make_request_options(timeout=timeout),
            cast_to=Shield,
        )


class AsyncShieldsResource(AsyncAPIResource):
    async def delete(self, identifier: str) -> None:
        return await self._delete(f"/v1/shields/{identifier}", options=make_request_options(), cast_to=NoneType)

    async def register(self, *, shield_id: str, provider_id: str | NotGiven = NOT_GIVEN) -> Shield:
        return await self._post(
            "/v1/shields",
            body=maybe_transform({"shield_id": shield_id, "provider_id": provider_id}, shield_register_params.ShieldRegisterParams),
            options=make_request_options(),
            cast_to=Shield,
        )

# File generated from our OpenAPI spec by Stainless. See CONTRIBUTING.md for details.

from __future__ import annotations

from typing import Dict, Optional

import httpx

from ...._resource import AsyncAPIResource, SyncAPIResource
from ...._response import to_raw_response_wrapper, to_streamed_response_wrapper
from ...._types import NOT_GIVEN, Body, Headers, NoneType, NotGiven, Query
from ...._utils import maybe_transform
from ....types import model_register_params
from ....types.model import Model
from ...._base_client import make_request_options

__all__ = ["ModelsResource", "AsyncModelsResource"]


class ModelsResource(SyncAPIResource):
    def retrieve(
        self,
        model_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
    ) -> Model:
        if not model_id:
            raise ValueError(f"Expected a non-empty value for `model_id` but received {model_id!r}")
        return self._get(
            f"/v1/models/{model_id}",
            options=make_request_options(extra_headers=extra_headers, timeout=timeout),
            cast_to=Model,
        )

    def register(
        self,
        *,
        model_id: str,
        metadata: Dict[str, object] | NotGiven = NOT_GIVEN,
        model_type: str | NotGiven = NOT_GIVEN,
        provider_id: str | NotGiven = NOT_GIVEN,
        provider_model_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
    ) -> Model:
        """Register a model."""
        return self._post(
            "/v1/models",
            body=maybe_transform(
                {
                    "model_id": model_id,
                    "metadata": metadata,
                    "model_type": model_type,
                    "provider_id": provider_id,
                    "provider_model_id": provider_model_id,
                },
                model_register_params.ModelRegisterParams,
            ),
            options=make_request_options(
                extra_headers=extra_headers, extra_query=extra_query, extra_body=extra_body, timeout=timeout
            ),
            cast_to=Model,
        )

    def unregister(
        self,
        model_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
    ) -> None:
        """Unregister a model."""
        if not model_id:
            raise ValueError(f"Expected a non-empty value for `model_id` but received {model_id!r}")
        extra_headers = {"Accept": "*/*", **(extra_headers or {})}
        return self._delete(
            f"/v1/models/{model_id}",
            options=make_request_options(extra_headers=extra_headers, timeout=timeout),
            cast_to=NoneType,
        )


class AsyncModelsResource(AsyncAPIResource):
    async def register(
        self,
        *,
        model_id: str,
        provider_id: str | NotGiven = NOT_GIVEN,
        provider_model_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
    ) -> Model:
        return await self._post(
            "/v1/models",
            body=maybe_transform(
                {"model_id": model_id, "provider_id": provider_id, "provider_model_id": provider_model_id},
                model_register_params.ModelRegisterParams,
            ),
            options=make_request_options(extra_headers=extra_headers, timeout=timeout),
            cast_to=Model,
        )

    async def unregister(self, model_id: str, *, timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN) -> None:
        return await self._delete(
            f"/v1/models/{model_id}",
            options=make_request_options(timeout=timeout),
            cast_to=NoneType,
        )


class ModelsResourceWithRawResponse:
    def __init__(self, models: ModelsResource) -> None:
        self._models = models
        self.register = to_raw_response_wrapper(models.register)
        self.unregister = to_raw_response_wrapper(models.unregister)


class ModelsResourceWithStreamingResponse:
    def __init__(self, models: ModelsResource) -> None:
        self._models = models
        self.register = to_streamed_response_wrapper(models.register)
        self.unregister = to_streamed_response_wrapper(models.unregister)


def _optional(value: Optional[str]) -> str:
    return value or ""

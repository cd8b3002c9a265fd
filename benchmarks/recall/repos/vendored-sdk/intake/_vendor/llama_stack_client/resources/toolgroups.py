# File generated from our OpenAPI spec by Stainless. See CONTRIBUTING.md for details.

from __future__ import annotations

from typing import Dict

from .._base_client import make_request_options
from .._resource import SyncAPIResource
from .._types import NOT_GIVEN, NoneType, NotGiven
from .._utils import maybe_transform
from ..types import toolgroup_register_params

__all__ = ["ToolgroupsResource"]


class ToolgroupsResource(SyncAPIResource):
    def register(
        self,
        *,
        provider_id: str,
        toolgroup_id: str,
        args: Dict[str, object] | NotGiven = NOT_GIVEN,
        mcp_endpoint: toolgroup_register_params.McpEndpoint | NotGiven = NOT_GIVEN,
    ) -> None:
        """Register a tool group."""
        extra_headers = {"Accept": "*/*"}
        return self._post(
            "/v1/toolgroups",
            body=maybe_transform(
                {"provider_id": provider_id, "toolgroup_id": toolgroup_id, "args": args, "mcp_endpoint": mcp_endpoint},
                toolgroup_register_params.ToolgroupRegisterParams,
            ),
            options=make_request_options(extra_headers=extra_headers),
            cast_to=NoneType,
        )

    def unregister(self, toolgroup_id: str) -> None:
        """Unregister a tool group."""
        return self._delete(
            f"/v1/toolgroups/{toolgroup_id}",
            options=make_request_options(extra_headers={"Accept": "*/*"}),
            cast_to=NoneType,
        )

"""Which callers get legacy answers to the reads the shim translates: the SDKs that parse only the legacy shape.

A client is *legacy* when it announces llama-stack-client older than 0.4 (the last SDK generation that
parsed the legacy listings): by `X-LlamaStack-Client-Version`, or by its Stainless `User-Agent`
(`LlamaStackClient/Python 0.3.5`, `AsyncLlamaStackClient/...`) with `X-Stainless-Package-Version`.
Clients that announce 0.4 or later, `ogx-client`, or nothing at all get the upstream's answer untouched:
a raw `requests` script cannot be told from a current one by its headers. The operator opts such
clients in by `User-Agent` prefix (`--legacy-user-agent python-requests`), knowing the scripts behind
them read the legacy shape.

The headers read are the request's own: the version gate rewrites `X-LlamaStack-Client-Version` only
on the copy that goes upstream.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from migrate.shim.headers import Header
from migrate.shim.version import major_minor

#: The first llama-stack-client release whose model listing is the OpenAI list: older ones are legacy.
CURRENT_SINCE = (0, 4)
_STAINLESS = re.compile(rb"^\s*(?:Async)?LlamaStackClient/\S+ (?P<version>\d+\.\d+)")


class LegacyClients:
    """`legacy(headers)`: whether the caller is a legacy client (see the module docstring)."""

    def __init__(self, user_agent_prefixes: Sequence[str] = ()) -> None:
        self._prefixes = tuple(prefix.encode("latin-1") for prefix in user_agent_prefixes if prefix)

    def legacy(self, headers: Sequence[Header]) -> bool:
        sdk_version: bytes | None = None
        stainless: bytes | None = None
        user_agent = b""
        for name, value in headers:
            if name == b"x-llamastack-client-version":
                sdk_version = value
            elif name == b"x-ogx-client-version":
                return False
            elif name == b"user-agent":
                user_agent = value
            elif name == b"x-stainless-package-version":
                stainless = value
        if sdk_version is None:
            found = _STAINLESS.match(user_agent)
            if found is not None:
                sdk_version = stainless or found.group("version")
        if sdk_version is not None:
            release = major_minor(sdk_version.decode("latin-1"))
            return release is not None and release < CURRENT_SINCE
        return bool(self._prefixes) and user_agent.startswith(self._prefixes)

"""Who made a deprecated call: the SDK from the request headers, and a fingerprint of the credential.

The fingerprint is `hmac-sha256:` and the first 16 hex digits of HMAC-SHA256 over the whole
`Authorization` value, keyed with a random per-install key kept in a file beside the events
database (mode 0600). The same credential always gives the same fingerprint on one install, the
value itself is never stored, and without the key a fingerprint cannot be tested against guesses.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from migrate.errors import MigrateError
from migrate.shim.headers import Header

_PRODUCT = re.compile(r"^\s*([A-Za-z][A-Za-z0-9._+-]*)(?:/([A-Za-z0-9._+-]+))?")
_MAX_FIELD = 200
#: Stainless user agents (`LlamaStackClient/Python 0.3.5`) name a client class; these are the packages.
_SDK_PACKAGES = {
    "LlamaStackClient": "llama-stack-client",
    "AsyncLlamaStackClient": "llama-stack-client",
    "OgxClient": "ogx-client",
    "AsyncOgxClient": "ogx-client",
}


@dataclass(frozen=True)
class ClientIdentity:
    """What the request headers say about the caller; every field may be unknown."""

    user_agent: str | None
    sdk_name: str | None
    sdk_lang: str | None
    sdk_version: str | None
    credential_fingerprint: str | None


def _clean(value: bytes | None) -> str | None:
    if value is None:
        return None
    text = "".join(char if " " <= char <= "~" else "?" for char in value.decode("latin-1"))
    return text[:_MAX_FIELD] or None


class Fingerprinter:
    """Keyed, truncated HMAC of credentials."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise MigrateError("the fingerprint key must have at least 16 bytes")
        self._key = key

    def fingerprint(self, credential: bytes) -> str:
        """`hmac-sha256:` and 16 hex digits; the same credential always gives the same value."""
        return "hmac-sha256:" + hmac.new(self._key, credential, hashlib.sha256).hexdigest()[:16]


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`, created (32 random bytes, hex, mode 0600) when the file does not exist.

    The key is written to a temporary file and hard-linked into place, so a shim starting at the
    same moment never reads a half-written key: the link either wins, or finds the other's key.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                    handle.write(secrets.token_hex(32) + "\n")
                os.chmod(temporary, 0o600)
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise MigrateError(f"cannot read or create the fingerprint key {path}: {exc}") from exc


def identify(headers: Sequence[Header], fingerprinter: Fingerprinter) -> ClientIdentity:
    """The caller as the (original, unrewritten) request headers describe it."""
    fields = dict(headers)
    user_agent = _clean(fields.get(b"user-agent"))
    sdk_name: str | None = None
    sdk_version: str | None = None
    if b"x-ogx-client-version" in fields:
        sdk_name, sdk_version = "ogx-client", _clean(fields[b"x-ogx-client-version"])
    elif b"x-llamastack-client-version" in fields:
        sdk_name, sdk_version = "llama-stack-client", _clean(fields[b"x-llamastack-client-version"])
    elif user_agent is not None and (product := _PRODUCT.match(user_agent)):
        sdk_name = _SDK_PACKAGES.get(product.group(1), product.group(1))
        sdk_version = _clean(fields.get(b"x-stainless-package-version")) or product.group(2)
    authorization = fields.get(b"authorization")
    return ClientIdentity(
        user_agent=user_agent,
        sdk_name=sdk_name,
        sdk_lang=_clean(fields.get(b"x-stainless-lang")),
        sdk_version=sdk_version,
        credential_fingerprint=fingerprinter.fingerprint(authorization) if authorization else None,
    )

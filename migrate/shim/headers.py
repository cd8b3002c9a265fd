"""HTTP header rules: hop-by-hop fields (RFC 9110 section 7.6.1) and the deprecation headers.

Every answer to a deprecated call carries

* `Deprecation: @<unix seconds>` (RFC 9745): midnight UTC of the day upstream deprecated the operation
  (an answer to a read rule's call has none: no release deprecated the read, it broke);
* `Sunset: <HTTP-date>` (RFC 8594): when the target removed it, if the rule knows the date. A
  month-only date (`2026-04`) stands for the first day of that month, 00:00:00 GMT;
* `Link: <docs>; rel="deprecation"` and, when the replacement is an HTTP resource,
  `Link: <replacement>; rel="successor-version"`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from email.utils import formatdate
from functools import cache

from migrate.rules import Rule, TargetPlan

Header = tuple[bytes, bytes]

#: Connection-specific fields a proxy must not forward (RFC 9110 7.6.1), plus the proxy's own
#: credentials and `Expect` (the shim answers `100-continue` itself).
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"proxy-connection",
        b"keep-alive",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-authorization",
        b"proxy-authenticate",
        b"expect",
    }
)


def end_to_end(headers: Iterable[Header]) -> list[Header]:
    """`headers` (lower-case names) without hop-by-hop fields and without those `Connection` names."""
    listed = list(headers)
    named = {
        token.strip().lower()
        for name, value in listed
        if name == b"connection"
        for token in value.split(b",")
        if token.strip()
    }
    return [(name, value) for name, value in listed if name not in HOP_BY_HOP and name not in named]


@cache
def deprecation_value(day: dt.date) -> str:
    """RFC 9745 `Deprecation` value: a structured-field date, `@` and the Unix time of `day` 00:00 UTC."""
    return f"@{calendar.timegm(day.timetuple())}"


@cache
def sunset_value(removed_date: str) -> str:
    """RFC 8594 `Sunset` value for `YYYY-MM` (the first of the month) or `YYYY-MM-DD`."""
    parts = [int(part) for part in removed_date.split("-")]
    day = dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    return formatdate(calendar.timegm(day.timetuple()), usegmt=True)


def deprecation_headers(rule: Rule, plan: TargetPlan, successor: str | None) -> list[Header]:
    """The headers every answer to a call of `rule` carries on the target of `plan` (no `Deprecation` for a read,
    which no release deprecated: it broke)."""
    headers: list[Header] = []
    if rule.deprecated is not None:
        headers.append((b"deprecation", deprecation_value(rule.deprecated.date).encode("ascii")))
    if plan.removed_date is not None:
        headers.append((b"sunset", sunset_value(plan.removed_date).encode("ascii")))
    links = [f'<{rule.docs}>; rel="deprecation"']
    if successor is not None:
        links.append(f'<{successor}>; rel="successor-version"')
    headers.append((b"link", ", ".join(links).encode("utf-8")))
    return headers

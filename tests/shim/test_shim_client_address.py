"""`--trusted-proxy`: which address a deprecation event names as the client (nginx `real_ip_recursive on`)."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError
from migrate.shim.client_address import ClientAddress, parse_trusted_proxies

GATEWAYS = parse_trusted_proxies(["10.0.0.0/8", "127.0.0.1", "fd00::/8"])


def forwarded(*values: str) -> list[tuple[bytes, bytes]]:
    return [(b"x-forwarded-for", value.encode()) for value in values]


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        # An untrusted peer is the client, whatever it claims to forward for.
        ("198.51.100.4", forwarded("203.0.113.9"), "198.51.100.4"),
        # A trusted gateway forwarding for a client.
        ("127.0.0.1", forwarded("203.0.113.9"), "203.0.113.9"),
        # A chain of gateways: the nearest untrusted hop, not what the client itself put first.
        ("127.0.0.1", forwarded("6.6.6.6, 203.0.113.9, 10.1.2.3"), "203.0.113.9"),
        # Several header lines are one list, in order.
        ("127.0.0.1", forwarded("203.0.113.9", "10.1.2.3"), "203.0.113.9"),
        # Only gateways in the chain: the farthest one.
        ("127.0.0.1", forwarded("10.9.9.9, 10.1.2.3"), "10.9.9.9"),
        # A broken hop ends the walk at the last trusted address; garbage never becomes the client.
        ("127.0.0.1", forwarded("203.0.113.9, not-an-address, 10.1.2.3"), "10.1.2.3"),
        ("127.0.0.1", forwarded("unknown"), "127.0.0.1"),
        # A trusted gateway without the header.
        ("127.0.0.1", [], "127.0.0.1"),
        # IPv6, bracketed or not, and an IPv4 gateway seen as an IPv4-mapped IPv6 peer.
        ("fd00::1", forwarded("[2001:db8::7]"), "2001:db8::7"),
        ("::ffff:127.0.0.1", forwarded("2001:db8::7"), "2001:db8::7"),
        # A peer that is not an IP address (a Unix socket) is taken as it is.
        ("/run/shim.sock", forwarded("203.0.113.9"), "/run/shim.sock"),
        (None, forwarded("203.0.113.9"), None),
    ],
)
def test_the_client_is_the_nearest_untrusted_hop(
    peer: str | None, headers: list[tuple[bytes, bytes]], client: str | None
) -> None:
    assert ClientAddress(GATEWAYS)(peer, headers) == client


def test_without_trusted_gateways_the_header_is_never_read() -> None:
    assert ClientAddress()("127.0.0.1", forwarded("203.0.113.9")) == "127.0.0.1"


def test_bad_networks_are_refused_with_the_value() -> None:
    with pytest.raises(MigrateError, match=r"--trusted-proxy '10\.0\.0\.0/33'"):
        parse_trusted_proxies(["10.0.0.0/33"])

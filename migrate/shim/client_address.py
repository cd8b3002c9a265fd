"""Who the client is: the socket peer, or, behind gateways the operator trusts, the address they forwarded.

Like nginx's `set_real_ip_from` with `real_ip_recursive on`: only when the peer is a trusted gateway
is `X-Forwarded-For` read, from the right, and the first hop that is not itself trusted is the
client. A hop that is not an IP address ends the walk at the last trusted hop: a forged or broken
header never becomes a client address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from migrate.errors import MigrateError

Network = IPv4Network | IPv6Network
Header = tuple[bytes, bytes]


def parse_trusted_proxies(values: Iterable[str]) -> tuple[Network, ...]:
    """`--trusted-proxy` values: addresses or CIDR networks (`10.0.0.0/8`, `::1`)."""
    networks = []
    for value in values:
        try:
            networks.append(ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise MigrateError(f"--trusted-proxy {value!r} is not an IP address or network (e.g. 10.0.0.0/8)") from exc
    return tuple(networks)


class ClientAddress:
    """Resolves the address recorded in deprecation events from the peer and the request headers."""

    def __init__(self, trusted: Sequence[Network] = ()) -> None:
        self.trusted = tuple(trusted)

    def _is_trusted(self, address: IPv4Address | IPv6Address) -> bool:
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address.version == network.version and address in network for network in self.trusted)

    def __call__(self, peer: str | None, headers: Sequence[Header]) -> str | None:
        if peer is None or not self.trusted:
            return peer
        current = _parse(peer)
        if current is None or not self._is_trusted(current):
            return peer
        chain = [hop.strip() for name, value in headers if name == b"x-forwarded-for" for hop in value.split(b",")]
        for raw in reversed(chain):
            hop = _parse(raw.decode("latin-1"))
            if hop is None:
                break
            current = hop
            if not self._is_trusted(hop):
                break
        return str(current)


def _parse(value: str) -> IPv4Address | IPv6Address | None:
    """An address as gateways write it: bare, or IPv6 in brackets; None for anything else."""
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ip_address(text)
    except ValueError:
        return None

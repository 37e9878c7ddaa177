"""Which network addresses the server may contact on behalf of remote input.

Almost every outgoing request of a federated server is aimed at a URL that a
stranger chose (an actor id, an inbox, a ``Location`` header).  Without a
policy, such a URL can point the server at its own loopback interface, the
cloud metadata service (169.254.169.254) or the operator's private network,
and turn it into a proxy for attacks on them (SSRF).  This module holds the
pure part of that policy -- classifying an IP address and resolving a host
name -- so that both the early URL check and the connect-time check in
:mod:`migrantnet.federation.fetch` apply exactly the same rule.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: ``async resolver(host, port) -> [ip, ...]``.  Injectable so tests can play
#: DNS (including DNS rebinding) without touching real name servers.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

# Carrier-grade NAT space: not "private" for the ``ipaddress`` module before
# Python 3.13, but it is somebody's internal network all the same.
_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")

# NAT64 well-known prefix: on IPv6-only hosts with DNS64, public IPv4 servers
# are reached through it, so judge the embedded IPv4 address instead of
# refusing the whole prefix (which ``is_reserved`` would otherwise do).
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def parse_ip(text: str) -> IPAddress | None:
    """Parse an IP literal (IPv6 may carry a ``%scope``); ``None`` for a host name."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is one that a stranger's URL may make us connect to.

    The rule errs on the side of refusing: anything the ``ipaddress`` module
    does not consider plainly routable on the public Internet is refused, and
    IPv6 forms that merely wrap an IPv4 address (IPv4-mapped, NAT64, 6to4) are
    judged by the IPv4 address they lead to.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address in _NAT64_PREFIX:
            return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
        if address.sixtofour is not None and not is_public_address(address.sixtofour):
            return False
        if address.is_site_local:
            return False
    elif address in _SHARED_ADDRESS_SPACE:
        return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def is_public_ip_text(text: str) -> bool:
    """:func:`is_public_address` for a textual address; unparseable text is refused."""
    address = parse_ip(text)
    return address is not None and is_public_address(address)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system's resolver, keeping order.

    The order is the one ``getaddrinfo`` chose (RFC 6724 preference), which is
    the order in which connections will be attempted.
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        ip = str(sockaddr[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses

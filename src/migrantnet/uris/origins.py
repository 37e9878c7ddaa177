"""One spelling of a URL's origin, so that "is this our node?" has one answer.

A literal comparison once let a follower whose inbox was `https://NODE.EXAMPLE/inbox` make the
node deliver to itself and overwrite its own objects.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, int] | None:
    """(host, port) in one spelling; the scheme only decides the default port, and 80/443 of
    the same host count as one (a reverse proxy answers both)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    host = _canonical_host(parts)
    if host is None:
        return None
    port = port or DEFAULT_PORTS[scheme]
    return host, 443 if port == 80 else port


def _canonical_host(parts: SplitResult) -> str | None:
    return _canonical_name(parts.hostname or "")


@lru_cache(maxsize=4096)
def _canonical_name(hostname: str) -> str | None:
    """Cached: an inbox batch asks for the same few hosts on every row, and the IDNA codec
    and the failed IP address parse of a name cost more than the rest of the check."""
    host = hostname.rstrip(".")
    if not host:
        return None
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    address = getattr(address, "ipv4_mapped", None) or address
    return "loopback" if address.is_loopback else str(address)


def same_origin(url: str, other: str) -> bool:
    """True when both URLs name the same host and port, however each is spelled."""
    theirs = origin_of(url)
    return theirs is not None and theirs == origin_of(other)

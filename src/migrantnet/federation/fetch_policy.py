"""What the safe client may contact, and within which limits: `FetchPolicy` and the early,
pre-connect half of the address check (`check_destination`). The connect-time half is
`pinned.PinnedNetworkBackend`; the client that applies both is `fetch.SafeClient`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from migrantnet.federation.addresses import (
    Resolver,
    is_public_ip_text,
    parse_ip,
    system_resolver,
)
from migrantnet.federation.fetch_errors import AddressNotAllowed, ConnectionFailed, FetchTimeout


@dataclass(frozen=True, kw_only=True)
class FetchPolicy:
    """Limits for outgoing requests; filled from the server settings by the caller.

    ``user_agent`` is required because it should name this server (remote
    admins use it to find who is knocking).
    """

    user_agent: str
    allow_private_addresses: bool = False
    allow_http: bool = True
    connect_timeout: float = 5
    read_timeout: float = 10
    write_timeout: float = 10
    #: Whole request, redirects included: per-read timeouts alone let a server
    #: drip one byte every few seconds forever (Mastodon's read deadline is 30 s).
    total_timeout: float = 30
    max_body_bytes: int = 1_048_576
    max_redirects: int = 3
    max_connections: int = 20

    def __post_init__(self) -> None:
        if not self.user_agent or any(c in self.user_agent for c in "\r\n"):
            raise ValueError("user_agent must be a non-empty single line")
        for name in ("connect_timeout", "read_timeout", "write_timeout", "total_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_body_bytes <= 0 or self.max_connections <= 0 or self.max_redirects < 0:
            raise ValueError(
                "max_body_bytes and max_connections must be positive, max_redirects >= 0"
            )


def parse_url(url: str | httpx.URL) -> httpx.URL:
    """The URL as httpx holds it; one that does not parse is refused, not a crash."""
    try:
        return url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise AddressNotAllowed(str(url), f"invalid URL: {exc}") from exc


async def check_destination(
    url: str | httpx.URL,
    policy: FetchPolicy,
    *,
    resolver: Resolver = system_resolver,
) -> None:
    """Refuse a URL we must not contact, before any connection is made.

    Raises :class:`AddressNotAllowed` for a bad scheme, missing host,
    userinfo, or (unless private addresses are allowed) a host with any
    non-public address.  With the default transport this is the early half of
    the check; the connect-time half is :class:`PinnedNetworkBackend`.
    """
    parsed = parse_url(url)
    text = str(parsed)
    schemes = ("http", "https") if policy.allow_http else ("https",)
    if parsed.scheme not in schemes:
        raise AddressNotAllowed(text, f"scheme {parsed.scheme!r} not allowed")
    if parsed.userinfo:
        raise AddressNotAllowed(text, "credentials in URLs are not allowed")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise AddressNotAllowed(text, "URL has no host")
    if policy.allow_private_addresses:
        return
    if parse_ip(host) is not None:
        addresses: Sequence[str] = [host]
    else:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            async with asyncio.timeout(policy.connect_timeout):
                addresses = await resolver(host, port)
        except TimeoutError as exc:
            raise FetchTimeout(text, f"resolving {host} timed out") from exc
        except OSError as exc:
            raise ConnectionFailed(text, f"could not resolve {host}: {exc}") from exc
        if not addresses:
            raise ConnectionFailed(text, f"{host} has no addresses")
    refused = [address for address in addresses if not is_public_ip_text(address)]
    if refused:
        raise AddressNotAllowed(text, f"{host} resolves to non-public address {refused[0]}")

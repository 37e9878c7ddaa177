"""The connect-time address check for the delivery client (`delivery_client.py`): an aiohttp
resolver that asks the project's resolver (`addresses.py`) and refuses the whole answer if any
address is not public, so aiohttp dials only addresses judged here. The httpx counterpart,
used by `fetch.SafeClient`, is `pinned.PinnedNetworkBackend`; both apply the same rule.

aiohttp asks a resolver only for host names: an IP literal is dialled as written, so the
delivery client judges literals itself before the request (they cannot change in between).
"""

from __future__ import annotations

import asyncio
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from migrantnet.federation.addresses import Resolver, is_public_ip_text, parse_ip, system_resolver
from migrantnet.federation.pinned import ConnectRefused


class PinnedResolver(AbstractResolver):
    """Resolve through `resolver`; refuse (``ConnectRefused``) a host with any non-public
    address unless `allow_private_addresses`. ``ConnectRefused`` is not an ``OSError`` on
    purpose: aiohttp passes it through unwrapped, so the client can tell a refusal from a
    name that does not resolve."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool,
        resolver: Resolver = system_resolver,
        timeout: float,
    ) -> None:
        self._allow_private = allow_private_addresses
        self._resolver = resolver
        self._timeout = timeout

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.rstrip(".")  # aiohttp may hand the name fully qualified
        async with asyncio.timeout(self._timeout):  # TimeoutError: aiohttp lets it through
            addresses = list(await self._resolver(name, port))
        if not addresses:
            raise OSError(f"{name} has no addresses")
        if not self._allow_private:
            refused = [address for address in addresses if not is_public_ip_text(address)]
            if refused:
                raise ConnectRefused(f"{name} resolves to non-public address {refused[0]}")
        results: list[ResolveResult] = []
        for address in addresses:
            parsed = parse_ip(address)
            if parsed is None:
                raise ConnectRefused(f"{name} resolves to {address!r}, not an IP address")
            found = socket.AF_INET6 if parsed.version == 6 else socket.AF_INET
            if family not in (socket.AF_UNSPEC, found):
                continue
            results.append(
                {
                    "hostname": name,
                    "host": address.split("%", 1)[0],
                    "port": port,
                    "family": found,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                }
            )
        if not results:
            raise OSError(f"{name} has no address of family {family!r}")
        return results

    async def close(self) -> None:
        """Nothing held: the project's resolver keeps no state."""

"""The connect-time half of keeping private addresses out (see `federation/fetch.py`): an
httpcore backend that dials only the addresses it checked itself, and httpx's transport
rebuilt on it. Beside `addresses.py`, which judges the addresses."""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from migrantnet.federation.addresses import Resolver, is_public_ip_text, parse_ip, system_resolver


class ConnectRefused(Exception):
    """Raised inside httpcore; deliberately not an httpcore error so httpx passes it through."""


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that only dials addresses it has checked itself.

    httpcore hands ``connect_tcp`` the host name.  This backend resolves it,
    refuses the connection if any address is not public (unless allowed), and
    connects to the checked IP addresses in resolver order, so the address
    judged is the address dialled.
    """

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private_addresses
        self._resolver = resolver
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def _resolve(self, host: str, port: int, time_limit: float | None) -> list[str]:
        if parse_ip(host) is not None:
            return [host]
        try:
            async with asyncio.timeout(time_limit):
                addresses = list(await self._resolver(host, port))
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no addresses")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        addresses = await self._resolve(host, port, timeout)
        if not self._allow_private:
            refused = [address for address in addresses if not is_public_ip_text(address)]
            if refused:
                raise ConnectRefused(f"{host} resolves to non-public address {refused[0]}")
        last_error: Exception | None = None
        for index, address in enumerate(addresses):
            attempt_timeout = None
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                # Share what is left so one black-holed address cannot eat it all.
                attempt_timeout = remaining / (len(addresses) - index)
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=attempt_timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        if last_error is not None:
            raise last_error
        raise httpcore.ConnectTimeout(f"connecting to {host} timed out")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ConnectRefused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client of the process: loading the CA bundle costs 10-20 ms
    of CPU, and fetching (SafeClient) and delivering (DeliveryClient) share it. A context
    is safe to share; nothing here changes it after it is made."""
    return httpx.create_ssl_context()


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on :class:`PinnedNetworkBackend`.

    httpx has no switch for httpcore's network backend, so the pool that
    ``AsyncHTTPTransport`` builds is replaced by an equivalent one; httpx's
    request/response conversion and exception mapping are kept unchanged.
    """

    def __init__(
        self, *, max_connections: int, allow_private_addresses: bool, resolver: Resolver
    ) -> None:
        ssl_context = shared_ssl_context()
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=15.0,
        )
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("unsupported httpx version: cannot pin connection addresses")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedNetworkBackend(
                allow_private_addresses=allow_private_addresses, resolver=resolver
            ),
        )

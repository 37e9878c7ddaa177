"""What the safe client (`federation/fetch.py`) raises: one family, so callers (delivery
retries, actor refreshes) handle one kind of exception."""

from __future__ import annotations


class FetchError(Exception):
    """Base of everything :class:`SafeClient` raises; ``url`` is the hop that failed."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.message = message


class AddressNotAllowed(FetchError):
    """The URL or the address it leads to is not one we may contact."""


class FetchTimeout(FetchError):
    """Connecting, reading, writing or the whole exchange took too long."""


class ResponseTooLarge(FetchError):
    """The (decoded) body exceeded the policy's cap; reading stopped there."""


class BadContentType(FetchError):
    """The response is not of a media type the caller accepts."""

    def __init__(self, url: str, content_type: str | None) -> None:
        super().__init__(url, f"unexpected Content-Type {content_type!r}")
        self.content_type = content_type


class BadDocument(FetchError):
    """The body could not be understood: bad encoding, invalid JSON, not an object."""


class TooManyRedirects(FetchError):
    """The redirect chain is longer than the policy allows."""


class ConnectionFailed(FetchError):
    """Name resolution, connecting, TLS or the HTTP exchange itself failed."""


class HostBlocked(FetchError):
    """This node's moderators blocked the host or the account the URL belongs to."""


class HTTPStatusError(FetchError):
    """The server answered >= 400 (or, for :meth:`SafeClient.get_document`, anything not 2xx).

    ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent a
    usable one, so that delivery back-off can honour 429 and 503 answers.
    """

    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, f"HTTP status {status}")
        self.status = status
        self.retry_after = retry_after

"""What the safe client (`federation/fetch.py`) raises: one family, so callers (delivery
retries, actor refreshes) handle one kind of exception.

`str(exc)` and `.message` are the technical English detail (logs, the command line, the JSON
API); `.shown()` is what a person is told on a page, in the interface language: one sentence
per kind of failure (`summary`), without our internals.
"""

from __future__ import annotations

from typing import ClassVar

from migrantnet.translations import N_, say


class FetchError(Exception):
    """Base of everything :class:`SafeClient` raises; ``url`` is the hop that failed."""

    summary: ClassVar[str] = N_("the other server could not be read")

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.message = message

    def shown(self) -> str:
        return say(self.summary)


class AddressNotAllowed(FetchError):
    """The URL or the address it leads to is not one we may contact."""

    summary = N_("this address may not be contacted from this node")


class FetchTimeout(FetchError):
    """Connecting, reading, writing or the whole exchange took too long."""

    summary = N_("the other server did not answer in time")


class ResponseTooLarge(FetchError):
    """The (decoded) body exceeded the policy's cap; reading stopped there."""

    summary = N_("the other server's answer is too large")


class BadContentType(FetchError):
    """The response is not of a media type the caller accepts."""

    summary = N_("the other server did not answer with the kind of document expected")

    def __init__(self, url: str, content_type: str | None) -> None:
        super().__init__(url, f"unexpected Content-Type {content_type!r}")
        self.content_type = content_type


class BadDocument(FetchError):
    """The body could not be understood: bad encoding, invalid JSON, not an object."""

    summary = N_("the other server's answer could not be understood")


class TooManyRedirects(FetchError):
    """The redirect chain is longer than the policy allows."""

    summary = N_("the other server sends on to too many addresses")


class ConnectionFailed(FetchError):
    """Name resolution, connecting, TLS or the HTTP exchange itself failed."""

    summary = N_("the other server could not be reached")


class HostBlocked(FetchError):
    """This node's moderators blocked the host or the account the URL belongs to."""

    summary = N_("the moderators of this node blocked this server or account")


class HTTPStatusError(FetchError):
    """The server answered >= 400 (or, for :meth:`SafeClient.get_document`, anything not 2xx).

    ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent a
    usable one, so that delivery back-off can honour 429 and 503 answers.
    """

    summary = N_("the other server answered with the error HTTP %(status)s")

    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, f"HTTP status {status}")
        self.status = status
        self.retry_after = retry_after

    def shown(self) -> str:
        return say(self.summary, status=self.status)

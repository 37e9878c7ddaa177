"""Errors of the federation layer that reach a peer.

A peer's bad input is a 4xx with a reason; `web/errors.py` gives each its status, in the one
table where errors become HTTP answers.
"""

from __future__ import annotations


class FederationError(Exception):
    def __init__(self, message: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers  # e.g. WWW-Authenticate of a 401


class BadActivity(FederationError):
    pass


class Unauthenticated(FederationError):
    """A missing or invalid signature: 401, which Mastodon retries (a key may have rotated)."""


class NotAllowed(FederationError):
    pass


class PayloadTooLarge(FederationError):
    pass


class UnsupportedMediaType(FederationError):
    pass


class RateLimited(FederationError):
    """Too many deliveries from one actor or domain: 429, with `Retry-After` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"Retry-After": str(retry_after)})
        self.retry_after = retry_after

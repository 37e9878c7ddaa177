"""Errors of the federation layer that reach a peer, each with the HTTP status it means.

A peer's bad input is a 4xx with a reason; `web/errors.py` maps these in the one place where
errors become HTTP answers.
"""

from __future__ import annotations


class FederationError(Exception):
    status = 400


class BadActivity(FederationError):
    status = 400


class Unauthenticated(FederationError):
    """A missing or invalid signature: 401, which Mastodon retries (a key may have rotated)."""

    status = 401


class NotAllowed(FederationError):
    status = 403


class PayloadTooLarge(FederationError):
    status = 413


class UnsupportedMediaType(FederationError):
    status = 415


class RateLimited(FederationError):
    """Too many deliveries from one actor or domain: 429, with `Retry-After` in seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


FEDERATION_ERRORS: list[tuple[type[Exception], int]] = [
    (kind, kind.status)
    for kind in (
        BadActivity,
        Unauthenticated,
        NotAllowed,
        PayloadTooLarge,
        UnsupportedMediaType,
        RateLimited,
    )
]

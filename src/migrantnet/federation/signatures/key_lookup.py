"""The caller-supplied key fetch, and the one retry a rotated key earns.

Pure code: the lookup itself (database, HTTP) is passed in by the inbox or fetch gate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from migrantnet.federation.signatures.primitives import SignatureError


class KeyUnavailable(Exception):
    """Raised by a key lookup when the key cannot be had (its server is down, refuses, or
    answers nonsense): the signature is refused. Any other error of a lookup is a bug."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A remote actor's public key as returned by the key lookup."""

    key_id: str
    owner: str
    public_key_pem: str


#: ``key_lookup(key_id, refresh)``: the key for ``key_id`` or None if there is none, or
#: `KeyUnavailable` when it cannot be had; ``refresh=True`` asks to bypass caches (the remote
#: key may have been rotated).
KeyLookup = Callable[[str, bool], Awaitable[PublicKey | None]]


async def verify_with_key_rotation(
    key_id: str, key_lookup: KeyLookup, check: Callable[[str], bool]
) -> PublicKey:
    """Check with the known key; on failure refetch it once, as it may have been rotated."""
    key = await _lookup(key_lookup, key_id, refresh=False)
    if key is None:
        raise SignatureError(f"unknown key {key_id}")
    if check(key.public_key_pem):
        return key
    fresh = await _lookup(key_lookup, key_id, refresh=True)
    if fresh is None:
        raise SignatureError(f"key {key_id} could not be refreshed")
    if fresh.public_key_pem != key.public_key_pem and check(fresh.public_key_pem):
        return fresh
    raise SignatureError(f"signature does not match key {key_id}")


async def _lookup(key_lookup: KeyLookup, key_id: str, *, refresh: bool) -> PublicKey | None:
    """A key that cannot be had (`KeyUnavailable`) refuses the signature; any other error
    is ours, not the peer's, and goes up with its traceback instead of becoming a 401."""
    try:
        return await key_lookup(key_id, refresh)
    except KeyUnavailable as exc:
        raise SignatureError(f"key {key_id} could not be fetched: {exc}") from exc
    except Exception as exc:
        raise LookupBug(exc) from exc


class LookupBug(Exception):
    """Carries a key lookup's own error past the net that turns parser errors into refusals."""

    def __init__(self, error: Exception) -> None:
        super().__init__(repr(error))
        self.error = error

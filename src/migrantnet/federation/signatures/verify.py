"""The one entry point for incoming signatures: picks the scheme, keeps refusals plain.

A ``Signature-Input`` header means RFC 9421, otherwise draft-cavage. Parser bugs become a
refusal (never a 500 for a peer's request); a key lookup's own error goes up unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from migrantnet.federation.signatures import cavage, rfc9421
from migrantnet.federation.signatures.key_lookup import KeyLookup, LookupBug
from migrantnet.federation.signatures.primitives import (
    SignatureError,
    VerifiedSignature,
    lower_headers,
)


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key_lookup: KeyLookup,
    now: datetime,
) -> VerifiedSignature:
    """Verify a signed incoming request or raise :class:`SignatureError`.

    ``url`` is the full URL the server saw, with the path as received (not
    percent-decoded); ``body`` is the raw request body.
    """
    try:
        lowered = lower_headers(headers)
        if "signature-input" in lowered:
            return await rfc9421.verify_request(
                method, url, lowered, body, key_lookup=key_lookup, now=now
            )
        return await cavage.verify_cavage(
            method, url, lowered, body, key_lookup=key_lookup, now=now
        )
    except SignatureError:
        raise
    except LookupBug as bug:
        raise bug.error from None
    except Exception as exc:  # a parser bug must not become a 500
        raise SignatureError("malformed signed request") from exc

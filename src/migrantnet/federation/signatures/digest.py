"""Body digests: draft-cavage ``Digest`` and RFC 9530 ``Content-Digest`` (SHA-256 only)."""

from __future__ import annotations

import base64
import hashlib

import http_sf

from migrantnet.federation.signatures.primitives import SignatureError, parse_dictionary


def digest_header(body: bytes) -> str:
    """The draft-cavage ``Digest`` header value for ``body``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def check_digest(value: str | None, body: bytes) -> None:
    if value is None:
        raise SignatureError("Digest header missing")
    offered: dict[str, str] = {}
    for item in value.split(","):
        alg, _, digest = item.partition("=")
        offered.setdefault(alg.strip().lower(), digest.strip())
    given = offered.get("sha-256")
    if given is None:
        raise SignatureError(f"only SHA-256 is supported in Digest; offered: {', '.join(offered)}")
    computed = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    if given != computed:
        raise SignatureError(f"Digest mismatch: computed SHA-256 {computed}; given {given}")


def content_digest_header(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value for ``body`` (sha-256)."""
    return http_sf.ser({"sha-256": (hashlib.sha256(body).digest(), {})})


def check_content_digest(value: str | None, body: bytes) -> None:
    if value is None:
        raise SignatureError("Content-Digest header missing")
    digests = parse_dictionary(value, "Content-Digest")
    given = digests.get("sha-256", (None, {}))[0]
    if not isinstance(given, bytes):
        raise SignatureError(
            f"only sha-256 is supported in Content-Digest; offered: {', '.join(digests)}"
        )
    computed = hashlib.sha256(body).digest()
    if given != computed:
        raise SignatureError(
            "Content-Digest mismatch: computed sha-256 "
            f"{http_sf.ser((computed, {}))}; given {http_sf.ser((given, {}))}"
        )

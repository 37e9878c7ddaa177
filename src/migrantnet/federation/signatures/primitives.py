"""What draft-cavage and RFC 9421 signatures share: errors, RSA, fields, time window.

Kept apart so that each scheme imports these and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import SplitResult

import http_sf
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

#: Allowed clock difference between us and the sender (Mastodon: 1 h).
CLOCK_SKEW = timedelta(hours=1)
#: Validity of a signature that does not say when it expires (Mastodon: 5 min).
DEFAULT_VALIDITY = timedelta(minutes=5)
#: Longest validity we honour whatever ``expires`` says (Mastodon: 12 h).
MAX_VALIDITY = timedelta(hours=12)

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parsed structured-field member: (value, parameters).
Member = tuple[Any, dict[str, Any]]


class SignatureError(Exception):
    """A request signature was refused; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Who signed an accepted request, and with which signature scheme."""

    key_id: str
    owner: str
    scheme: Literal["cavage", "rfc9421"]


@lru_cache(maxsize=256)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Load an unencrypted RSA private key (cached: PEM parsing costs milliseconds)."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("only RSA private keys are supported")
    return key


def generate_key_pair() -> tuple[str, str]:
    """Return a new RSA-2048 key pair as (PKCS#8 private PEM, SPKI public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


@lru_cache(maxsize=4096)
def _load_public_key(pem: str) -> rsa.RSAPublicKey | None:
    """Parse a public key once per PEM string; None when it is not a usable RSA key."""
    try:
        key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def rsa_sha256_verify(pem: str, signature: bytes, message: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 with SHA-256, the only algorithm fediverse servers use."""
    key = _load_public_key(pem)
    if key is None:
        return False
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def rsa_sha256_sign(private_key: rsa.RSAPrivateKey, message: bytes) -> bytes:
    """Sign with RSASSA-PKCS1-v1_5 / SHA-256."""
    return private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def http_date(now: datetime) -> str:
    """Format ``now`` as an RFC 7231 IMF-fixdate; a naive datetime is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return format_datetime(now.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise SignatureError(f"invalid Date header: {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def from_timestamp(value: int, what: str) -> datetime:
    """Unix time to an aware datetime, refusing values datetime cannot hold."""
    try:
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureError(f"invalid {what} timestamp: {value}") from exc


def check_time_window(created: datetime, expires: datetime | None, now: datetime) -> None:
    """Mastodon's replay window: refuse signatures from the future or long expired."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    expiry = min(expires or created + DEFAULT_VALIDITY, created + MAX_VALIDITY)
    if created > now + CLOCK_SKEW:
        raise SignatureError(f"signature created in the future ({created.isoformat()})")
    if now > expiry + CLOCK_SKEW:
        raise SignatureError(f"signature expired ({expiry.isoformat()})")


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names lower-cased, values trimmed, repeated fields joined with ", "."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        value = value.strip(" \t")
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def url_authority(parts: SplitResult) -> str:
    """``host[:port]`` as a client sends it in ``Host`` (default port omitted)."""
    host = parts.hostname
    if not host:
        raise ValueError("URL has no host")
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host


def parse_dictionary(value: str | None, field: str) -> dict[str, Member]:
    if not value:
        raise SignatureError(f"{field} header missing")
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError) as exc:
        raise SignatureError(f"malformed {field} header") from exc
    if not isinstance(parsed, dict):
        raise SignatureError(f"malformed {field} header")
    return parsed  # type: ignore[return-value]  # http_sf types members loosely

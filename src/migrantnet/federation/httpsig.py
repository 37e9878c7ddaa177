"""HTTP signatures for server-to-server ActivityPub requests.

Signs outgoing requests the way Mastodon does (draft-cavage ``Signature`` header,
RSA-SHA256, ``Digest`` of the body) and verifies incoming ones with exactly
Mastodon's acceptance rules, so that we interoperate with the fediverse without
accepting anything Mastodon would refuse. RFC 9421 message signatures live in
:mod:`migrantnet.federation.httpsig_rfc9421`; :func:`verify_request` dispatches
to it when a ``Signature-Input`` header is present.

Pure code: key fetching is done by the caller-supplied ``key_lookup``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "KeyLookup",
    "KeyUnavailable",
    "PublicKey",
    "SignatureError",
    "VerifiedSignature",
    "digest_header",
    "generate_key_pair",
    "http_date",
    "load_private_key",
    "sign_request",
    "sign_request_rfc9421",
    "verify_request",
]

#: Allowed clock difference between us and the sender (Mastodon: 1 h).
CLOCK_SKEW = timedelta(hours=1)
#: Validity of a signature that does not say when it expires (Mastodon: 5 min).
DEFAULT_VALIDITY = timedelta(minutes=5)
#: Longest validity we honour whatever ``expires`` says (Mastodon: 12 h).
MAX_VALIDITY = timedelta(hours=12)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TCHARS = r"[0-9A-Za-z!#$%&'*+.^_`|~-]+"
# One key="value" (or key=token) pair; the alternatives cannot overlap, so no ReDoS.
_PARAM_RE = re.compile(rf'[ \t]*({_TCHARS})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|({_TCHARS}))[ \t]*')
_UNESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


class SignatureError(Exception):
    """A request signature was refused; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyUnavailable(Exception):
    """Raised by a key lookup when the key cannot be had (its server is down, refuses, or
    answers nonsense): the signature is refused. Any other error of a lookup is a bug."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A remote actor's public key as returned by the key lookup."""

    key_id: str
    owner: str
    public_key_pem: str


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Who signed an accepted request, and with which signature scheme."""

    key_id: str
    owner: str
    scheme: Literal["cavage", "rfc9421"]


#: ``key_lookup(key_id, refresh)``: the key for ``key_id`` or None if there is none, or
#: `KeyUnavailable` when it cannot be had; ``refresh=True`` asks to bypass caches (the remote
#: key may have been rotated).
KeyLookup = Callable[[str, bool], Awaitable[PublicKey | None]]


# ---------------------------------------------------------------------------
# Keys and small helpers
# ---------------------------------------------------------------------------


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


def digest_header(body: bytes) -> str:
    """The draft-cavage ``Digest`` header value for ``body``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def http_date(now: datetime) -> str:
    """Format ``now`` as an RFC 7231 IMF-fixdate; a naive datetime is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return format_datetime(now.astimezone(UTC), usegmt=True)


def _parse_http_date(value: str) -> datetime:
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
        raise _LookupBug(exc) from exc


class _LookupBug(Exception):
    """Carries a key lookup's own error past the net that turns parser errors into refusals."""

    def __init__(self, error: Exception) -> None:
        super().__init__(repr(error))
        self.error = error


# ---------------------------------------------------------------------------
# Signing (draft-cavage, as Mastodon sends it)
# ---------------------------------------------------------------------------

_CAVAGE_MANAGED = frozenset({"host", "date", "digest", "signature"})


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime,
) -> dict[str, str]:
    """Return ``headers`` plus Host, Date, Digest (for a body or POST) and Signature.

    POST signs ``(request-target) host date digest content-type``; GET signs
    ``(request-target) host date accept`` (content-type / accept when given).
    """
    parts = urlsplit(url)
    host = url_authority(parts)
    date = http_date(now)
    given = lower_headers(headers)
    out = {name: value for name, value in headers.items() if name.lower() not in _CAVAGE_MANAGED}
    out["Host"] = host
    out["Date"] = date
    signed = [
        ("(request-target)", f"{method.lower()} {_request_target(parts, with_query=True)}"),
        ("host", host),
        ("date", date),
    ]
    if body is not None or method.upper() == "POST":
        digest = digest_header(body or b"")
        out["Digest"] = digest
        signed.append(("digest", digest))
        if "content-type" in given:
            signed.append(("content-type", given["content-type"]))
    elif "accept" in given:
        signed.append(("accept", given["accept"]))
    signing_string = "\n".join(f"{name}: {value}" for name, value in signed)
    signature = base64.b64encode(rsa_sha256_sign(private_key, signing_string.encode("utf-8")))
    escaped_key_id = key_id.replace("\\", "\\\\").replace('"', '\\"')
    out["Signature"] = (
        f'keyId="{escaped_key_id}",algorithm="rsa-sha256",'
        f'headers="{" ".join(name for name, _ in signed)}",'
        f'signature="{signature.decode("ascii")}"'
    )
    return out


def sign_request_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime,
) -> dict[str, str]:
    """RFC 9421 signing; see :func:`migrantnet.federation.httpsig_rfc9421.sign_request`."""
    from migrantnet.federation import httpsig_rfc9421

    return httpsig_rfc9421.sign_request(
        method, url, headers, body, key_id=key_id, private_key=private_key, now=now
    )


def _request_target(parts: SplitResult, *, with_query: bool) -> str:
    path = parts.path or "/"
    return f"{path}?{parts.query}" if with_query and parts.query else path


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------


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
            from migrantnet.federation import httpsig_rfc9421

            return await httpsig_rfc9421.verify_request(
                method, url, lowered, body, key_lookup=key_lookup, now=now
            )
        return await _verify_cavage(method, url, lowered, body, key_lookup=key_lookup, now=now)
    except SignatureError:
        raise
    except _LookupBug as bug:
        raise bug.error from None
    except Exception as exc:  # a parser bug must not become a 500
        raise SignatureError("malformed signed request") from exc


def parse_signature_header(value: str) -> dict[str, str]:
    """Parse draft-cavage ``Signature``: comma-separated key="value" pairs."""
    if value.startswith("Signature "):  # added by old node-http-signature versions
        value = value[len("Signature ") :]
    params: dict[str, str] = {}
    pos = 0
    while True:
        match = _PARAM_RE.match(value, pos)
        if match is None:
            raise SignatureError("malformed Signature header")
        name, quoted, token = match.groups()
        params[name] = token if quoted is None else _UNESCAPE_RE.sub(r"\1", quoted)
        pos = match.end()
        if pos == len(value):
            return params
        if value[pos] != ",":
            raise SignatureError("malformed Signature header")
        pos += 1


async def _verify_cavage(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    key_lookup: KeyLookup,
    now: datetime,
) -> VerifiedSignature:
    raw = headers.get("signature")
    if not raw:
        raise SignatureError("request is not signed")
    params = parse_signature_header(raw)
    key_id = params.get("keyId")
    signature_b64 = params.get("signature")
    if not key_id or not signature_b64:
        raise SignatureError("keyId and signature are required in the Signature header")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported signature algorithm {algorithm!r}")
    default_headers = "date" if algorithm == "rsa-sha256" else "(created)"
    signed = params.get("headers", default_headers).lower().split()
    method = method.upper()

    for pseudo in ("(created)", "(expires)"):
        if pseudo in signed:
            if algorithm == "rsa-sha256":
                raise SignatureError(f"pseudo-header {pseudo} is not allowed with rsa-sha256")
            if not params.get(pseudo[1:-1]):
                raise SignatureError(f"pseudo-header {pseudo} signed but its parameter is missing")
    if "date" not in signed and "(created)" not in signed:
        raise SignatureError("the Date header or (created) pseudo-header must be signed")
    if "(request-target)" not in signed and "digest" not in signed:
        raise SignatureError("the (request-target) pseudo-header or Digest header must be signed")
    if method in ("GET", "HEAD") and "host" not in signed:
        raise SignatureError("the Host header must be signed on GET requests")
    if method == "POST" and "digest" not in signed:
        raise SignatureError("the Digest header must be signed on POST requests")

    _check_cavage_time(params, signed, headers, now)
    if "digest" in signed:
        _check_digest(headers.get("digest"), body)
    try:
        signature = base64.b64decode(signature_b64)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("signature is not valid base64") from exc

    parts = urlsplit(url)
    candidates = [_signing_string(method, parts, True, signed, params, headers)]
    if parts.query:  # older Mastodon left the query out of (request-target)
        candidates.append(_signing_string(method, parts, False, signed, params, headers))

    def check(pem: str) -> bool:
        return any(rsa_sha256_verify(pem, signature, candidate) for candidate in candidates)

    key = await verify_with_key_rotation(key_id, key_lookup, check)
    return VerifiedSignature(key_id=key_id, owner=key.owner, scheme="cavage")


def _timestamp_param(value: str, what: str) -> datetime:
    try:
        number = int(float(value)) if "." in value else int(value)
    except (ValueError, OverflowError) as exc:
        raise SignatureError(f"invalid {what} parameter: {value!r}") from exc
    return from_timestamp(number, what)


def _check_cavage_time(
    params: dict[str, str], signed: list[str], headers: dict[str, str], now: datetime
) -> None:
    if "(created)" in signed:
        created = _timestamp_param(params["created"], "created")
    else:
        date = headers.get("date")
        if not date:
            raise SignatureError("Date header missing")
        created = _parse_http_date(date)
    expires = _timestamp_param(params["expires"], "expires") if "(expires)" in signed else None
    check_time_window(created, expires, now)


def _check_digest(value: str | None, body: bytes) -> None:
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


def _signing_string(
    method: str,
    parts: SplitResult,
    with_query: bool,
    signed: list[str],
    params: dict[str, str],
    headers: dict[str, str],
) -> bytes:
    lines = []
    for name in signed:
        if name == "(request-target)":
            value = f"{method.lower()} {_request_target(parts, with_query=with_query)}"
        elif name in ("(created)", "(expires)"):
            value = params[name[1:-1]]
        elif name == "host" and "host" not in headers:
            value = url_authority(parts)
        else:
            value = headers.get(name, "")  # Mastodon signs a missing header as empty
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")

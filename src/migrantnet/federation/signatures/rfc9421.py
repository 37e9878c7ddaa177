"""RFC 9421 HTTP Message Signatures, with RFC 9530 ``Content-Digest``.

Newer Mastodon versions accept (and will send) these instead of draft-cavage
signatures. We verify with Mastodon's rules: one signature, ``created`` and
``keyid`` required, ``rsa-v1_5-sha256`` only, ``@method`` plus the target URI
covered, and ``content-digest`` covered on POST. The signature base is built here
(RFC 9421 §2.5) for the few components servers actually sign, so that every
refusal has a plain reason. Shared pieces (errors, keys, time window) come from
:mod:`migrantnet.federation.signatures.primitives`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

import http_sf
from cryptography.hazmat.primitives.asymmetric import rsa

from migrantnet.federation.signatures.digest import check_content_digest, content_digest_header
from migrantnet.federation.signatures.key_lookup import KeyLookup, verify_with_key_rotation
from migrantnet.federation.signatures.primitives import (
    Member,
    SignatureError,
    VerifiedSignature,
    check_time_window,
    from_timestamp,
    http_date,
    lower_headers,
    parse_dictionary,
    rsa_sha256_sign,
    rsa_sha256_verify,
    url_authority,
)

ALGORITHM = "rsa-v1_5-sha256"
DEFAULT_LABEL = "sig1"
_DERIVED = frozenset(
    {"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"}
)
_MANAGED = frozenset({"host", "date", "content-digest", "signature", "signature-input"})


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime,
    label: str = DEFAULT_LABEL,
) -> dict[str, str]:
    """Return ``headers`` plus Host, Date, Content-Digest (body/POST) and the signature.

    Covers ``@method``, ``@target-uri`` and, with a body, ``content-digest``.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    parts = urlsplit(url)
    out = {name: value for name, value in headers.items() if name.lower() not in _MANAGED}
    out["Host"] = url_authority(parts)
    out["Date"] = http_date(now)
    covered = ["@method", "@target-uri"]
    if body is not None or method.upper() == "POST":
        out["Content-Digest"] = content_digest_header(body or b"")
        covered.append("content-digest")
    members: list[Member] = [(name, {}) for name in covered]
    params = {"created": int(now.timestamp()), "keyid": key_id, "alg": ALGORITHM}
    fields = lower_headers(out)
    base = _signature_base(members, params, lambda name: _component(name, method, parts, fields))
    signature = rsa_sha256_sign(private_key, base)
    out["Signature-Input"] = http_sf.ser({label: (members, params)})  # type: ignore[dict-item]
    out["Signature"] = http_sf.ser({label: (signature, {})})
    return out


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    key_lookup: KeyLookup,
    now: datetime,
) -> VerifiedSignature:
    """Verify an RFC 9421 signed request or raise :class:`SignatureError`."""
    fields = lower_headers(headers)
    method = method.upper()
    parts = urlsplit(url)
    inputs = parse_dictionary(fields.get("signature-input"), "Signature-Input")
    if len(inputs) != 1:
        raise SignatureError(f"exactly one signature is supported, got {len(inputs)}")
    label, (members, params) = next(iter(inputs.items()))
    if not isinstance(members, list):
        raise SignatureError("Signature-Input member is not a component list")
    signatures = parse_dictionary(fields.get("signature"), "Signature")
    signature = signatures.get(label, (None, {}))[0]
    if not isinstance(signature, bytes):
        raise SignatureError(f"no signature labelled {label!r} in the Signature header")

    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("the keyid parameter is required")
    alg = params.get("alg")
    if alg is not None and alg != ALGORITHM:
        raise SignatureError(f"unsupported signature algorithm {alg!r}")
    covered = _covered_names(members)
    _check_strength(covered, method, parts)
    _check_time(params, now)
    if "content-digest" in covered:
        check_content_digest(fields.get("content-digest"), body)

    base = _signature_base(members, params, lambda name: _component(name, method, parts, fields))
    key = await verify_with_key_rotation(
        key_id, key_lookup, lambda pem: rsa_sha256_verify(pem, signature, base)
    )
    return VerifiedSignature(key_id=key_id, owner=key.owner, scheme="rfc9421")


def _covered_names(members: list[Member]) -> list[str]:
    names: list[str] = []
    for name, component_params in members:
        if not isinstance(name, str) or not name or name != name.lower():
            raise SignatureError(f"invalid covered component {name!r}")
        if component_params:
            raise SignatureError(f"unsupported parameters on covered component {name!r}")
        if name.startswith("@") and name not in _DERIVED:
            raise SignatureError(f"unsupported derived component {name!r}")
        if name in names:
            raise SignatureError(f"component {name!r} covered twice")
        names.append(name)
    return names


def _check_strength(covered: list[str], method: str, parts: SplitResult) -> None:
    """Mastodon's minimum coverage: method, target URI, and the body on POST."""
    if "@method" not in covered:
        raise SignatureError("the @method component must be signed")
    if "@target-uri" not in covered:
        if "@authority" not in covered or "@path" not in covered:
            raise SignatureError(
                "the @target-uri component (or @authority and @path) must be signed"
            )
        if parts.query and "@query" not in covered:
            raise SignatureError("the @query component must be signed when there is a query")
    if method == "POST" and "content-digest" not in covered:
        raise SignatureError("the Content-Digest header must be signed on POST requests")


def _check_time(params: dict[str, Any], now: datetime) -> None:
    created = params.get("created")
    if type(created) is not int:
        raise SignatureError("the created parameter is required")
    expires = params.get("expires")
    if expires is not None and type(expires) is not int:
        raise SignatureError("invalid expires parameter")
    check_time_window(
        from_timestamp(created, "created"),
        None if expires is None else from_timestamp(expires, "expires"),
        now,
    )


def _component(name: str, method: str, parts: SplitResult, fields: dict[str, str]) -> str:
    """The value of one covered component (RFC 9421 §2.1, §2.2)."""
    path = parts.path or "/"
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        query = f"?{parts.query}" if parts.query else ""
        return f"{parts.scheme.lower()}://{url_authority(parts)}{path}{query}"
    if name == "@authority":
        return url_authority(parts)
    if name == "@scheme":
        return parts.scheme.lower()
    if name == "@request-target":
        return f"{path}?{parts.query}" if parts.query else path
    if name == "@path":
        return path
    if name == "@query":
        return f"?{parts.query}"
    value = fields.get(name)
    if value is None:
        raise SignatureError(f"covered header {name!r} is missing")
    return value


def _signature_base(
    members: list[Member], params: dict[str, Any], resolve: Callable[[str], str]
) -> bytes:
    """RFC 9421 §2.5: one line per component, then ``@signature-params``."""
    lines = [f'"{name}": {resolve(name)}' for name, _ in members]
    # The signature-params value is the serialized inner list with its parameters.
    serialized = http_sf.ser({"x": (members, params)})[2:]  # type: ignore[dict-item]
    lines.append(f'"@signature-params": {serialized}')
    base = "\n".join(lines)
    if "\r" in base or base.count("\n") != len(lines) - 1:
        raise SignatureError("a covered component contains a line break")
    return base.encode("utf-8")

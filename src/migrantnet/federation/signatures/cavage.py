"""draft-cavage HTTP signatures, signed and verified the way Mastodon does.

Signs with RSA-SHA256 and a ``Digest`` of the body; verifies with exactly Mastodon's
acceptance rules, so that we interoperate without accepting anything Mastodon would refuse.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import SplitResult, urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from migrantnet.federation.signatures.digest import check_digest, digest_header
from migrantnet.federation.signatures.key_lookup import KeyLookup, verify_with_key_rotation
from migrantnet.federation.signatures.primitives import (
    SignatureError,
    VerifiedSignature,
    check_time_window,
    from_timestamp,
    http_date,
    lower_headers,
    parse_http_date,
    rsa_sha256_sign,
    rsa_sha256_verify,
    url_authority,
)

_TCHARS = r"[0-9A-Za-z!#$%&'*+.^_`|~-]+"
# One key="value" (or key=token) pair; the alternatives cannot overlap, so no ReDoS.
_PARAM_RE = re.compile(rf'[ \t]*({_TCHARS})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|({_TCHARS}))[ \t]*')
_UNESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)

_CAVAGE_MANAGED = frozenset({"host", "date", "digest", "signature"})


@dataclass(frozen=True, slots=True)
class CavageInput:
    """A request's signature before the RSA step: the headers it will carry, the names of the
    signed ones, and the string the key signs. Split from the RSA step so a signing process
    (`federation/signing_pool.py`) can do that step alone and hand back the signature."""

    headers: dict[str, str]
    signed_names: str
    signing_string: bytes


def cavage_input(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, *, now: datetime
) -> CavageInput:
    """What `sign_request` signs: ``headers`` plus Host, Date and Digest (for a body or POST).

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
    return CavageInput(out, " ".join(name for name, _ in signed), signing_string.encode("utf-8"))


def signed_headers(prepared: CavageInput, *, key_id: str, signature: bytes) -> dict[str, str]:
    """The headers to send: `prepared`'s and the ``Signature`` made of `signature`."""
    escaped_key_id = key_id.replace("\\", "\\\\").replace('"', '\\"')
    out = dict(prepared.headers)
    out["Signature"] = (
        f'keyId="{escaped_key_id}",algorithm="rsa-sha256",'
        f'headers="{prepared.signed_names}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return out


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
    """Return ``headers`` plus Host, Date, Digest (for a body or POST) and Signature
    (`cavage_input` says which headers are signed)."""
    prepared = cavage_input(method, url, headers, body, now=now)
    signature = rsa_sha256_sign(private_key, prepared.signing_string)
    return signed_headers(prepared, key_id=key_id, signature=signature)


def _request_target(parts: SplitResult, *, with_query: bool) -> str:
    path = parts.path or "/"
    return f"{path}?{parts.query}" if with_query and parts.query else path


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


async def verify_cavage(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    key_lookup: KeyLookup,
    now: datetime,
) -> VerifiedSignature:
    """Verify a draft-cavage ``Signature`` (headers lower-cased) by Mastodon's rules."""
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
        check_digest(headers.get("digest"), body)
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
        created = parse_http_date(date)
    expires = _timestamp_param(params["expires"], "expires") if "(expires)" in signed else None
    check_time_window(created, expires, now)


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

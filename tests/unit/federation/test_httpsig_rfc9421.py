"""Tests for RFC 9421 HTTP Message Signatures verification and signing."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from migrantnet.federation.signatures.key_lookup import PublicKey
from migrantnet.federation.signatures.primitives import (
    SignatureError,
    VerifiedSignature,
    generate_key_pair,
    load_private_key,
)
from migrantnet.federation.signatures.rfc9421 import sign_request as sign_request_rfc9421
from migrantnet.federation.signatures.verify import verify_request

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
ACTOR = "https://remote.example/users/alice"
KEY_ID = f"{ACTOR}#main-key"
INBOX = "https://local.example/users/bob/inbox"
BODY = b'{"type":"Create"}'


@dataclass
class Keys:
    private_pem: str
    public_pem: str

    @property
    def private(self) -> rsa.RSAPrivateKey:
        return load_private_key(self.private_pem)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(*generate_key_pair())


@pytest.fixture(scope="module")
def other_keys() -> Keys:
    return Keys(*generate_key_pair())


@dataclass
class FakeLookup:
    stale: str | None
    fresh: str | None = None
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def __call__(self, key_id: str, refresh: bool) -> PublicKey | None:
        self.calls.append((key_id, refresh))
        pem = self.fresh if refresh and self.fresh is not None else self.stale
        return None if pem is None else PublicKey(key_id=key_id, owner=ACTOR, public_key_pem=pem)


def signed_post(keys: Keys, now: datetime = NOW, body: bytes = BODY) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return sign_request_rfc9421(
        "POST", INBOX, headers, body, key_id=KEY_ID, private_key=keys.private, now=now
    )


async def verify(
    keys: Keys,
    headers: dict[str, str],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    lookup: FakeLookup | None = None,
) -> VerifiedSignature:
    return await verify_request(
        method, url, headers, body, key_lookup=lookup or FakeLookup(keys.public_pem), now=NOW
    )


def hand_signed(keys: Keys, components: list[tuple[str, str]], params: str) -> dict[str, str]:
    """Signature-Input/Signature built by hand from the RFC 9421 §2.5 rules."""
    names = " ".join(f'"{name}"' for name, _ in components)
    signature_params = f"({names}){params}"
    lines = [f'"{name}": {value}' for name, value in components]
    lines.append(f'"@signature-params": {signature_params}')
    raw = keys.private.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    return {
        "Signature-Input": f"sig1={signature_params}",
        "Signature": f"sig1=:{base64.b64encode(raw).decode()}:",
    }


async def test_post_round_trip(keys: Keys) -> None:
    headers = signed_post(keys)
    digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["Content-Digest"] == f"sha-256=:{digest}:"
    assert headers["Signature-Input"].startswith(
        'sig1=("@method" "@target-uri" "content-digest");created=1740830400;'
    )
    result = await verify(keys, headers)
    assert result == VerifiedSignature(key_id=KEY_ID, owner=ACTOR, scheme="rfc9421")


async def test_get_round_trip(keys: Keys) -> None:
    url = "https://local.example/users/bob/outbox?page=1"
    headers = sign_request_rfc9421(
        "GET", url, {"Accept": "application/activity+json"}, None,
        key_id=KEY_ID, private_key=keys.private, now=NOW,
    )  # fmt: skip
    assert "Content-Digest" not in headers
    assert (await verify(keys, headers, method="GET", url=url, body=b"")).owner == ACTOR


async def test_hand_built_signature_base_accepted(keys: Keys) -> None:
    """Guards against our signer and verifier agreeing on a wrong signature base."""
    url = "https://local.example/users/bob/outbox?page=1"
    created = int(NOW.timestamp()) - 10
    components = [
        ("@method", "GET"),
        ("@authority", "local.example"),
        ("@path", "/users/bob/outbox"),
        ("@query", "?page=1"),
        ("accept", "application/activity+json"),
    ]
    params = f';created={created};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    headers = {"Accept": "application/activity+json"} | hand_signed(keys, components, params)
    assert (await verify(keys, headers, method="GET", url=url, body=b"")).owner == ACTOR


async def test_query_must_be_covered_without_target_uri(keys: Keys) -> None:
    url = "https://local.example/users/bob/outbox?page=1"
    components = [("@method", "GET"), ("@authority", "local.example"), ("@path", "/x")]
    headers = hand_signed(keys, components, f';created={int(NOW.timestamp())};keyid="{KEY_ID}"')
    with pytest.raises(SignatureError, match="@query"):
        await verify(keys, headers, method="GET", url=url, body=b"")


async def test_tampered_body_refused(keys: Keys) -> None:
    with pytest.raises(SignatureError, match="Content-Digest mismatch: computed"):
        await verify(keys, signed_post(keys), body=BODY + b"!")


async def test_missing_created_refused(keys: Keys) -> None:
    headers = signed_post(keys)
    headers["Signature-Input"] = headers["Signature-Input"].replace(";created=1740830400", "")
    with pytest.raises(SignatureError, match="created parameter is required"):
        await verify(keys, headers)


async def test_two_signatures_refused(keys: Keys) -> None:
    headers = signed_post(keys)
    value = headers["Signature-Input"].removeprefix("sig1=")
    headers["Signature-Input"] += f", sig2={value}"
    headers["Signature"] += ", sig2=" + headers["Signature"].removeprefix("sig1=")
    with pytest.raises(SignatureError, match="exactly one signature"):
        await verify(keys, headers)


@pytest.mark.parametrize(
    ("offset", "match"), [(timedelta(hours=-2), "expired"), (timedelta(hours=2), "future")]
)
async def test_outside_time_window_refused(keys: Keys, offset: timedelta, match: str) -> None:
    with pytest.raises(SignatureError, match=match):
        await verify(keys, signed_post(keys, now=NOW + offset))


async def test_wrong_algorithm_refused(keys: Keys) -> None:
    headers = signed_post(keys)
    headers["Signature-Input"] = headers["Signature-Input"].replace("rsa-v1_5-sha256", "ed25519")
    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        await verify(keys, headers)


async def test_post_without_content_digest_covered_refused(keys: Keys) -> None:
    components = [("@method", "POST"), ("@target-uri", INBOX)]
    headers = hand_signed(keys, components, f';created={int(NOW.timestamp())};keyid="{KEY_ID}"')
    with pytest.raises(SignatureError, match="Content-Digest header must be signed"):
        await verify(keys, headers)


async def test_method_must_be_covered(keys: Keys) -> None:
    components = [("@target-uri", INBOX)]
    headers = hand_signed(keys, components, f';created={int(NOW.timestamp())};keyid="{KEY_ID}"')
    with pytest.raises(SignatureError, match="@method"):
        await verify(keys, headers, method="GET", body=b"")


async def test_wrong_key_then_rotation(keys: Keys, other_keys: Keys) -> None:
    with pytest.raises(SignatureError, match="does not match"):
        await verify(keys, signed_post(keys), lookup=FakeLookup(other_keys.public_pem))
    lookup = FakeLookup(stale=other_keys.public_pem, fresh=keys.public_pem)
    assert (await verify(keys, signed_post(keys), lookup=lookup)).scheme == "rfc9421"
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


GARBAGE = [
    ("", ""),
    ("sig1", "sig1"),
    ("sig1=(", "sig1=:YQ==:"),
    ('sig1=("@method");created=1', "sig1=:YQ==:"),
    ('sig1="@method";created=1;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri");created=?1;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri");created=1740830400;keyid=k', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri");created=1740830400;keyid="k"', "sig1=abc"),
    ('sig1=("@method" "@target-uri");created=1740830400;keyid="k"', "other=:YQ==:"),
    ('sig1=("@method" "@target-uri");created=99999999999999;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri" "@status");created=1740830400;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@method" "@target-uri");created=1740830400;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri" "x-nope");created=1740830400;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri" "Date");created=1740830400;keyid="k"', "sig1=:YQ==:"),
    ('sig1=("@method" "@target-uri" "date";sf);created=1740830400;keyid="k"', "sig1=:YQ==:"),
    ('sig1=(1 2);created=1740830400;keyid="k"', "sig1=:YQ==:"),
    ("sig1=\u2603", "sig1=:YQ==:"),
]


async def test_garbage_only_raises_signature_error(keys: Keys) -> None:
    for signature_input, signature in GARBAGE:
        for extra in ({}, {"Content-Digest": "sha-512=:YQ==:"}, {"Content-Digest": "((("}):
            headers = {"Signature-Input": signature_input, "Signature": signature} | extra
            for method in ("GET", "POST"):
                with pytest.raises(SignatureError):
                    await verify(keys, headers, method=method)

"""Tests for draft-cavage HTTP signatures (signing and Mastodon-compatible verification)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.digest import digest_header
from migrantnet.federation.signatures.key_lookup import KeyUnavailable, PublicKey
from migrantnet.federation.signatures.primitives import (
    SignatureError,
    VerifiedSignature,
    generate_key_pair,
    http_date,
    load_private_key,
)
from migrantnet.federation.signatures.verify import verify_request

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
ACTOR = "https://remote.example/users/alice"
KEY_ID = f"{ACTOR}#main-key"
INBOX = "https://local.example/users/bob/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/alice"}'
AP_JSON = "application/activity+json"


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
    """Key lookup returning ``stale`` normally and ``fresh`` when asked to refresh."""

    stale: str | None
    fresh: str | None = None
    error: Exception | None = None
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def __call__(self, key_id: str, refresh: bool) -> PublicKey | None:
        self.calls.append((key_id, refresh))
        if self.error is not None:
            raise self.error
        pem = self.fresh if refresh and self.fresh is not None else self.stale
        return None if pem is None else PublicKey(key_id=key_id, owner=ACTOR, public_key_pem=pem)


def rsa_sign(private: rsa.RSAPrivateKey, text: str) -> str:
    signature = private.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def hand_signed(
    keys: Keys,
    lines: list[tuple[str, str]],
    *,
    algorithm: str | None = "rsa-sha256",
    extra: str = "",
) -> str:
    """A Signature header built by hand from the draft-cavage rules."""
    text = "\n".join(f"{name}: {value}" for name, value in lines)
    names = " ".join(name for name, _ in lines)
    alg = f'algorithm="{algorithm}",' if algorithm else ""
    return (
        f'keyId="{KEY_ID}",{alg}{extra}headers="{names}",signature="{rsa_sign(keys.private, text)}"'
    )


def post_headers(keys: Keys, body: bytes = BODY, now: datetime = NOW) -> dict[str, str]:
    return sign_request(
        "POST",
        INBOX,
        {"Content-Type": AP_JSON},
        body,
        key_id=KEY_ID,
        private_key=keys.private,
        now=now,
    )


async def verify(
    keys: Keys,
    headers: dict[str, str] | httpx.Headers,
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    lookup: FakeLookup | None = None,
    now: datetime = NOW,
) -> VerifiedSignature:
    return await verify_request(
        method,
        url,
        headers,
        body,
        key_lookup=lookup or FakeLookup(keys.public_pem),
        now=now,
    )


async def refused(keys: Keys, headers: dict[str, str], match: str, **kwargs: object) -> None:
    with pytest.raises(SignatureError, match=match):
        await verify(keys, headers, **kwargs)  # type: ignore[arg-type]


# --- round trips -------------------------------------------------------------


async def test_post_round_trip(keys: Keys) -> None:
    headers = post_headers(keys)
    assert headers["Host"] == "local.example"
    assert headers["Date"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert headers["Digest"] == digest_header(BODY)
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    result = await verify(keys, headers)
    assert result == VerifiedSignature(key_id=KEY_ID, owner=ACTOR, scheme="cavage")


async def test_get_round_trip_with_port_and_httpx_headers(keys: Keys) -> None:
    url = "https://local.example:8443/users/bob/outbox?page=2"
    headers = sign_request(
        "GET", url, {"Accept": AP_JSON}, None, key_id=KEY_ID, private_key=keys.private, now=NOW
    )
    assert headers["Host"] == "local.example:8443"
    assert "Digest" not in headers
    assert 'headers="(request-target) host date accept"' in headers["Signature"]
    result = await verify(keys, httpx.Headers(headers), method="GET", url=url, body=b"")
    assert result.owner == ACTOR


async def test_default_port_is_left_out_of_host(keys: Keys) -> None:
    headers = sign_request(
        "GET",
        "https://local.example:443/x",
        {},
        None,
        key_id=KEY_ID,
        private_key=keys.private,
        now=NOW,
    )
    assert headers["Host"] == "local.example"


async def test_lowercase_header_names_are_accepted(keys: Keys) -> None:
    headers = {name.lower(): value for name, value in post_headers(keys).items()}
    assert (await verify(keys, headers)).key_id == KEY_ID


async def test_request_signed_exactly_as_mastodon_does(keys: Keys) -> None:
    """Built from the documented format, not from our signer, then checked both ways."""
    date = "Sat, 01 Mar 2025 12:00:00 GMT"
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    lines = [
        ("(request-target)", "post /users/bob/inbox"),
        ("host", "local.example"),
        ("date", date),
        ("digest", digest),
        ("content-type", AP_JSON),
    ]
    signature = hand_signed(keys, lines)
    headers = {"Host": "local.example", "Date": date, "Digest": digest, "Content-Type": AP_JSON}
    headers["Signature"] = signature
    assert (await verify(keys, headers)).owner == ACTOR
    # PKCS#1 v1.5 is deterministic, so our signer must produce the very same header.
    assert post_headers(keys)["Signature"] == signature


async def test_hs2019_and_created_pseudo_header(keys: Keys) -> None:
    created = int(NOW.timestamp()) - 30
    lines = [
        ("(request-target)", "post /users/bob/inbox"),
        ("host", "local.example"),
        ("(created)", str(created)),
        ("digest", digest_header(BODY)),
    ]
    headers = {"Host": "local.example", "Digest": digest_header(BODY)}
    headers["Signature"] = hand_signed(keys, lines, algorithm="hs2019", extra=f"created={created},")
    assert (await verify(keys, headers)).owner == ACTOR


async def test_absent_algorithm_is_verified_as_rsa_sha256(keys: Keys) -> None:
    headers = post_headers(keys)
    lines = [
        ("(request-target)", "post /users/bob/inbox"),
        ("host", "local.example"),
        ("date", headers["Date"]),
        ("digest", headers["Digest"]),
    ]
    headers["Signature"] = hand_signed(keys, lines, algorithm=None)
    assert (await verify(keys, headers)).owner == ACTOR


async def test_bogus_signature_prefix_is_tolerated(keys: Keys) -> None:
    headers = post_headers(keys)
    headers["Signature"] = "Signature " + headers["Signature"]
    assert (await verify(keys, headers)).owner == ACTOR


async def test_digest_list_with_lowercase_algorithm(keys: Keys) -> None:
    headers = post_headers(keys)
    value = "sha-256=" + headers["Digest"].split("=", 1)[1]
    lines = [
        ("(request-target)", "post /users/bob/inbox"),
        ("host", "local.example"),
        ("date", headers["Date"]),
        ("digest", f"{value}, SHA-512=abc"),
    ]
    headers["Digest"] = f"{value}, SHA-512=abc"
    headers["Signature"] = hand_signed(keys, lines)
    assert (await verify(keys, headers)).owner == ACTOR


async def test_query_signed_with_and_without_it(keys: Keys) -> None:
    url = "https://local.example/users/bob/outbox?page=true&min_id=5"
    date = http_date(NOW)
    base = {"Host": "local.example", "Date": date, "Accept": AP_JSON}
    for target in ("get /users/bob/outbox?page=true&min_id=5", "get /users/bob/outbox"):
        lines = [("(request-target)", target), ("host", "local.example"), ("date", date)]
        headers = base | {"Signature": hand_signed(keys, lines)}
        assert (await verify(keys, headers, method="GET", url=url, body=b"")).owner == ACTOR


async def test_time_window_edges_accepted(keys: Keys) -> None:
    for offset in (timedelta(minutes=-64), timedelta(minutes=59)):
        headers = post_headers(keys, now=NOW + offset)
        assert (await verify(keys, headers)).owner == ACTOR


# --- refusals ----------------------------------------------------------------


async def test_changed_body_refused(keys: Keys) -> None:
    with pytest.raises(SignatureError, match=r"computed SHA-256 .*; given") as info:
        await verify(keys, post_headers(keys), body=BODY + b" ")
    assert digest_header(BODY).split("=", 1)[1] in info.value.reason


async def test_wrong_digest_refused(keys: Keys) -> None:
    headers = post_headers(keys) | {"Digest": digest_header(b"other")}
    await refused(keys, headers, "Digest mismatch")


async def test_digest_without_sha256_refused(keys: Keys) -> None:
    headers = post_headers(keys) | {"Digest": "SHA-512=abc"}
    await refused(keys, headers, "only SHA-256")


async def test_missing_digest_refused(keys: Keys) -> None:
    headers = post_headers(keys)
    del headers["Digest"]
    await refused(keys, headers, "Digest header missing")


async def test_post_without_signed_digest_refused(keys: Keys) -> None:
    date = http_date(NOW)
    lines = [
        ("(request-target)", "post /users/bob/inbox"),
        ("host", "local.example"),
        ("date", date),
    ]
    headers = {"Host": "local.example", "Date": date, "Signature": hand_signed(keys, lines)}
    await refused(keys, headers, "Digest header must be signed on POST")


async def test_get_without_signed_host_refused(keys: Keys) -> None:
    date = http_date(NOW)
    lines = [("(request-target)", "get /users/bob"), ("date", date)]
    headers = {"Host": "local.example", "Date": date, "Signature": hand_signed(keys, lines)}
    await refused(keys, headers, "Host header must be signed", method="GET", body=b"")


async def test_without_signed_date_or_created_refused(keys: Keys) -> None:
    lines = [("(request-target)", "get /users/bob"), ("host", "local.example")]
    headers = {"Host": "local.example", "Date": http_date(NOW)}
    headers["Signature"] = hand_signed(keys, lines)
    await refused(keys, headers, "Date header or \\(created\\)", method="GET", body=b"")


async def test_without_request_target_or_digest_refused(keys: Keys) -> None:
    date = http_date(NOW)
    lines = [("host", "local.example"), ("date", date)]
    headers = {"Host": "local.example", "Date": date, "Signature": hand_signed(keys, lines)}
    await refused(keys, headers, "request-target", method="GET", body=b"")


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(hours=2)])
async def test_date_outside_window_refused(keys: Keys, offset: timedelta) -> None:
    headers = post_headers(keys, now=NOW + offset)
    await refused(keys, headers, "expired" if offset < timedelta(0) else "future")


async def test_missing_and_unparsable_date_refused(keys: Keys) -> None:
    headers = post_headers(keys)
    await refused(keys, headers | {"Date": "yesterday"}, "invalid Date")
    del headers["Date"]
    await refused(keys, headers, "Date header missing")


async def test_pseudo_headers_refused_with_rsa_sha256(keys: Keys) -> None:
    created = int(NOW.timestamp())
    lines = [("(request-target)", "get /x"), ("host", "local.example"), ("(created)", str(created))]
    headers = {"Host": "local.example"}
    headers["Signature"] = hand_signed(keys, lines, extra=f"created={created},")
    await refused(keys, headers, "not allowed with rsa-sha256", method="GET", body=b"")


async def test_unknown_key_refused(keys: Keys) -> None:
    lookup = FakeLookup(None)
    await refused(keys, post_headers(keys), "unknown key", lookup=lookup)
    assert lookup.calls == [(KEY_ID, False)]


async def test_unavailable_key_refused(keys: Keys) -> None:
    lookup = FakeLookup(keys.public_pem, error=KeyUnavailable("its server is down"))
    await refused(
        keys, post_headers(keys), "could not be fetched: its server is down", lookup=lookup
    )


async def test_a_bug_in_the_lookup_is_not_a_refused_signature(keys: Keys) -> None:
    """Our own error goes up (logged with its traceback, a 500) instead of telling the peer
    its signature is wrong."""
    lookup = FakeLookup(keys.public_pem, error=KeyError("a bug of ours"))
    with pytest.raises(KeyError):
        await verify(keys, post_headers(keys), lookup=lookup)


async def test_wrong_key_refused(keys: Keys, other_keys: Keys) -> None:
    lookup = FakeLookup(other_keys.public_pem)
    await refused(keys, post_headers(keys), "does not match", lookup=lookup)
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_unusable_public_key_refused(keys: Keys) -> None:
    lookup = FakeLookup("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    await refused(keys, post_headers(keys), "does not match", lookup=lookup)


async def test_key_rotation_refetches_once(keys: Keys, other_keys: Keys) -> None:
    lookup = FakeLookup(stale=other_keys.public_pem, fresh=keys.public_pem)
    assert (await verify(keys, post_headers(keys), lookup=lookup)).owner == ACTOR
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_valid_key_is_not_refreshed(keys: Keys) -> None:
    lookup = FakeLookup(keys.public_pem)
    await verify(keys, post_headers(keys), lookup=lookup)
    assert lookup.calls == [(KEY_ID, False)]


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "ed25519", "hmac-sha256"])
async def test_unsupported_algorithm_refused(keys: Keys, algorithm: str) -> None:
    headers = post_headers(keys)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", algorithm)
    await refused(keys, headers, "unsupported signature algorithm")


async def test_missing_key_id_or_signature_refused(keys: Keys) -> None:
    headers = post_headers(keys)
    headers["Signature"] = headers["Signature"].replace("keyId=", "kid=")
    await refused(keys, headers, "keyId and signature are required")


async def test_unsigned_request_refused(keys: Keys) -> None:
    headers = post_headers(keys)
    del headers["Signature"]
    await refused(keys, headers, "not signed")


GARBAGE = [
    "",
    "garbage",
    "Signature ",
    'keyId="',
    'keyId="a",signature=',
    'keyId="a",,signature="b"',
    'keyId="a" signature="b"',
    f'keyId="{KEY_ID}",signature="!!!not base64",headers="(request-target) date digest"',
    f'keyId="{KEY_ID}",signature="YQ",headers="(request-target) date digest"',
    f'keyId="{KEY_ID}",algorithm="hs2019",created="soon",headers="(created) (request-target)",'
    'signature="YQ=="',
    f'keyId="{KEY_ID}",algorithm="hs2019",created="99999999999999999999",'
    'headers="(created) (request-target) digest",signature="YQ=="',
    f'keyId="{KEY_ID}",algorithm="hs2019",created="nan",headers="(created) digest",'
    'signature="YQ=="',
    'keyId="\\',
    'keyId="a\\"b",signature="c\\\\",headers=""',
    '\x00\xff\u2603="x"',
    "=" * 1000,
    '"' * 1000,
    'keyId="a",' * 500,
]


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_garbage_only_raises_signature_error(keys: Keys, method: str) -> None:
    good = post_headers(keys)
    for signature in GARBAGE:
        for extra in ({}, {"Date": "\x00"}, {"Digest": "=,=,"}, {"Host": ""}):
            headers = good | extra | {"Signature": signature}
            with pytest.raises(SignatureError):
                await verify(keys, headers, method=method)
    for url in ("", "not a url", "https://[::1/x", "https://h:99999/x"):
        with pytest.raises(SignatureError):
            await verify(keys, good, url=url)


def test_generated_keys_round_trip(keys: Keys) -> None:
    assert keys.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert keys.public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert keys.private.key_size == 2048
    assert load_private_key(keys.private_pem) is keys.private  # cached

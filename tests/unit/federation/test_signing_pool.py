"""The signing pool with real signing processes: its signatures are the in-process signer's
and pass our own verifier; a process killed or stopped loses no request and is replaced;
closing the pool ends its processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from migrantnet.federation import signing_pool
from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.key_lookup import PublicKey
from migrantnet.federation.signatures.primitives import generate_key_pair, load_private_key
from migrantnet.federation.signatures.verify import verify_request
from migrantnet.federation.signing_pool import SigningKey, SigningPool

HEADERS = {
    "User-Agent": "migrantnet-test/1.0",
    "Content-Type": "application/activity+json",
    "Accept": "application/activity+json",
}
BODY = b'{"type": "Create", "object": {"type": "Note", "content": "Permanence juridique"}}'


def make_key(name: str) -> tuple[SigningKey, PublicKey]:
    private_pem, public_pem = generate_key_pair()
    actor = f"https://{name}.example/actors/{name}"
    key_id = f"{actor}#main-key"
    return (
        SigningKey(key_id, private_pem, load_private_key(private_pem)),
        PublicKey(key_id=key_id, owner=actor, public_key_pem=public_pem),
    )


KEYS = [make_key("ours"), make_key("theirs")]


async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
    return next((public for private, public in KEYS if private.key_id == key_id), None)


async def assert_valid(url: str, headers: dict[str, str], key: SigningKey) -> None:
    """Our inbox's verifier accepts it, by `key`, over this URL and body."""
    verified = await verify_request(
        "POST",
        url,
        {name.lower(): value for name, value in headers.items()},
        BODY,
        key_lookup=lookup,
        now=datetime.now(UTC),
    )
    assert (verified.key_id, verified.scheme) == (key.key_id, "cavage")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


#: Longer than any test: no request is taken over by the loop unless a test wants it.
NEVER = 3600.0


@pytest.fixture
async def pool() -> AsyncIterator[SigningPool]:
    pool = SigningPool(1, loop_takes_over_after=NEVER)
    await pool.start()
    assert len(pool.pids) == 1
    yield pool
    await pool.aclose()


async def test_the_pools_signatures_are_the_in_process_signers(pool: SigningPool) -> None:
    """Same headers, byte for byte, as `sign_request` at the same second; two keys in one
    chunk, a port and a query in the URL."""
    requests = [
        (f"https://peer{n % 3}.example:8443/users/u{n}/inbox?x={n}", KEYS[n % 2][0])
        for n in range(40)
    ]
    signed = await asyncio.gather(
        *(pool.sign("POST", url, HEADERS, BODY, key) for url, key in requests)
    )

    assert (pool.signed_by_processes, pool.signed_on_loop) == (40, 0)
    for (url, key), headers in zip(requests, signed, strict=True):
        at = parsedate_to_datetime(headers["Date"])
        expected = sign_request(
            "POST", url, HEADERS, BODY, key_id=key.key_id, private_key=key.private_key, now=at
        )
        assert headers == expected
        assert f'keyId="{key.key_id}"' in headers["Signature"]
        assert abs((datetime.now(UTC) - at).total_seconds()) < 5
        await assert_valid(url, headers, key)


async def test_the_signing_process_is_small() -> None:
    """It imports the RSA primitives and nothing of the web or database stacks."""
    pool = SigningPool(1)
    try:
        await pool.start()
        [pid] = pool.pids
        status = Path(f"/proc/{pid}/status").read_text()
        rss_kb = int(
            next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]
        )
        assert rss_kb < 40 * 1024, f"signing process uses {rss_kb} kB"
    finally:
        await pool.aclose()


async def test_a_process_killed_mid_chunk_loses_no_request_and_is_replaced() -> None:
    pool = SigningPool(1, chunk_max=8, loop_takes_over_after=NEVER)
    try:
        await pool.start()
        [first] = pool.pids
        key = KEYS[0][0]
        urls = [f"https://peer.example/users/u{n}/inbox" for n in range(400)]
        tasks = [asyncio.create_task(pool.sign("POST", url, HEADERS, BODY, key)) for url in urls]
        async with asyncio.timeout(30):
            while pool.signed_by_processes < 8:
                await asyncio.sleep(0)
        os.kill(first, signal.SIGKILL)
        signed = await asyncio.gather(*tasks)

        for url, headers in zip(urls, signed, strict=True):
            await assert_valid(url, headers, key)
        assert pool.signed_by_processes >= 8
        assert pool.signed_on_loop >= 1, "the chunk in hand at the kill was signed on the loop"
        assert pool.signed_by_processes + pool.signed_on_loop == len(urls)
        assert not alive(first)

        await pool.start()  # the replacement was started at once; wait until it is ready
        [second] = pool.pids
        assert second != first
        before = pool.signed_by_processes
        await assert_valid(urls[0], await pool.sign("POST", urls[0], HEADERS, BODY, key), key)
        assert pool.signed_by_processes == before + 1
    finally:
        await pool.aclose()


async def test_requests_waiting_behind_a_slow_process_are_signed_by_the_loop() -> None:
    """A process not given a core (here: stopped) holds its chunk; what queues behind it is
    signed by the loop once it has waited `loop_takes_over_after`, the same headers."""
    pool = SigningPool(1, loop_takes_over_after=0.05)
    try:
        await pool.start()
        [slow] = pool.pids
        os.kill(slow, signal.SIGSTOP)
        key = KEYS[0][0]
        held = asyncio.create_task(pool.sign("POST", "https://peer.example/0", HEADERS, BODY, key))
        await asyncio.sleep(0.01)  # its chunk is written to the stopped process
        urls = [f"https://peer.example/users/u{n}/inbox" for n in range(20)]
        async with asyncio.timeout(5):
            signed = await asyncio.gather(
                *(pool.sign("POST", url, HEADERS, BODY, key) for url in urls)
            )
        assert not held.done()
        assert (pool.signed_by_processes, pool.signed_on_loop) == (0, 20)
        for url, headers in zip(urls, signed, strict=True):
            at = parsedate_to_datetime(headers["Date"])
            assert headers == sign_request(
                "POST", url, HEADERS, BODY, key_id=key.key_id, private_key=key.private_key, now=at
            )
            await assert_valid(url, headers, key)

        os.kill(slow, signal.SIGCONT)
        async with asyncio.timeout(5):
            await assert_valid("https://peer.example/0", await held, key)
        assert pool.signed_by_processes == 1
    finally:
        await pool.aclose()


async def test_a_process_that_stops_answering_is_killed_and_its_chunk_signed_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signing_pool, "CHUNK_DEADLINE", 0.5)
    pool = SigningPool(1, loop_takes_over_after=NEVER)
    try:
        await pool.start()
        [stopped] = pool.pids
        os.kill(stopped, signal.SIGSTOP)
        key = KEYS[1][0]
        url = "https://peer.example/inbox"
        async with asyncio.timeout(10):
            headers = await pool.sign("POST", url, HEADERS, BODY, key)
        await assert_valid(url, headers, key)
        assert (pool.signed_by_processes, pool.signed_on_loop) == (0, 1)
        assert not alive(stopped)
        await pool.start()
        assert pool.pids and pool.pids != [stopped]
    finally:
        await pool.aclose()


async def test_closing_ends_the_processes_and_the_loop_signs_after(pool: SigningPool) -> None:
    """SIGTERM to the whole group (systemd stopping the unit) leaves the process to the pool,
    which closes it once the worker is done."""
    [pid] = pool.pids
    os.kill(pid, signal.SIGTERM)
    await asyncio.sleep(0.2)
    assert alive(pid)
    key = KEYS[0][0]
    await pool.sign("POST", "https://peer.example/inbox", HEADERS, BODY, key)
    assert pool.signed_by_processes == 1

    await pool.aclose()

    assert pool.pids == []
    assert not alive(pid)
    headers = await pool.sign("POST", "https://peer.example/inbox", HEADERS, BODY, key)
    await assert_valid("https://peer.example/inbox", headers, key)
    assert (pool.signed_by_processes, pool.signed_on_loop) == (1, 1)
    assert pool.pids == [], "a closed pool starts no process"


async def test_no_processes_signs_on_the_loop() -> None:
    pool = SigningPool(0)
    await pool.start()
    key = KEYS[0][0]
    headers = await pool.sign("POST", "https://peer.example/inbox", HEADERS, BODY, key)
    await assert_valid("https://peer.example/inbox", headers, key)
    assert (pool.pids, pool.signed_by_processes, pool.signed_on_loop) == ([], 0, 1)
    await pool.aclose()

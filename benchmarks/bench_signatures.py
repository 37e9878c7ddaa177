"""HTTP signature signing and verification rate on one core.

Measures `migrantnet.federation.signatures` as the server uses it, for a ~1.5 KB `Create{Note}`
POSTed to an inbox: `sign_request` (draft-cavage, what every delivery does) and
`sign_request_rfc9421`, then `verify_request` on both kinds (what every inbox POST does; the
key lookup is an in-memory async function, so the figure is the signature code alone, PEM
parsing cached as in the server). Raw RSA-2048 sign / verify are printed as the floor.

The process pins itself to one CPU. Each figure is the median of several timed runs.

Run:  .venv/bin/python benchmarks/bench_signatures.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from _common import ACTIVITY_JSON, create_note, machine_load, print_table, verdict
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from migrantnet.federation.signatures.cavage import sign_request
from migrantnet.federation.signatures.key_lookup import PublicKey
from migrantnet.federation.signatures.primitives import generate_key_pair, load_private_key
from migrantnet.federation.signatures.rfc9421 import sign_request as sign_request_rfc9421
from migrantnet.federation.signatures.verify import verify_request

ACTOR = "https://peer.example/users/alice"
KEY_ID = f"{ACTOR}#main-key"
INBOX_URL = "https://node.example/inbox"
SIGN_TARGET = 2_000  # ops/s
VERIFY_TARGET = 5_000  # ops/s (cavage; the same bar is shown for RFC 9421)


def pin_to_cpu(cpu: int | None) -> str:
    """Single-threaded code runs on one core anyway; pinning only chooses which one."""
    if cpu is None:
        return "one thread, not pinned"
    os.sched_setaffinity(0, {cpu})
    return f"one thread, pinned to cpu {cpu}"


def timed_runs(batch: Callable[[int], None], *, runs: int, min_seconds: float) -> float:
    """Median ops/s over `runs` runs, each growing its batch until it lasts `min_seconds`."""
    size = 16
    while True:  # calibrate (bounded: each round at least doubles the batch)
        start = time.perf_counter()
        batch(size)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / 4 or size >= 1 << 22:
            break
        size *= 2
    per_run = max(size, int(size * min_seconds / max(elapsed, 1e-9)))
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        batch(per_run)
        rates.append(per_run / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 short runs per figure (~5 s)")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    args = parser.parse_args()
    runs, min_seconds = (3, 0.3) if args.quick else (7, 1.0)
    pinned = pin_to_cpu(args.cpu)

    private_pem, public_pem = generate_key_pair()
    private_key = load_private_key(private_pem)
    public = PublicKey(key_id=KEY_ID, owner=ACTOR, public_key_pem=public_pem)
    now = datetime.now(UTC)
    bodies = [create_note(ACTOR, i, ["https://node.example/@assoc"]) for i in range(64)]
    body_size = statistics.median(len(body) for body in bodies)
    headers = {"Content-Type": ACTIVITY_JSON, "Accept": ACTIVITY_JSON}

    def signer(sign: Callable[..., dict[str, str]]) -> Callable[[int], None]:
        def batch(n: int) -> None:
            for i in range(n):
                sign(
                    "POST",
                    INBOX_URL,
                    headers,
                    bodies[i & 63],
                    key_id=KEY_ID,
                    private_key=private_key,
                    now=now,
                )

        return batch

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        return public if key_id == KEY_ID else None

    loop = asyncio.new_event_loop()

    def verifier(sign: Callable[..., dict[str, str]]) -> Callable[[int], None]:
        signed = [
            sign("POST", INBOX_URL, headers, body, key_id=KEY_ID, private_key=private_key, now=now)
            for body in bodies
        ]

        async def run(n: int) -> None:
            for i in range(n):
                await verify_request(
                    "POST", INBOX_URL, signed[i & 63], bodies[i & 63], key_lookup=lookup, now=now
                )

        def batch(n: int) -> None:
            loop.run_until_complete(run(n))

        return batch

    message = b"x" * 300
    raw_signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    public_key = private_key.public_key()

    def raw_sign(n: int) -> None:
        for _ in range(n):
            private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def raw_verify(n: int) -> None:
        for _ in range(n):
            public_key.verify(raw_signature, message, padding.PKCS1v15(), hashes.SHA256())

    cases: list[tuple[str, Callable[[int], None], int | None]] = [
        ("sign, draft-cavage", signer(sign_request), SIGN_TARGET),
        ("sign, RFC 9421", signer(sign_request_rfc9421), SIGN_TARGET),
        ("verify, draft-cavage", verifier(sign_request), VERIFY_TARGET),
        ("verify, RFC 9421", verifier(sign_request_rfc9421), VERIFY_TARGET),
        ("floor: raw RSA-2048 sign (300 B)", raw_sign, None),
        ("floor: raw RSA-2048 verify (300 B)", raw_verify, None),
    ]
    print(
        f"httpsig on one core ({pinned}), body {body_size:.0f} B, "
        f"median of {runs} runs of >= {min_seconds} s; {machine_load()}"
    )
    rows = []
    failures = 0
    for name, batch, target in cases:
        rate = timed_runs(batch, runs=runs, min_seconds=min_seconds)
        if target is None:
            rows.append([name, f"{rate:,.0f}", f"{1e6 / rate:,.1f}", "-", ""])
            continue
        ok = rate >= target
        failures += not ok
        rows.append([name, f"{rate:,.0f}", f"{1e6 / rate:,.1f}", f">= {target:,}/s", verdict(ok)])
    loop.close()
    print_table(["operation", "ops/s", "us/op", "target", ""], rows)
    if failures:
        print(f"{failures} figure(s) below target", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The signing process: RSA signatures for the delivery worker, on a core of their own.

`cryptography` holds the GIL while it signs, so threads cannot sign beside the worker's event
loop; a process can. The worker (`federation/signing_pool.py`) starts this module with
``python -m`` and talks to it over its standard input and output. It imports only the RSA
primitives (no web framework, no database driver), so it stays a few megabytes.

Frames both ways are a 4-byte big-endian length and a pickle (both ends are ours: the worker
started this process and owns its pipes). A request is ``(pems, items)``: the chunk's
distinct private keys as PEM text, and ``(key index, signing string)`` pairs; the answer is
one entry per item, the signature's bytes or, for a key that does not load, the reason as
text. The process answers ``b"ready"`` once its imports are done, and ends when its input
closes (the worker stopped, or died); it ignores SIGINT and SIGTERM (see `main`).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from typing import BinaryIO

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa

from migrantnet.federation.signatures.primitives import load_private_key, rsa_sha256_sign

LENGTH = struct.Struct(">I")
READY = b"ready"

Request = tuple[list[str], list[tuple[int, bytes]]]
Answer = list[bytes | str]


def sign_chunk(request: Request) -> Answer:
    """Sign each item with its key; keys are parsed once per PEM (`load_private_key` keeps
    the last 256 parsed, the cost of a PEM being a good part of a signature)."""
    pems, items = request
    keys: list[rsa.RSAPrivateKey | str] = []
    for pem in pems:
        try:
            keys.append(load_private_key(pem))
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            keys.append(f"{type(exc).__name__}: {exc}")
    answer: Answer = []
    for index, message in items:
        key = keys[index]
        if isinstance(key, str):
            answer.append(key)
        else:
            answer.append(rsa_sha256_sign(key, message))
    return answer


def write_frame(out: BinaryIO, payload: bytes) -> None:
    out.write(LENGTH.pack(len(payload)) + payload)
    out.flush()


def _read_exactly(source: BinaryIO, size: int) -> bytes | None:
    data = source.read(size)
    return data if data is not None and len(data) == size else None


def main() -> None:
    # Its life is the worker's: Ctrl-C reaches the whole process group, and systemd sends
    # SIGTERM to the whole unit, but the worker finishes what it has in hand (signing on
    # its loop if this process were gone) and then closes our input, and we end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The frames get a private copy of stdout; anything else printed goes to stderr, so a
    # stray print cannot corrupt the stream.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = sys.stdin.buffer
    write_frame(out, READY)
    while True:
        header = _read_exactly(source, LENGTH.size)
        if header is None:
            return
        body = _read_exactly(source, LENGTH.unpack(header)[0])
        if body is None:
            return
        request: Request = pickle.loads(body)  # noqa: S301 - written by our own parent
        write_frame(out, pickle.dumps(sign_chunk(request), pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main()

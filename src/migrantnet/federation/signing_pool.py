"""Delivery signatures made in processes beside the worker's event loop.

`cryptography` holds the GIL while it signs, and signing was more than half of the worker's
CPU per delivery (benchmarks/README.md): with the RSA step in another process, the loop does
HTTP and the database while another core signs.

`SigningPool.sign` prepares a request's signature on the loop (`cavage_input`: Host, Date,
Digest and the signing string, a few microseconds), queues the signing string and awaits the
signature. What was queued during one turn of the loop goes to an idle signing process as one
chunk: one write and one read per chunk, not per request. While a process signs a chunk, the
loop sends what is signed and queues the next. A request that waited `LOOP_TAKES_OVER_AFTER`
without being taken by a process is signed by the loop (the process is behind, or the machine
gives it no core just now, and the loop would sit idle). The Date is taken when a request is
queued, tens of milliseconds before the request leaves, as when the loop signed at send time.
The headers are exactly the in-process signer's: the same `cavage_input` and `signed_headers`
around the same RSA step (PKCS#1 v1.5 is deterministic).

A process that dies or stops answering (`CHUNK_DEADLINE`) is killed and its chunk is signed on
the loop, each request with a fresh Date; another process is started, at once the first time,
then after a delay that doubles up to a minute while they keep failing. Until one is ready,
requests are signed on the loop as with no pool at all: no delivery waits for a process, not
even for the first one to start.

The processes are ``python -m migrantnet.federation.signatures.signing_child`` on pipes, not a
`ProcessPoolExecutor`: under ``spawn`` or ``forkserver`` its children run the parent's
``__main__`` again, and for the ``migrantnet`` console script that is the whole app (72-74 MB
each, against 24 MB here); its results also come back through a thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

import migrantnet
from migrantnet.federation.signatures import signing_child
from migrantnet.federation.signatures.cavage import (
    CavageInput,
    cavage_input,
    sign_request,
    signed_headers,
)
from migrantnet.federation.signatures.primitives import rsa_sha256_sign
from migrantnet.logs import log_event

logger = logging.getLogger("migrantnet.federation.signing_pool")

CHUNK_MAX = 64  # requests per round trip: ~16 ms of signing on a free core
#: A request that has waited this long for a process is signed by the loop, one per turn of
#: the loop between its I/O: the processes are behind (on a busy machine, not given a core
#: just now), most deliveries in flight wait for a signature, and the loop would sit idle.
#: A chunk of 64 takes ~16 ms on a free core, so a process that keeps up is never overtaken.
LOOP_TAKES_OVER_AFTER = 0.025
CHUNK_DEADLINE = 10.0  # seconds a process may take to answer a chunk before it is killed
START_DEADLINE = 30.0  # seconds for a new process to import what it needs
RESTART_DELAY_MAX = 60.0
#: The children run the same migrantnet as ours, whatever is installed (a checkout, a test run).
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(migrantnet.__file__)))
STOP_SECONDS = 5.0  # a process that does not end within this after its input closed is killed


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One actor's key, as PEM for the signing processes and parsed for the loop's own
    signatures (when no process can sign)."""

    key_id: str
    private_key_pem: str
    private_key: rsa.RSAPrivateKey


class SigningProcessDown(Exception):
    """A signing process ended, or did not answer in time."""


@dataclass(slots=True)
class _Request:
    prepared: CavageInput
    key: SigningKey
    done: asyncio.Future[bytes | None]  # None: sign it on the loop
    queued_at: float  # monotonic
    by_loop: bool = False  # signed by the loop after waiting too long


class _SigningProcess:
    """One `signing_child` process and its pipes; one chunk at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pid = process.pid
        self._stdin = process.stdin
        self._stdout = process.stdout

    @classmethod
    async def start(cls) -> _SigningProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                signing_child.__name__,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            raise SigningProcessDown(f"could not start: {exc}") from exc
        child = cls(process)
        try:
            async with asyncio.timeout(START_DEADLINE):
                ready = await child._read()
        except BaseException:
            await child.kill()
            raise
        if ready != signing_child.READY:
            await child.kill()
            raise SigningProcessDown(f"unexpected first frame {ready[:20]!r}")
        return child

    async def _read(self) -> bytes:
        assert self._stdout is not None
        try:
            header = await self._stdout.readexactly(signing_child.LENGTH.size)
            return await self._stdout.readexactly(signing_child.LENGTH.unpack(header)[0])
        except asyncio.IncompleteReadError as exc:
            raise SigningProcessDown("its output ended") from exc

    async def sign(self, request: signing_child.Request) -> signing_child.Answer:
        assert self._stdin is not None
        payload = pickle.dumps(request, pickle.HIGHEST_PROTOCOL)
        try:
            async with asyncio.timeout(CHUNK_DEADLINE):
                self._stdin.write(signing_child.LENGTH.pack(len(payload)) + payload)
                await self._stdin.drain()
                body = await self._read()
        except (OSError, TimeoutError, SigningProcessDown) as exc:  # OSError: a broken pipe
            await self.kill()
            raise SigningProcessDown(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            ) from exc
        except BaseException:  # cancelled mid-chunk: the stream is out of step, end it
            await self.kill()
            raise
        try:
            answer: signing_child.Answer = pickle.loads(body)  # noqa: S301 - our own child
        except Exception as exc:  # out of step with us: end it
            await self.kill()
            raise SigningProcessDown(f"unreadable answer: {exc!r}") from exc
        return answer

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """Close its input (it ends by itself then); killed if it has not within a moment."""
        if self._stdin is not None:
            self._stdin.close()
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await self.process.wait()
        except TimeoutError:
            await self.kill()


class SigningPool:
    """`processes` signing processes, started on first use; 0: every request is signed on
    the loop, as `service.signer_for` does. ``await pool.aclose()`` when the worker stops."""

    def __init__(
        self,
        processes: int,
        *,
        chunk_max: int = CHUNK_MAX,
        loop_takes_over_after: float = LOOP_TAKES_OVER_AFTER,
    ) -> None:
        self.processes = processes
        self.chunk_max = chunk_max
        self.loop_takes_over_after = loop_takes_over_after
        self._takeover: asyncio.Handle | None = None
        self._live: set[_SigningProcess] = set()  # ready, idle or signing a chunk
        self._idle: list[_SigningProcess] = []
        self._pending: list[_Request] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._starting = 0
        self._next_start = 0.0  # monotonic time before which no process is started
        self._restart_delay = 0.0
        self._dispatching = False
        self._closed = False
        #: How many requests each side signed (benchmarks and tests read them).
        self.signed_by_processes = 0
        self.signed_on_loop = 0

    @property
    def pids(self) -> list[int]:
        """The ready processes' ids."""
        return sorted(child.pid for child in self._live)

    async def start(self) -> None:
        """Start the processes now and wait until they are ready (or failed to start)."""
        self._top_up()
        while self._starting:
            await asyncio.wait(list(self._tasks))

    async def sign(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        key: SigningKey,
    ) -> dict[str, str]:
        """`headers` plus Host, Date, Digest and the Signature by `key` (draft-cavage)."""
        if self.processes and not self._closed:
            self._top_up()
        if not self._live:
            return self._sign_here(method, url, headers, body, key)
        prepared = cavage_input(method, url, headers, body, now=datetime.now(UTC))
        loop = asyncio.get_running_loop()
        request = _Request(prepared, key, loop.create_future(), time.monotonic())
        self._pending.append(request)
        self._dispatch_soon()
        if self._takeover is None:
            self._takeover = loop.call_later(self.loop_takes_over_after, self._take_over)
        signature = await request.done
        if signature is None:  # its process died, or the pool closed meanwhile
            return self._sign_here(method, url, headers, body, key)
        if request.by_loop:
            self.signed_on_loop += 1
        else:
            self.signed_by_processes += 1
        return signed_headers(prepared, key_id=key.key_id, signature=signature)

    def _take_over(self) -> None:
        """Sign the oldest queued request here if it has waited too long, then look again
        at the next turn of the loop (so answers and sends go on in between), or when the
        next one will have waited too long."""
        self._takeover = None
        while self._pending and self._pending[0].done.done():  # its sender was cancelled
            self._pending.pop(0)
        if not self._pending or self._closed:
            return
        loop = asyncio.get_running_loop()
        waited = time.monotonic() - self._pending[0].queued_at
        if waited < self.loop_takes_over_after:
            self._takeover = loop.call_later(self.loop_takes_over_after - waited, self._take_over)
            return
        request = self._pending.pop(0)
        request.by_loop = True
        try:
            request.done.set_result(
                rsa_sha256_sign(request.key.private_key, request.prepared.signing_string)
            )
        except Exception:  # a key the loop cannot use: the sender signs it and sees why
            logger.exception("signing_on_loop_failed")
            request.done.set_result(None)
        self._takeover = loop.call_soon(self._take_over)

    def _sign_here(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        key: SigningKey,
    ) -> dict[str, str]:
        self.signed_on_loop += 1
        return sign_request(
            method,
            url,
            headers,
            body,
            key_id=key.key_id,
            private_key=key.private_key,
            now=datetime.now(UTC),
        )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _top_up(self) -> None:
        missing = self.processes - len(self._live) - self._starting
        if missing <= 0 or self._closed or time.monotonic() < self._next_start:
            return
        for _ in range(missing):
            self._starting += 1
            self._spawn(self._start_one())

    async def _start_one(self) -> None:
        try:
            child = await _SigningProcess.start()
        except SigningProcessDown as exc:
            self._failed(f"could not start: {exc}")
            return
        finally:
            self._starting -= 1
        if self._closed:
            await child.stop()
            return
        self._live.add(child)
        self._idle.append(child)
        log_event(logger, "signing_process_started", pid=child.pid)
        self._dispatch_soon()

    def _failed(self, reason: str, pid: int | None = None) -> None:
        self._next_start = time.monotonic() + self._restart_delay
        log_event(
            logger,
            "signing_process_down",
            logging.WARNING,
            pid=pid,
            reason=reason,
            restart_in_seconds=round(self._restart_delay, 1),
        )
        self._restart_delay = min(max(1.0, self._restart_delay * 2), RESTART_DELAY_MAX)

    def _dispatch_soon(self) -> None:
        """Send the queue at the end of this turn of the loop: what the other deliveries of
        the turn queue goes in the same chunk."""
        if not self._dispatching and self._pending and self._idle:
            self._dispatching = True
            asyncio.get_running_loop().call_soon(self._dispatch)

    def _dispatch(self) -> None:
        self._dispatching = False
        while self._pending and self._idle:
            # A request whose sender was cancelled meanwhile is dropped here.
            chunk = [r for r in self._pending[: self.chunk_max] if not r.done.done()]
            del self._pending[: self.chunk_max]
            if chunk:
                self._spawn(self._sign_chunk(self._idle.pop(), chunk))

    async def _sign_chunk(self, child: _SigningProcess, chunk: list[_Request]) -> None:
        pems: dict[str, int] = {}
        items = [
            (
                pems.setdefault(request.key.private_key_pem, len(pems)),
                request.prepared.signing_string,
            )
            for request in chunk
        ]
        try:
            try:
                answer = await child.sign((list(pems), items))
                if len(answer) != len(chunk):
                    await child.kill()
                    raise SigningProcessDown(f"{len(answer)} answers to {len(chunk)} requests")
            except SigningProcessDown as exc:
                self._lost(child, str(exc))
                return
            self._restart_delay = 0.0
            for request, signature in zip(chunk, answer, strict=True):
                if not request.done.done():
                    request.done.set_result(signature if isinstance(signature, bytes) else None)
            if self._closed:
                self._live.discard(child)
                await child.stop()
            else:
                self._idle.append(child)
        finally:
            self._release(chunk)  # whatever got no signature is signed on the loop
            self._dispatch_soon()

    def _lost(self, child: _SigningProcess, reason: str) -> None:
        self._live.discard(child)
        self._failed(reason, child.pid)
        if not self._live:  # nobody left to sign what is queued: the loop does
            self._release(self._pending)
            self._pending = []
        self._top_up()

    @staticmethod
    def _release(requests: list[_Request]) -> None:
        for request in requests:
            if not request.done.done():
                request.done.set_result(None)

    async def aclose(self) -> None:
        """Stop the processes; what is queued is signed on the loop."""
        if self._closed:
            return
        self._closed = True
        if self._takeover is not None:
            self._takeover.cancel()
            self._takeover = None
        self._release(self._pending)
        self._pending = []
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=CHUNK_DEADLINE + START_DEADLINE)
        children = list(self._live)
        self._live.clear()
        self._idle.clear()
        await asyncio.gather(*(child.stop() for child in children))

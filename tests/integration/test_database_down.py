"""The database unreachable for a while (issue 9, "Faults"): pages, the inbox and `/healthz`
answer 503 with `Retry-After` and a plain message (no traceback, no 500), the worker waits,
and everything works again once the database is back, without a restart; nothing is lost.

PostgreSQL is not stopped (others use the server): the node's app reaches it through a TCP
proxy of the test's own, which the test closes (every connection cut, new ones refused) and
opens again on the same port. On SQLite the outage is a lock another process holds past the
busy timeout (a backup, a stuck migration), and separately a file that cannot be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_forms import HTML, form_token
from delivery_fixtures import Sink, add_follower, publish
from fastapi import FastAPI
from federation_peer import INBOX, RemoteActor, count, rows
from sqlalchemy.engine import make_url

from dbs import backend
from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation.service import Federation
from migrantnet.federation.worker import DeliveryWorker
from migrantnet.models import Actor, Delivery, DeliveryState, InboxActivity

sqlite_only = pytest.mark.skipif(backend() != "sqlite", reason="SQLite's own file and locks")


class TcpProxy:
    """127.0.0.1:`port` forwarded to `target`; `close()` cuts every connection and refuses
    new ones, as a stopped server does; `open()` listens again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.server = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers.add(up_writer)

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        try:
            await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        finally:
            self.writers.discard(writer)
            self.writers.discard(up_writer)
            self.tasks.discard(task)


class Outage:
    """The database becoming unusable for the app, and usable again.

    PostgreSQL: the app's URL goes through a `TcpProxy`, closed for the outage. SQLite:
    another connection holds the write lock (`BEGIN IMMEDIATE`) past the app's busy timeout;
    readers go on (WAL), writers wait, then give up."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.proxy: TcpProxy | None = None
        self.lock: sqlite3.Connection | None = None

    async def app_url(self) -> str:
        """The URL the app is given: the proxy's on PostgreSQL."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            return self.database_url
        self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        await self.proxy.open()
        return url.set(port=self.proxy.port).render_as_string(hide_password=False)

    @property
    def reads_fail(self) -> bool:
        return self.proxy is not None

    async def begin(self) -> None:
        if self.proxy is not None:
            await self.proxy.close()
        else:
            database = make_url(self.database_url).database
            assert database
            self.lock = sqlite3.connect(database, isolation_level=None)
            self.lock.execute("BEGIN IMMEDIATE")

    async def end(self) -> None:
        if self.proxy is not None:
            await self.proxy.open()
        elif self.lock is not None:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = None

    async def close(self) -> None:
        await self.end() if self.lock is not None else None
        if self.proxy is not None and self.proxy.server is not None:
            await self.proxy.close()


@pytest.fixture
async def outage(database_url: str) -> AsyncIterator[Outage]:
    fault = Outage(database_url)
    yield fault
    await fault.close()


@pytest.fixture
async def node_settings(settings: Settings, outage: Outage) -> Settings:
    """The app's settings: its database through the outage's proxy, a short busy timeout,
    a quick worker and a short stale span for the heartbeat."""
    return settings.model_copy(
        update={
            "database_url": await outage.app_url(),
            "database_busy_seconds": 0.2,
            "worker_poll_seconds": 0.05,
            "worker_stale_seconds": 5,
        }
    )


@pytest.fixture
async def app(node_settings: Settings, db: Database) -> AsyncIterator[FastAPI]:
    application = create_app(node_settings, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI, node_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the node's app; a 500 comes back as a response (not raised), to be seen."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=node_settings.base_url) as http:
        yield http


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "30"
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert "cannot reach its database" in response.text


async def test_pages_the_inbox_and_healthz_say_503_then_recover(
    client: httpx.AsyncClient,
    db: Database,
    association: Actor,
    remote_actor: RemoteActor,
    outage: Outage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert (await client.get("/@tunis_migrants", headers=HTML)).status_code == 200
    # The form's pre-session cookie makes this client a signed-in-like reader: its pages are
    # built each time, not served from the anonymous page cache (which outlives an outage).
    login_token = await form_token(client, "/login")
    follow = remote_actor.activity("Follow", association.ap_id)

    await outage.begin()
    caplog.set_level(logging.WARNING)

    # A peer's delivery: 503 with Retry-After, which peers honour by sending again later.
    refused = await remote_actor.signed_post(client, INBOX, follow)
    assert_unavailable(refused)
    assert refused.json() == {"error": refused.json()["error"]}

    # A form sent while it lasts: a page saying so, in the reader's language.
    sign_in = await client.post(
        "/login?lang=ar",
        data={"email": "admin@node-a.test", "password": "x" * 12, "csrf_token": login_token},
        headers=HTML,
    )
    assert sign_in.status_code == 503
    assert sign_in.headers["retry-after"] == "30"
    assert 'lang="ar"' in sign_in.text and "قاعدة بياناته" in sign_in.text

    page = await client.get("/@tunis_migrants", headers=HTML)
    health = await client.get("/healthz")
    if outage.reads_fail:  # PostgreSQL gone: nothing can be read either
        assert_unavailable(page)
        assert "<h1" in page.text and "<main" in page.text  # the node's own error page
        assert health.status_code == 503
        assert health.headers["retry-after"] == "30"
        assert health.json() == {"status": "unavailable", "ready": False, "database": "unreachable"}
    else:  # SQLite locked by a writer: readers go on (WAL), writers wait, then 503
        assert page.status_code == 200
        assert health.status_code == 200
    events = [record for record in caplog.records if record.getMessage() == "database_unavailable"]
    assert events and all(record.exc_info is None for record in events)
    assert not [r for r in caplog.records if r.getMessage().startswith("unhandled_error")]

    await outage.end()

    assert (await client.get("/@tunis_migrants", headers=HTML)).status_code == 200
    assert (await client.get("/healthz")).json()["ready"] is True
    again = await remote_actor.signed_post(client, INBOX, follow)  # the peer's retry
    assert again.status_code == 202, again.text
    assert await count(db, InboxActivity, InboxActivity.ap_id == follow["id"]) == 1


async def test_the_worker_waits_for_the_database_and_then_delivers(
    node_settings: Settings,
    db: Database,
    association: Actor,
    outage: Outage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = await Sink().start()
    fed = Federation(node_settings, db)  # the test's own access, not through the proxy
    worker_db = Database(
        node_settings.effective_database_url, busy_seconds=node_settings.database_busy_seconds
    )
    worker_fed = Federation(node_settings, worker_db)  # the worker's, through the outage
    stop = asyncio.Event()
    try:
        await add_follower(db, association, sink.url("/users/alice/inbox"))
        await publish(fed, association)
        caplog.set_level(logging.INFO, logger="migrantnet.federation.worker")
        await outage.begin()
        worker = asyncio.create_task(DeliveryWorker(worker_fed).run(stop))

        async def logged(event: str) -> bool:
            return any(record.getMessage() == event for record in caplog.records)

        await poll(lambda: logged("worker_waiting_for_database"))
        assert not worker.done()
        assert sink.seen == []
        assert not [r for r in caplog.records if r.getMessage() == "worker_step_failed"]

        await outage.end()
        await sink.wait_for(1, timeout=10)
        await poll(lambda: logged("worker_database_back"))

        async def sent() -> bool:
            states = [d.state for d in await rows(db, Delivery)]
            return states == [DeliveryState.SENT]

        await poll(sent)
        assert [s.path for s in sink.posts()] == ["/users/alice/inbox"]
    finally:
        stop.set()
        await worker_fed.aclose()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker, timeout=10)
        await worker_db.dispose()
        await fed.aclose()
        await sink.stop()


@sqlite_only
async def test_an_unreadable_sqlite_file_is_503_until_it_is_back(
    app: FastAPI,
    client: httpx.AsyncClient,
    db: Database,
    association: Actor,
    node_settings: Settings,
) -> None:
    app_db: Database = app.state.db
    path = Path(make_url(node_settings.effective_database_url).database or "")
    assert (await client.get("/@tunis_migrants", headers=HTML)).status_code == 200
    for database in (app_db, db):  # every connection closed: the next ones open the file
        await database.dispose()
    saved = path.with_name("saved.db")
    shutil.move(path, saved)
    path.write_bytes(b"this is not a database, it is a half-restored file " * 100)
    try:
        page = await client.get("/@tunis_migrants?lang=fr", headers=HTML)
        assert_unavailable_in(page, "joindre sa base de données")
        health = await client.get("/healthz")
        assert (health.status_code, health.json()["ready"]) == (503, False)
    finally:
        await app_db.dispose()
        path.unlink()
        shutil.move(saved, path)
    assert (await client.get("/@tunis_migrants", headers=HTML)).status_code == 200
    assert (await client.get("/healthz")).json()["ready"] is True


def assert_unavailable_in(response: httpx.Response, text: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "30"
    assert text in response.text and "Traceback" not in response.text


async def poll(check: Callable[[], Any], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)

"""Fixtures shared by the whole suite: settings, an isolated database, the app, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import nodes
from dbs import new_database, schema_database
from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.models import Base
from migrantnet.uris import Uris
from suite_settings import suite_settings


def pytest_configure(config: pytest.Config) -> None:
    nodes.use_fork_server()  # node processes forked from an imported zygote: tests/node_forks.py


def pytest_unconfigure(config: pytest.Config) -> None:
    server = nodes.use_fork_server()
    if server is not None:
        server.close()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database; for a test that uses `db`, one already holding the models' tables
    (built once per process: see `dbs.schema_database`)."""
    make = schema_database if "db" in request.fixturenames else new_database
    url, cleanup = make(tmp_path)
    yield url
    cleanup()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return suite_settings(tmp_path, database_url)


@pytest.fixture
def uris(settings: Settings) -> Uris:
    return Uris(settings.base_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """A database with the current schema (created from the models; migrations are tested
    separately, with a check that both give the same schema)."""
    database = Database(settings.effective_database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.session() as s:
        yield s


@pytest.fixture
async def app_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=settings.base_url, follow_redirects=False
        ) as client:
            yield client

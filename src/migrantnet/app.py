"""The FastAPI application factory: wires settings, database, routers, templates and workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from migrantnet import __version__
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.logs import log_event
from migrantnet.uris import Uris
from migrantnet.web import pages
from migrantnet.web.errors import install_error_handlers

logger = logging.getLogger("migrantnet.app")
WEB_DIR = Path(__file__).parent / "web"


def create_app(settings: Settings, *, run_worker: bool | None = None) -> FastAPI:
    """Build the app for one node. `run_worker` overrides `settings.inprocess_worker`."""
    with_worker = settings.inprocess_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(settings.effective_database_url)
        worker_task: asyncio.Task[None] | None = None
        if with_worker:
            worker_task = asyncio.create_task(_run_worker(app))
        log_event(logger, "node_started", domain=settings.domain, db=app.state.db.dialect)
        try:
            yield
        finally:
            if worker_task is not None:
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker_task
            await app.state.db.dispose()

    app = FastAPI(
        title="migrantnet",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.uris = Uris(settings.base_url)
    app.state.templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    install_error_handlers(app, extra=[])
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.include_router(pages.router)
    return app


async def _run_worker(app: FastAPI) -> None:
    """Placeholder until the delivery worker lands: nothing is queued yet."""
    await asyncio.Event().wait()

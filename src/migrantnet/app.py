"""The FastAPI application factory: wires settings, database, routers, templates and workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute

from migrantnet import __version__
from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.federation import discovery, replies_routes, signatories_routes
from migrantnet.federation import routes as federation_routes
from migrantnet.federation.fast_path import ActivityFastPath
from migrantnet.federation.fetch_gate import FetchGate
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.rendered import RenderedCache
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.long_lived import freeze_startup_heap
from migrantnet.models.changes import drop_on_page_change
from migrantnet.models.counts import PAGES_GENERATION
from migrantnet.uris import Uris
from migrantnet.uris.interface import ADMIN_IMPORT_PATH
from migrantnet.web import (
    account_pages,
    admin_pages,
    agenda_import_pages,
    agenda_pages,
    api,
    api_docs,
    association_import_pages,
    association_pages,
    authoring,
    calendar_pages,
    cosign_pages,
    directory_pages,
    export_pages,
    feed_pages,
    group_pages,
    group_thread_pages,
    media,
    moderation_pages,
    network_pages,
    pages,
    remote_follow_pages,
    remote_group_thread_pages,
    reply_moderation_pages,
    reply_pages,
    robots,
    search_pages,
    settings_pages,
)
from migrantnet.web.api.kinds import KIND_API
from migrantnet.web.body_limit import BodyLimit
from migrantnet.web.compression import CompressWhenAsked
from migrantnet.web.errors import install_error_handlers, scope_error_response
from migrantnet.web.interface_language import InterfaceLanguage
from migrantnet.web.interface_language import router as language_router
from migrantnet.web.origin import PinnedOrigin
from migrantnet.web.page_cache import AnonymousPageCache
from migrantnet.web.security_headers import SecurityHeaders
from migrantnet.web.static_assets import HashedStaticFiles
from migrantnet.web.templating import page_templates

logger = logging.getLogger("migrantnet.app")
WEB_DIR = Path(__file__).parent / "web"


def create_app(
    settings: Settings, *, run_worker: bool | None = None, long_lived: bool = False
) -> FastAPI:
    """Build the app for one node. `run_worker` overrides `settings.inprocess_worker`;
    `long_lived` (`migrantnet serve`): once started, the heap built so far is frozen
    (`long_lived.py`)."""
    with_worker = settings.inprocess_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.effective_database_url, busy_seconds=settings.database_busy_seconds)
        fed = Federation(settings, db)
        app.state.db = db
        app.state.federation = fed
        app.state.notifier = ActivityPubNotifier(fed)
        app.state.page_cache = RenderedCache(
            db,
            entries=settings.page_cache_entries,
            check_seconds=settings.render_cache_check_seconds,
            generation=PAGES_GENERATION,
            listeners=[],  # cleared after any commit of the process: drop_on_page_change
            max_bytes=settings.page_cache_bytes,
            ttl_seconds=settings.page_cache_seconds,
        )
        drop_on_page_change(app.state.page_cache)
        stop = asyncio.Event()
        worker_task: asyncio.Task[None] | None = None
        if with_worker:
            # Imported here: the worker's HTTP client (aiohttp, ~9 MB resident) is not loaded
            # by a web process that leaves deliveries to `migrantnet worker`.
            from migrantnet.federation.worker import DeliveryWorker

            worker_task = asyncio.create_task(DeliveryWorker(fed).run(stop))
        if long_lived:
            freeze_startup_heap()
        log_event(logger, "node_started", domain=settings.domain, db=db.dialect, worker=with_worker)
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                try:
                    await asyncio.wait_for(worker_task, timeout=10)
                except TimeoutError:
                    worker_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker_task
            await fed.aclose()
            await db.dispose()

    app = FastAPI(
        title="migrantnet",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served from the node's own files: web/api_docs.py
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.uris = Uris(settings.base_url)
    app.state.templates = page_templates(WEB_DIR / "templates")
    app.state.static = HashedStaticFiles(WEB_DIR / "static")
    app.state.templates.env.globals["static"] = app.state.static.url
    app.state.templates.env.globals["node_noindex"] = not settings.search_engines
    app.state.templates.env.globals["uris"] = app.state.uris
    app.state.secret = settings.session_key or _ephemeral_key()
    install_error_handlers(app)
    # Outermost last: the origin is pinned before anything reads it, bodies capped before read.
    # Innermost: cached documents answered before routing, after every check and header.
    app.add_middleware(AnonymousPageCache)
    app.add_middleware(ActivityFastPath, authorized_fetch=settings.authorized_fetch)
    app.add_middleware(
        FetchGate, authorized_fetch=settings.authorized_fetch, refuse=scope_error_response
    )
    app.add_middleware(
        BodyLimit,
        json_max=settings.request_max_bytes,
        upload_max=max(settings.media_max_bytes, settings.image_max_bytes),
        larger={ADMIN_IMPORT_PATH: settings.import_max_bytes},
    )
    app.add_middleware(SecurityHeaders, https=settings.https)
    app.add_middleware(InterfaceLanguage)
    app.add_middleware(PinnedOrigin, domain=settings.domain, scheme=settings.scheme)
    # Outermost: it compresses the body every other layer made, and leaves their headers.
    app.add_middleware(CompressWhenAsked)
    app.mount("/static", app.state.static, name="static")
    app.router.routes.extend(node_routes())
    return app


# Keyed by the kinds' specs (by identity); each entry keeps its specs alive, so an id is
# never reused for another spec while its routes are cached.
_BUILT_ROUTES: dict[tuple[tuple[str, int], ...], tuple[list[object], list[BaseRoute]]] = {}


def node_routes() -> list[BaseRoute]:
    """Every route of a node, in matching order, built once per process for a given kind
    registry. FastAPI analyses each endpoint's signature when a route is made (a third of a
    second for all of ours, more than the rest of `create_app`); the routes keep no state of
    an app, so every app of the process (tests make hundreds) can share them. A kind
    registered later gets routes of its own, as `web/api/objects.kind_router` promises."""
    key = tuple((str(kind), id(spec)) for kind, spec in KIND_API.items())
    built = _BUILT_ROUTES.get(key)
    if built is None:
        router = APIRouter()
        router.include_router(discovery.router)
        router.include_router(robots.router)
        router.include_router(api_docs.router)
        router.include_router(federation_routes.router)
        router.include_router(signatories_routes.router)
        router.include_router(replies_routes.router)
        router.include_router(media.router)
        router.include_router(association_pages.router)
        router.include_router(remote_follow_pages.router)
        router.include_router(api.build_router())
        router.include_router(pages.router)
        router.include_router(calendar_pages.router)
        router.include_router(feed_pages.router)
        router.include_router(search_pages.router)
        router.include_router(agenda_pages.router)
        router.include_router(directory_pages.router)
        router.include_router(language_router)
        router.include_router(account_pages.router)
        router.include_router(moderation_pages.router)  # before `/admin/{slug}`
        router.include_router(association_import_pages.router)  # before `/admin/{slug}`
        router.include_router(admin_pages.router)
        router.include_router(authoring.router)
        router.include_router(network_pages.router)
        router.include_router(group_pages.router)
        router.include_router(group_thread_pages.router)
        router.include_router(remote_group_thread_pages.router)
        router.include_router(settings_pages.router)
        router.include_router(cosign_pages.router)
        router.include_router(reply_moderation_pages.router)
        router.include_router(reply_pages.router)
        router.include_router(agenda_import_pages.router)
        router.include_router(export_pages.router)
        built = _BUILT_ROUTES[key] = (list(KIND_API.values()), list(router.routes))
    return built[1]


def _ephemeral_key() -> bytes:
    """Without MIGRANTNET_SECRET_KEY sessions and links last until the process ends."""
    log_event(logger, "secret_key_missing", logging.WARNING)
    return secrets.token_bytes(32)

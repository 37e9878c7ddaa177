"""Setting up, serving and running a node: `init`, `serve`, `worker`, `seed-demo`."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from migrantnet.cli.runner import (
    CommandError,
    DataDirOption,
    ask,
    migrate,
    operator_errors,
    require_database,
    run_federated,
    run_with_db,
    settings_from,
    sqlite_file,
)
from migrantnet.config import write_config_file
from migrantnet.content.node import NodeSetup, initialise_node, is_initialised
from migrantnet.db import Database
from migrantnet.uris import Uris


@operator_errors
def init(
    domain: Annotated[str | None, typer.Option(help="host[:port] the node is reached at.")] = None,
    association: Annotated[
        str | None, typer.Option(help="Slug of the first association, e.g. 'migrants_tunis'.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name of the association.")] = None,
    admin_email: Annotated[str | None, typer.Option(help="E-mail of the admin user.")] = None,
    admin_password: Annotated[
        str | None, typer.Option(help="Password of the admin user (10+ characters).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Database URL (default: SQLite in the data directory).")
    ] = None,
    https: Annotated[
        bool | None, typer.Option("--https/--no-https", help="Serve under https (production).")
    ] = None,
    allow_private_addresses: Annotated[
        bool | None,
        typer.Option(help="Allow fetches of private addresses (local demos and tests only)."),
    ] = None,
    approve_followers: Annotated[
        bool | None,
        typer.Option(
            "--approve-followers/--auto-accept-followers",
            help="Hold the association's new followers until someone approves them. Asked in "
            "a terminal; without one, followers are accepted automatically, and followers-only "
            "posts then reach anyone who follows.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create the database, the first association with its keys, and the admin user."""
    domain = ask(domain or os.environ.get("MIGRANTNET_DOMAIN"), "Domain", option="--domain")
    settings = settings_from(
        data_dir,
        domain=domain,
        database_url=database_url,
        https=https,
        allow_private_addresses=allow_private_addresses,
    )
    setup = NodeSetup(
        slug=ask(association, "Association slug", option="--association"),
        name=ask(name, "Association name", option="--name"),
        admin_email=ask(admin_email, "Admin e-mail", option="--admin-email"),
        admin_password=ask(admin_password, "Admin password", option="--admin-password", hide=True),
        approve_followers=ask_followers_choice(approve_followers),
    ).validated()

    async def already(db: Database) -> bool:
        from migrantnet.migrations import current_revision

        if current_revision(settings.effective_database_url) is None:
            return False
        async with db.session() as session:
            return await is_initialised(session)

    sqlite_path = sqlite_file(settings)
    existed = sqlite_path is None or sqlite_path.exists()
    try:
        if run_with_db(settings, already, node=False):
            raise CommandError(
                f"this node is already initialised (database {settings.effective_database_url})"
            )
        migrate(settings)

        async def create(db: Database) -> None:
            async with db.session() as session, session.begin():
                await initialise_node(session, Uris(settings.base_url), setup)

        run_with_db(settings, create, node=False)
    except BaseException:
        if not existed and sqlite_path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        raise
    config: dict[str, str] = {
        "domain": settings.domain,
        "secret_key": settings.secret_key or secrets.token_urlsafe(48),
        "https": "true" if settings.https else "false",
    }
    if database_url:
        config["database_url"] = database_url
    if settings.allow_private_addresses:
        config["allow_private_addresses"] = "true"
    write_config_file(settings.config_file, config)
    typer.echo(
        f"Node {settings.domain} initialised: association @{setup.slug}@{settings.domain}, "
        f"admin {setup.admin_email}. Start it with `migrantnet serve`."
    )
    if setup.approve_followers:
        typer.echo("New followers wait for approval (`migrantnet followers pending`).")
    else:
        typer.echo(
            "New followers are accepted automatically: followers-only posts reach anyone who "
            f"follows. To choose who follows: `migrantnet associations update {setup.slug} "
            "--approve-followers`, or the association's settings page."
        )


def ask_followers_choice(given: bool | None) -> bool:
    """The flag, else the question in a terminal (approval by hand is the answer offered),
    else auto-accept, as before: scripts that pass no flag keep working, and are told."""
    if given is not None:
        return given
    if not sys.stdin.isatty():
        return False
    from migrantnet.content.objects import FOLLOWERS_CHOICE

    typer.echo(FOLLOWERS_CHOICE + ".")
    return bool(typer.confirm("Approve new followers by hand?", default=True))


@operator_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    worker: Annotated[
        bool | None,
        typer.Option("--worker/--no-worker", help="Run the delivery worker in this process."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the node over HTTP (migrating the database first if needed)."""
    import uvicorn

    from migrantnet.app import create_app
    from migrantnet.server_options import SERVER_OPTIONS

    settings = settings_from(data_dir)
    require_database(settings)
    migrate(settings)
    application = create_app(settings, run_worker=worker, long_lived=True)
    uvicorn.run(application, host=host, port=port, **SERVER_OPTIONS)


@operator_errors
def worker(data_dir: DataDirOption = None) -> None:
    """Run the background workers: delivery to other servers, and inbox leftovers.

    Several workers may run against one PostgreSQL database; on SQLite run one.
    Stops cleanly on SIGTERM or Ctrl-C, finishing the requests under way.
    """
    import signal

    from migrantnet.federation.service import Federation
    from migrantnet.federation.worker import DeliveryWorker
    from migrantnet.long_lived import freeze_startup_heap

    settings = settings_from(data_dir)
    require_database(settings)
    migrate(settings)

    async def work(db: Database) -> None:
        fed = Federation(settings, db)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        worker = DeliveryWorker(fed)
        freeze_startup_heap()
        try:
            await worker.run(stop)
        finally:
            await fed.aclose()

    run_with_db(settings, work, loop_factory=fast_loop_factory())


def fast_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where it is installed (uvicorn[standard] brings it, except on Windows):
    the worker's time outside RSA signing is mostly the event loop's and aiohttp's, and uvloop
    takes a part of it off (benchmarks/README.md, fan-out)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platforms without uvloop
        return None
    return uvloop.new_event_loop


@operator_errors
def seed_demo(data_dir: DataDirOption = None) -> None:
    """Fill an initialised node with sample associations and content, in several languages."""
    from migrantnet.content.demo import seed_demo_content

    settings = settings_from(data_dir)

    from migrantnet.federation.publisher import ActivityPubNotifier

    async def work(session: Any, fed: Any) -> int:
        if not await is_initialised(session):
            raise CommandError("the node is not initialised: run `migrantnet init` first")
        return await seed_demo_content(session, fed.uris, ActivityPubNotifier(fed))

    created = run_federated(settings, work)
    typer.echo(f"Demo content ready ({created} new items).")

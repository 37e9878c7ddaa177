"""The `migrantnet` command: set up, run and operate a node.

Every command reads the same settings as the server. A mistake the operator can fix (a wrong
setting, a bad slug, a short password, a node that already exists) prints one line and exits
with status 2; nothing is left half-created.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import OperationalError

from migrantnet.config import Settings, SettingsError, load_settings, write_config_file
from migrantnet.content.associations import create_association, get_association
from migrantnet.content.errors import ContentError
from migrantnet.content.node import NodeSetup, initialise_node, is_initialised
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.logs import configure_logging
from migrantnet.models import Role
from migrantnet.uris import Uris

T = TypeVar("T")

app = typer.Typer(
    help="migrantnet: a federated ActivityPub node for migrant organisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
users_app = typer.Typer(help="Manage the people who sign in.", no_args_is_help=True)
associations_app = typer.Typer(help="Manage the associations of this node.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(associations_app, name="associations")

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (MIGRANTNET_DATA_DIR).")
]


class CommandError(Exception):
    """An operator mistake reported as one line, exit status 2."""


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def operator_errors(func: Callable[..., T]) -> Callable[..., T]:
    """Turn the errors an operator can fix into one line and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except (SettingsError, ContentError, CommandError) as exc:
            fail(str(exc))
        except OperationalError as exc:
            fail(f"database unreachable: {str(exc.orig).splitlines()[0]}")
        raise AssertionError("unreachable")

    return wrapper


def settings_from(data_dir: Path | None = None, **overrides: Any) -> Settings:
    settings = load_settings(data_dir=data_dir, **overrides)
    configure_logging(settings.log_level)
    return settings


def run_with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def runner() -> T:
        db = Database(settings.effective_database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(runner())


def migrate(settings: Settings) -> None:
    from migrantnet.migrations import upgrade

    upgrade(settings.effective_database_url)


def ask(value: str | None, prompt: str, *, option: str, hide: bool = False) -> str:
    """Use the flag, else prompt in a terminal, else refuse: scripts must pass every flag."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=hide, confirmation_prompt=hide))
    raise CommandError(f"{option} is required (no terminal to ask in)")


@app.command()
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
    ).validated()

    async def already(db: Database) -> bool:
        from migrantnet.migrations import current_revision

        if current_revision(settings.effective_database_url) is None:
            return False
        async with db.session() as session:
            return await is_initialised(session)

    sqlite_file = _sqlite_file(settings)
    existed = sqlite_file is None or sqlite_file.exists()
    try:
        if run_with_db(settings, already):
            raise CommandError(
                f"this node is already initialised (database {settings.effective_database_url})"
            )
        migrate(settings)

        async def create(db: Database) -> None:
            async with db.session() as session, session.begin():
                await initialise_node(session, Uris(settings.base_url), setup)

        run_with_db(settings, create)
    except BaseException:
        if not existed and sqlite_file is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
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


def _sqlite_file(settings: Settings) -> Path | None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


@app.command()
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

    settings = settings_from(data_dir)
    migrate(settings)
    application = create_app(settings, run_worker=worker)
    uvicorn.run(
        application,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )


@app.command()
@operator_errors
def worker(data_dir: DataDirOption = None) -> None:
    """Run the background workers: delivery to other servers, and inbox leftovers.

    Several workers may run against one PostgreSQL database; on SQLite run one.
    Stops cleanly on SIGTERM or Ctrl-C, finishing the requests under way.
    """
    import signal

    from migrantnet.federation.service import Federation
    from migrantnet.federation.worker import DeliveryWorker

    settings = settings_from(data_dir)
    migrate(settings)

    async def work(db: Database) -> None:
        fed = Federation(settings, db)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            await DeliveryWorker(fed).run(stop)
        finally:
            await fed.aclose()

    run_with_db(settings, work)


def run_federated(settings: Settings, work: Callable[[Any, Any], Awaitable[T]]) -> T:
    """Run `work(session, fed)` in one transaction, with the federation service at hand."""
    from migrantnet.federation.actors import ActorUnavailable
    from migrantnet.federation.service import Federation

    async def runner(db: Database) -> T:
        fed = Federation(settings, db)
        try:
            async with db.session() as session, session.begin():
                return await work(session, fed)
        except ActorUnavailable as exc:
            raise CommandError(str(exc)) from None
        finally:
            await fed.aclose()

    return run_with_db(settings, runner)


@app.command()
@operator_errors
def follow(
    association: Annotated[str, typer.Argument(help="Slug of our association.")],
    handle: Annotated[str, typer.Argument(help="@user@host of the account to follow, or its URL.")],
    data_dir: DataDirOption = None,
) -> None:
    """Follow a remote account (Mastodon, Mobilizon group, Gancio node, migrantnet node)."""
    from migrantnet.federation.follows import follow_remote

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        follower = await get_association(session, association)
        result = await follow_remote(session, fed, follower, handle)
        return str(result.state)

    state = run_federated(settings, work)
    typer.echo(f"{association} -> {handle}: {state} (the worker sends the Follow).")


@app.command()
@operator_errors
def unfollow(
    association: Annotated[str, typer.Argument(help="Slug of our association.")],
    handle: Annotated[str, typer.Argument(help="@user@host of the account to unfollow.")],
    data_dir: DataDirOption = None,
) -> None:
    """Stop following a remote account (sends Undo Follow)."""
    from migrantnet.federation.follows import unfollow_remote

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        follower = await get_association(session, association)
        await unfollow_remote(session, fed, follower, handle)

    run_federated(settings, work)
    typer.echo(f"{association} no longer follows {handle}.")


@app.command()
@operator_errors
def post(
    association: Annotated[str, typer.Argument(help="Slug of the publishing association.")],
    text: Annotated[str, typer.Argument(help="The note, in Markdown.")],
    language: Annotated[str, typer.Option(help="Language of the text (BCP 47).")] = "en",
    visibility: Annotated[
        str, typer.Option(help="public, unlisted, followers or direct.")
    ] = "public",
    data_dir: DataDirOption = None,
) -> None:
    """Publish a short note to the association's followers."""
    from migrantnet.content.notes import publish_note
    from migrantnet.federation.publisher import ActivityPubFederator

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        actor = await get_association(session, association)
        note = await publish_note(
            session,
            fed.uris,
            ActivityPubFederator(fed),
            actor,
            text={language: text},
            visibility=visibility,
        )
        return note.ap_id

    typer.echo(run_federated(settings, work))


@db_app.command("upgrade")
@operator_errors
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Apply pending migrations."""
    settings = settings_from(data_dir)
    migrate(settings)
    typer.echo("Database is up to date.")


@users_app.command("create")
@operator_errors
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address (the login).")],
    password: Annotated[str, typer.Option(help="Password (10+ characters).")],
    association: Annotated[
        str | None, typer.Option(help="Give the user a role in this association.")
    ] = None,
    role: Annotated[Role, typer.Option(help="Role in the association.")] = Role.EDITOR,
    admin: Annotated[bool, typer.Option(help="Make the user a node admin.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user, optionally with a role in an association."""
    settings = settings_from(data_dir)

    async def work(db: Database) -> None:
        async with db.session() as session, session.begin():
            target = await get_association(session, association) if association else None
            user = await create_user(session, email=email, password=password, is_admin=admin)
            if target is not None:
                await grant_role(session, user, target, role)

    run_with_db(settings, work)
    typer.echo(f"User {email} created.")


@associations_app.command("create")
@operator_errors
def associations_create(
    slug: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, _.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    summary: Annotated[str | None, typer.Option(help="A short presentation.")] = None,
    approve_followers: Annotated[
        bool, typer.Option(help="Hold new followers until someone approves them.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create another association on this node, with its own key pair."""
    settings = settings_from(data_dir)

    async def work(db: Database) -> None:
        async with db.session() as session, session.begin():
            await create_association(
                session,
                Uris(settings.base_url),
                slug=slug,
                name=name,
                summary=summary,
                manually_approves_followers=approve_followers,
            )

    run_with_db(settings, work)
    typer.echo(f"Association @{slug}@{settings.domain} created.")


@associations_app.command("update")
@operator_errors
def associations_update(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    summary: Annotated[
        str | None, typer.Option(help="New presentation (HTML allowed: sanitised).")
    ] = None,
    approve_followers: Annotated[
        bool | None,
        typer.Option(
            "--approve-followers/--auto-accept-followers", help="Hold new followers for approval."
        ),
    ] = None,
    federate_as_note: Annotated[
        bool | None,
        typer.Option(
            "--federate-as-note/--federate-as-types",
            help="Send declarations, struggles, resources as Notes Mastodon shows in full.",
        ),
    ] = None,
    show_follows: Annotated[
        bool | None,
        typer.Option(
            "--show-follows/--hide-follows", help="List followers and following publicly."
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change an association's name, presentation or federation choices (followers are told)."""
    from migrantnet.content.associations import update_association
    from migrantnet.content.html import sanitize_html
    from migrantnet.federation.publisher import ActivityPubFederator

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> bool:
        actor = await get_association(session, slug)
        changed = await update_association(
            session,
            actor,
            name=name,
            summary=sanitize_html(summary) if summary is not None else None,
            manually_approves_followers=approve_followers,
            federate_as_note=federate_as_note,
            show_follows=show_follows,
        )
        if changed:
            await ActivityPubFederator(fed).actor_updated(session, actor)
        return changed

    changed = run_federated(settings, work)
    typer.echo(f"{slug} updated." if changed else f"{slug}: nothing to change.")


followers_app = typer.Typer(
    help="Follow requests of associations that approve by hand.", no_args_is_help=True
)
app.add_typer(followers_app, name="followers")


@followers_app.command("pending")
@operator_errors
def followers_pending(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    data_dir: DataDirOption = None,
) -> None:
    """List the accounts waiting for approval."""
    from migrantnet.federation.follows import pending_followers

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        actor = await get_association(session, slug)
        return [
            f"@{a.username}@{a.domain}  {a.ap_id}" for a in await pending_followers(session, actor)
        ]

    lines = run_federated(settings, work)
    typer.echo("\n".join(lines) if lines else "No pending follow request.")


def _decide(slug: str, follower: str, data_dir: Path | None, *, accept: bool) -> None:
    from migrantnet.federation.follows import decide_follow_request

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        actor = await get_association(session, slug)
        await decide_follow_request(session, fed, actor, follower, accept=accept)

    run_federated(settings, work)
    typer.echo(f"{follower} {'accepted' if accept else 'rejected'} as a follower of {slug}.")


@followers_app.command("approve")
@operator_errors
def followers_approve(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    follower: Annotated[str, typer.Argument(help="@user@host or actor URL of the requester.")],
    data_dir: DataDirOption = None,
) -> None:
    """Accept a pending follow request (sends Accept)."""
    _decide(slug, follower, data_dir, accept=True)


@followers_app.command("reject")
@operator_errors
def followers_reject(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    follower: Annotated[str, typer.Argument(help="@user@host or actor URL of the requester.")],
    data_dir: DataDirOption = None,
) -> None:
    """Refuse a pending follow request (sends Reject)."""
    _decide(slug, follower, data_dir, accept=False)


@associations_app.command("rotate-key")
@operator_errors
def associations_rotate_key(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    data_dir: DataDirOption = None,
) -> None:
    """Replace an association's key pair (after a leak) and tell its followers."""
    from migrantnet.content.associations import rotate_key
    from migrantnet.federation.publisher import ActivityPubFederator

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        actor = await get_association(session, slug)
        await rotate_key(session, actor)
        await ActivityPubFederator(fed).actor_updated(session, actor)

    run_federated(settings, work)
    typer.echo(f"New key for {slug}; followers are sent an Update.")


tokens_app = typer.Typer(help="API tokens for scripts and other tools.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("create")
@operator_errors
def tokens_create(
    email: Annotated[str, typer.Option(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'newsletter script'.")],
    data_dir: DataDirOption = None,
) -> None:
    """Create a bearer token for /api/v1; it is shown once, only its hash is kept."""
    from migrantnet.content.tokens import create_token
    from migrantnet.content.users import get_user_by_email

    settings = settings_from(data_dir)

    async def work(db: Database) -> str:
        async with db.session() as session, session.begin():
            user = await get_user_by_email(session, email)
            return await create_token(session, user, name)

    typer.echo(run_with_db(settings, work))


@app.command()
@operator_errors
def cosign(
    association: Annotated[str, typer.Argument(help="Slug of our signing association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration to co-sign.")],
    data_dir: DataDirOption = None,
) -> None:
    """Co-sign a declaration published on this node or another one."""
    from migrantnet.federation.cosign import cosign_declaration

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        signer = await get_association(session, association)
        await cosign_declaration(session, fed, signer, declaration)

    run_federated(settings, work)
    typer.echo(f"{association} co-signs {declaration}.")


@app.command("withdraw-signature")
@operator_errors
def withdraw_signature(
    association: Annotated[str, typer.Argument(help="Slug of our signing association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration.")],
    data_dir: DataDirOption = None,
) -> None:
    """Withdraw an association's signature from a declaration."""
    from migrantnet.federation.cosign import withdraw_cosignature

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        signer = await get_association(session, association)
        await withdraw_cosignature(session, fed, signer, declaration)

    run_federated(settings, work)
    typer.echo(f"{association} no longer signs {declaration}.")


@app.command("seed-demo")
@operator_errors
def seed_demo(data_dir: DataDirOption = None) -> None:
    """Fill an initialised node with sample associations and content, in several languages."""
    from migrantnet.content.demo import seed_demo_content

    settings = settings_from(data_dir)

    from migrantnet.federation.publisher import ActivityPubFederator

    async def work(session: Any, fed: Any) -> int:
        if not await is_initialised(session):
            raise CommandError("the node is not initialised: run `migrantnet init` first")
        return await seed_demo_content(session, fed.uris, ActivityPubFederator(fed))

    created = run_federated(settings, work)
    typer.echo(f"Demo content ready ({created} new items).")


def main() -> None:
    app()

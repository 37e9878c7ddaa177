"""`migrantnet users`: the people who sign in."""

from __future__ import annotations

from typing import Annotated

import typer

from migrantnet.cli.runner import (
    CommandError,
    DataDirOption,
    operator_errors,
    run_with_db,
    settings_from,
)
from migrantnet.content.associations import get_association
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.models import Role
from migrantnet.uris import Uris

app = typer.Typer(help="Manage the people who sign in.", no_args_is_help=True)


@app.command("create")
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


@app.command("reset-link")
@operator_errors
def users_reset_link(
    email: Annotated[str, typer.Argument(help="E-mail address of the user.")],
    send: Annotated[bool, typer.Option(help="Also mail it (needs MIGRANTNET_SMTP_HOST).")] = False,
    language: Annotated[
        str, typer.Option(help="Language of the mail: en, fr, es, it or ar.")
    ] = "en",
    data_dir: DataDirOption = None,
) -> None:
    """Print a one-time link (valid 24 hours) to choose a new password."""
    from migrantnet.content.account_links import RESET_LIFETIME, create_reset_link
    from migrantnet.content.mail import mail_configured, reset_mail, send_mail
    from migrantnet.content.users import get_user_by_email
    from migrantnet.translations import INTERFACE_LANGUAGES, use_language

    settings = settings_from(data_dir)
    key = settings.session_key
    if key is None:
        raise CommandError(
            "MIGRANTNET_SECRET_KEY is not set (init writes one to the data directory's "
            "migrantnet.env); links cannot work without it"
        )
    if language not in INTERFACE_LANGUAGES:
        raise CommandError(f"--language must be one of {', '.join(INTERFACE_LANGUAGES)}")
    if send and not mail_configured(settings):
        raise CommandError("--send needs MIGRANTNET_SMTP_HOST")

    async def work(db: Database) -> tuple[str, str]:
        async with db.session() as session, session.begin():
            user = await get_user_by_email(session, email)
            link = await create_reset_link(session, key, user)
            return user.email, link.token

    address, token = run_with_db(settings, work)
    url = Uris(settings.base_url).reset_link(token)
    hours = int(RESET_LIFETIME.total_seconds() // 3600)
    if send:
        with use_language(language):
            subject, body = reset_mail(settings.domain, hours, url)
        send_mail(settings, address, subject, body)
        typer.echo(f"Mailed to {address}.", err=True)
    typer.echo(url)


@app.command("sign-out-everywhere")
@operator_errors
def users_sign_out_everywhere(
    email: Annotated[str, typer.Argument(help="E-mail address of the user.")],
    data_dir: DataDirOption = None,
) -> None:
    """End every browser session of a user at once (a lost or stolen phone)."""
    from migrantnet.content.sessions import end_all_sessions
    from migrantnet.content.users import get_user_by_email

    settings = settings_from(data_dir)

    async def work(db: Database) -> int:
        async with db.session() as session, session.begin():
            user = await get_user_by_email(session, email)
            return await end_all_sessions(session, user)

    ended = run_with_db(settings, work)
    typer.echo(f"{ended} session(s) of {email} ended.")


@app.command("delete")
@operator_errors
def users_delete(
    email: Annotated[str, typer.Argument(help="E-mail address of the user.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Delete a user: their sessions, tokens and roles end at once."""
    from migrantnet.content.users import delete_user, get_user_by_email

    if not yes:
        raise CommandError(f"deleting {email} signs them out everywhere: add --yes to confirm")
    settings = settings_from(data_dir)

    async def work(db: Database) -> None:
        async with db.session(write=True) as session, session.begin():
            await delete_user(session, await get_user_by_email(session, email))

    run_with_db(settings, work)
    typer.echo(f"User {email} deleted.")

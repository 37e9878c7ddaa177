"""`migrantnet tokens`: API tokens for scripts and other tools."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_with_db, settings_from
from migrantnet.db import Database

app = typer.Typer(help="API tokens for scripts and other tools.", no_args_is_help=True)


@app.command("create")
@operator_errors
def tokens_create(
    email: Annotated[str, typer.Option(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'newsletter script'.")],
    expires_in_days: Annotated[
        int | None, typer.Option(help="The token stops working after this many days.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a bearer token for /api/v1; it is shown once, only its hash is kept."""
    from migrantnet.content.tokens import create_token, expiry_after
    from migrantnet.content.users import get_user_by_email

    settings = settings_from(data_dir)

    async def work(db: Database) -> str:
        async with db.session() as session, session.begin():
            user = await get_user_by_email(session, email)
            expires_at = expiry_after(expires_in_days)
            return await create_token(session, user, name, expires_at=expires_at)

    typer.echo(run_with_db(settings, work))


@app.command("list")
@operator_errors
def tokens_list(
    email: Annotated[str, typer.Option(help="The user whose tokens to list.")],
    data_dir: DataDirOption = None,
) -> None:
    """A user's tokens: id, name, created, last used, expiry (never the token itself)."""
    from migrantnet.content.tokens import list_tokens
    from migrantnet.content.users import get_user_by_email

    settings = settings_from(data_dir)

    def day(value: datetime | None, default: str) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value is not None else default

    async def work(db: Database) -> list[str]:
        async with db.session() as session:
            user = await get_user_by_email(session, email)
            return [
                f"{row.id}\t{row.name}\tcreated {day(row.created_at, '')}"
                f"\tlast used {day(row.last_used_at, 'never')}"
                f"\texpires {day(row.expires_at, 'never')}"
                for row in await list_tokens(session, user)
            ]

    for line in run_with_db(settings, work):
        typer.echo(line)


@app.command("revoke")
@operator_errors
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id, from `tokens list`.")],
    email: Annotated[str, typer.Option(help="The user the token belongs to.")],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a token: it stops working at once."""
    from migrantnet.content.tokens import revoke_token
    from migrantnet.content.users import get_user_by_email

    settings = settings_from(data_dir)

    async def work(db: Database) -> None:
        async with db.session() as session, session.begin():
            await revoke_token(session, await get_user_by_email(session, email), token_id)

    run_with_db(settings, work)
    typer.echo(f"token {token_id} revoked")

"""`migrantnet tokens`: API tokens for scripts and other tools."""

from __future__ import annotations

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

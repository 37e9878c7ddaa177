"""`migrantnet users`: the people who sign in."""

from __future__ import annotations

from typing import Annotated

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_with_db, settings_from
from migrantnet.content.associations import get_association
from migrantnet.content.users import create_user, grant_role
from migrantnet.db import Database
from migrantnet.models import Role

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

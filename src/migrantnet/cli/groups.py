"""`migrantnet groups`: the groups (assemblies, coordinations) this node hosts (FEP-1b12).

Associations join a group with `migrantnet follow ASSOCIATION @group@host` (this node's or
another's) and leave it with `unfollow`; a group that approves its members holds them in
`migrantnet followers pending GROUP` until `followers approve`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from

app = typer.Typer(help="Manage the groups (assemblies) of this node.", no_args_is_help=True)


@app.command("create")
@operator_errors
def groups_create(
    slug: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, _.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    admin_email: Annotated[str, typer.Option(help="E-mail of the user who administers it.")],
    summary: Annotated[str | None, typer.Option(help="A short presentation.")] = None,
    approve_members: Annotated[
        bool, typer.Option(help="Hold new members until a moderator approves them.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a group, with its own key pair, administered by an existing user."""
    from migrantnet.content.groups import create_group
    from migrantnet.content.users import get_user_by_email

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        admin = await get_user_by_email(session, admin_email)
        await create_group(
            session,
            fed.uris,
            slug=slug,
            name=name,
            admin=admin,
            summary=summary,
            approve_members=approve_members,
        )

    run_federated(settings, work)
    typer.echo(f"Group @{slug}@{settings.domain} created.")


@app.command("members")
@operator_errors
def groups_members(
    slug: Annotated[str, typer.Argument(help="Slug of the group.")],
    data_dir: DataDirOption = None,
) -> None:
    """List the group's members (its accepted followers)."""
    from migrantnet.content.groups import get_group, list_members

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        group = await get_group(session, slug)
        return [f"@{a.handle}  {a.ap_id}" for a in await list_members(session, group)]

    lines = run_federated(settings, work)
    typer.echo("\n".join(lines) if lines else "No member yet.")


@app.command("remove-member")
@operator_errors
def groups_remove_member(
    slug: Annotated[str, typer.Argument(help="Slug of the group.")],
    member: Annotated[str, typer.Argument(help="@name@host or id of the member.")],
    data_dir: DataDirOption = None,
) -> None:
    """Remove a member: its follow is rejected, it stops receiving and being announced."""
    from migrantnet.content.groups import get_group
    from migrantnet.federation.groups import remove_member

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        group = await get_group(session, slug)
        await remove_member(session, fed, group, None, member)

    run_federated(settings, work)
    typer.echo(f"{member} is no longer a member of {slug}.")


@app.command("hide")
@operator_errors
def groups_hide(
    slug: Annotated[str, typer.Argument(help="Slug of the group.")],
    object_url: Annotated[str, typer.Argument(help="Id (URL) of the item the group shared.")],
    data_dir: DataDirOption = None,
) -> None:
    """Hide an item: off the group's page and agenda, never announced again."""
    from migrantnet.content.groups import get_group
    from migrantnet.federation.groups import hide_group_item

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        group = await get_group(session, slug)
        await hide_group_item(session, fed, group, None, object_url)

    run_federated(settings, work)
    typer.echo(f"Hidden from {slug}: {object_url}")

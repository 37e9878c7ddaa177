"""Following remote accounts, and the follow requests of associations that approve by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from
from migrantnet.content.associations import get_association

followers_app = typer.Typer(
    help="Follow requests of associations that approve by hand.", no_args_is_help=True
)


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

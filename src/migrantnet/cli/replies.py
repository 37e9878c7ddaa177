"""`migrantnet replies`: the replies other servers sent under an association's objects.

What the Replies page of an association does (`/admin/SLUG/replies`): list the replies held
for approval (`associations update SLUG --hold-replies`), approve, hide or show one again.
Each decision is written to the audit trail as by "command line".
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from
from migrantnet.models import ReplyState

app = typer.Typer(
    help="Replies from other servers: list those held, approve, hide or show one.",
    no_args_is_help=True,
)

SlugArgument = Annotated[str, typer.Argument(help="Slug of the association.")]
ReplyArgument = Annotated[str, typer.Argument(help="The reply's id (its URL).")]


@app.command("list")
@operator_errors
def replies_list(
    slug: SlugArgument,
    state: Annotated[
        ReplyState, typer.Option(help="held (waiting), shown or hidden.")
    ] = ReplyState.HELD,
    data_dir: DataDirOption = None,
) -> None:
    """The replies in the association's threads in one state: id, author, date, start."""
    from migrantnet.content.associations import get_association
    from migrantnet.content.html import html_to_text
    from migrantnet.content.reply_moderation import replies_of

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        owner = await get_association(session, slug)
        lines = []
        for reply, author in await replies_of(session, owner, state):
            text = " ".join(html_to_text(next(iter(reply.content_map.values()), "")).split())
            handle = f"@{author.username}@{author.domain}"
            lines.append(f"{reply.ap_id}\t{handle}\t{reply.published_at:%Y-%m-%d}\t{text[:80]}")
        return lines

    for line in run_federated(settings, work):
        typer.echo(line)


def _decide(slug: str, reply: str, state: ReplyState, data_dir: DataDirOption) -> None:
    from migrantnet.content.associations import get_association
    from migrantnet.content.moderation import CLI_MODERATOR
    from migrantnet.content.reply_moderation import decide_reply

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        owner = await get_association(session, slug)
        await decide_reply(session, CLI_MODERATOR, owner, reply, state)

    run_federated(settings, work)
    typer.echo(f"{reply}: {state}")


@app.command("approve")
@operator_errors
def replies_approve(
    slug: SlugArgument, reply: ReplyArgument, data_dir: DataDirOption = None
) -> None:
    """Show a held reply under the object it answers."""
    _decide(slug, reply, ReplyState.SHOWN, data_dir)


@app.command("hide")
@operator_errors
def replies_hide(slug: SlugArgument, reply: ReplyArgument, data_dir: DataDirOption = None) -> None:
    """Take a reply off the thread (held or shown): no page, collection or search shows it."""
    _decide(slug, reply, ReplyState.HIDDEN, data_dir)


@app.command("show")
@operator_errors
def replies_show(slug: SlugArgument, reply: ReplyArgument, data_dir: DataDirOption = None) -> None:
    """Show a hidden reply again."""
    _decide(slug, reply, ReplyState.SHOWN, data_dir)

"""Publishing from the command line: `post`, `cosign`, `withdraw-signature`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from migrantnet.cli.runner import DataDirOption, operator_errors, run_federated, settings_from
from migrantnet.content.associations import get_association


@operator_errors
def post(
    association: Annotated[str, typer.Argument(help="Slug of the publishing association.")],
    text: Annotated[str, typer.Argument(help="The note, in Markdown.")],
    language: Annotated[str, typer.Option(help="Language of the text (BCP 47).")] = "en",
    visibility: Annotated[
        str, typer.Option(help="public, unlisted, followers or direct.")
    ] = "public",
    confirm_followers_only: Annotated[
        bool,
        typer.Option(
            help="Followers-only although the association accepts every follower automatically"
            " (anyone who asks then reads it)."
        ),
    ] = False,
    in_reply_to: Annotated[
        str | None,
        typer.Option(
            help="Address of the post this answers, on this node or another server (fetched):"
            " its author is sent the reply, which shows under the post."
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Publish a short note to the association's followers, or a reply to a post."""
    from migrantnet.content.notes import publish_note
    from migrantnet.federation.publisher import ActivityPubNotifier
    from migrantnet.federation.reply_lookup import find_reply_target

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        actor = await get_association(session, association)
        answered = None
        if in_reply_to is not None:
            answered = (await find_reply_target(session, fed, in_reply_to)).obj.ap_id
        note = await publish_note(
            session,
            fed.uris,
            ActivityPubNotifier(fed),
            actor,
            text={language: text},
            visibility=visibility,
            in_reply_to=answered,
            followers_confirmed=confirm_followers_only,
        )
        return note.ap_id

    typer.echo(run_federated(settings, work))


@operator_errors
def cosign(
    association: Annotated[str, typer.Argument(help="Slug of our signing association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration to co-sign.")],
    data_dir: DataDirOption = None,
) -> None:
    """Co-sign a declaration published on this node or another one."""
    from migrantnet.federation.cosigning import cosign_declaration

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        signer = await get_association(session, association)
        await cosign_declaration(session, fed, signer, declaration)

    run_federated(settings, work)
    typer.echo(f"{association} co-signs {declaration}.")


@operator_errors
def withdraw_signature(
    association: Annotated[str, typer.Argument(help="Slug of our signing association.")],
    declaration: Annotated[str, typer.Argument(help="URL of the declaration.")],
    data_dir: DataDirOption = None,
) -> None:
    """Withdraw an association's signature from a declaration."""
    from migrantnet.federation.cosigning import withdraw_cosignature

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        signer = await get_association(session, association)
        await withdraw_cosignature(session, fed, signer, declaration)

    run_federated(settings, work)
    typer.echo(f"{association} no longer signs {declaration}.")

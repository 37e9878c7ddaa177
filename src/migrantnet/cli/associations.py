"""`migrantnet associations`: the associations of this node."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from migrantnet.cli.runner import (
    CommandError,
    DataDirOption,
    operator_errors,
    run_federated,
    run_with_db,
    settings_from,
)
from migrantnet.content.associations import create_association, get_association
from migrantnet.db import Database
from migrantnet.uris import Uris

app = typer.Typer(help="Manage the associations of this node.", no_args_is_help=True)


@app.command("create")
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


@app.command("update")
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
    cosign_people: Annotated[
        bool | None,
        typer.Option(
            "--cosign-people/--cosign-organisations-only",
            help="Whether people (not only organisations and groups) may co-sign.",
        ),
    ] = None,
    trust_cosigner: Annotated[
        list[str] | None,
        typer.Option(help="Actor URL or host whose co-signatures need no approval (repeatable)."),
    ] = None,
    hold_replies: Annotated[
        bool | None,
        typer.Option(
            "--hold-replies/--show-replies",
            help="Hold replies from other servers until a moderator approves them.",
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(help="ISO 3166 code of the country it works in, shown in the directory."),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option(help="A topic shown in the directory (repeatable; replaces the topics)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change an association's name, presentation or federation choices (followers are told)."""
    from migrantnet.content.associations import update_association
    from migrantnet.content.cosignatures import set_cosign_policy
    from migrantnet.content.html import sanitize_html
    from migrantnet.content.reply_moderation import set_reply_policy
    from migrantnet.federation.publisher import ActivityPubNotifier

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> bool:
        actor = await get_association(session, slug)
        if cosign_people is not None or trust_cosigner:
            set_cosign_policy(actor, people=cosign_people, trust=trust_cosigner)
            await session.flush()
        if hold_replies is not None:
            set_reply_policy(actor, hold=hold_replies)
            await session.flush()
        changed = await update_association(
            session,
            actor,
            name=name,
            summary=sanitize_html(summary) if summary is not None else None,
            manually_approves_followers=approve_followers,
            federate_as_note=federate_as_note,
            show_follows=show_follows,
            country=country,
            topics=topic,
        )
        if changed:
            await ActivityPubNotifier(fed).actor_updated(session, actor)
        return (
            changed or cosign_people is not None or bool(trust_cosigner) or hold_replies is not None
        )

    changed = run_federated(settings, work)
    typer.echo(f"{slug} updated." if changed else f"{slug}: nothing to change.")


@app.command("rotate-key")
@operator_errors
def associations_rotate_key(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    data_dir: DataDirOption = None,
) -> None:
    """Replace an association's key pair (after a leak) and tell its followers."""
    from migrantnet.content.associations import rotate_key
    from migrantnet.federation.publisher import ActivityPubNotifier

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        actor = await get_association(session, slug)
        await rotate_key(session, actor)
        await ActivityPubNotifier(fed).actor_updated(session, actor, key_changed=True)

    run_federated(settings, work)
    typer.echo(f"New key for {slug}; followers are sent an Update.")


@app.command("delete")
@operator_errors
def associations_delete(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Delete an association: its followers are sent a Delete, its posts and files removed."""
    from migrantnet.content.media_files import finish_file_cleanup
    from migrantnet.content.storage import LocalStorage
    from migrantnet.federation.deletion import delete_association
    from migrantnet.federation.service import Federation

    if not yes:
        raise CommandError(f"deleting {slug} removes all it published: add --yes to confirm")
    settings = settings_from(data_dir)

    async def work(db: Database) -> int:
        fed = Federation(settings, db)
        try:
            async with db.session(write=True) as session, session.begin():
                actor = await get_association(session, slug)
                told = await delete_association(
                    session, fed, actor, LocalStorage(settings.media_dir)
                )
            await finish_file_cleanup()  # the files go once the rows are gone for good
            return told
        finally:
            await fed.aclose()

    told = run_with_db(settings, work)
    typer.echo(f"{slug} deleted; {told} inboxes are sent the Delete by the worker.")


@app.command("export")
@operator_errors
def associations_export(
    slug: Annotated[str, typer.Argument(help="Slug of the association.")],
    file: Annotated[Path, typer.Argument(help="The zip file to write (0600).")],
    with_keys: Annotated[
        bool,
        typer.Option(
            "--with-keys",
            help="Add the association's key pair: whoever holds the file can then sign as it.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Export an association: its objects as ActivityPub JSON, its files, its followers and
    following as CSV, in one zip (README, "Exporting an association")."""
    from datetime import UTC, datetime

    from migrantnet.content.storage import LocalStorage
    from migrantnet.federation.export import export_members, manifest, write_zip

    settings = settings_from(data_dir)
    if file.is_dir() or not file.resolve().parent.is_dir():
        raise CommandError(f"{file} must be a file in an existing folder")

    async def work(db: Database) -> Any:
        async with db.session() as session:
            actor = await get_association(session, slug)
            members, summary = await export_members(
                session,
                Uris(settings.base_url),
                LocalStorage(settings.media_dir),
                actor,
                with_keys=with_keys,
            )
            write_zip(file, members, manifest(actor, members, datetime.now(UTC), summary.keys))
            return summary

    summary = run_with_db(settings, work)
    typer.echo(
        f"{slug} exported to {file}: {summary.objects} objects, {summary.media} files, "
        f"{summary.followers} followers, {summary.following} following"
        + (", with its keys (keep the file safe)" if summary.keys else ", without keys")
        + "."
    )


@app.command("import")
@operator_errors
def associations_import(
    file: Annotated[Path, typer.Argument(help="An export made by `associations export`.")],
    slug: Annotated[
        str | None, typer.Option(help="Slug here (default: the exported association's).")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="E-mail of a user of this node who will own it.")
    ] = None,
    follow_again: Annotated[
        bool,
        typer.Option(
            "--follow-again/--no-follow-again",
            help="Follow from here what the old association followed (a Follow each).",
        ),
    ] = True,
    data_dir: DataDirOption = None,
) -> None:
    """Recreate an association exported from another node: its profile, its objects in every
    language, its files; with new keys; and follow again what it followed. Then `alias`, and
    `move` on the old node."""
    from migrantnet.content.users import get_user_by_email
    from migrantnet.federation.archive import read_export
    from migrantnet.federation.association_import import follow_again as refollow
    from migrantnet.federation.association_import import import_on_this_node
    from migrantnet.federation.service import Federation

    settings = settings_from(data_dir)
    if not file.is_file():
        raise CommandError(f"{file} is not a file")
    archive = read_export(file)  # checked whole before the database is opened

    async def work(db: Database) -> Any:
        async with db.session(write=True) as session, session.begin():
            user = await get_user_by_email(session, owner) if owner else None
            summary = await import_on_this_node(session, settings, archive, owner=user, slug=slug)
        failures = []
        if follow_again and summary.following:
            # After the import is committed: a peer that does not answer fails its own follow.
            fed = Federation(settings, db)
            try:
                async with db.session(write=True) as session, session.begin():
                    actor = await get_association(session, str(summary.actor.slug))
                    failures = await refollow(session, fed, actor, summary.following)
            finally:
                await fed.aclose()
        return summary, failures

    summary, failures = run_with_db(settings, work)
    new = summary.actor
    typer.echo(
        f"@{new.slug}@{settings.domain} imported from {summary.old_actor}: "
        f"{summary.objects} objects, {summary.media} files, new keys."
    )
    typer.echo(f"{len(summary.followers)} followers of the old association:")
    for follower in summary.followers:
        typer.echo(f"  {follower.handle or follower.actor}")
    if follow_again and summary.following:
        typer.echo(
            f"Following again {len(summary.following) - len(failures)} of "
            f"{len(summary.following)} accounts (the worker sends the Follows)."
        )
        for failure in failures:
            typer.echo(f"  not followed: {failure.target}: {failure.reason}")
    typer.echo(
        f"Next: `migrantnet associations alias {new.slug} {summary.old_actor}` here, then "
        f"`migrantnet associations move SLUG {new.ap_id}` on the old node."
    )


@app.command("alias")
@operator_errors
def associations_alias(
    slug: Annotated[str, typer.Argument(help="Slug of the association here.")],
    old_actor: Annotated[str, typer.Argument(help="Its old actor URL (or @handle) elsewhere.")],
    data_dir: DataDirOption = None,
) -> None:
    """Name an association's old account elsewhere (alsoKnownAs), so it can move here."""
    from migrantnet.federation.moves import add_alias

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        actor = await get_association(session, slug)
        return (await add_alias(session, fed, actor, old_actor)).ap_id

    previous = run_federated(settings, work)
    typer.echo(f"{slug} is also known as {previous}; its old node can now move to it.")


@app.command("move")
@operator_errors
def associations_move(
    slug: Annotated[str, typer.Argument(help="Slug of the association here.")],
    new_actor: Annotated[str, typer.Argument(help="Its new actor URL (or @handle) elsewhere.")],
    data_dir: DataDirOption = None,
) -> None:
    """Move an association to its new account on another node: followers are sent a Move,
    new follows are refused, its page sends readers there."""
    from migrantnet.federation.moves import move_association

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> tuple[str, int]:
        actor = await get_association(session, slug)
        target, told = await move_association(session, fed, actor, new_actor)
        return target.ap_id, told

    target, told = run_federated(settings, work)
    typer.echo(f"{slug} moved to {target}; {told} inboxes are sent the Move by the worker.")

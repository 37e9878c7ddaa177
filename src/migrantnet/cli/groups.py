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


GroupArg = Annotated[str, typer.Argument(help="Slug of our group, or @name@host / id of another.")]
RootArg = Annotated[str, typer.Argument(help="Id (URL) of the thread's first message.")]


@app.command("thread-start")
@operator_errors
def thread_start(
    group_ref: GroupArg,
    association: Annotated[str, typer.Argument(help="Slug of our member association.")],
    title: Annotated[str, typer.Option(help="The thread's title.")],
    text: Annotated[str, typer.Option(help="Its first message (Markdown).")],
    language: Annotated[str, typer.Option(help="Language of title and text.")] = "en",
    data_dir: DataDirOption = None,
) -> None:
    """Start a thread in a group the association is a member of; prints its first message's id."""
    from migrantnet.content.associations import get_association
    from migrantnet.content.group_threads import known_group, start_thread
    from migrantnet.federation.publisher import ActivityPubNotifier

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        group = await known_group(session, group_ref)
        actor = await get_association(session, association)
        thread = await start_thread(
            session,
            fed.uris,
            ActivityPubNotifier(fed),
            actor,
            group,
            title=title,
            text=text,
            language=language,
        )
        return thread.root_ap_id

    typer.echo(run_federated(settings, work))


@app.command("thread-reply")
@operator_errors
def thread_reply(
    group_ref: GroupArg,
    association: Annotated[str, typer.Argument(help="Slug of our member association.")],
    root: RootArg,
    text: Annotated[str, typer.Option(help="The reply (Markdown).")],
    to: Annotated[
        str | None, typer.Option(help="Id of the message answered (default: the first).")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of the text.")] = "en",
    data_dir: DataDirOption = None,
) -> None:
    """Reply in a group's thread; prints the reply's id."""
    from migrantnet.content.associations import get_association
    from migrantnet.content.group_threads import known_group, reply_in_thread, thread_by_root
    from migrantnet.federation.publisher import ActivityPubNotifier

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> str:
        group = await known_group(session, group_ref)
        thread = await thread_by_root(session, group, root)
        actor = await get_association(session, association)
        reply = await reply_in_thread(
            session,
            fed.uris,
            ActivityPubNotifier(fed),
            actor,
            group,
            thread,
            text=text,
            language=language,
            parent_ap_id=to,
        )
        return reply.ap_id

    typer.echo(run_federated(settings, work))


@app.command("threads")
@operator_errors
def threads_list(group_ref: GroupArg, data_dir: DataDirOption = None) -> None:
    """List a group's threads, newest activity first (hidden ones marked)."""
    from migrantnet.content.group_thread_listing import list_threads
    from migrantnet.content.group_threads import known_group

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        group = await known_group(session, group_ref)
        lines = []
        for item in await list_threads(session, group, with_hidden=True):
            marks = [
                m
                for m, on in (("locked", item.thread.locked), ("hidden", item.thread.hidden))
                if on
            ]
            title = next(iter(item.root.name_map.values()), "")
            flags = f"  [{', '.join(marks)}]" if marks else ""
            lines.append(f"{item.root.ap_id}  {item.thread.reply_count}  {title}{flags}")
        return lines

    lines = run_federated(settings, work)
    typer.echo("\n".join(lines) if lines else "No thread yet.")


@app.command("thread-lock")
@operator_errors
def thread_lock(
    slug: Annotated[str, typer.Argument(help="Slug of the group.")],
    root: RootArg,
    unlock: Annotated[bool, typer.Option(help="Open it to replies again.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Lock a thread: no new reply is announced (or, with --unlock, open it again)."""
    from migrantnet.content.group_threads import thread_by_root
    from migrantnet.content.groups import get_group
    from migrantnet.federation.groups import lock_group_thread

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        group = await get_group(session, slug)
        thread = await thread_by_root(session, group, root)
        await lock_group_thread(session, fed, group, None, thread, locked=not unlock)

    run_federated(settings, work)
    typer.echo(f"{'Unlocked' if unlock else 'Locked'}: {root}")


@app.command("thread-hide")
@operator_errors
def thread_hide(
    slug: Annotated[str, typer.Argument(help="Slug of the group.")],
    root: RootArg,
    unhide: Annotated[bool, typer.Option(help="Show it on the group's page again.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Hide a thread from the group's page, closed to replies (or, with --unhide, show it)."""
    from migrantnet.content.group_threads import hide_thread, thread_by_root
    from migrantnet.content.groups import get_group
    from migrantnet.federation.groups import hide_group_thread

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        group = await get_group(session, slug)
        thread = await thread_by_root(session, group, root)
        if unhide:
            await hide_thread(session, None, group, thread, hidden=False)
        else:
            await hide_group_thread(session, fed, group, None, thread)

    run_federated(settings, work)
    typer.echo(f"{'Shown again' if unhide else 'Hidden'}: {root}")


@app.command("open-replies")
@operator_errors
def open_replies(
    slug: Annotated[str, typer.Argument(help="Slug of the group.")],
    allow: Annotated[
        bool, typer.Option("--allow/--deny", help="Announce non-members' replies in threads.")
    ] = True,
    data_dir: DataDirOption = None,
) -> None:
    """Whether replies in the group's threads from fediverse accounts that are not members
    are announced (members' replies always are)."""
    from migrantnet.content.group_threads import set_open_replies
    from migrantnet.content.groups import get_group

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        group = await get_group(session, slug)
        await set_open_replies(session, None, group, open_replies=allow)

    run_federated(settings, work)
    typer.echo(f"{slug}: replies from non-members {'announced' if allow else 'not announced'}.")

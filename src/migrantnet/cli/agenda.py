"""`migrantnet agenda`: calendars an association imports into the agenda.

`subscribe` adds a partner's `.ics` feed (one not on the fediverse): fetched at once, then by
the worker every `MIGRANTNET_ICS_REFRESH_MINUTES`; `list` shows each feed's last fetch and
error; `unsubscribe` removes it (and its events, once no association of ours subscribes).
`import-event` adds one remote ActivityPub event by its URL, fetched again on the same schedule.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from migrantnet.cli.runner import (
    DataDirOption,
    operator_errors,
    run_federated,
    run_with_db,
    settings_from,
)

app = typer.Typer(help="Calendars imported into the agenda (.ics feeds).", no_args_is_help=True)


@app.command("subscribe")
@operator_errors
def agenda_subscribe(
    slug: Annotated[str, typer.Argument(help="Slug of our association.")],
    url: Annotated[str, typer.Argument(help="The feed's address (https:// or webcal://).")],
    data_dir: DataDirOption = None,
) -> None:
    """Subscribe an association to an .ics feed and import its events now."""
    from migrantnet.db import Database
    from migrantnet.federation.ics_feeds import RefreshOutcome, subscribe_feed
    from migrantnet.federation.service import Federation

    settings = settings_from(data_dir)

    async def runner(db: Database) -> RefreshOutcome:
        fed = Federation(settings, db)
        try:
            return await subscribe_feed(fed, slug, url)
        finally:
            await fed.aclose()

    outcome = run_with_db(settings, runner)
    if outcome.error is not None:
        typer.echo(
            f"{slug} subscribes to {outcome.feed_url}, but it could not be imported yet:"
            f" {outcome.error}. The worker will try again."
        )
        return
    result = outcome.result
    counts = (
        f"{result.added} added, {result.updated} updated, {result.removed} removed"
        if result is not None
        else "unchanged"
    )
    typer.echo(f"{slug} subscribes to {outcome.feed_url}: {counts}.")


@app.command("unsubscribe")
@operator_errors
def agenda_unsubscribe(
    slug: Annotated[str, typer.Argument(help="Slug of our association.")],
    url: Annotated[str, typer.Argument(help="The feed's address, as subscribed.")],
    data_dir: DataDirOption = None,
) -> None:
    """Stop importing a feed."""
    from migrantnet.content.associations import get_association
    from migrantnet.content.ics_import import unsubscribe

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> None:
        await unsubscribe(session, await get_association(session, slug), url)

    run_federated(settings, work)
    typer.echo(f"{slug} no longer subscribes to {url}.")


@app.command("list")
@operator_errors
def agenda_list(
    slug: Annotated[str, typer.Argument(help="Slug of our association.")],
    data_dir: DataDirOption = None,
) -> None:
    """The feeds an association subscribes to, with their last fetch."""
    from migrantnet.content.associations import get_association
    from migrantnet.content.ics_import import subscriptions

    settings = settings_from(data_dir)

    async def work(session: Any, fed: Any) -> list[str]:
        lines = []
        for sub, feed in await subscriptions(session, await get_association(session, slug)):
            when = sub.succeeded_at
            fetched = when.isoformat(timespec="minutes") if when else "never"
            line = f"{feed.ap_id}\t{sub.events} events\tlast imported {fetched}"
            if sub.error:
                line += f"\terror: {sub.error}"
            lines.append(line)
        return lines

    lines = run_federated(settings, work)
    typer.echo("\n".join(lines) if lines else f"{slug} subscribes to no feed.")


@app.command("import-event")
@operator_errors
def agenda_import_event(
    slug: Annotated[str, typer.Argument(help="Slug of our association.")],
    url: Annotated[str, typer.Argument(help="The ActivityPub address (id) of the event.")],
    data_dir: DataDirOption = None,
) -> None:
    """Add a remote event (Mobilizon, Gancio, another node) to the agenda by its URL."""
    from migrantnet.db import Database
    from migrantnet.federation.event_imports import import_event
    from migrantnet.federation.service import Federation

    settings = settings_from(data_dir)

    async def runner(db: Database) -> str:
        fed = Federation(settings, db)
        try:
            obj = await import_event(fed, slug, url)
            return next(iter(obj.name_map.values()), url)
        finally:
            await fed.aclose()

    title = run_with_db(settings, runner)
    typer.echo(f"{slug} added {title!r} to the agenda; it is fetched again from its origin.")

"""Events for agenda tests: ours (published through the event service) and peers' (stored as
the inbox stores them), with follows and announces, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.events import EventInput, PlaceInput, RemoteEventData, publish_event
from migrantnet.content.publishing import NoFederation
from migrantnet.content.remote import RemoteObjectData, store_remote_object
from migrantnet.content.texts import TextsInput
from migrantnet.models import (
    Actor,
    ContentObject,
    Follow,
    FollowState,
    Interaction,
    Kind,
    Visibility,
)
from migrantnet.uris import Uris

FED = NoFederation()


def remote_org(session: AsyncSession, host: str, name: str) -> Actor:
    actor = Actor(
        ap_id=f"https://{host}/@{name}",
        type="Group",
        local=False,
        username=name,
        domain=host,
        name=name.replace("_", " ").title(),
        url=f"https://{host}/@{name}",
        inbox_url=f"https://{host}/@{name}/inbox",
    )
    session.add(actor)
    return actor


async def follow(session: AsyncSession, follower: Actor, followed: Actor, state: str) -> None:
    await session.flush()
    session.add(
        Follow(
            ap_id=f"{follower.ap_id}#follow-{followed.id}",
            follower_id=follower.id,
            followed_id=followed.id,
            state=state,
        )
    )
    await session.flush()


async def local_event(
    session: AsyncSession,
    uris: Uris,
    actor: Actor,
    title: str,
    starts: datetime,
    *,
    hours: float = 2,
    zone: str = "Europe/Rome",
    language: str = "en",
    status: str = "confirmed",
    online: bool = False,
    body: str | None = None,
    organizers: tuple[str, ...] = (),
    recurrence: str | None = None,
) -> ContentObject:
    """`starts` is the wall-clock time in `zone` (naive); `recurrence` an RRULE."""
    return await publish_event(
        session,
        uris,
        FED,
        actor,
        EventInput(
            texts=TextsInput(title={language: title}, body={language: body} if body else {}),
            starts=starts,
            ends=starts + timedelta(hours=hours),
            timezone=zone,
            place=None if online else PlaceInput(name="Casa del Popolo", locality="Roma"),
            online_url="https://meet.example/room" if online else None,
            status=status,
            organizers=list(organizers),
            recurrence=recurrence,
        ),
    )


async def remote_event(
    session: AsyncSession,
    actor: Actor,
    title: str,
    starts: datetime,
    *,
    number: int,
    hours: float = 2,
    zone: str | None = None,
    status: str = "confirmed",
    language: str = "es",
    tags: tuple[str, ...] = (),
    visibility: Visibility = Visibility.PUBLIC,
    organizers: tuple[str, ...] = (),
    rrule: str | None = None,
) -> ContentObject:
    """`starts` is aware (a peer sends instants); `organizers` besides its author; `rrule`
    a series as the peer sent it."""
    obj = await store_remote_object(
        session,
        actor,
        RemoteObjectData(
            ap_id=f"{actor.ap_id}/events/{number}",
            type="Event",
            url=f"{actor.ap_id}/events/{number}",
            in_reply_to=None,
            primary_language=language,
            name_map={language: title},
            summary_map={},
            content_map={language: f"<p>{title}</p>"},
            sensitive=False,
            visibility=visibility,
            published_at=datetime(2026, 1, 1, tzinfo=UTC),
            updated_at=None,
            tags=[{"type": "Hashtag", "name": f"#{tag}"} for tag in tags],
            kind=Kind.EVENT,
            values=RemoteEventData(
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                timezone=zone,
                status=status,
                place_name="Plaza de Mayo",
                locality="Buenos Aires",
                country="AR",
                organizers=[actor.ap_id, *organizers],
                rrule=rrule,
            ),
        ),
    )
    assert obj is not None
    return obj


async def announce(session: AsyncSession, actor: Actor, obj: ContentObject) -> None:
    await session.flush()
    session.add(
        Interaction(
            ap_id=f"{actor.ap_id}/announces/{obj.id}",
            type="Announce",
            actor_id=actor.id,
            object_ap_id=obj.ap_id,
        )
    )
    await session.flush()


__all__ = [
    "FollowState",
    "announce",
    "follow",
    "local_event",
    "remote_event",
    "remote_org",
]

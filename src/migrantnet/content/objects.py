"""Creating, editing and deleting local objects of any kind; kinds add their own fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.media import attach_media
from migrantnet.content.publishing import Federator
from migrantnet.content.texts import Texts, TextsInput, apply_texts_input, prepare_texts
from migrantnet.models import Actor, Base, ContentObject, Kind, Visibility
from migrantnet.uris import Uris, new_public_id

T = TypeVar("T")
In = TypeVar("In", bound="KindInput")

# The ActivityStreams type each kind is federated as (design §2).
AP_TYPES: dict[Kind, str] = {
    Kind.NOTE: "Note",
    Kind.DECLARATION: "Article",
    Kind.STRUGGLE: "Page",
    Kind.EVENT: "Event",
    Kind.RESOURCE: "Page",  # Mastodon drops a Create{Document}; it shows a Page
    Kind.PRACTICE: "Article",
}


def check_visibility(value: str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        allowed = ", ".join(v.value for v in Visibility)
        raise InvalidInput("visibility", f"{value!r} is not one of {allowed}") from None


async def check_struggle_link(session: AsyncSession, struggle_ap_id: str | None) -> str | None:
    """A link to a struggle must name a struggle we know (ours or a followed actor's)."""
    if not struggle_ap_id:
        return None
    kind = await session.scalar(
        select(ContentObject.kind).where(
            ContentObject.ap_id == struggle_ap_id, ContentObject.deleted_at.is_(None)
        )
    )
    if kind != Kind.STRUGGLE:
        raise InvalidInput("struggle", f"{struggle_ap_id} is not a known struggle")
    return struggle_ap_id


async def new_local_object(
    session: AsyncSession,
    uris: Uris,
    actor: Actor,
    *,
    kind: Kind,
    texts: Texts,
    visibility: str = Visibility.PUBLIC,
    struggle_ap_id: str | None = None,
    media_ids: list[str] | None = None,
    now: datetime | None = None,
) -> ContentObject:
    """Add the common row (flushed), with its uploaded files attached; the caller adds its
    kind's row, then calls the federator, so the Create carries the attachments."""
    assert actor.slug is not None and actor.local
    ap_id = uris.object(actor.slug, new_public_id())
    obj = ContentObject(
        ap_id=ap_id,
        type=AP_TYPES[kind],
        kind=kind,
        actor_id=actor.id,
        local=True,
        visibility=check_visibility(visibility),
        url=ap_id,
        struggle_ap_id=await check_struggle_link(session, struggle_ap_id),
        published_at=now or datetime.now(UTC),
        extra={},
    )
    apply_texts_input(obj, texts)
    session.add(obj)
    await session.flush()
    if media_ids:
        await attach_media(session, obj, actor, media_ids)
    return obj


async def get_local_object(
    session: AsyncSession, actor: Actor, ap_id: str, kind: Kind | None = None
) -> ContentObject:
    query = select(ContentObject).where(
        ContentObject.ap_id == ap_id,
        ContentObject.actor_id == actor.id,
        ContentObject.local.is_(True),
        ContentObject.deleted_at.is_(None),
    )
    if kind is not None:
        query = query.where(ContentObject.kind == kind)
    obj = await session.scalar(query)
    if obj is None:
        raise NotFound(f"no {kind or 'object'} {ap_id} of {actor.slug}")
    return obj


def mark_edited(obj: ContentObject, now: datetime | None = None) -> None:
    obj.updated_at = now or datetime.now(UTC)


async def publish_with_row(
    session: AsyncSession,
    uris: Uris,
    federator: Federator,
    actor: Actor,
    *,
    kind: Kind,
    texts: Texts,
    row: Base,
    visibility: str,
    media_ids: list[str],
    struggle_ap_id: str | None = None,
) -> ContentObject:
    """The common path of publishing a kind: the object, the kind's (already checked) row,
    then the Create, all in the caller's transaction."""
    obj = await new_local_object(
        session,
        uris,
        actor,
        kind=kind,
        texts=texts,
        visibility=visibility,
        struggle_ap_id=struggle_ap_id,
        media_ids=media_ids,
    )
    row.object_id = obj.id  # type: ignore[attr-defined]
    session.add(row)
    await session.flush()
    await federator.object_created(session, obj, actor)
    return obj


class KindInput(Protocol):
    texts: TextsInput
    visibility: str
    media_ids: list[str]


@dataclass(frozen=True, slots=True)
class KindSpec(Generic[In]):
    """What differs between kinds that publish and edit the same way: their row, which texts
    they need, and how their input is checked and written onto the row."""

    kind: Kind
    model: type[Base]
    title_required: bool
    body_required: bool
    apply: Callable[[Any, In], None]  # checks `data` and writes it onto the kind's row


async def publish_kind(
    spec: KindSpec[In],
    session: AsyncSession,
    uris: Uris,
    federator: Federator,
    actor: Actor,
    data: In,
) -> ContentObject:
    texts = prepare_texts(
        data.texts, title_required=spec.title_required, body_required=spec.body_required
    )
    row = spec.model()
    spec.apply(row, data)
    return await publish_with_row(
        session,
        uris,
        federator,
        actor,
        kind=spec.kind,
        texts=texts,
        row=row,
        visibility=data.visibility,
        media_ids=data.media_ids,
        struggle_ap_id=getattr(data, "struggle_ap_id", None),
    )


async def edit_kind(
    spec: KindSpec[In],
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    data: In,
) -> ContentObject:
    texts = prepare_texts(
        data.texts, title_required=spec.title_required, body_required=spec.body_required
    )
    spec.apply(await kind_row(session, spec.model, obj), data)
    if hasattr(data, "struggle_ap_id"):
        obj.struggle_ap_id = await check_struggle_link(session, data.struggle_ap_id)
    return await save_edit(session, federator, actor, obj, texts=texts, media_ids=data.media_ids)


async def kind_row(session: AsyncSession, model: type[T], obj: ContentObject) -> T:
    row = await session.get(model, obj.id)
    if row is None:
        raise NotFound(f"{obj.ap_id} has no {obj.kind} data")
    return row


async def save_edit(
    session: AsyncSession,
    federator: Federator,
    actor: Actor,
    obj: ContentObject,
    *,
    texts: Texts,
    media_ids: list[str] | None = None,
) -> ContentObject:
    """The common end of an edit: new texts, new attachments, `updated`, then the Update."""
    apply_texts_input(obj, texts)
    if media_ids:
        await attach_media(session, obj, actor, media_ids)
    mark_edited(obj)
    await session.flush()
    await federator.object_updated(session, obj, actor)
    return obj


async def delete_object(
    session: AsyncSession, federator: Federator, actor: Actor, obj: ContentObject
) -> None:
    """Keep a tombstone (pages answer 410 Gone) and tell followers with a Delete."""
    obj.deleted_at = datetime.now(UTC)
    obj.content_map, obj.summary_map, obj.name_map = {}, {}, {}
    obj.attachments, obj.tags, obj.extra = [], [], {}
    await session.flush()
    await federator.object_deleted(session, obj, actor)

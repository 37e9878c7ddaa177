"""Storing what remote actors publish: their objects as received, and their deletions.

The federation parser has already normalised and sanitised every field; this module only
decides what to keep and how a deletion shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content import search as _search  # noqa: F401  (indexes every flush)
from migrantnet.content.kinds import kind_spec
from migrantnet.content.objects import KindSpec
from migrantnet.content.reply_moderation import place_new_reply
from migrantnet.db import writes_alone
from migrantnet.models import Actor, ContentObject, Kind, Visibility


def fitting(value: str | None, limit: int) -> str | None:
    """A peer's value that does not fit its column is dropped rather than cut: a cut URL or
    language tag would be wrong, not short."""
    return value if value is None or len(value) <= limit else None


@dataclass(slots=True)
class RemoteObjectData:
    ap_id: str
    type: str
    url: str | None
    in_reply_to: str | None
    primary_language: str | None
    name_map: dict[str, str]
    summary_map: dict[str, str]
    content_map: dict[str, str]
    sensitive: bool
    visibility: Visibility
    published_at: datetime
    updated_at: datetime | None
    tags: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str = Kind.NOTE
    struggle_ap_id: str | None = None
    noindex: bool = False  # its author asked not to be indexed: our search leaves it out
    # The fields of the kind's own row, shaped by the parser (an event's `RemoteEventData`,
    # a dict for the others); the kind's `store_remote` keeps what is usable.
    values: Any = None


async def find_object(session: AsyncSession, ap_id: str) -> ContentObject | None:
    """The object of this id, or None; an id with a NUL (never stored: PostgreSQL text
    cannot hold one, and asking for it is a DataError) is None without a query."""
    if "\x00" in ap_id:
        return None
    return await session.scalar(_BY_AP_ID, {"ap_id": ap_id})


# Built once: making the expression cost more than the lookup itself, once a row or more.
_BY_AP_ID = select(ContentObject).where(ContentObject.ap_id == bindparam("ap_id"))


async def store_remote_object(
    session: AsyncSession, actor: Actor, data: RemoteObjectData
) -> ContentObject | None:
    """Insert or update; returns None when the object was deleted before (a late Create), is
    one of ours (a peer's copy never overwrites the author's original), or its id is longer
    than any we keep."""
    if len(data.ap_id) > 2048 or actor.local:
        return None
    obj = await find_object(session, data.ap_id)
    new = False
    if obj is None:
        obj, new = await _insert(session, actor, data)
    if obj.local or obj.deleted_at is not None or obj.actor_id != actor.id:
        return None
    if not new:  # a new row was inserted filled and placed: one flush, not two
        _fill(obj, data)
        await session.flush()
    spec = kind_spec(data.kind)
    if spec is not None and data.values is not None:
        await _store_kind_row(session, spec, obj, data.values)
    return obj


#: Set in `session.info` by a caller that undoes a unit of work whose insert clashed and
#: does it again on its own (the inbox's batches of several rows: the row is applied alone,
#: and then finds the object stored meanwhile): such an insert needs no savepoint either.
CLASH_REDONE = "insert_clash_redone"


async def _insert(
    session: AsyncSession, actor: Actor, data: RemoteObjectData
) -> tuple[ContentObject, bool]:
    """(the new row, True); or, when another activity stored the same object meanwhile (an
    author's Create and a group's Announce of it, applied at once), (that row, False). The
    second once failed on the unique id and its whole activity with it.

    In a SQLite write session the race cannot happen (`writes_alone`): there the insert
    needs no savepoint, two statements fewer of a Create's six, each a hop to the database
    thread, all while the write lock is held. Where the caller redoes a clash itself
    (`CLASH_REDONE`), the clash is raised to it instead, with the same saving."""
    obj = ContentObject(ap_id=data.ap_id, actor_id=actor.id, local=False)
    _fill(obj, data)
    # Placed before it is added: the thread's lookups do not flush a half-made row.
    await place_new_reply(session, obj)
    if session.info.get(CLASH_REDONE) or await writes_alone(session):
        session.add(obj)
        await session.flush()
        return obj, True
    try:
        async with session.begin_nested():
            session.add(obj)
            await session.flush()
    except IntegrityError:
        found = await find_object(session, data.ap_id)
        if found is None:
            raise
        return found, False
    return obj, True


def _fill(obj: ContentObject, data: RemoteObjectData) -> None:
    obj.type = data.type[:64]
    obj.url = fitting(data.url, 2048)
    obj.in_reply_to = fitting(data.in_reply_to, 2048)
    obj.primary_language = fitting(data.primary_language, 35)
    obj.name_map = data.name_map
    obj.summary_map = data.summary_map
    obj.content_map = data.content_map
    obj.sensitive = data.sensitive
    obj.noindex = data.noindex
    obj.visibility = data.visibility
    obj.published_at = data.published_at
    obj.updated_at = data.updated_at
    obj.tags = data.tags
    obj.attachments = data.attachments
    obj.extra = data.extra
    obj.kind = data.kind
    obj.struggle_ap_id = fitting(data.struggle_ap_id, 2048)


async def _store_kind_row(
    session: AsyncSession, spec: KindSpec[Any, Any], obj: ContentObject, values: Any
) -> None:
    """The row of the object's kind, from what the sender said; unusable values are dropped."""
    if spec.model is None or spec.store_remote is None:
        return
    spec.store_remote(await _row(session, spec.model, obj.id), values)
    await session.flush()


async def _row(session: AsyncSession, model: Any, object_id: int) -> Any:
    row = await session.get(model, object_id)
    if row is None:
        row = model(object_id=object_id)
        session.add(row)
    return row


async def delete_remote_object(
    session: AsyncSession, actor: Actor, ap_id: str, now: datetime
) -> bool:
    """Blank the object and keep a tombstone, so a Create arriving late is not stored again."""
    obj = await find_object(session, ap_id)
    if obj is None:
        session.add(
            ContentObject(
                ap_id=ap_id, type="Tombstone", actor_id=actor.id, local=False, deleted_at=now
            )
        )
        await session.flush()
        return False
    if obj.actor_id != actor.id or obj.local:
        return False
    obj.deleted_at = now
    obj.content_map, obj.summary_map, obj.name_map = {}, {}, {}
    obj.attachments, obj.tags = [], []
    await session.flush()
    return True

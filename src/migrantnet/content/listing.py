"""The queries behind the node's lists, shaped so each is an index walk, not a sort.

Lists are newest first and paged by keyset on `(published_at, id)`: the next page starts
strictly below the last item shown, so a page costs the same at item 20 and at item 100,000,
and new items never shift a reader's next page. `ix_objects_listing` and
`ix_objects_actor_kind_published` (models) serve exactly these orders; a test checks the plans
on both databases. Counts come from `actor_counts`, kept up to date on every change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput
from migrantnet.models import Actor, ActorCount, ActorType, ContentObject, Visibility
from migrantnet.models.base import MAX_ROW_ID
from migrantnet.models.counts import split_objects_count_name
from migrantnet.translations import N_

_CURSOR_RE = re.compile(r"^(-?\d{1,19})_(\d{1,19})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends: the `published_at` and `id` of its last item."""

    published_at: datetime
    id: int

    @classmethod
    def after(cls, obj: ContentObject) -> Cursor:
        return cls(obj.published_at, obj.id)

    def encode(self) -> str:
        """`<microseconds since the epoch>_<id>`: short, URL-safe, exact."""
        micros = (self.published_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.id}"

    @classmethod
    def parse(cls, value: str) -> Cursor:
        match = _CURSOR_RE.match(value)
        if match is None:
            raise InvalidInput(
                "before", N_("%(value)s is not a page position from this site"), value=repr(value)
            )
        micros, object_id = int(match[1]), int(match[2])
        if not 0 < object_id <= MAX_ROW_ID:  # past it, a database error rather than no row
            raise InvalidInput("before", N_("%(value)s is out of range"), value=repr(value))
        try:
            published = _EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            raise InvalidInput(
                "before", N_("%(value)s is out of range"), value=repr(value)
            ) from None
        return cls(published, object_id)


def newest_first(query: Select, before: Cursor | None, limit: int) -> Select:
    """`query` ordered newest first from just below `before`, at most `limit` rows."""
    if before is not None:
        query = query.where(
            tuple_(ContentObject.published_at, ContentObject.id)
            < tuple_(before.published_at, before.id)
        )
    order = (ContentObject.published_at.desc(), ContentObject.id.desc())
    return query.order_by(*order).limit(limit)


def node_latest_query(before: Cursor | None, limit: int) -> Select:
    """The node's public objects, ours only (remote ones are never listed on our pages)."""
    query = select(ContentObject).where(
        ContentObject.local.is_(True),
        ContentObject.visibility == Visibility.PUBLIC,
        ContentObject.deleted_at.is_(None),
    )
    return newest_first(query, before, limit)


def section_query(actor: Actor, kind: str, before: Cursor | None, limit: int) -> Select:
    """One association's public objects of one kind."""
    query = select(ContentObject).where(
        ContentObject.actor_id == actor.id,
        ContentObject.kind == kind,
        ContentObject.local.is_(True),
        ContentObject.visibility == Visibility.PUBLIC,
        ContentObject.deleted_at.is_(None),
    )
    return newest_first(query, before, limit)


async def node_latest(
    session: AsyncSession, before: Cursor | None = None, limit: int = 20
) -> list[ContentObject]:
    return list(await session.scalars(node_latest_query(before, limit)))


async def section(
    session: AsyncSession, actor: Actor, kind: str, before: Cursor | None, limit: int
) -> list[ContentObject]:
    return list(await session.scalars(section_query(actor, kind, before, limit)))


async def public_counts(session: AsyncSession, actor: Actor) -> dict[str, int]:
    """How many public objects of each kind `actor` has (from the kept counters)."""
    rows = await session.execute(
        select(ActorCount.name, ActorCount.value).where(
            ActorCount.actor_id == actor.id, ActorCount.name.like("objects:%")
        )
    )
    counts: dict[str, int] = {}
    for name, value in rows:
        parsed = split_objects_count_name(name)
        if parsed is not None and parsed[1] == Visibility.PUBLIC and value > 0:
            counts[parsed[0]] = value
    return counts


async def local_objects_total(session: AsyncSession) -> int:
    """Every live local object, any kind or visibility (NodeInfo's `localPosts`)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(ActorCount.value), 0)).where(
            ActorCount.name.like("objects:%")
        )
    )
    return int(total or 0)


async def associations_total(session: AsyncSession) -> int:
    """Live associations. `slug IS NOT NULL` keeps this to local actors on the slug index,
    however many remote actors the node knows."""
    total = await session.scalar(
        select(func.count(Actor.id)).where(
            Actor.slug.is_not(None),
            Actor.local.is_(True),
            Actor.deleted_at.is_(None),
            Actor.type != ActorType.APPLICATION,
        )
    )
    return int(total or 0)


__all__ = [
    "Cursor",
    "associations_total",
    "local_objects_total",
    "node_latest",
    "node_latest_query",
    "public_counts",
    "section",
    "section_query",
]

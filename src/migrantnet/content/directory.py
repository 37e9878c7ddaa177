"""The directory of the network: the associations and groups this node knows, with where it
met each (its own, followed by one of ours, met through a group), filtered and paged.

Who is listed is bound by the hidden social graph (issue #12): an actor that one of ours
follows, or a member of one of our groups, is listed only when that association or group
shows its follows (`show_follows`); otherwise the directory holds only what is public anyway:
our own associations and groups, and the authors of the public items a group of ours shared
(its page and feeds show them). Only accepted follows count, never pending or rejected ones.
Members of a group elsewhere are met through what it announced to one of ours, under the
same rule (saying "met through that group" names our follow of it).

Only `Organization` and `Group` actors are listed (people are not: a directory of people met
is a list of who talks to whom), and nothing of a blocked account or domain.

A page is one query (keyset on the lower-cased name and the id: the cursor is the last id),
then one for where its entries were met and one for the groups named: no query per entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.languages import check_countries
from migrantnet.content.topics import check_topics
from migrantnet.models import (
    Actor,
    ActorTopic,
    ActorType,
    Block,
    BlockKind,
    ContentObject,
    Follow,
    FollowState,
    GroupItem,
    Interaction,
    Visibility,
)
from migrantnet.models.base import MAX_ROW_ID
from migrantnet.translations import N_

KINDS = ("association", "group", "remote_org")
LISTED_TYPES = (ActorType.ORGANIZATION.value, ActorType.GROUP.value)
PUBLIC = (Visibility.PUBLIC, Visibility.UNLISTED)
DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
MAX_TEXT = 100
OWN, FOLLOWED, GROUP = "own", "followed", "group"


@dataclass(frozen=True, slots=True)
class DirectoryFilter:
    """What a reader narrowed the directory to; every field optional, all of them checked."""

    country: str | None = None  # ISO 3166 code, upper case
    topic: str | None = None  # `content/topics.py`'s shape
    kind: str | None = None  # one of KINDS
    text: str | None = None  # lower case, in the name or the handle


def check_filter(
    *,
    country: str | None = None,
    topic: str | None = None,
    kind: str | None = None,
    text: str | None = None,
) -> DirectoryFilter:
    """The reader's filters checked (`InvalidInput` names the field); blanks mean no filter."""
    code = None
    if country and country.strip():
        try:
            code = check_countries([country])[0]
        except InvalidInput as exc:
            raise InvalidInput(
                "country", N_("%(code)s is not an ISO 3166 country code"), code=repr(country)
            ) from exc
    checked_topic = check_topics([topic])[:1] if topic else []
    if kind and kind not in KINDS:
        raise InvalidInput("kind", N_("choose association, group or remote_org"))
    # NUL is dropped: no name holds one, and PostgreSQL refuses it even in a LIKE (a 500).
    words = (text or "").replace("\x00", "").strip().lstrip("@").lower()[:MAX_TEXT]
    return DirectoryFilter(
        country=code,
        topic=checked_topic[0] if checked_topic else None,
        kind=kind or None,
        text=words or None,
    )


def check_page(after: int | None, size: int | None) -> tuple[int | None, int]:
    """The cursor (the last id of the previous page) and the page size, capped."""
    if after is not None and not 0 < after <= MAX_ROW_ID:
        raise InvalidInput("after", N_("not a position in this list"))
    if size is None:
        return after, DEFAULT_PAGE_SIZE
    if size < 1:
        raise InvalidInput("limit", N_("must be at least 1"))
    return after, min(size, MAX_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class Met:
    """Where the node met an entry: `own`, `followed` (by one of ours), or `group` (`via`)."""

    how: str
    via: Actor | None = None


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    actor: Actor
    kind: str  # one of KINDS
    met: tuple[Met, ...]


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    next_after: int | None  # the cursor of the next page, None on the last one


def kind_of(actor: Actor) -> str:
    if actor.type == ActorType.GROUP:
        return "group"
    return "association" if actor.local else "remote_org"


def _shows_follows(actor: type[Actor]) -> ColumnElement[bool]:
    """One of ours whose follows (and, for a group, members) may be shown."""
    return and_(
        actor.local.is_(True),
        actor.show_follows.is_(True),
        actor.deleted_at.is_(None),
        actor.type.in_(LISTED_TYPES),
    )


def _how(how: str) -> ColumnElement[str]:
    """A constant column: spelled in the SQL (a bound parameter in a UNION has no type that
    PostgreSQL could infer)."""
    return literal_column(f"'{how}'", String).label("how")


def _no_group() -> ColumnElement[int | None]:
    return cast(null(), Integer).label("via_id")  # type: ignore[return-value]


def _sources(ids: list[int] | None = None) -> list[Select[*tuple[Any, ...]]]:
    """(actor id, how, via group id) for each way an actor was met; `ids` narrows each branch
    to those actors (the entries of a page)."""
    ours, group, author = aliased(Actor), aliased(Actor), aliased(Actor)
    accepted = Follow.state == FollowState.ACCEPTED
    shown_following = (
        select(Follow.followed_id).join(ours, ours.id == Follow.follower_id).where(accepted)
    ).where(_shows_follows(ours))
    branches: list[tuple[Select[*tuple[Any, ...]], Any]] = [
        (
            select(ours.id.label("actor_id"), _how(OWN), _no_group()).where(
                ours.local.is_(True), ours.deleted_at.is_(None), ours.type.in_(LISTED_TYPES)
            ),
            ours.id,
        ),
        (
            select(Follow.followed_id, _how(FOLLOWED), _no_group())
            .join(ours, ours.id == Follow.follower_id)
            .where(accepted, _shows_follows(ours)),
            Follow.followed_id,
        ),
        (  # members of a group of ours that shows them
            select(Follow.follower_id, _how(GROUP), Follow.followed_id)
            .join(group, group.id == Follow.followed_id)
            .where(accepted, _shows_follows(group), group.type == ActorType.GROUP),
            Follow.follower_id,
        ),
        (  # authors of the public items a group of ours shared: on its page anyway
            select(ContentObject.actor_id, _how(GROUP), GroupItem.group_id)
            .join(ContentObject, ContentObject.ap_id == GroupItem.object_ap_id)
            .join(group, group.id == GroupItem.group_id)
            .where(
                GroupItem.hidden.is_(False),
                group.local.is_(True),
                group.deleted_at.is_(None),
                ContentObject.deleted_at.is_(None),
                ContentObject.visibility.in_(PUBLIC),
            ),
            ContentObject.actor_id,
        ),
        (  # authors of what a group elsewhere, followed by one of ours that shows it, announced
            select(author.id, _how(GROUP), Interaction.actor_id)
            .join(ContentObject, ContentObject.ap_id == Interaction.object_ap_id)
            .join(author, author.id == ContentObject.actor_id)
            .join(group, group.id == Interaction.actor_id)
            .where(
                Interaction.type == "Announce",
                Interaction.actor_id.in_(shown_following),
                group.type == ActorType.GROUP,
                ContentObject.deleted_at.is_(None),
                ContentObject.visibility.in_(PUBLIC),
            ),
            author.id,
        ),
    ]
    if ids is None:
        return [query for query, _ in branches]
    return [query.where(column.in_(ids)) for query, column in branches]


def _not_blocked() -> ColumnElement[bool]:
    return ~exists(
        select(Block.id).where(
            Block.domain == Actor.domain,
            or_(Block.kind == BlockKind.DOMAIN, Block.target == Actor.ap_id),
        )
    )


def _sort_key(actor: type[Actor]) -> ColumnElement[str]:
    return func.lower(func.coalesce(actor.name, actor.username, ""))


def _filtered(query: Select[Actor], wanted: DirectoryFilter) -> Select[Actor]:
    if wanted.country:
        query = query.where(Actor.country == wanted.country)
    if wanted.topic:
        query = query.where(
            Actor.id.in_(select(ActorTopic.actor_id).where(ActorTopic.topic == wanted.topic))
        )
    if wanted.kind == "association":
        query = query.where(Actor.local.is_(True), Actor.type == ActorType.ORGANIZATION)
    elif wanted.kind == "group":
        query = query.where(Actor.type == ActorType.GROUP)
    elif wanted.kind == "remote_org":
        query = query.where(Actor.local.is_(False), Actor.type == ActorType.ORGANIZATION)
    if wanted.text:
        query = query.where(
            or_(
                func.lower(func.coalesce(Actor.name, "")).contains(wanted.text, autoescape=True),
                func.lower(Actor.username + "@" + Actor.domain).contains(
                    wanted.text, autoescape=True
                ),
            )
        )
    return query


def _listed() -> Select[Actor]:
    """Every actor the directory lists."""
    met_ids = union(*_sources()).subquery("met")
    return select(Actor).where(
        Actor.id.in_(select(met_ids.c.actor_id)),
        Actor.type.in_(LISTED_TYPES),
        Actor.deleted_at.is_(None),
        _not_blocked(),
    )


async def listed_actor(session: AsyncSession, ap_id: str) -> Actor:
    """The actor of this id if the directory lists it (its Follow page), else `NotFound`."""
    # A NUL is never in a stored id, and PostgreSQL refuses it even in a comparison.
    found = "\x00" not in ap_id
    actor = (
        await session.scalar(_listed().where(Actor.ap_id == ap_id[:2048]).limit(1))
        if found
        else None
    )
    if actor is None:
        raise NotFound(f"{ap_id!r} is not in the directory")
    return actor


async def directory_page(
    session: AsyncSession,
    wanted: DirectoryFilter,
    *,
    after: int | None = None,
    size: int = DEFAULT_PAGE_SIZE,
) -> DirectoryPage:
    """One page of the directory, by name; `after` is the previous page's `next_after`."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    query = _filtered(_listed(), wanted)
    if after is not None:
        last = aliased(Actor)
        last_key = select(_sort_key(last)).where(last.id == after).scalar_subquery()
        query = query.where(
            or_(
                _sort_key(Actor) > last_key,
                and_(_sort_key(Actor) == last_key, Actor.id > after),
            )
        )
    rows = list(await session.scalars(query.order_by(_sort_key(Actor), Actor.id).limit(size + 1)))
    actors, more = rows[:size], len(rows) > size
    met = await _met(session, [actor.id for actor in actors])
    return DirectoryPage(
        entries=[DirectoryEntry(actor, kind_of(actor), met.get(actor.id, ())) for actor in actors],
        next_after=actors[-1].id if more else None,
    )


async def _met(session: AsyncSession, ids: list[int]) -> dict[int, tuple[Met, ...]]:
    """Where each of these actors was met, own first, then followed, then by group name."""
    if not ids:
        return {}
    rows = [(row[0], row[1], row[2]) for row in await session.execute(union(*_sources(ids)))]
    group_ids = {via for _, how, via in rows if how == GROUP and via is not None}
    groups = {
        group.id: group
        for group in await session.scalars(select(Actor).where(Actor.id.in_(group_ids)))
    }
    order = {OWN: 0, FOLLOWED: 1, GROUP: 2}

    def rank(met: Met) -> tuple[int, str, int]:
        return (
            order[met.how],
            (met.via.name or "").lower() if met.via else "",
            met.via.id if met.via else 0,
        )

    found: dict[int, list[Met]] = {}
    for actor_id, how, via in rows:
        if how == GROUP and via not in groups:
            continue
        found.setdefault(actor_id, []).append(Met(how, groups.get(via) if via else None))
    return {actor_id: tuple(sorted(items, key=rank)) for actor_id, items in found.items()}

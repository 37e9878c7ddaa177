"""Groups (assemblies, coordinations): local `Group` actors that associations join (FEP-1b12).

A group is an actor like an association (same table, keys, inbox, followers), of type
`Group`. Its members are its accepted followers, from this node or any other; joining is a
Follow, held for approval when the group approves its members by hand (the followers'
approval of associations). Its admins and moderators are people of this node with the role
owner or moderator on it. What a member addresses to the group, the group announces to all
its members (`federation/groups.py`); each announced object is a `GroupItem`, which its
moderators may hide.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import create_association
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.moderation import MODERATION_ROLES, Moderator, moderator_of, record_action
from migrantnet.content.users import grant_role
from migrantnet.models import (
    Actor,
    ActorType,
    ContentObject,
    Follow,
    FollowState,
    GroupItem,
    Membership,
    Role,
    User,
    Visibility,
)
from migrantnet.translations import N_
from migrantnet.uris import Uris

GROUP_MODERATION_ROLES = MODERATION_ROLES


async def create_group(
    session: AsyncSession,
    uris: Uris,
    *,
    slug: str,
    name: str,
    admin: User,
    summary: str | None = None,
    approve_members: bool = False,
) -> Actor:
    """A local `Group` actor with its key pair, and its first admin (flushed, not committed)."""
    group = await create_association(
        session,
        uris,
        slug=slug,
        name=name,
        summary=summary,
        manually_approves_followers=approve_members,
        kind=ActorType.GROUP,
    )
    await grant_role(session, admin, group, Role.OWNER)
    return group


def is_group(actor: Actor) -> bool:
    return actor.type == ActorType.GROUP


async def get_group(session: AsyncSession, slug: str) -> Actor:
    group = await session.scalar(
        select(Actor).where(
            Actor.slug == slug,
            Actor.local.is_(True),
            Actor.type == ActorType.GROUP,
            Actor.deleted_at.is_(None),
        )
    )
    if group is None:
        raise NotFound(f"no group named {slug!r}")
    return group


async def hosted_groups(session: AsyncSession, limit: int = 500) -> list[Actor]:
    """The groups this node hosts, by slug."""
    rows = await session.scalars(
        select(Actor)
        .where(
            Actor.local.is_(True),
            Actor.type == ActorType.GROUP,
            Actor.deleted_at.is_(None),
        )
        .order_by(Actor.slug)
        .limit(limit)
    )
    return list(rows)


async def local_group_by_id(session: AsyncSession, ap_ids: list[str]) -> list[Actor]:
    """The groups of ours among these ids (the recipients of an activity)."""
    if not ap_ids:
        return []
    rows = await session.scalars(
        select(Actor).where(
            Actor.ap_id.in_(ap_ids[:200]),
            Actor.local.is_(True),
            Actor.type == ActorType.GROUP,
            Actor.deleted_at.is_(None),
        )
    )
    return list(rows)


def _accepted_member(group: Actor) -> ColumnElement[bool]:
    return (Follow.followed_id == group.id) & (Follow.state == FollowState.ACCEPTED)


async def member_count(session: AsyncSession, group: Actor) -> int:
    return int(
        await session.scalar(select(func.count(Follow.id)).where(_accepted_member(group))) or 0
    )


async def list_members(session: AsyncSession, group: Actor, limit: int = 1000) -> list[Actor]:
    rows = await session.scalars(
        select(Actor)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(_accepted_member(group))
        .order_by(Follow.created_at, Follow.id)
        .limit(limit)
    )
    return list(rows)


async def is_member(session: AsyncSession, group: Actor, actor: Actor) -> bool:
    found = await session.scalar(
        select(Follow.id).where(
            Follow.follower_id == actor.id,
            Follow.followed_id == group.id,
            Follow.state == FollowState.ACCEPTED,
        )
    )
    return found is not None


async def joined_groups(session: AsyncSession, actor: Actor, limit: int = 200) -> list[Actor]:
    """The groups, of this node or another, an association is an accepted member of: those it
    may address an item to (`group_to_address`), by name."""
    rows = await session.scalars(
        select(Actor)
        .join(Follow, Follow.followed_id == Actor.id)
        .where(
            Follow.follower_id == actor.id,
            Follow.state == FollowState.ACCEPTED,
            Actor.type == ActorType.GROUP,
            Actor.deleted_at.is_(None),
        )
        .order_by(func.lower(func.coalesce(Actor.name, Actor.ap_id)), Actor.id)
        .limit(limit)
    )
    return list(rows)


async def group_to_address(session: AsyncSession, actor: Actor, group_ap_id: str) -> Actor:
    """The group an association of ours posts to: a `Group` it is an accepted member of."""
    group = await session.scalar(
        select(Actor).where(Actor.ap_id == group_ap_id, Actor.deleted_at.is_(None))
    )
    if group is None or not is_group(group):
        raise InvalidInput("group", N_("give the address (id) of a group this association joined"))
    if not await is_member(session, group, actor):
        raise InvalidInput(
            "group", N_("%(slug)s is not a member of this group (yet)"), slug=actor.slug
        )
    return group


async def group_moderator(session: AsyncSession, user: User | None, group: Actor) -> Moderator:
    """Who may remove members and hide items: node admins, the command line (`user` None),
    and people with the role owner or moderator on the group."""
    return await moderator_of(session, user, group, GROUP_MODERATION_ROLES)


async def group_item(session: AsyncSession, group: Actor, object_ap_id: str) -> GroupItem | None:
    return await session.scalar(
        select(GroupItem).where(
            GroupItem.group_id == group.id, GroupItem.object_ap_id == object_ap_id
        )
    )


async def hide_item(
    session: AsyncSession, moderator: Moderator, group: Actor, object_ap_id: str
) -> GroupItem:
    """Hide an item the group shared: off its page and agenda, never announced again."""
    item = await group_item(session, group, object_ap_id)
    if item is None:
        raise NotFound(f"{group.slug} has not shared {object_ap_id}")
    if not item.hidden:
        item.hidden = True
        record_action(session, moderator, "group_hide_item", object_ap_id, group.ap_id)
        await session.flush()
    return item


async def group_moderators(session: AsyncSession, group: Actor) -> list[tuple[User, str]]:
    """The people who moderate the group (role owner or moderator on it), with their role."""
    rows = await session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.actor_id == group.id, Membership.role.in_(GROUP_MODERATION_ROLES))
        .order_by(Membership.created_at, User.id)
    )
    return [(user, str(role)) for user, role in rows]


async def shared_items(
    session: AsyncSession, group: Actor, *, before: int | None = None, limit: int = 30
) -> list[tuple[GroupItem, ContentObject, Actor]]:
    """What the group shared and did not hide, newest first, paged by `before` (an item's
    id): public objects still there, with their authors (an item not yet fetched is left out)."""
    query = (
        select(GroupItem, ContentObject, Actor)
        .join(ContentObject, ContentObject.ap_id == GroupItem.object_ap_id)
        .join(Actor, Actor.id == ContentObject.actor_id)
        .where(
            GroupItem.group_id == group.id,
            GroupItem.hidden.is_(False),
            ContentObject.visibility == Visibility.PUBLIC,
            ContentObject.deleted_at.is_(None),
        )
    )
    if before is not None:
        query = query.where(GroupItem.id < before)
    rows = await session.execute(query.order_by(GroupItem.id.desc()).limit(limit))
    return [(item, obj, author) for item, obj, author in rows]

"""Who may read the threads this node keeps of a group elsewhere (a Lemmy community, a
Mobilizon group, another node's group) that our associations are members of.

The threads came in the group's public Announces, and Lemmy or Mastodon show such content to
anyone. But that this node holds them says that one of its associations is a member, and
the hidden social graph (issue #12) lets that be said only of an association that shows its
follows (`show_follows`). So the pages are public when a member association of ours shows
its follows (the directory already lists the group as followed by one of ours); otherwise
they are for the signed-in people of a member association (and the node's admins), and
not found for anyone else, not even that they exist. A blocked group (its account or its
domain) has no pages; only public or unlisted first messages are listed
(`group_thread_listing`).
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import NotFound
from migrantnet.content.group_threads import member_associations_for
from migrantnet.models import Actor, ActorType, Block, BlockKind, Follow, FollowState, Role, User

READER_ROLES = tuple(Role)  # anyone with a role in a member association reads its threads


async def remote_group(session: AsyncSession, handle: str) -> Actor:
    """The group elsewhere known as `name@host` (a leading `@` allowed), not deleted nor
    blocked; `NotFound` otherwise."""
    name, _at, host = handle.strip().lstrip("@").partition("@")
    if not name or not host:
        raise NotFound(f"{handle!r} is not a handle")
    group = await session.scalar(
        select(Actor)
        .where(
            Actor.type == ActorType.GROUP,
            Actor.local.is_(False),
            Actor.deleted_at.is_(None),
            Actor.username == name,
            Actor.domain == host.lower(),
            ~exists(
                select(Block.id).where(
                    Block.domain == Actor.domain,
                    or_(Block.kind == BlockKind.DOMAIN, Block.target == Actor.ap_id),
                )
            ),
        )
        .order_by(Actor.id)
        .limit(1)
    )
    if group is None:
        raise NotFound(f"no group elsewhere known as {handle!r}")
    return group


async def membership_shown(session: AsyncSession, group: Actor) -> bool:
    """Whether an association of ours that shows its follows is a member of the group."""
    found = await session.scalar(
        select(Follow.id)
        .join(Actor, Actor.id == Follow.follower_id)
        .where(
            Follow.followed_id == group.id,
            Follow.state == FollowState.ACCEPTED,
            Actor.local.is_(True),
            Actor.show_follows.is_(True),
            Actor.deleted_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def check_may_read(session: AsyncSession, user: User | None, group: Actor) -> None:
    """`NotFound` unless the group's threads may be shown to this reader (see above)."""
    if await membership_shown(session, group):
        return
    if user is not None and await member_associations_for(session, user, group, READER_ROLES):
        return
    raise NotFound(f"the threads of {group.handle} are not shown here")

"""Groups on ActivityPub (FEP-1b12): what a member addresses to one of our groups, the group
announces to all its followers; joining is a Follow; moderators remove members, hide items
and lock threads (`Lock` / `Undo{Lock}` to the members, as Lemmy does).

The group wraps the member's activity unchanged in `Announce{object: <activity>}` with
`audience` = the group, signed by the group at send time and queued through the durable
delivery like any activity of ours. Members on this node read the database instead (the
group's `GroupItem` rows feed the agenda). Receivers re-fetch announced objects from their
origin: the wrapped activity is never trusted as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import NotFound
from migrantnet.content.group_threads import admit_to_group, hide_thread, lock_thread
from migrantnet.content.groups import group_item, group_moderator, hide_item, is_member
from migrantnet.content.moderation import record_action
from migrantnet.federation.context import AS_CONTEXT, PUBLIC
from migrantnet.federation.delivery import follower_inboxes, is_public, queue_activity
from migrantnet.federation.follows import find_follow, reject_follow
from migrantnet.federation.serialize.activities import lock_activity, undo_activity
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, Follow, FollowState, GroupItem, GroupThread, User
from migrantnet.uris import Uris

logger = logging.getLogger("migrantnet.federation.groups")

# What a group relays of its members (FEP-1b12); other activities addressed to it are not.
RELAYED = frozenset({"Create", "Update", "Delete"})
# Fields of a received activity never passed on: its proofs belong to the first hop.
_NOT_RELAYED_FIELDS = frozenset({"@context", "signature", "proof"})


def announce_document(
    ap_id: str, group: Actor, activity: dict[str, Any], public: bool
) -> dict[str, Any]:
    inner = {key: value for key, value in activity.items() if key not in _NOT_RELAYED_FIELDS}
    followers = [group.followers_url] if group.followers_url else []
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Announce",
        "actor": group.ap_id,
        "to": [PUBLIC] if public else followers,
        "cc": followers if public else [],
        "audience": group.ap_id,
        "object": inner,
    }


async def announce_to_members(
    session: AsyncSession,
    fed: Federation,
    group: Actor,
    member: Actor,
    activity: dict[str, Any],
    object_ap_id: str,
) -> GroupItem | None:
    """Announce a member's Create, Update or Delete to every follower of the group, unless the
    moderators hid the item; the first Announce of an object makes it a `GroupItem`."""
    item = await group_item(session, group, object_ap_id)
    if item is not None and item.hidden:
        log_event(logger, "group_item_hidden_not_relayed", group=group.slug)
        return item
    payload = announce_document(fed.uris.activity(), group, activity, is_public(activity))
    inboxes = await follower_inboxes(session, group)
    await queue_activity(session, fed, group, payload, inboxes, object_ap_id=object_ap_id)
    if item is None and activity.get("type") != "Delete":
        item = GroupItem(
            group_id=group.id,
            member_id=member.id,
            object_ap_id=object_ap_id,
            announce_ap_id=payload["id"],
            created_at=fed.now(),
        )
        session.add(item)
        await session.flush()
    log_event(logger, "group_announced", group=group.slug, type=activity.get("type"))
    return item


async def relay_member_activity(
    session: AsyncSession,
    fed: Federation,
    groups: list[Actor],
    member: Actor,
    activity: dict[str, Any],
    object_ap_id: str,
) -> int:
    """Each group of ours the activity is addressed to announces it, if the group admits it
    (`content.group_threads.admit_to_group`: a member's, or a reply in an open thread); a
    refused post is stored (it was addressed to us) but not announced."""
    announced = 0
    for group in groups:
        if activity.get("type") == "Delete":
            shared = await group_item(session, group, object_ap_id) is not None
            refused = None if shared or await is_member(session, group, member) else "not_member"
        else:
            refused = await admit_to_group(session, group, member, object_ap_id, fed.now())
        if refused == "not_member":
            log_event(logger, "group_post_from_non_member", group=group.slug)
            continue
        if refused is not None:
            log_event(logger, "group_reply_refused", group=group.slug, reason=refused)
            continue
        await announce_to_members(session, fed, group, member, activity, object_ap_id)
        announced += 1
    return announced


async def groups_sharing(session: AsyncSession, object_ap_id: str) -> list[Actor]:
    """Our groups that announced this object (a Delete is addressed to followers only)."""
    rows = await session.scalars(
        select(Actor)
        .join(GroupItem, GroupItem.group_id == Actor.id)
        .where(GroupItem.object_ap_id == object_ap_id, Actor.deleted_at.is_(None))
    )
    return list(rows)


async def remove_member(
    session: AsyncSession, fed: Federation, group: Actor, user: User | None, member: str
) -> Follow:
    """A moderator removes a member (handle or id): its Follow is rejected (`Reject{Follow}`
    goes to it), so nothing more of the group reaches it and its posts are not announced."""
    moderator = await group_moderator(session, user, group)
    follow = await find_follow(session, group, member, FollowState.ACCEPTED)
    if follow is None:
        raise NotFound(f"{member} is not a member of {group.slug}")
    await reject_follow(session, fed, follow)
    follower = await session.get(Actor, follow.follower_id)
    record_action(
        session,
        moderator,
        "group_remove_member",
        follower.ap_id if follower is not None else member,
        group.ap_id,
    )
    return follow


async def hide_group_item(
    session: AsyncSession, fed: Federation, group: Actor, user: User | None, object_ap_id: str
) -> GroupItem:
    """A moderator hides an item: it leaves the group's page and agenda here, and members'
    servers are sent `Undo{Announce}` so it leaves theirs."""
    moderator = await group_moderator(session, user, group)
    item = await group_item(session, group, object_ap_id)
    already = item is not None and item.hidden
    item = await hide_item(session, moderator, group, object_ap_id)
    if not already:
        announce = {
            "id": item.announce_ap_id,
            "type": "Announce",
            "actor": group.ap_id,
            "object": object_ap_id,
        }
        payload = undo_activity(Uris.undo_of(item.announce_ap_id), group.ap_id, announce)
        payload["to"] = [group.followers_url] if group.followers_url else []
        payload["audience"] = group.ap_id
        await queue_activity(session, fed, group, payload, await follower_inboxes(session, group))
    return item


async def hide_group_thread(
    session: AsyncSession, fed: Federation, group: Actor, user: User | None, thread: GroupThread
) -> GroupThread:
    """A moderator hides a thread: off the group's page, closed to replies, and its first
    message hidden as an item (members' servers are sent `Undo{Announce}`)."""
    await hide_thread(session, user, group, thread, hidden=True)
    item = await group_item(session, group, thread.root_ap_id)
    if item is not None and not item.hidden:
        await hide_group_item(session, fed, group, user, thread.root_ap_id)
    return thread


async def lock_group_thread(
    session: AsyncSession,
    fed: Federation,
    group: Actor,
    user: User | None,
    thread: GroupThread,
    *,
    locked: bool,
) -> GroupThread:
    """A moderator locks (or unlocks) a thread of one of our groups: no new reply is
    announced here, and the members' servers are sent `Lock` (or `Undo{Lock}`) with the
    thread's first message as object, so their copies show it locked. Nothing is sent when
    the thread already was so (a second click)."""
    changed = thread.locked != locked
    await lock_thread(session, user, group, thread, locked=locked)
    if changed and group.local:
        lock_id = fed.uris.activity()
        payload = lock_activity(
            lock_id,
            group.ap_id,
            group.followers_url,
            thread.root_ap_id,
            locked=locked,
            undo_id=Uris.undo_of(lock_id),
        )
        await queue_activity(session, fed, group, payload, await follower_inboxes(session, group))
        log_event(
            logger, "group_thread_locked" if locked else "group_thread_unlocked", group=group.slug
        )
    return thread

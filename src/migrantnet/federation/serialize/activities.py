"""Activities we send, as pure functions of what they are about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from migrantnet.content.formatting import iso
from migrantnet.federation.context import AS_CONTEXT, OBJECT_CONTEXT, PUBLIC
from migrantnet.uris import Uris


def follow_activity(ap_id: str, actor_id: str, target_id: str) -> dict[str, Any]:
    """`object` is the bare id: Gancio accepts no other form."""
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Follow",
        "actor": actor_id,
        "object": target_id,
    }


def embedded_follow(follow: dict[str, Any]) -> dict[str, Any]:
    """The Follow as its sender made it (Mastodon matches our Accept by the embedded `id`)."""
    return {key: follow[key] for key in ("id", "type", "actor", "object") if key in follow}


def accept_activity(ap_id: str, actor_id: str, follow: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Accept",
        "actor": actor_id,
        "object": embedded_follow(follow),
    }


def reject_activity(ap_id: str, actor_id: str, follow: dict[str, Any]) -> dict[str, Any]:
    return {**accept_activity(ap_id, actor_id, follow), "type": "Reject"}


def undo_activity(ap_id: str, actor_id: str, inner: dict[str, Any]) -> dict[str, Any]:
    inner = {key: value for key, value in inner.items() if key != "@context"}
    return {"@context": AS_CONTEXT, "id": ap_id, "type": "Undo", "actor": actor_id, "object": inner}


def _with_audience(activity: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    """An object posted to a group: its activity names the group too (FEP-1b12)."""
    if obj.get("audience"):
        activity["audience"] = obj["audience"]
    return activity


def create_activity(obj: dict[str, Any]) -> dict[str, Any]:
    """Wraps an object; addressing is copied so shared inboxes can route it."""
    activity = {
        "@context": obj.get("@context", OBJECT_CONTEXT),
        "id": Uris.create_of(obj["id"]),
        "type": "Create",
        "actor": obj["attributedTo"],
        "published": obj.get("published"),
        "to": obj.get("to", []),
        "cc": obj.get("cc", []),
        "object": {key: value for key, value in obj.items() if key != "@context"},
    }
    return _with_audience(activity, obj)


def update_activity(obj: dict[str, Any], actor_id: str, now: datetime) -> dict[str, Any]:
    """Each edit gets its own id (`Uris.update_of`), so it is not deduplicated."""
    activity = {
        "@context": obj.get("@context", OBJECT_CONTEXT),
        "id": Uris.update_of(obj["id"], now),
        "type": "Update",
        "actor": actor_id,
        "published": iso(now),
        "to": obj.get("to", [PUBLIC]),
        "cc": obj.get("cc", []),
        "object": {key: value for key, value in obj.items() if key != "@context"},
    }
    return _with_audience(activity, obj)


def delete_activity(
    object_id: str, actor_id: str, former_type: str, to: list[str], cc: list[str], now: datetime
) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": Uris.delete_of(object_id),
        "type": "Delete",
        "actor": actor_id,
        "to": to,
        "cc": cc,
        "object": {
            "id": object_id,
            "type": "Tombstone",
            "formerType": former_type,
            "deleted": iso(now),
        },
    }


def block_activity(ap_id: str, actor_id: str, target_id: str) -> dict[str, Any]:
    """Mastodon, GoToSocial and Pleroma end follows both ways when they receive this."""
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Block",
        "actor": actor_id,
        "object": target_id,
    }


def flag_activity(
    ap_id: str, actor_id: str, target_actor_id: str, object_ids: list[str], content: str
) -> dict[str, Any]:
    """A report sent on to the reported account's server, in Mastodon's shape: the account
    first, then the reported objects; sent by the node actor, so no person is named."""
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Flag",
        "actor": actor_id,
        "object": [target_actor_id, *[item for item in object_ids if item != target_actor_id]],
        "content": content,
    }


def lock_activity(
    ap_id: str, group_id: str, followers: str | None, root_id: str, *, locked: bool, undo_id: str
) -> dict[str, Any]:
    """A group's moderators lock (or unlock) a thread, in Lemmy's shape: `Lock` whose
    `object` is the thread's first message, addressed to the group's followers and naming the
    group as `audience`; unlocking is `Undo{Lock}` (`undo_id` its id)."""
    followers_list = [followers] if followers else []
    lock = {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Lock",
        "actor": group_id,
        "to": [PUBLIC],
        "cc": followers_list,
        "object": root_id,
        "audience": group_id,
    }
    if locked:
        return lock
    undo = undo_activity(undo_id, group_id, lock)
    return {**undo, "to": [PUBLIC], "cc": followers_list, "audience": group_id}

"""`Lock` and `Undo{Lock}` from a remote group (Lemmy's extension, also sent by our groups):
its moderators closed a thread to new replies, or opened it again. Only the thread's own
group can do so: a `Lock` from anyone else, or about a thread we do not hold as one of the
sender's, changes nothing. Lemmy's moderators send their own `Lock` to the community, which
relays it as `Announce{Lock}` (and `Announce{Undo{Lock}}`): the group that announces it is
the authority, as for its own `Lock`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrantnet.content.group_threads import thread_of_root
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.normalize import first_id, type_names
from migrantnet.models import InboxState


async def _set_locked(inbound: Inbound, root_id: str | None, *, locked: bool) -> InboxState:
    if not root_id or inbound.sender.local:
        return InboxState.IGNORED
    thread = await thread_of_root(inbound.session, inbound.sender, root_id)
    if thread is None:
        return InboxState.IGNORED
    thread.locked = locked
    await inbound.session.flush()
    return InboxState.DONE


async def handle_lock(inbound: Inbound) -> InboxState:
    return await _set_locked(inbound, inbound.activity.object_id, locked=True)


async def undo_lock(inbound: Inbound, inner: Mapping[str, Any]) -> InboxState:
    """The undone Lock must be the sender's own (its `actor`, when it names one)."""
    actor = first_id(inner.get("actor"))
    if actor is not None and actor != inbound.sender.ap_id:
        return InboxState.IGNORED
    return await _set_locked(inbound, first_id(inner.get("object")), locked=False)


async def handle_announced_lock(inbound: Inbound, inner: Mapping[str, Any]) -> InboxState | None:
    """A group relaying a moderator's `Lock` or `Undo{Lock}`; None when `inner` is neither."""
    names = type_names(inner)
    if "Lock" in names:
        return await _set_locked(inbound, first_id(inner.get("object")), locked=True)
    undone = inner.get("object")
    if "Undo" in names and isinstance(undone, Mapping) and "Lock" in type_names(undone):
        return await _set_locked(inbound, first_id(undone.get("object")), locked=False)
    return None

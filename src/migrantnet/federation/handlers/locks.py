"""`Lock` and `Undo{Lock}` from a remote group (Lemmy's extension, also sent by our groups):
its moderators closed a thread to new replies, or opened it again. Only the thread's own
group can do so: a `Lock` from anyone else, or about a thread we do not hold as one of the
sender's, changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migrantnet.content.group_threads import thread_of_root
from migrantnet.federation.handlers.base import Inbound
from migrantnet.federation.normalize import first_id
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

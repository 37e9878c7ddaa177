"""One dispatch table, one short handler per activity type (Takahē's shape, not a 2,000-line box).

A handler gets the verified sender and the parsed activity, changes our data through
services, and says whether the activity meant something to us (DONE) or not (IGNORED).
"""

from __future__ import annotations

from migrantnet.federation.handlers.base import Handler, Inbound
from migrantnet.federation.handlers.follows import (
    handle_accept,
    handle_follow,
    handle_reject,
)
from migrantnet.federation.handlers.interactions import (
    handle_announce,
    handle_block,
    handle_flag,
    handle_like,
    handle_move,
)
from migrantnet.federation.handlers.joins import handle_join
from migrantnet.federation.handlers.locks import handle_lock
from migrantnet.federation.handlers.objects import handle_create, handle_delete, handle_update
from migrantnet.federation.handlers.undo import handle_undo

HANDLERS: dict[str, Handler] = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Announce": handle_announce,
    "Like": handle_like,
    "Block": handle_block,
    "Flag": handle_flag,
    "Move": handle_move,
    "Join": handle_join,
    "Lock": handle_lock,
}

__all__ = ["HANDLERS", "Handler", "Inbound"]

"""A reply to a group's thread sent from the thread's page, for a group of this node or one
elsewhere that our associations are members of: the same fields, the same note to the group
(which relays it to its members), the same refusal beside the text when the thread is locked.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from migrantnet.content.group_threads import reply_in_thread
from migrantnet.federation.publisher import ActivityPubNotifier
from migrantnet.federation.service import Federation
from migrantnet.models import Actor, ContentObject, GroupThread
from migrantnet.translations import interface_language
from migrantnet.web.forms import text_field

FIELDS = ("association", "text", "language")


def reply_values(form: FormData) -> dict[str, str]:
    """What the form said, kept to show again beside an error."""
    return {name: text_field(form, name) for name in FIELDS}


async def send_reply(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    group: Actor,
    thread: GroupThread,
    form: FormData,
) -> ContentObject:
    """Publish `actor`'s answer and commit it. `InvalidInput` (a locked thread, an empty
    text) is raised before anything is written."""
    fed: Federation = request.app.state.federation
    values = reply_values(form)
    answer = await reply_in_thread(
        session,
        fed.uris,
        ActivityPubNotifier(fed),
        actor,
        group,
        thread,
        text=values["text"],
        language=values["language"] or interface_language(),
        parent_ap_id=text_field(form, "in_reply_to") or None,
    )
    await session.commit()
    fed.wakeup.set()
    return answer

"""An association's Replies page: the replies other servers sent under its objects, to
approve, hide or show again (`content/reply_moderation.py`; `migrantnet replies` does the
same from the command line). Its admins and moderators use it; node admins too."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.moderation import MODERATION_ROLES, Moderator
from migrantnet.content.reply_moderation import decide_reply, replies_of
from migrantnet.models import ReplyState
from migrantnet.translations import N_
from migrantnet.uris.interface import ADMIN_REPLIES_PATH, ADMIN_REPLY_DECISION_PATH, fill
from migrantnet.web.auth import require_role
from migrantnet.web.decisions import GONE, decided
from migrantnet.web.deps import SessionDep
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.i18n import accepted_languages
from migrantnet.web.rendering import render
from migrantnet.web.sessions import SignedInDep
from migrantnet.web.views.replies import single_reply

router = APIRouter(include_in_schema=False)
DECISIONS = {"approve": ReplyState.SHOWN, "hide": ReplyState.HIDDEN, "show": ReplyState.SHOWN}
DONE = {
    "approve": N_("Approved: the reply is shown under the object it answers."),
    "hide": N_("Hidden: no page, collection or search shows it any more."),
    "show": N_("Shown again under the object it answers."),
    GONE: N_("This reply was already decided, or it is gone."),
}
SHOWN_LISTED = 30


@router.get(ADMIN_REPLIES_PATH)
async def replies_page(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, done: str = ""
) -> Response:
    """Held replies first (oldest first: a queue), then the latest shown, then the hidden."""
    owner = await require_role(session, visitor.user, slug, MODERATION_ROLES)
    wanted = accepted_languages(request.headers.get("accept-language"))

    def views(rows: list) -> list:
        return [(reply.ap_id, single_reply(reply, actor, wanted)) for reply, actor in rows]

    return render(
        request,
        visitor,
        "admin/replies.html",
        {
            "association": owner,
            "held": views(await replies_of(session, owner, ReplyState.HELD)),
            "shown": views(await replies_of(session, owner, ReplyState.SHOWN, limit=SHOWN_LISTED)),
            "hidden": views(await replies_of(session, owner, ReplyState.HIDDEN)),
            "done": DONE.get(done),
        },
    )


@router.post(ADMIN_REPLY_DECISION_PATH)
async def decide(
    slug: str, decision: str, request: Request, visitor: SignedInDep, session: SessionDep
) -> Response:
    form = await read_form(request, visitor)
    owner = await require_role(session, visitor.user, slug, MODERATION_ROLES)
    state = DECISIONS.get(decision)
    if state is None:
        raise NotFound(f"no decision {decision!r}: approve, hide or show")
    return await decided(
        session,
        fill(ADMIN_REPLIES_PATH, slug=slug),
        decision,
        decide_reply(session, Moderator(visitor.user), owner, text_field(form, "reply"), state),
        gone=(NotFound, InvalidInput),  # decided meanwhile (another moderator, a second click)
    )

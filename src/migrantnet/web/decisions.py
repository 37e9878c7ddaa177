"""A moderator's decision sent from a form: done, committed, and the page told what happened.

A decision races other moderators, the command line and a second click on a slow phone. The
service then finds nothing left to decide and raises `NotFound`; the page says so ("gone")
instead of showing an error. Otherwise the change commits, the worker is woken for what it
queued, and the browser is sent back to the page (Post/Redirect/Get).
"""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import NotFound
from migrantnet.federation.service import Federation
from migrantnet.web.rendering import see_other

GONE = "gone"


async def decided(
    session: AsyncSession,
    page: str,
    done: str,
    decision: Awaitable[object],
    *,
    fed: Federation | None = None,
    gone: tuple[type[Exception], ...] = (NotFound,),
) -> Response:
    """Await `decision`, then redirect to `page?done=<done>`, or `?done=gone` if it was decided
    meanwhile (`gone` are the exceptions that say so)."""
    try:
        await decision
    except gone:
        return see_other(f"{page}?done={GONE}")
    await session.commit()
    if fed is not None:
        fed.wakeup.set()
    return see_other(f"{page}?done={done}")

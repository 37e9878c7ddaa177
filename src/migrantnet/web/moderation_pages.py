"""`/admin/moderation`: the node's blocks, the report queue and the audit trail.

For node admins and for the admins and moderators of any association here (a bad peer reaches
every association of the node, so blocks are the node's). Every form posts, is CSRF-checked,
and redirects back with what was done; every action lands in the audit trail under the
signed-in moderator's e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import ContentError, InvalidInput, shown
from migrantnet.content.moderation import (
    Moderator,
    decide_report,
    get_report,
    list_reports,
    moderator_for,
    recent_actions,
)
from migrantnet.federation.blocks import block, list_blocks, unblock
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.reports import block_from_report, forward_report, report_subject
from migrantnet.models import Actor, Block, Report, ReportState
from migrantnet.translations import N_
from migrantnet.uris.interface import (
    MODERATION_BLOCK_REMOVE_PATH,
    MODERATION_BLOCKS_PATH,
    MODERATION_PATH,
    MODERATION_REPORT_PATH,
)
from migrantnet.web.deps import SessionDep
from migrantnet.web.errors import form_status
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedIn, SignedInDep, Visitor

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class ReportView:
    report: Report
    reporter: str
    targets: list[str]
    subject: str | None  # who "block" would block
    subject_domain: str | None


async def _report_views(session: AsyncSession, reports: list[Report]) -> list[ReportView]:
    views = []
    for report in reports:
        reporter = await session.get(Actor, report.reporter_id)
        subject = await report_subject(session, report)
        views.append(
            ReportView(
                report=report,
                reporter=reporter.ap_id if reporter is not None else "",
                targets=list(report.target_ap_ids or []),
                subject=subject.ap_id if subject is not None else None,
                subject_domain=subject.domain if subject is not None else None,
            )
        )
    return views


async def _page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    *,
    done: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    blocks: list[Block] = await list_blocks(session)
    return render(
        request,
        visitor,
        "admin/moderation.html",
        {
            "blocks": blocks,
            "reports": await _report_views(session, await list_reports(session)),
            "actions": await recent_actions(session),
            "done": done,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=form_status(errors),
    )


async def _moderator(visitor: SignedIn, session: AsyncSession) -> Moderator:
    return await moderator_for(session, visitor.user)


@router.get(MODERATION_PATH)
async def moderation_page(
    request: Request, visitor: SignedInDep, session: SessionDep, done: str | None = None
) -> Response:
    await _moderator(visitor, session)
    return await _page(request, visitor, session, done=done)


@router.post(MODERATION_BLOCKS_PATH)
async def add_block(
    request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    moderator = await _moderator(visitor, session)
    target, reason = text_field(form, "target").strip(), text_field(form, "reason")
    try:
        if not target:
            raise InvalidInput("target", N_("say which domain or account to block"))
        await block(session, fed, moderator, target, reason)
    except ContentError as exc:
        await session.rollback()
        field = exc.field if isinstance(exc, InvalidInput) else "target"
        message = shown(exc)
        return await _page(
            request,
            visitor,
            session,
            errors={field if field in ("target", "reason") else "target": message},
            values={"target": target, "reason": reason},
        )
    await session.commit()
    return see_other(f"{MODERATION_PATH}?done=blocked")


@router.post(MODERATION_BLOCK_REMOVE_PATH)
async def remove_block(
    block_id: int,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    fed: FederationDep,
) -> Response:
    await read_form(request, visitor)
    moderator = await _moderator(visitor, session)
    row = await session.get(Block, block_id)
    if row is not None:
        await unblock(session, fed, moderator, row.target)
        await session.commit()
    return see_other(f"{MODERATION_PATH}?done=unblocked")


@router.post(MODERATION_REPORT_PATH)
async def report_action(
    report_id: int,
    action: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    fed: FederationDep,
) -> Response:
    form = await read_form(request, visitor)
    moderator = await _moderator(visitor, session)
    report = await get_report(session, report_id)
    note = text_field(form, "note") or None
    if action in ("resolve", "dismiss"):
        state = ReportState.RESOLVED if action == "resolve" else ReportState.DISMISSED
        decide_report(session, moderator, report, state, note, now=fed.now())
        done = str(state)
    elif action == "forward":
        await forward_report(session, fed, moderator, report)
        done = "forwarded"
    elif action in ("block", "block-domain"):
        await block_from_report(
            session, fed, moderator, report, whole_domain=action == "block-domain"
        )
        done = "blocked"
    else:
        raise InvalidInput("action", N_("no report action %(action)s"), action=repr(action))
    await session.commit()
    return see_other(f"{MODERATION_PATH}?done={done}")

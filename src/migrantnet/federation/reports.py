"""Reports between servers: filing one about a remote account, sending it on (`Flag`), and
blocking from one. Incoming `Flag`s are stored by `handlers/interactions.handle_flag`.

A report sent on is signed by the node actor, as Mastodon does with its instance actor: the
remote moderators learn that this node reports, never which of our people did.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import get_node_actor
from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.content.moderation import (
    Moderator,
    check_reason,
    decide_report,
    record_action,
)
from migrantnet.federation.actors import host_of
from migrantnet.federation.blocks import block_account, block_domain, find_account
from migrantnet.federation.delivery import queue_activity
from migrantnet.federation.serialize.activities import flag_activity
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, Block, Report, ReportState
from migrantnet.translations import N_

logger = logging.getLogger("migrantnet.federation.reports")
MAX_OBJECTS = 20


async def file_report(
    session: AsyncSession,
    fed: Federation,
    moderator: Moderator,
    account: str,
    objects: list[str],
    comment: str | None,
) -> Report:
    """A report of ours about a remote account (and some of its objects), to forward."""
    remote = await find_account(session, fed, account)
    if remote.local:
        raise InvalidInput("account", N_("%(account)s is an account of this node"), account=account)
    node = await get_node_actor(session)
    if node is None:
        raise NotFound("this node is not initialised")
    if len(objects) > MAX_OBJECTS:
        raise InvalidInput("objects", N_("at most %(limit)s objects per report"), limit=MAX_OBJECTS)
    for url in objects:
        if not url.startswith(("http://", "https://")) or host_of(url) != remote.domain:
            raise InvalidInput(
                "objects",
                N_("%(url)s is not an object of %(domain)s"),
                url=url,
                domain=remote.domain,
            )
    report = Report(
        ap_id=fed.uris.activity(),
        reporter_id=node.id,
        target_ap_ids=[remote.ap_id, *dict.fromkeys(objects)],
        content=check_reason(comment),
        created_at=fed.now(),
    )
    session.add(report)
    await session.flush()
    record_action(session, moderator, "report_filed", remote.ap_id, report.content, now=fed.now())
    return report


async def _remote_subject(session: AsyncSession, report: Report) -> Actor | None:
    """The remote account a report is about: the first target that is a known remote actor."""
    rows = await session.scalars(
        select(Actor).where(Actor.ap_id.in_(report.target_ap_ids or []), Actor.local.is_(False))
    )
    by_id = {row.ap_id: row for row in rows}
    return next((by_id[t] for t in report.target_ap_ids if t in by_id), None)


async def report_subject(session: AsyncSession, report: Report) -> Actor | None:
    """Whom blocking from a report blocks: the reported remote account, else the reporter
    (a report of one of ours sent to harass is the reporter's doing)."""
    subject = await _remote_subject(session, report)
    if subject is not None:
        return subject
    reporter = await session.get(Actor, report.reporter_id)
    return reporter if reporter is not None and not reporter.local else None


async def forward_report(
    session: AsyncSession, fed: Federation, moderator: Moderator, report: Report
) -> str:
    """Send the report to the server of the remote account it is about (a `Flag` from the node
    actor); returns that server's host."""
    subject = await _remote_subject(session, report)
    if subject is None:
        raise InvalidInput(
            "report", N_("report %(id)s names no account of another server"), id=report.id
        )
    node = await get_node_actor(session)
    if node is None:
        raise NotFound("this node is not initialised")
    objects = [t for t in report.target_ap_ids if host_of(t) == subject.domain]
    payload = flag_activity(
        fed.uris.activity(), node.ap_id, subject.ap_id, objects, report.content or ""
    )
    await queue_activity(session, fed, node, payload, [subject.preferred_inbox])
    report.forwarded_at = fed.now()
    record_action(session, moderator, "report_forwarded", f"report {report.id}", subject.domain)
    log_event(logger, "report_forwarded", domain=subject.domain)
    return subject.domain


async def block_from_report(
    session: AsyncSession,
    fed: Federation,
    moderator: Moderator,
    report: Report,
    *,
    whole_domain: bool = False,
) -> Block:
    """Block the report's subject (or its whole host) and close the report as resolved."""
    subject = await report_subject(session, report)
    if subject is None:
        raise InvalidInput(
            "report", N_("report %(id)s names no remote account to block"), id=report.id
        )
    reason = f"report {report.id}"
    if whole_domain:
        row = await block_domain(session, fed, moderator, subject.domain, reason)
    else:
        row = await block_account(session, fed, moderator, subject.ap_id, reason)
    if report.state == ReportState.OPEN:
        decide_report(session, moderator, report, ReportState.RESOLVED, f"blocked {row.target}")
    return row

"""The moderators' side of the node: who may moderate, the audit trail, the report queue.

Every moderation service takes a `Moderator` and writes one `ModerationAction` in the caller's
transaction, so a block or a decision is never made without its line in the trail. The trail
holds an e-mail address (or "command line"), the action, its target and the time: no IP
address, no user agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import Forbidden, InvalidInput, NotFound
from migrantnet.models import (
    Actor,
    Membership,
    ModerationAction,
    Report,
    ReportState,
    Role,
    User,
)
from migrantnet.models.lifecycle import advance
from migrantnet.translations import N_

COMMAND_LINE = "command line"
MODERATION_ROLES = (Role.OWNER, Role.MODERATOR)
MAX_REASON = 1000
MAX_DOMAIN = 255


@dataclass(frozen=True, slots=True)
class Moderator:
    """Who acts: a signed-in user, or the operator at the command line (`user` None)."""

    user: User | None

    @property
    def label(self) -> str:
        return self.user.email if self.user is not None else COMMAND_LINE

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


CLI_MODERATOR = Moderator(None)


async def can_moderate(session: AsyncSession, user: User) -> bool:
    """Node admins, and the admins (owners) and moderators of any association of the node:
    blocks are the node's, since one bad peer reaches every association here."""
    if user.is_admin:
        return True
    role = await session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id,
            Membership.role.in_([str(role) for role in MODERATION_ROLES]),
        )
    )
    return role is not None


async def moderator_for(session: AsyncSession, user: User) -> Moderator:
    if not await can_moderate(session, user):
        raise Forbidden("moderation needs the role admin or moderator in an association")
    return Moderator(user)


async def moderator_of(
    session: AsyncSession,
    user: User | None,
    actor: Actor,
    roles: tuple[Role, ...] = MODERATION_ROLES,
) -> Moderator:
    """Who may moderate what concerns one association or group of ours (its members, its
    threads): node admins, the command line (`user` None), and people with one of `roles`
    on that actor."""
    if user is None or user.is_admin:
        return Moderator(user)
    role = await session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.actor_id == actor.id
        )
    )
    if role not in {str(r) for r in roles}:
        raise Forbidden(f"this needs the role admin or moderator on {actor.slug}")
    return Moderator(user)


def record_action(
    session: AsyncSession,
    moderator: Moderator,
    action: str,
    target: str,
    detail: str | None = None,
    *,
    now: datetime | None = None,
) -> ModerationAction:
    row = ModerationAction(
        user_id=moderator.user_id,
        by=moderator.label[:320],
        action=action[:32],
        target=target[:2048],
        detail=detail[:MAX_REASON] if detail else None,
        created_at=now or datetime.now(UTC),
    )
    session.add(row)
    return row


async def recent_actions(session: AsyncSession, limit: int = 50) -> list[ModerationAction]:
    rows = await session.scalars(
        select(ModerationAction)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(limit)
    )
    return list(rows)


def check_reason(reason: str | None) -> str | None:
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason", N_("at most %(limit)s characters"), limit=MAX_REASON)
    return reason or None


def normalize_domain(value: str) -> str:
    """A host as this node writes it everywhere (`deliveries.domain`, actors' `domain`):
    lower case, IDNA, no trailing dot, the port kept when there is one. A URL is accepted
    and reduced to its host; anything else with a scheme, a path or a space is refused."""
    text = value.strip()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput("domain", N_("%(value)s is not a host name"), value=repr(value))
        text = parts.netloc.rsplit("@", 1)[-1]
    host, _, port = text.lower().partition(":")
    host = host.rstrip(".")
    if not host or any(ch in host for ch in "/ @?#\\") or (port and not port.isdigit()):
        raise InvalidInput("domain", N_("%(value)s is not a host name"), value=repr(value))
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidInput(
            "domain", N_("%(value)s is not a host name"), value=repr(value)
        ) from None
    domain = f"{host}:{port}" if port else host
    if len(domain) > MAX_DOMAIN:
        raise InvalidInput("domain", N_("at most %(limit)s characters"), limit=MAX_DOMAIN)
    return domain


# ----------------------------------------------------------------------------- reports


async def list_reports(
    session: AsyncSession, *, state: ReportState | None = ReportState.OPEN, limit: int = 100
) -> list[Report]:
    query = select(Report).order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Report.state == state)
    return list(await session.scalars(query))


async def get_report(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound(f"no report {report_id}")
    return report


def decide_report(
    session: AsyncSession,
    moderator: Moderator,
    report: Report,
    state: ReportState,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Close an open report as resolved (acted on) or dismissed (nothing to do)."""
    if state == ReportState.OPEN:
        raise InvalidInput("state", N_("a report is decided as resolved or dismissed"))
    if report.state != ReportState.OPEN:
        raise InvalidInput(
            "report", N_("report %(id)s is already %(state)s"), id=report.id, state=report.state
        )
    now = now or datetime.now(UTC)
    advance(report, state)
    report.resolved = True
    report.decided_by_id = moderator.user_id
    report.decided_at = now
    action = "report_resolved" if state == ReportState.RESOLVED else "report_dismissed"
    record_action(session, moderator, action, f"report {report.id}", check_reason(note), now=now)

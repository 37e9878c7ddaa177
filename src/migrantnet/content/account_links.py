"""One-time links: a password reset for a user, an invitation to an association with a role.

A link carries a random token; only its keyed hash is stored (see `sessions.keyed_hash`). It
works once and until it expires. A reset ends every session of the user, so someone who held
the lost phone is out as soon as the owner chooses a new password.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import ContentError, InvalidInput
from migrantnet.content.passwords import check_password_rules, hash_password, verify_password
from migrantnet.content.sessions import end_all_sessions, keyed_hash, new_token, set_password
from migrantnet.content.users import check_email, grant_role
from migrantnet.models import AccountLink, Actor, LinkPurpose, Role, User
from migrantnet.translations import N_

RESET_LIFETIME = timedelta(hours=24)
INVITE_LIFETIME = timedelta(days=7)
# The words a person sees; "admin" of an association is the owner role of the model.
ROLE_NAMES: dict[str, Role] = {
    "admin": Role.OWNER,
    "editor": Role.EDITOR,
    "moderator": Role.MODERATOR,
}


class LinkUnusable(ContentError):
    """The link is unknown, used already or expired (one message: nothing to probe)."""


def check_role(name: str) -> Role:
    try:
        return ROLE_NAMES[name.strip().lower()]
    except KeyError:
        raise InvalidInput(
            "role",
            N_("%(value)s is not one of %(allowed)s"),
            value=repr(name),
            allowed=", ".join(ROLE_NAMES),
        ) from None


def role_name(role: str) -> str:
    return next((name for name, value in ROLE_NAMES.items() if value == role), role)


@dataclass(frozen=True, slots=True)
class NewLink:
    token: str
    row: AccountLink


async def _new_link(session: AsyncSession, secret: bytes, row: AccountLink) -> NewLink:
    token = new_token()
    row.token_hash = keyed_hash(secret, token)
    session.add(row)
    await session.flush()
    return NewLink(token=token, row=row)


async def create_reset_link(
    session: AsyncSession, secret: bytes, user: User, *, now: datetime | None = None
) -> NewLink:
    now = now or datetime.now(UTC)
    return await _new_link(
        session,
        secret,
        AccountLink(
            purpose=LinkPurpose.RESET,
            email=user.email,
            user_id=user.id,
            created_at=now,
            expires_at=now + RESET_LIFETIME,
        ),
    )


async def create_invitation(
    session: AsyncSession,
    secret: bytes,
    association: Actor,
    inviter: User,
    email: str,
    role: str,
    *,
    now: datetime | None = None,
) -> NewLink:
    """An invitation of `email` to `association` as `role` (admin, editor or moderator)."""
    now = now or datetime.now(UTC)
    email = check_email(email)
    checked = check_role(role)
    return await _new_link(
        session,
        secret,
        AccountLink(
            purpose=LinkPurpose.INVITE,
            email=email,
            actor_id=association.id,
            role=checked,
            created_by_id=inviter.id,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
        ),
    )


async def find_link(
    session: AsyncSession,
    secret: bytes,
    token: str,
    purpose: LinkPurpose,
    *,
    now: datetime | None = None,
) -> AccountLink:
    """The usable link of this token and purpose, or `LinkUnusable`."""
    now = now or datetime.now(UTC)
    row = None
    if token and len(token) <= 100:
        row = await session.scalar(
            select(AccountLink).where(
                AccountLink.token_hash == keyed_hash(secret, token),
                AccountLink.purpose == purpose,
            )
        )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkUnusable("this link is unknown, expired or used already; ask for a new one")
    return row


async def use_reset_link(
    session: AsyncSession, secret: bytes, token: str, new_password: str
) -> User:
    """Set the new password, spend the link, end every session of the user."""
    link = await find_link(session, secret, token, LinkPurpose.RESET)
    user = await session.get(User, link.user_id)
    if user is None:
        raise LinkUnusable("this link is unknown, expired or used already; ask for a new one")
    await set_password(session, user, new_password)
    link.used_at = datetime.now(UTC)
    await end_all_sessions(session, user)
    await session.flush()
    return user


async def invited_user(session: AsyncSession, link: AccountLink) -> User | None:
    """The existing account of an invitation's e-mail, if there is one."""
    return await session.scalar(select(User).where(User.email == link.email))


async def accept_invitation(
    session: AsyncSession, secret: bytes, token: str, password: str
) -> tuple[User, Actor]:
    """Join the association with the invitation's role: a new account with `password`, or
    the existing account of that e-mail if `password` is its password."""
    link = await find_link(session, secret, token, LinkPurpose.INVITE)
    association = await session.get(Actor, link.actor_id)
    if association is None or association.deleted_at is not None or link.role is None:
        raise LinkUnusable("this invitation's association no longer exists")
    user = await invited_user(session, link)
    if user is None:
        check_password_rules(password)
        password_hash = await asyncio.to_thread(hash_password, password)
        user = User(email=link.email, password_hash=password_hash, is_admin=False)
        session.add(user)
        await session.flush()
    elif not await asyncio.to_thread(verify_password, user.password_hash, password):
        raise InvalidInput("password", N_("is not the password of your account"))
    await grant_role(session, user, association, Role(link.role))
    link.used_at = datetime.now(UTC)
    await session.flush()
    return user, association


async def pending_invitations(session: AsyncSession, association: Actor) -> list[AccountLink]:
    now = datetime.now(UTC)
    rows = await session.scalars(
        select(AccountLink)
        .where(
            AccountLink.actor_id == association.id,
            AccountLink.purpose == LinkPurpose.INVITE,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .order_by(AccountLink.id.desc())
    )
    return list(rows)

"""Users of the node and their roles in associations."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import AlreadyExists, InvalidInput, NotFound
from migrantnet.content.passwords import hash_password, verify_password
from migrantnet.models import Actor, Membership, Role, User
from migrantnet.translations import N_

# Deliberately loose: the only real check of an address is a mail that arrives.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidInput("email", N_("%(email)s is not an e-mail address"), email=repr(email))
    return email


async def create_user(
    session: AsyncSession, *, email: str, password: str, is_admin: bool = False
) -> User:
    email = check_email(email)
    password_hash = hash_password(password)
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AlreadyExists(f"a user with e-mail {email!r} already exists")
    user = User(email=email, password_hash=password_hash, is_admin=is_admin)
    session.add(user)
    await session.flush()
    return user


async def get_user_by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user with e-mail {email!r}")
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not verify_password(user.password_hash, password):
        return None
    return user


async def grant_role(session: AsyncSession, user: User, actor: Actor, role: Role) -> Membership:
    membership = await session.get(Membership, (user.id, actor.id))
    if membership is None:
        membership = Membership(user_id=user.id, actor_id=actor.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    await session.flush()
    return membership


async def delete_user(session: AsyncSession, user: User) -> None:
    """Delete a person's account: their sessions, tokens and roles go with it (the audit
    trail keeps the e-mail under which they acted). The last node admin cannot be deleted,
    or nobody could manage the node from the web."""
    if user.is_admin:
        admins = await session.scalar(
            select(func.count(User.id)).where(User.is_admin.is_(True), User.id != user.id)
        )
        if not admins:
            raise InvalidInput("email", N_("%(email)s is the node's last admin"), email=user.email)
    await session.delete(user)
    await session.flush()

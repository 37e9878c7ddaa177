"""Who is calling the API (`Authorization: Bearer <token>`) and what they may do where.

Roles per association: owners and editors publish and edit; moderators may delete; a node
admin may act for any association of the node.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import get_association
from migrantnet.content.errors import Forbidden
from migrantnet.content.tokens import authenticate_token
from migrantnet.models import Actor, Membership, Role, User
from migrantnet.web.deps import SessionDep

PUBLISH_ROLES: tuple[Role, ...] = (Role.OWNER, Role.EDITOR)
DELETE_ROLES: tuple[Role, ...] = (Role.OWNER, Role.EDITOR, Role.MODERATOR)
READ_ROLES: tuple[Role, ...] = (Role.OWNER, Role.EDITOR, Role.MODERATOR)

# auto_error=False: we answer 401 ourselves (FastAPI's default is 403), and the scheme still
# appears in the OpenAPI document.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `migrantnet tokens create --email ... --name ...`.",
)


class TokenRefused(Exception):
    """No usable bearer token (401), with the challenge that says which scheme to use."""

    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        challenge = 'Bearer realm="migrantnet"'
        if error:
            challenge += f', error="{error}"'
        self.headers = {"WWW-Authenticate": challenge}


async def current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    """The user of the bearer token; 401 when it is missing, unknown or revoked."""
    if credentials is None or not credentials.credentials:
        raise TokenRefused("missing bearer token (Authorization: Bearer <token>)")
    user = await authenticate_token(session, credentials.credentials)
    if user is None:
        await session.rollback()
        raise TokenRefused("invalid or revoked token", "invalid_token")
    await session.commit()  # last_used_at; the route then runs its own transaction
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def optional_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User | None:
    """For public reads that say more to whom may know it: the token's user, None without a
    token (a wrong one is still a 401, never read as no token)."""
    if credentials is None or not credentials.credentials:
        return None
    return await current_user(session, credentials)


MaybeUser = Annotated[User | None, Depends(optional_user)]


async def require_role(
    session: AsyncSession, user: User, association_slug: str, roles: Iterable[str]
) -> Actor:
    """The association `Actor` if `user` holds one of `roles` in it (or is a node admin).

    An unknown association is `NotFound`; no such role is `Forbidden`.
    """
    actor = await get_association(session, association_slug)
    if user.is_admin:
        return actor
    membership = await session.get(Membership, (user.id, actor.id))
    allowed = {str(role) for role in roles}
    if membership is None or membership.role not in allowed:
        wanted = " or ".join(sorted(allowed))
        raise Forbidden(f"this needs the role {wanted} in {association_slug!r}")
    return actor

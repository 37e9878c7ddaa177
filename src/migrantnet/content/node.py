"""Setting a node up: the first association, its admin, the node actor; all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import (
    check_name,
    check_slug,
    create_association,
    ensure_node_actor,
    get_node_actor,
)
from migrantnet.content.errors import NodeAlreadyInitialised
from migrantnet.content.passwords import check_password_rules
from migrantnet.content.users import check_email, create_user, grant_role
from migrantnet.models import Actor, Role
from migrantnet.uris import Uris


@dataclass(frozen=True, slots=True)
class NodeSetup:
    slug: str
    name: str
    admin_email: str
    admin_password: str
    # Hold new followers of the first association until someone approves them
    # (`content.objects.OPEN_FOLLOWERS` says what auto-accepting means).
    approve_followers: bool = False

    def validated(self) -> NodeSetup:
        """Check every field before anything is written, so a bad one creates nothing."""
        check_password_rules(self.admin_password)
        return NodeSetup(
            slug=check_slug(self.slug),
            name=check_name(self.name),
            admin_email=check_email(self.admin_email),
            admin_password=self.admin_password,
            approve_followers=self.approve_followers,
        )


async def is_initialised(session: AsyncSession) -> bool:
    return await get_node_actor(session) is not None


async def initialise_node(session: AsyncSession, uris: Uris, setup: NodeSetup) -> Actor:
    """Create node actor, first association and admin in the caller's transaction."""
    setup = setup.validated()
    if await is_initialised(session):
        raise NodeAlreadyInitialised("this node is already initialised")
    await ensure_node_actor(session, uris, name=uris.host)
    association = await create_association(
        session,
        uris,
        slug=setup.slug,
        name=setup.name,
        manually_approves_followers=setup.approve_followers,
    )
    admin = await create_user(
        session, email=setup.admin_email, password=setup.admin_password, is_admin=True
    )
    await grant_role(session, admin, association, Role.OWNER)
    return association

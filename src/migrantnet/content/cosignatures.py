"""Co-signatures of declarations: who signed, added and withdrawn; idempotent both ways."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.errors import InvalidInput, NotFound
from migrantnet.models import Actor, ActorType, ContentObject, Cosignature, CosignState, Kind
from migrantnet.models.lifecycle import advance
from migrantnet.translations import N_

SIGNING_TYPES = frozenset({ActorType.ORGANIZATION, ActorType.GROUP})
MAX_TRUSTED = 200


def cosign_decision(author: Actor, signer: Actor) -> CosignState | None:
    """What a signature of `author`'s declaration by `signer` becomes: refused (None) for a
    person unless the author allows people; accepted at once for another association of this
    node or one the author trusts (its actor id or its host); else pending the author's
    approval, since a name among the signatories speaks for the author too."""
    if signer.type not in SIGNING_TYPES and not author.cosign_people:
        return None
    trusted = set(author.cosign_trusted or [])
    if signer.local or signer.ap_id in trusted or signer.domain in trusted:
        return CosignState.ACCEPTED
    return CosignState.PENDING


def set_cosign_policy(
    actor: Actor, *, people: bool | None = None, trust: list[str] | None = None
) -> None:
    """Allow people to co-sign (or not), and add actor ids or hosts to the trusted list."""
    if people is not None:
        actor.cosign_people = people
    if trust:
        for item in trust:
            if not item.strip() or len(item) > 2048 or " " in item.strip():
                raise InvalidInput(
                    "trust", N_("%(item)s is neither an actor id nor a host"), item=repr(item)
                )
        merged = list(dict.fromkeys([*(actor.cosign_trusted or []), *map(str.strip, trust)]))
        if len(merged) > MAX_TRUSTED:
            raise InvalidInput("trust", N_("at most %(limit)s trusted signers"), limit=MAX_TRUSTED)
        actor.cosign_trusted = merged


async def pending_signatures(
    session: AsyncSession, author: Actor
) -> list[tuple[Cosignature, ContentObject, Actor]]:
    rows = await session.execute(
        select(Cosignature, ContentObject, Actor)
        .join(ContentObject, ContentObject.id == Cosignature.declaration_id)
        .join(Actor, Actor.id == Cosignature.actor_id)
        .where(ContentObject.actor_id == author.id, Cosignature.state == CosignState.PENDING)
        .order_by(Cosignature.id)
    )
    return [(row, obj, signer) for row, obj, signer in rows]


async def find_pending(
    session: AsyncSession, author: Actor, declaration_url: str, signer: str
) -> tuple[Cosignature, ContentObject, Actor]:
    """A pending signature of one of `author`'s declarations, by the signer's id or handle."""
    for row, obj, actor in await pending_signatures(session, author):
        handle = f"@{actor.username}@{actor.domain}"
        if obj.ap_id == declaration_url and signer in (actor.ap_id, handle, handle[1:]):
            return row, obj, actor
    raise NotFound(f"no pending signature of {declaration_url} by {signer}")


def approve(row: Cosignature) -> None:
    advance(row, CosignState.ACCEPTED)


async def discard_pending(session: AsyncSession, row: Cosignature) -> None:
    """A pending signature the author refused: it goes, as if never asked (the signer may ask
    again); an accepted one is withdrawn by its signer, not refused here."""
    if row.state != CosignState.PENDING:
        raise InvalidInput("signature", N_("only a signature waiting for approval can be refused"))
    await session.execute(delete(Cosignature).where(Cosignature.id == row.id))


def check_declaration(obj: ContentObject | None, url: str) -> ContentObject:
    if obj is None or obj.deleted_at is not None or obj.kind != Kind.DECLARATION:
        raise InvalidInput(
            "declaration", N_("%(url)s is not a declaration that can be signed"), url=url
        )
    return obj


async def add_signature(
    session: AsyncSession,
    declaration: ContentObject,
    signer: Actor,
    ap_id: str,
    *,
    state: CosignState = CosignState.ACCEPTED,
) -> bool:
    """True when the signature is new; a repeated one changes nothing."""
    if signer.id == declaration.actor_id:
        raise InvalidInput("association", N_("the authors of a declaration already sign it"))
    existing = await session.scalar(
        select(Cosignature).where(
            Cosignature.declaration_id == declaration.id, Cosignature.actor_id == signer.id
        )
    )
    if existing is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                Cosignature(
                    declaration_id=declaration.id, actor_id=signer.id, ap_id=ap_id, state=state
                )
            )
    except IntegrityError:
        return False
    return True


async def remove_signature(
    session: AsyncSession, declaration: ContentObject, signer: Actor
) -> Cosignature | None:
    row = await session.scalar(
        select(Cosignature).where(
            Cosignature.declaration_id == declaration.id, Cosignature.actor_id == signer.id
        )
    )
    if row is not None:
        await session.execute(delete(Cosignature).where(Cosignature.id == row.id))
    return row

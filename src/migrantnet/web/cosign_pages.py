"""Co-signing declarations from the browser, and the node's `/authorize_interaction`.

An editor pastes a declaration's address (ours or another node's) and the association signs
it; the signatures given can be withdrawn. The association's admins see the signatures of its
declarations that other servers' actors asked for (`/admin/{slug}/signatures`) and accept or
refuse each, as `migrantnet signatures approve|reject` does. `/authorize_interaction?uri=...`
is where the subscribe template of our WebFinger sends someone who pressed "Follow" or
"Interact" elsewhere: signed in here, they choose which of their associations follows or
co-signs.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.cosignatures import pending_signatures
from migrantnet.content.errors import ContentError, NotFound, shown
from migrantnet.federation.actors import ActorUnavailable
from migrantnet.federation.cosigning import (
    approve_cosignature,
    declaration_to_sign,
    reject_cosignature,
    sign_declaration,
    withdraw_cosignature,
)
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.fetch import FetchError
from migrantnet.models import Actor, ContentObject, Cosignature, Role
from migrantnet.translations import N_, gettext
from migrantnet.uris.interface import (
    ADMIN_COSIGN_PATH,
    ADMIN_COSIGN_WITHDRAW_PATH,
    ADMIN_SIGNATURE_DECISION_PATH,
    ADMIN_SIGNATURES_PATH,
    fill,
)
from migrantnet.uris.paths import AUTHORIZE_INTERACTION_PATH
from migrantnet.web.admin_pages import my_associations
from migrantnet.web.auth import PUBLISH_ROLES, require_role
from migrantnet.web.decisions import GONE, decided
from migrantnet.web.deps import SessionDep
from migrantnet.web.drafts import headline
from migrantnet.web.errors import form_status
from migrantnet.web.forms import read_form, text_field
from migrantnet.web.rendering import render, see_other
from migrantnet.web.sessions import SignedIn, SignedInDep, Visitor

router = APIRouter(include_in_schema=False)
DONE = {"signed": N_("Signed. The authors' node is told."), "withdrawn": N_("Signature withdrawn.")}
DECIDED = {
    "approved": N_("Accepted: it is among the signatories, and the signer's server is told."),
    "rejected": N_("Refused: the signer's server is told, and the signatories do not change."),
    GONE: N_("This signature is no longer waiting: it was already decided."),
}


async def _signed(session: AsyncSession, actor: Actor) -> list[tuple[ContentObject, str]]:
    rows = await session.scalars(
        select(ContentObject)
        .join(Cosignature, Cosignature.declaration_id == ContentObject.id)
        .where(Cosignature.actor_id == actor.id)
        .order_by(Cosignature.id.desc())
    )
    return [(obj, headline(obj)) for obj in rows]


async def _page(
    request: Request,
    visitor: Visitor,
    session: AsyncSession,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    return render(
        request,
        visitor,
        "admin/cosign.html",
        {
            "association": actor,
            "signed": await _signed(session, actor),
            "errors": errors or {},
            "values": values or {},
            "done": DONE.get(done or ""),
        },
        status_code=form_status(errors),
    )


async def _editor_of(session: AsyncSession, visitor: SignedIn, slug: str) -> Actor:
    return await require_role(session, visitor.user, slug, PUBLISH_ROLES)


@router.get(ADMIN_COSIGN_PATH)
async def cosign_form(
    slug: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    done: str | None = None,
    url: str | None = None,
) -> Response:
    actor = await _editor_of(session, visitor, slug)
    return await _page(request, visitor, session, actor, done=done, values={"url": url or ""})


@router.post(ADMIN_COSIGN_PATH)
async def cosign(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    actor = await _editor_of(session, visitor, slug)
    url = text_field(form, "url").strip()
    try:
        if not url.startswith(("http://", "https://")):
            raise ContentError(
                gettext("Give the address of the declaration, starting with https://")
            )
        declaration = await declaration_to_sign(session, fed, url)  # fetched before writing
        async with session.begin_nested():
            await sign_declaration(session, fed, actor, declaration, url)
    except (ContentError, ActorUnavailable, FetchError) as exc:
        message = shown(exc)
        return await _page(
            request, visitor, session, actor, errors={"url": message}, values={"url": url}
        )
    await session.commit()
    fed.wakeup.set()
    return see_other(fill(ADMIN_COSIGN_PATH, slug=slug) + "?done=signed")


@router.post(ADMIN_COSIGN_WITHDRAW_PATH)
async def withdraw(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, fed: FederationDep
) -> Response:
    form = await read_form(request, visitor)
    actor = await _editor_of(session, visitor, slug)
    await withdraw_cosignature(session, fed, actor, text_field(form, "url"))
    await session.commit()
    fed.wakeup.set()
    return see_other(fill(ADMIN_COSIGN_PATH, slug=slug) + "?done=withdrawn")


async def _owner_of(session: AsyncSession, visitor: SignedIn, slug: str) -> Actor:
    return await require_role(session, visitor.user, slug, (Role.OWNER,))


@router.get(ADMIN_SIGNATURES_PATH)
async def signatures_page(
    slug: str, request: Request, visitor: SignedInDep, session: SessionDep, done: str = ""
) -> Response:
    """The signatures of our declarations waiting for an admin's decision, oldest first."""
    actor = await _owner_of(session, visitor, slug)
    pending = [
        (declaration, headline(declaration), signer)
        for _row, declaration, signer in await pending_signatures(session, actor)
    ]
    return render(
        request,
        visitor,
        "admin/signatures.html",
        {"association": actor, "pending": pending, "done": DECIDED.get(done)},
    )


@router.post(ADMIN_SIGNATURE_DECISION_PATH)
async def decide_signature(
    slug: str,
    decision: str,
    request: Request,
    visitor: SignedInDep,
    session: SessionDep,
    fed: FederationDep,
) -> Response:
    form = await read_form(request, visitor)
    actor = await _owner_of(session, visitor, slug)
    declaration, signer = text_field(form, "declaration"), text_field(form, "signer")
    decide = {"approve": approve_cosignature, "reject": reject_cosignature}.get(decision)
    if decide is None:
        raise NotFound(f"no decision {decision!r}: approve or reject")
    return await decided(
        session,
        fill(ADMIN_SIGNATURES_PATH, slug=slug),
        "approved" if decision == "approve" else "rejected",
        decide(session, fed, actor, declaration, signer),
        fed=fed,
    )


@router.get(AUTHORIZE_INTERACTION_PATH)
async def authorize_interaction(
    request: Request, visitor: SignedInDep, session: SessionDep, uri: str = ""
) -> Response:
    """Follow or co-sign what `uri` names, as one of the signed-in person's associations."""
    target = uri.strip().removeprefix("acct:")
    if target and not target.startswith(("http://", "https://", "@")):
        target = f"@{target}"
    return render(
        request,
        visitor,
        "admin/authorize_interaction.html",
        {
            "uri": target,
            "associations": await my_associations(session, visitor.user),
            "is_url": target.startswith(("http://", "https://")),
        },
    )

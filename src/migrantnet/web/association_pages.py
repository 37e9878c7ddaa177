"""The pages under `/@slug`: an association and its objects.

HTML for browsers, ActivityStreams for servers, at the same URL (by `Accept`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.agenda import agenda_page
from migrantnet.content.agenda_filters import AgendaFilter
from migrantnet.content.associations import get_association
from migrantnet.content.details import ObjectDetails, load_details, load_kind_rows
from migrantnet.content.errors import Gone, NotFound
from migrantnet.content.group_thread_listing import list_threads
from migrantnet.content.groups import is_group, member_count
from migrantnet.content.listing import Cursor, public_counts, section
from migrantnet.content.replies import thread
from migrantnet.content.struggles import struggle_timeline
from migrantnet.federation.context import AS_CONTEXT, wants_activity_json
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.rendered import cached
from migrantnet.federation.responses import ActivityJSONResponse
from migrantnet.federation.serialize.actor import actor_to_ap
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.models import Actor, ContentObject, Event, Kind, Membership, Visibility
from migrantnet.translations import gettext, interface_language
from migrantnet.uris import Uris
from migrantnet.uris.paths import ACTOR_PATH, OBJECT_PATH
from migrantnet.web.agenda_query import reader_zone
from migrantnet.web.deps import SessionDep, SettingsDep, TemplatesDep, UrisDep
from migrantnet.web.errors import status_for
from migrantnet.web.i18n import accepted_languages, wanted_languages
from migrantnet.web.rendering import see_other
from migrantnet.web.reply_pages import reply_buttons
from migrantnet.web.sessions import Visitor, VisitorDep
from migrantnet.web.views.agenda import days_view
from migrantnet.web.views.group_threads import links_of, thread_items
from migrantnet.web.views.items import item_view, section_view
from migrantnet.web.views.kinds import KIND_VIEWS, kind_order, kind_plural
from migrantnet.web.views.object_page import object_page_view
from migrantnet.web.views.parts import Related, actor_view
from migrantnet.web.views.replies import thread_view

router = APIRouter()
PAGE_SIZE = 20


@router.get(ACTOR_PATH)
async def association_page(
    slug: str,
    request: Request,
    session: SessionDep,
    uris: UrisDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    fed: FederationDep,
    kind: str | None = None,
    before: str | None = None,
) -> Response:
    if wants_activity_json(request.headers.get("accept")):

        async def build() -> Response:
            return ActivityJSONResponse(actor_to_ap(await get_association(session, slug), uris))

        return await cached(fed.rendered, f"actor:{slug}", build)
    actor = await get_association(session, slug)
    if actor.moved_to:
        return see_other(actor.moved_to)  # it moved to another node: its page is there now
    if kind is not None and kind not in KIND_VIEWS:
        raise NotFound(f"no kind of content named {kind!r}")
    cursor = Cursor.parse(before) if kind is not None and before is not None else None
    counts = await public_counts(session, actor)
    kinds = [kind] if kind is not None else [k for k in kind_order() if counts.get(k)]
    wanted = accepted_languages(request.headers.get("accept-language"))
    sections = []
    for section_kind in kinds:
        # One index walk per kind (at most six); `+ 1` tells whether an older page exists.
        objects = await section(session, actor, section_kind, cursor, PAGE_SIZE + 1)
        page = objects[:PAGE_SIZE]
        rows = await load_kind_rows(session, page)
        sections.append(
            section_view(
                section_kind,
                slug,
                counts.get(section_kind, 0),
                [item_view(obj, wanted, rows.get(obj.id)) for obj in page],
                Cursor.after(page[-1]).encode() if len(objects) > PAGE_SIZE else None,
            )
        )
    group = await _group_view(request, session, actor, wanted) if kind is None else None
    response = templates.TemplateResponse(
        request,
        "association.html",
        {
            "actor": actor_view(actor, settings.domain),
            "group": group,
            "sections": sections,
            "kind": kind,
            "kind_heading": kind_plural(kind) if kind is not None else None,
            "paged": kind is not None and before is not None,
            "domain": settings.domain,
            "noindex": not actor.discoverable,
        },
    )
    response.headers["Vary"] = "Accept, Accept-Language"
    return _robots(response, actor)


GROUP_AGENDA_SIZE = 20
GROUP_THREADS = 5  # the newest discussions; all of them on the group's threads page


async def _group_view(
    request: Request, session: AsyncSession, actor: Actor, wanted: list[str]
) -> dict[str, Any] | None:
    """A group's page says it is one, how many members it has, and shows its shared
    agenda: the events its members posted to it (not those its moderators hid), and its
    newest discussions."""
    if not is_group(actor):
        return None
    zone, _chosen = reader_zone(request)
    filters = AgendaFilter(group=actor.ap_id)
    page = await agenda_page(session, filters, datetime.now(UTC), limit=GROUP_AGENDA_SIZE)
    language = interface_language()
    return {
        "members": await member_count(session, actor),
        "approves": actor.manually_approves_followers,
        "under_way": days_view(page.under_way, zone, wanted, language),
        "days": days_view(page.entries, zone, wanted, language),
        "agenda_url": Uris.agenda_path("?" + urlencode({"group": actor.ap_id})),
        "threads": thread_items(
            links_of(actor), await list_threads(session, actor, limit=GROUP_THREADS), wanted
        ),
        "threads_url": Uris.group_threads_path(actor.slug or ""),
    }


@router.get(OBJECT_PATH)
async def object_page(
    slug: str,
    public_id: str,
    request: Request,
    session: SessionDep,
    uris: UrisDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    fed: FederationDep,
    visitor: VisitorDep,
) -> Response:
    if wants_activity_json(request.headers.get("accept")):

        async def build() -> Response:
            return await _object_json(session, uris, slug, public_id)

        return await cached(fed.rendered, f"object:{slug}/{public_id}", build)
    actor, obj = await _find_object(session, uris, slug, public_id)
    if obj.deleted_at is not None:
        raise Gone(gettext("This was deleted by its author."))
    details = await load_details(session, obj, actor)
    wanted = wanted_languages(
        request.headers.get("accept-language"), request.query_params.get("lang")
    )
    related = await _related(session, details)
    related.exact_address = await is_member(session, visitor, actor)
    buttons = await reply_buttons(session, visitor, obj)
    response = templates.TemplateResponse(
        request,
        "object.html",
        {
            "actor": actor_view(actor, settings.domain),
            "object": object_page_view(details, wanted, related),
            "thread": thread_view(await thread(session, obj.ap_id), obj.ap_id, wanted),
            "reply_buttons": buttons,
            "domain": settings.domain,
            "noindex": not actor.discoverable or obj.noindex,
        },
    )
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    if related.exact_address or buttons:
        response.headers["Cache-Control"] = "private, no-store"
    return _robots(response, actor, noindex=obj.noindex)


async def is_member(session: AsyncSession, visitor: Visitor, actor: Actor) -> bool:
    """The signed-in reader holds a role in the association (or administers the node)."""
    user = visitor.user
    if user is None:
        return False
    return user.is_admin or await session.get(Membership, (user.id, actor.id)) is not None


def _robots(response: Response, actor: Actor, *, noindex: bool = False) -> Response:
    """An association that chose not to be indexed, or a sensitive item (`noindex`), says so
    in the header too (for crawlers that read no HTML)."""
    if not actor.discoverable or noindex:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


async def _find_object(
    session: AsyncSession, uris: Uris, slug: str, public_id: str
) -> tuple[Actor, ContentObject]:
    actor = await get_association(session, slug)
    obj = await session.scalar(
        select(ContentObject).where(
            ContentObject.ap_id == uris.object(slug, public_id),
            ContentObject.actor_id == actor.id,
        )
    )
    if obj is None or obj.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
        raise NotFound("no such page")
    return actor, obj


async def _object_json(session: AsyncSession, uris: Uris, slug: str, public_id: str) -> Response:
    actor, obj = await _find_object(session, uris, slug, public_id)
    if obj.deleted_at is not None:
        tombstone = {"@context": AS_CONTEXT, "id": obj.ap_id, "type": "Tombstone"}
        # A document, not an error: kept rendered like the object it replaces.
        return ActivityJSONResponse(tombstone, status_code=status_for(Gone))
    return ActivityJSONResponse(object_to_ap(await load_details(session, obj, actor), uris))


async def _related(session: AsyncSession, details: ObjectDetails) -> Related:
    """Organizers' names, the struggle a practice or event belongs to, a struggle's timeline."""
    obj, related = details.obj, Related()
    event = details.row_as(Event)
    if event is not None and event.organizers:
        related.organizers = list(
            await session.scalars(
                select(Actor).where(Actor.ap_id.in_(event.organizers), Actor.deleted_at.is_(None))
            )
        )
    if obj.struggle_ap_id:
        related.struggle = await session.scalar(
            select(ContentObject).where(
                ContentObject.ap_id == obj.struggle_ap_id,
                ContentObject.deleted_at.is_(None),
                ContentObject.visibility.in_((Visibility.PUBLIC, Visibility.UNLISTED)),
            )
        )
    if obj.in_reply_to:
        answered = (
            await session.execute(
                select(ContentObject, Actor)
                .join(Actor, Actor.id == ContentObject.actor_id)
                .where(ContentObject.ap_id == obj.in_reply_to, ContentObject.deleted_at.is_(None))
            )
        ).first()
        related.answered = (answered[0], answered[1]) if answered is not None else None
    if obj.kind == Kind.STRUGGLE:
        related.timeline = [
            item
            for item in await struggle_timeline(session, obj)
            if item.local and item.actor_id == obj.actor_id
        ]
        related.timeline_rows = await load_kind_rows(session, related.timeline)
    return related

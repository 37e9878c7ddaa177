"""A remote ActivityPub `Event` an association adds to the agenda by its URL.

Fetched like an object a followed actor announces: signed as the node, through the safe
client, kept under its author only when the author is on the object's own host and it is
public. The worker fetches it again on the feeds' schedule, so it follows edits at its origin;
gone there (404, 410, a Tombstone) it is removed. A failed fetch is recorded on the import and
changes nothing else.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.content.associations import get_association
from migrantnet.content.errors import InvalidInput
from migrantnet.content.remote import delete_remote_object, find_object, store_remote_object
from migrantnet.federation.actors import (
    ActorUnavailable,
    get_or_fetch_actor,
    host_of,
    node_signer,
)
from migrantnet.federation.fetch import FetchError, HTTPStatusError
from migrantnet.federation.handlers.objects import is_own_public_object, to_remote_data
from migrantnet.federation.normalize import type_names
from migrantnet.federation.parse import ParseError
from migrantnet.federation.parse.content import ap_to_content
from migrantnet.federation.service import Federation
from migrantnet.logs import log_event
from migrantnet.models import Actor, AgendaImport, ContentObject, Kind
from migrantnet.translations import N_

logger = logging.getLogger(__name__)

IMPORTS_PER_PASS = 50


class Gone(Exception):
    """The event was deleted at its origin."""


async def _fetch_event(session: AsyncSession, fed: Federation, url: str) -> ContentObject:
    """Fetch and store (or update) a public remote Event; `InvalidInput` says why not."""
    try:
        doc = await fed.client.get_json(url, sign=await node_signer(session, fed))
    except HTTPStatusError as exc:
        if exc.status in (404, 410):
            raise Gone(url) from None
        raise InvalidInput(
            "url", N_("the event's server answered HTTP %(status)s"), status=exc.status
        ) from None
    except FetchError as exc:
        raise InvalidInput(
            "url", N_("the event could not be fetched: %(reason)s"), reason=exc.message
        ) from None
    if "Tombstone" in type_names(doc):
        raise Gone(url)
    try:
        content = ap_to_content(doc)
    except ParseError as exc:
        raise InvalidInput(
            "url", N_("this is not an event we can read: %(exc)s"), exc=exc
        ) from None
    author_id = content.obj.attributed_to
    if author_id is None or not is_own_public_object(content, url):
        raise InvalidInput("url", N_("this is not a public event of its own server"))
    try:
        author = await get_or_fetch_actor(session, fed, author_id)
    except ActorUnavailable as exc:
        raise InvalidInput(
            "url", N_("the event's organiser cannot be fetched: %(exc)s"), exc=exc
        ) from None
    data = to_remote_data(content, author, fed.now())
    if data.kind != Kind.EVENT:
        raise InvalidInput("url", N_("this is not an Event"))
    stored = await store_remote_object(session, author, data)
    if stored is None:
        raise InvalidInput("url", N_("this event was deleted, or is one of ours"))
    return stored


async def import_event(fed: Federation, association_slug: str, url: str) -> ContentObject:
    """Add a remote event to the agenda for one of our associations (already there: fetched
    again)."""
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2048:
        raise InvalidInput("url", N_("give the http(s) address of an event"))
    if fed.uris.is_local(url):
        raise InvalidInput("url", N_("this event is already on this node"))
    async with fed.db.session(write=True) as session, session.begin():
        association = await get_association(session, association_slug)
        try:
            obj = await _fetch_event(session, fed, url)
        except Gone:
            raise InvalidInput("url", N_("there is no event at this address")) from None
        row = await session.scalar(
            select(AgendaImport).where(
                AgendaImport.association_id == association.id, AgendaImport.object_ap_id == url
            )
        )
        if row is None:
            row = AgendaImport(association_id=association.id, object_ap_id=url)
            session.add(row)
        row.fetched_at, row.error = fed.now(), None
        return obj


async def refresh_import(fed: Federation, url: str) -> str | None:
    """Fetch one imported event again; its error, if any (recorded on its imports)."""
    now = fed.now()
    async with fed.db.session(write=True) as session, session.begin():
        rows = list(
            await session.scalars(select(AgendaImport).where(AgendaImport.object_ap_id == url))
        )
        error = None
        try:
            await _fetch_event(session, fed, url)
        except Gone:
            obj = await find_object(session, url)
            author = await session.get(Actor, obj.actor_id) if obj is not None else None
            if obj is not None and author is not None:
                await delete_remote_object(session, author, url, now)
            error = "the event was deleted at its origin"
        except InvalidInput as exc:
            error = exc.message
        for row in rows:
            row.fetched_at, row.error = now, error[:1000] if error else None
    if error is not None:
        log_event(logger, "event_import_failed", domain=host_of(url))
    return error


async def refresh_imports_due(fed: Federation, now: datetime) -> int:
    due_before = now - timedelta(minutes=fed.settings.ics_refresh_minutes)
    async with fed.db.session() as session:
        urls = list(
            await session.scalars(
                select(AgendaImport.object_ap_id)
                .where(or_(AgendaImport.fetched_at.is_(None), AgendaImport.fetched_at < due_before))
                .group_by(AgendaImport.object_ap_id)
                .order_by(AgendaImport.object_ap_id)
                .limit(IMPORTS_PER_PASS)
            )
        )
    for url in urls:
        await refresh_import(fed, url)
    return len(urls)

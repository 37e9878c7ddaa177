"""Sensitive items: an event or struggle kept out of search engines, the node's search, feeds
and anonymous calendar feeds (`noindex`), and an event whose exact address only members and,
when followers-only, followers get (`hide_address`); the public gets the town."""

from __future__ import annotations

from datetime import datetime

import httpx
from browser_forms import HTML
from sqlalchemy import select
from test_authoring_pages import EVENT, NEW, post_form

from migrantnet.content.details import load_details
from migrantnet.content.events import EVENT as EVENT_SPEC
from migrantnet.content.events import EventInput, PlaceInput, publish_event
from migrantnet.content.objects import publish_kind
from migrantnet.content.publishing import NoFederation
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.federation.parse import parse_object
from migrantnet.federation.serialize.objects import object_to_ap
from migrantnet.models import Actor, ContentObject, Event, Visibility
from migrantnet.uris import Uris

AP_JSON = {"Accept": "application/activity+json"}
STREET = "Calle Defensa 1234"
SENSITIVE = {
    **EVENT,
    "title.en": "Sanctuary gathering",
    "place.name": "Hidden church hall",
    "place.street": STREET,
    "place.postal_code": "C1065",
    "noindex": "1",
    "hide_address": "1",
}
OPEN = {**EVENT, "title.en": "Open assembly"}
EVENT_START, EVENT_END = datetime(2027, 5, 1, 18), datetime(2027, 5, 1, 20)


async def _published(db: Database, title: str) -> tuple[ContentObject, Event]:
    async with db.session() as session:
        objects = await session.scalars(select(ContentObject))
        (obj,) = [item for item in objects if item.name_map.get("en") == title]
        event = await session.get(Event, obj.id)
        assert event is not None
        return obj, event


async def test_a_sensitive_event_from_the_form_stays_out_of_search_feeds_and_gives_the_town(
    editor: httpx.AsyncClient, app_client: httpx.AsyncClient, db: Database
) -> None:
    form = await editor.get(f"{NEW}/event", headers=HTML)
    assert 'name="noindex" type="checkbox"' in form.text
    assert 'name="hide_address" type="checkbox"' in form.text
    # Hiding the address needs the town: it is what everyone else sees.
    townless = {**SENSITIVE, "place.locality": "", "action": "publish"}
    refused = await post_form(editor, f"{NEW}/event", townless)
    assert refused.status_code == 422 and 'id="e-place.locality"' in refused.text
    for data in (SENSITIVE, OPEN):
        done = await post_form(editor, f"{NEW}/event", {**data, "action": "publish"})
        assert done.status_code == 303, done.text
    obj, event = await _published(db, "Sanctuary gathering")
    assert obj.noindex and event.hide_address and event.street == STREET
    other, _ = await _published(db, "Open assembly")
    assert not other.noindex

    # The public page: noindex (meta and header), the town, not the exact place.
    public = await app_client.get(obj.url, headers=HTML)
    assert public.status_code == 200
    assert '<meta name="robots" content="noindex">' in public.text
    assert public.headers["x-robots-tag"] == "noindex"
    assert "Buenos Aires" in public.text
    for secret in (STREET, "Hidden church hall", "C1065"):
        assert secret not in public.text
    assert "noindex" not in (await app_client.get(other.url, headers=HTML)).text

    # A member of the association sees the exact place, in a copy no cache keeps.
    member = await editor.get(obj.url, headers=HTML)
    assert STREET in member.text and "Hidden church hall" in member.text
    assert "no-store" in member.headers["cache-control"]

    # The public ActivityPub object: told not to be indexed, the town only.
    doc = (await app_client.get(obj.ap_id, headers=AP_JSON)).json()
    assert doc["indexable"] is False and doc["searchableBy"] == [doc["attributedTo"]]
    assert doc["location"]["name"] == "Buenos Aires"
    assert "streetAddress" not in doc["location"]["address"]
    assert "latitude" not in doc["location"]
    assert STREET not in str(doc) and "Hidden church hall" not in str(doc)
    open_doc = (await app_client.get(other.ap_id, headers=AP_JSON)).json()
    assert "indexable" not in open_doc and "searchableBy" not in open_doc

    # The node's search, its feeds, its anonymous calendar feeds leave it out.
    found = await app_client.get("/search?q=assembly", headers=HTML)
    assert "Open assembly" in found.text
    assert "Sanctuary" not in (await app_client.get("/search?q=sanctuary", headers=HTML)).text
    api = (await app_client.get("/api/v1/search?q=sanctuary")).json()
    assert "Sanctuary" not in str(api)
    for feed in ("/@tunis_migrants/feed.atom", "/@tunis_migrants/feed.rss"):
        text = (await app_client.get(feed)).text
        assert "Open assembly" in text and "Sanctuary" not in text
    for calendar in ("/agenda.ics", "/@tunis_migrants/agenda.ics"):
        anonymous = await app_client.get(calendar)
        assert "Open assembly" in anonymous.text and "Sanctuary" not in anonymous.text
        signed_in = await editor.get(calendar)
        assert "Sanctuary gathering" in signed_in.text and STREET not in signed_in.text
        assert signed_in.headers["cache-control"].startswith("private")

    # The public agenda lists it, with the town only (HTML and API).
    agenda = await app_client.get("/agenda?from=2027-12-01", headers=HTML)
    assert "Sanctuary gathering" in agenda.text and "Hidden church hall" not in agenda.text
    listed = (await app_client.get("/api/v1/agenda?from=2027-12-01")).json()
    assert STREET not in str(listed) and "Hidden church hall" not in str(listed)

    # Editing keeps the choices ticked; unticking them makes it an ordinary event.
    public_id = obj.ap_id.rsplit("/", 1)[-1]
    edit = f"/admin/tunis_migrants/content/{public_id}/edit"
    page = await editor.get(edit, headers=HTML)
    assert 'name="noindex" type="checkbox" value="1" checked' in page.text
    assert 'name="hide_address" type="checkbox" value="1" checked' in page.text
    plain = {k: v for k, v in SENSITIVE.items() if k not in ("noindex", "hide_address")}
    saved = await post_form(editor, edit, {**plain, "action": "publish"})
    assert saved.status_code == 303, saved.text
    obj, event = await _published(db, "Sanctuary gathering")
    assert not obj.noindex and not event.hide_address
    assert STREET in (await app_client.get(obj.url, headers=HTML)).text


async def test_only_a_followers_only_copy_carries_the_exact_address(
    db: Database, uris: Uris, association: Actor
) -> None:
    def data(visibility: str) -> EventInput:
        return EventInput(
            texts=TextsInput(title={"en": f"Meeting {visibility}"}),
            starts=EVENT_START,
            ends=EVENT_END,
            timezone="Europe/Rome",
            place=PlaceInput(name="Casa", street="Via Roma 1", locality="Palermo", country="IT"),
            hide_address=True,
            visibility=visibility,
        )

    async with db.session() as session, session.begin():
        actor = await session.get(Actor, association.id)
        assert actor is not None
        public = await publish_event(session, uris, NoFederation(), actor, data("public"))
        followers = await publish_kind(
            EVENT_SPEC,
            session,
            uris,
            NoFederation(),
            actor,
            data(Visibility.FOLLOWERS),
            followers_confirmed=True,
        )
        public_doc = object_to_ap(await load_details(session, public, actor), uris)
        followers_doc = object_to_ap(await load_details(session, followers, actor), uris)
    assert public_doc["location"]["name"] == "Palermo" and "Via Roma" not in str(public_doc)
    assert "Palermo" in public_doc["summary"] and "Casa" not in public_doc["summary"]
    assert followers_doc["location"]["name"] == "Casa"
    assert followers_doc["location"]["address"]["streetAddress"] == "Via Roma 1"
    assert public_doc["isOnline"] is False


def test_a_peers_marker_is_honoured() -> None:
    base = {"id": "https://peer.example/o/1", "type": "Note", "content": "hi"}
    assert parse_object({**base, "indexable": False}).noindex
    assert parse_object({**base, "searchableBy": ["https://peer.example/u/a"]}).noindex
    assert not parse_object({**base, "searchableBy": "as:Public"}).noindex
    assert not parse_object(base).noindex

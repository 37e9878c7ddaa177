"""Imported calendars from the browser: an editor subscribes to a partner's .ics feed and adds
a remote event by its address, sees both listed and in the agenda, and removes them; a bad
address comes back beside its field with what was typed, nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
from browser_forms import HTML, submit
from federation_peer import RemoteActor, rows
from test_ics_import import IcsServer, calendar, ics_server, vevent  # noqa: F401

from migrantnet.db import Database
from migrantnet.models import AgendaImport, IcsSubscription

PAGE = "/admin/tunis_migrants/agenda/imports"


async def test_an_editor_imports_a_feed_and_an_event_then_removes_them(
    admin: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    db: Database,
    ics_server: IcsServer,  # noqa: F811
    remote_actor: RemoteActor,
) -> None:
    dashboard = await admin.get("/admin/tunis_migrants", headers=HTML)
    assert f'href="{PAGE}"' in dashboard.text
    empty = await admin.get(PAGE, headers=HTML)
    assert empty.status_code == 200
    assert 'dir="ltr" inputmode="url"' in empty.text  # the fields' attributes, unescaped
    assert "No feed yet." in empty.text and "No event added yet." in empty.text

    ics_server.served.body = calendar(vevent("desk-1", "Sportello legale"))
    subscribed = await submit(admin, PAGE, f"{PAGE}/feeds", {"feed": ics_server.url})
    assert subscribed.status_code == 303, subscribed.text
    listed = await admin.get(f"{PAGE}?done=subscribed", headers=HTML)
    assert ics_server.url in listed.text and "1 event" in listed.text
    assert "Subscribed: its events are in the agenda" in listed.text
    assert "Sportello legale" in (await app_client.get("/agenda")).text

    event_id = remote_actor.new_id("events")
    doc: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": event_id,
        "type": "Event",
        "attributedTo": remote_actor.actor_id,
        "name": "Marcha en Buenos Aires",
        "startTime": "2030-06-01T18:00:00-03:00",
        "timezone": "America/Argentina/Buenos_Aires",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    remote_actor.server.serve(event_id, doc)
    added = await submit(admin, PAGE, f"{PAGE}/events", {"event": event_id})
    assert added.status_code == 303, added.text
    page = await admin.get(PAGE, headers=HTML)
    assert "Marcha en Buenos Aires" in page.text
    assert "Marcha en Buenos Aires" in (await app_client.get("/agenda")).text

    removed = await submit(admin, PAGE, f"{PAGE}/events/remove", {"event": event_id})
    assert removed.headers["location"].endswith("done=removed")
    assert await rows(db, AgendaImport) == []
    assert "Marcha en Buenos Aires" not in (await app_client.get("/agenda")).text
    gone = await submit(admin, PAGE, f"{PAGE}/feeds/remove", {"feed": ics_server.url})
    assert gone.headers["location"].endswith("done=unsubscribed")
    assert await rows(db, IcsSubscription) == []
    assert "Sportello legale" not in (await app_client.get("/agenda")).text


async def test_bad_addresses_come_back_beside_their_field(
    admin: httpx.AsyncClient,
    db: Database,
    ics_server: IcsServer,  # noqa: F811
    remote_actor: RemoteActor,
) -> None:
    refused = await submit(admin, PAGE, f"{PAGE}/feeds", {"feed": "ftp://calendar.example/x"})
    assert refused.status_code == 422
    assert 'id="e-feed"' in refused.text and 'value="ftp://calendar.example/x"' in refused.text
    assert await rows(db, IcsSubscription) == []

    note_id = remote_actor.new_id("notes")
    remote_actor.server.serve(
        note_id,
        {
            "id": note_id,
            "type": "Note",
            "attributedTo": remote_actor.actor_id,
            "content": "hi",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    )
    not_event = await submit(admin, PAGE, f"{PAGE}/events", {"event": note_id})
    assert not_event.status_code == 422
    assert 'id="e-event"' in not_event.text and "not an Event" in not_event.text
    arabic = await submit(
        admin, f"{PAGE}?lang=ar", f"{PAGE}/events?lang=ar", {"event": "javascript:alert(1)"}
    )
    assert arabic.status_code == 422 and 'dir="rtl"' in arabic.text
    assert "javascript:alert(1)" not in arabic.text.split('id="e-event"')[1][:300]
    assert await rows(db, AgendaImport) == []

    # A feed that does not answer yet is kept, with what went wrong; the worker tries again.
    ics_server.served.status = 500
    kept = await submit(admin, PAGE, f"{PAGE}/feeds", {"feed": ics_server.url})
    assert kept.status_code == 200
    assert "could not be imported yet" in kept.text and "HTTP 500" in kept.text
    [sub] = await rows(db, IcsSubscription)
    assert sub.error == "the feed answered HTTP 500"

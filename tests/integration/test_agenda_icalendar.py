"""The iCalendar feeds, read back by two parsers: `icalendar` (which wrote them) and the
independent `ics` package (and dateutil for the series' dates): events in UTC, in
Europe/Rome and in America/Argentina/Buenos_Aires, a series across Rome's change to summer
time with one date cancelled and one moved, a cancelled event, an edit's higher SEQUENCE;
RFC 5545's folding, CRLF and plain-text descriptions; past events left out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import icalendar
import ics
import pytest
from agenda_fixtures import FED, follow, local_event, remote_event, remote_org
from dateutil.rrule import rrulestr
from sqlalchemy.ext.asyncio import AsyncSession
from test_agenda_recurrence import desk

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.events import EventInput, PlaceInput, edit_event, publish_event
from migrantnet.content.texts import TextsInput
from migrantnet.db import Database
from migrantnet.models import ContentObject, FollowState
from migrantnet.uris import Uris

ROME = ZoneInfo("Europe/Rome")
BA = "America/Argentina/Buenos_Aires"


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
            yield c


async def _world(session: AsyncSession, uris: Uris) -> dict[str, ContentObject]:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    made = {
        "utc": await local_event(
            session,
            uris,
            ours,
            "Online call",
            datetime(2030, 5, 1, 9, 0),
            zone="UTC",
            online=True,
            body="**Bring** questions & ideas",
        ),
        "rome": await local_event(session, uris, ours, "Presidio", datetime(2030, 4, 1, 18, 0)),
        "cancelled": await local_event(
            session, uris, ours, "Called off", datetime(2030, 4, 5, 18, 0), status="cancelled"
        ),
        "past": await local_event(session, uris, ours, "Long ago", datetime(2020, 4, 5, 18, 0)),
        "series": await publish_event(session, uris, FED, ours, desk()),
    }
    group = remote_org(session, "mobilizon.example", "colectivo_ba")
    await follow(session, ours, group, FollowState.ACCEPTED)
    made["ba"] = await remote_event(
        session, group, "Marcha", datetime(2030, 3, 31, 20, 0, tzinfo=UTC), number=1, zone=BA
    )
    # an edit: a later time, SEQUENCE 1
    await edit_event(
        session,
        FED,
        ours,
        made["rome"],
        EventInput(
            texts=TextsInput(title={"en": "Presidio"}),
            starts=datetime(2030, 4, 1, 18, 30),
            ends=datetime(2030, 4, 1, 20, 0),
            timezone="Europe/Rome",
            place=PlaceInput(name="Piazza Vittorio", locality="Roma", country="IT"),
        ),
    )
    await session.commit()
    return made


def _check_rfc5545_text(body: bytes) -> str:
    text = body.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines), "lines are folded at 75 octets"
    assert "\n" not in text.replace("\r\n", "")
    assert "<strong>" not in text and "<p>" not in text and "**" not in text  # plain text
    return text


async def test_the_agenda_feed_reads_back_in_two_parsers(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    made = await _world(session, uris)
    response = await client.get("/agenda.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    text = _check_rfc5545_text(response.content)

    # icalendar: UIDs, SEQUENCE, STATUS, zones
    calendar = icalendar.Calendar.from_ical(response.content)
    tzids = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert tzids == {"Europe/Rome", BA}
    events = calendar.walk("VEVENT")
    by_uid: dict[str, list[icalendar.Event]] = {}
    for event in events:
        by_uid.setdefault(str(event["UID"]), []).append(event)
    assert set(by_uid) == {made[k].ap_id for k in ("utc", "rome", "cancelled", "series", "ba")}
    presidio = by_uid[made["rome"].ap_id][0]
    assert int(presidio["SEQUENCE"]) == 1
    assert presidio.decoded("DTSTART") == datetime(2030, 4, 1, 18, 30, tzinfo=ROME)
    assert "Piazza Vittorio" in str(presidio["LOCATION"])
    assert str(by_uid[made["cancelled"].ap_id][0]["STATUS"]) == "CANCELLED"
    call = by_uid[made["utc"].ap_id][0]
    assert call["DTSTART"].to_ical() == b"20300501T090000Z"
    assert "Bring questions & ideas" in str(call["DESCRIPTION"])
    main, override = sorted(by_uid[made["series"].ap_id], key=lambda e: "RECURRENCE-ID" in e)
    assert main["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=4"
    assert override.decoded("RECURRENCE-ID") == datetime(2030, 4, 9, 18, 0, tzinfo=ROME)
    assert override.decoded("DTSTART") == datetime(2030, 4, 10, 19, 0, tzinfo=ROME)

    # ics, another parser: the same instants, in UTC, on both sides of Rome's change
    other = ics.Calendar(text)
    starts = {
        (event.uid, event.begin.to("UTC").datetime.replace(tzinfo=UTC)) for event in other.events
    }
    assert (made["rome"].ap_id, datetime(2030, 4, 1, 16, 30, tzinfo=UTC)) in starts  # CEST
    assert (made["ba"].ap_id, datetime(2030, 3, 31, 20, 0, tzinfo=UTC)) in starts  # 17:00 -03
    assert (made["utc"].ap_id, datetime(2030, 5, 1, 9, 0, tzinfo=UTC)) in starts
    assert (made["series"].ap_id, datetime(2030, 3, 26, 17, 0, tzinfo=UTC)) in starts  # CET
    assert {e.uid for e in other.events if e.status == "CANCELLED"} == {made["cancelled"].ap_id}
    assert all(e.uid != made["past"].ap_id for e in other.events)

    # the series' dates, expanded by dateutil from the lines as written (not by our code)
    block = text.split("BEGIN:VEVENT")[1:]
    (series_text,) = [b for b in block if "RRULE" in b]
    unfolded = series_text.replace("\r\n ", "")
    wanted = "\n".join(
        line for line in unfolded.split("\r\n") if line.startswith(("DTSTART", "RRULE", "EXDATE"))
    )
    dates = list(rrulestr(wanted, forceset=True))
    assert [d.astimezone(UTC) for d in dates] == [
        datetime(2030, 3, 26, 17, 0, tzinfo=UTC),  # 18:00 CET
        # 2 April cancelled
        datetime(2030, 4, 9, 16, 0, tzinfo=UTC),  # moved by its override (RECURRENCE-ID)
        datetime(2030, 4, 16, 16, 0, tzinfo=UTC),  # 18:00 CEST
    ]


async def test_sequence_rises_and_status_cancelled_after_a_cancellation(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await local_event(session, uris, ours, "Assemblea", datetime(2030, 4, 1, 18, 0))
    await session.commit()
    before = icalendar.Calendar.from_ical(
        (await client.get("/agenda/event.ics", params={"id": obj.ap_id})).content
    ).walk("VEVENT")[0]
    await edit_event(
        session,
        FED,
        ours,
        obj,
        EventInput(
            texts=TextsInput(title={"en": "Assemblea"}),
            starts=datetime(2030, 4, 1, 18, 0),
            ends=datetime(2030, 4, 1, 20, 0),
            timezone="Europe/Rome",
            place=PlaceInput(name="Casa del Popolo"),
            status="cancelled",
        ),
    )
    await session.commit()
    response = await client.get("/agenda/event.ics", params={"id": obj.ap_id})
    assert response.headers["content-disposition"].startswith("attachment")
    after = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(after["UID"]) == str(before["UID"]) == obj.ap_id
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["STATUS"]) == "CANCELLED"
    association = (await client.get("/@roma_solidale/agenda.ics")).content
    assert b"STATUS:CANCELLED" in association
    missing = await client.get("/agenda/event.ics", params={"id": "https://nowhere.example/x"})
    assert missing.status_code == 404


async def test_pages_link_their_calendars(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    obj = await local_event(session, uris, ours, "Assemblea", datetime(2030, 4, 1, 18, 0))
    await session.commit()
    page = (await client.get("/agenda", params={"tag": "diritti"})).text
    assert '<link rel="alternate" type="text/calendar"' in page
    assert 'href="/agenda.ics?tag=diritti"' in page
    assert 'href="webcal://node-a.test/agenda.ics?tag=diritti"' in page
    filtered = await client.get("/agenda.ics", params={"tag": "diritti"})
    assert b"BEGIN:VEVENT" not in filtered.content  # the filter applies to the feed
    every = (await client.get("/agenda")).text
    assert re.search(r'href="/agenda/event.ics\?id=[^"]+"', every)
    own = (await client.get(httpx.URL(obj.ap_id).path)).text
    assert 'type="text/calendar" href="/agenda/event.ics?id=' in own
    assert 'href="/@roma_solidale/agenda.ics"' in (await client.get("/@roma_solidale")).text

"""An association's Atom and RSS feeds, read back by feedparser: newest first, each entry in
its own language, one kind or all, only public objects, linked from the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest
from agenda_fixtures import FED, local_event
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.app import create_app
from migrantnet.config import Settings
from migrantnet.content.associations import create_association
from migrantnet.content.notes import publish_note
from migrantnet.db import Database
from migrantnet.uris import Uris


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, run_worker=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
            yield c


async def _items(session: AsyncSession, uris: Uris) -> dict[str, str]:
    ours = await create_association(session, uris, slug="roma_solidale", name="Roma Solidale")
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    arabic = await publish_note(
        session, uris, FED, ours, text={"ar": "اجتماع مفتوح يوم الجمعة"}, now=start
    )
    french = await publish_note(
        session,
        uris,
        FED,
        ours,
        text={"fr": "Permanence juridique **samedi**."},
        now=start + timedelta(hours=1),
    )
    hidden = await publish_note(
        session,
        uris,
        FED,
        ours,
        text={"en": "Members only."},
        visibility="followers",
        followers_confirmed=True,
        now=start + timedelta(hours=2),
    )
    event = await local_event(
        session,
        uris,
        ours,
        "Assemblea cittadina",
        datetime(2030, 4, 1, 18, 0),
        language="it",
    )
    await session.commit()
    return {"ar": arabic.ap_id, "fr": french.ap_id, "hidden": hidden.ap_id, "it": event.ap_id}


@pytest.mark.parametrize("suffix", ["atom", "rss"])
async def test_feeds_read_back_with_each_entry_in_its_language(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris, suffix: str
) -> None:
    ids = await _items(session, uris)
    response = await client.get(f"/@roma_solidale/feed.{suffix}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/atom+xml" if suffix == "atom" else "application/rss+xml"
    )
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if suffix == "atom" else "rss20")
    assert feed.feed.title == "Roma Solidale"
    entries = {entry.id: entry for entry in feed.entries}
    assert [entry.id for entry in feed.entries] == [ids["it"], ids["fr"], ids["ar"]]  # newest first
    assert ids["hidden"] not in entries
    french = entries[ids["fr"]]
    assert "<strong>samedi</strong>" in french.content[0].value
    assert french.link == ids["fr"]
    languages = {
        key: (
            entries[ids[key]].title_detail.language
            if suffix == "atom"
            else entries[ids[key]].get("language")
        )
        for key in ("ar", "fr", "it")
    }
    assert languages == {"ar": "ar", "fr": "fr", "it": "it"}
    assert entries[ids["it"]].title == "Assemblea cittadina"
    assert entries[ids["ar"]].title.startswith("اجتماع")


async def test_one_kind_only_and_the_pages_link_the_feeds(
    client: httpx.AsyncClient, session: AsyncSession, uris: Uris
) -> None:
    ids = await _items(session, uris)
    events = feedparser.parse((await client.get("/@roma_solidale/feed.atom?kind=event")).content)
    assert [entry.id for entry in events.entries] == [ids["it"]]
    assert events.feed.title == "Roma Solidale — Events"
    assert (await client.get("/@roma_solidale/feed.rss?kind=nothing")).status_code == 404
    assert (await client.get("/@nobody/feed.atom")).status_code == 404
    page = (await client.get("/@roma_solidale?kind=event")).text
    assert (
        'type="application/atom+xml"' in page
        and 'href="/@roma_solidale/feed.atom?kind=event"' in page
    )
    assert (
        'type="application/rss+xml"' in page
        and 'href="/@roma_solidale/feed.rss?kind=event"' in page
    )

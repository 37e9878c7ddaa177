"""An association's feeds: Atom (`/@slug/feed.atom`) and RSS 2.0 (`/@slug/feed.rss`), of all its
public objects or of one kind (`?kind=event`), for readers and for association websites."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import Response

from migrantnet.content.associations import get_association
from migrantnet.content.errors import NotFound
from migrantnet.content.feeds import feed_objects
from migrantnet.models import Actor
from migrantnet.uris import Uris
from migrantnet.uris.paths import ATOM_FEED_PATH, RSS_FEED_PATH
from migrantnet.web.deps import SessionDep, UrisDep
from migrantnet.web.views.kinds import KIND_VIEWS

if TYPE_CHECKING:
    from migrantnet.web.feed_export import FeedInfo

router = APIRouter(include_in_schema=False)
CACHE = "public, max-age=300"


def _export() -> ModuleType:
    """`feedgen` and `lxml` (~11 MB resident) are loaded with the first feed asked for, not by
    every web process at start-up."""
    from migrantnet.web import feed_export

    return feed_export


def _info(actor: Actor, uris: Uris, kind: str | None, suffix: str) -> FeedInfo:
    page = uris.page(actor.slug or "", kind)
    feed = uris.feed(actor.slug or "", suffix, kind)
    name = actor.name or actor.slug or ""
    title = f"{name} — {KIND_VIEWS[kind].plural}" if kind else name
    return _export().FeedInfo(title=title, page_url=page, feed_url=feed, description=name)


def _kind(kind: str | None) -> str | None:
    if kind is not None and kind not in KIND_VIEWS:
        raise NotFound(f"no kind of content named {kind!r}")
    return kind


def _labels() -> dict[str, str]:
    return {kind: view.label for kind, view in KIND_VIEWS.items()}


@router.get(ATOM_FEED_PATH)
async def atom_feed(
    slug: str, session: SessionDep, uris: UrisDep, kind: str | None = None
) -> Response:
    actor = await get_association(session, slug)
    objects = await feed_objects(session, actor, _kind(kind))
    body = _export().atom_bytes(_info(actor, uris, kind, "atom"), objects, _labels())
    return Response(body, media_type="application/atom+xml", headers={"Cache-Control": CACHE})


@router.get(RSS_FEED_PATH)
async def rss_feed(
    slug: str, session: SessionDep, uris: UrisDep, kind: str | None = None
) -> Response:
    actor = await get_association(session, slug)
    objects = await feed_objects(session, actor, _kind(kind))
    body = _export().rss_bytes(_info(actor, uris, kind, "rss"), objects, _labels())
    return Response(body, media_type="application/rss+xml", headers={"Cache-Control": CACHE})

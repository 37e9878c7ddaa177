"""`/api/v1/search`: what `/search` finds, as JSON (the same words, pages and rules)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from migrantnet.content.search import MAX_PAGE, MAX_QUERY, PAGE_SIZE, search
from migrantnet.translations import interface_language
from migrantnet.uris.interface import API_PREFIX
from migrantnet.web.deps import SessionDep

router = APIRouter()

# The server refuses a URL of 64 KB or more (uvicorn's parser keeps offsets in 16 bits) with a
# plain 400 before the node sees it; a character of `q` takes up to 12 bytes percent-encoded,
# so this bound keeps every valid query inside a URL. Only `MAX_QUERY` characters are searched.
API_MAX_QUERY = 5_000


class SearchHit(BaseModel):
    id: str = Field(description="The object's ActivityPub id.")
    url: str
    kind: str
    local: bool = Field(description="Published on this node (else a copy of a peer's).")
    author: str = Field(description="The author's ActivityPub id.")
    name: dict[str, str]
    summary: dict[str, str]
    published: str


class SearchOut(BaseModel):
    query: str
    page: int
    items: list[SearchHit]
    next: str | None = Field(description="The next page, when there is one.")


@router.get("/search", response_model=SearchOut, summary="Search public content")
async def search_api(
    session: SessionDep,
    q: str = Query(
        default="",
        max_length=API_MAX_QUERY,
        description=f"Words; FTS syntax is ignored; only the first {MAX_QUERY} characters count",
    ),
    page: int = Query(default=1, ge=1, le=MAX_PAGE),
    lang: str | None = Query(default=None, max_length=35, description="Stem the words in it"),
) -> SearchOut:
    """Public objects of this node and of the peers it keeps, matching every word, best
    first, `PAGE_SIZE` a page, at most `MAX_PAGE` pages."""
    found = await search(session, q, language=lang or interface_language(), page=page)
    items = [
        SearchHit(
            id=obj.ap_id,
            url=obj.url or obj.ap_id,
            kind=obj.kind,
            local=obj.local,
            author=found.actors[obj.actor_id].ap_id,
            name=obj.name_map,
            summary=obj.summary_map,
            published=obj.published_at.isoformat(),
        )
        for obj in found.objects
        if obj.actor_id in found.actors
    ]
    following = None
    if found.has_next:
        following = API_PREFIX + "/search?" + urlencode({"q": q, "page": found.page + 1})
    return SearchOut(query=q, page=found.page, items=items, next=following)


__all__ = ["PAGE_SIZE", "router"]

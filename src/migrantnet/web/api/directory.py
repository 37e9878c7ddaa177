"""The directory of the network as JSON: the same entries, filters and pages as `/directory`.

Public, under the same rule as the page (`content/directory.py`): an association's follows,
and a group's members, only where it shows them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from migrantnet.content.directory import (
    KINDS,
    MAX_PAGE_SIZE,
    DirectoryEntry,
    check_filter,
    check_page,
    directory_page,
)
from migrantnet.uris import Uris
from migrantnet.web.api.responses import errors
from migrantnet.web.deps import SessionDep, UrisDep


class MetOut(BaseModel):
    how: str = Field(
        description="`own` (an association or group of this node), `followed` (by one of "
        "ours that shows its follows) or `group` (a member of, or an author shared by, `group`)."
    )
    group: str | None = Field(description="The group's id, for `group`.")
    group_name: str | None = None


class DirectoryEntryOut(BaseModel):
    id: str = Field(description="The actor's ActivityPub id.")
    url: str = Field(description="Its profile page.")
    name: str
    handle: str | None = Field(description="user@host, to search on one's own server.")
    kind: str = Field(description=" | ".join(KINDS))
    local: bool = Field(description="On this node.")
    country: str | None = Field(description="ISO 3166-1 code, when known.")
    topics: list[str]
    met: list[MetOut] = Field(description="Where this node met it.")
    follow_url: str | None = Field(
        description="Ours: the page where a visitor follows it from their own server."
    )


class DirectoryOut(BaseModel):
    entries: list[DirectoryEntryOut] = Field(description="By name.")
    next: int | None = Field(description="`after` for the next page; null on the last one.")


router = APIRouter()


def directory_entry(entry: DirectoryEntry, uris: Uris) -> DirectoryEntryOut:
    actor = entry.actor
    ours = actor.local and bool(actor.slug)
    return DirectoryEntryOut(
        id=actor.ap_id,
        url=actor.url or actor.ap_id,
        name=actor.name or actor.username or actor.domain,
        handle=f"{actor.username}@{actor.domain}" if actor.username else None,
        kind=entry.kind,
        local=actor.local,
        country=actor.country,
        topics=list(actor.topics or []),
        met=[
            MetOut(
                how=way.how,
                group=way.via.ap_id if way.via else None,
                group_name=way.via.name if way.via else None,
            )
            for way in entry.met
        ],
        follow_url=uris.absolute(Uris.remote_follow_path(actor.slug or "")) if ours else None,
    )


@router.get(
    "/directory",
    response_model=DirectoryOut,
    summary="The directory of the network",
    responses=errors(422),
)
async def directory(
    session: SessionDep,
    uris: UrisDep,
    q: Annotated[str | None, Query(description="In the name or the handle.")] = None,
    country: Annotated[str | None, Query(description="ISO 3166-1 code, e.g. AR.")] = None,
    topic: Annotated[str | None, Query(description="A topic, e.g. asylum.")] = None,
    kind: Annotated[str | None, Query(description=" | ".join(KINDS))] = None,
    after: Annotated[int | None, Query(description="`next` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 30,
) -> DirectoryOut:
    """The associations and groups this node knows, by name: its own, those its associations
    follow (only where they show their follows), and those met through groups (members of a
    group of ours that shows them, authors of public items a group shared). Accepted follows
    only; people and blocked servers are not listed."""
    wanted = check_filter(country=country, topic=topic, kind=kind, text=q)
    cursor, size = check_page(after, limit)
    page = await directory_page(session, wanted, after=cursor, size=size)
    return DirectoryOut(
        entries=[directory_entry(entry, uris) for entry in page.entries],
        next=page.next_after,
    )

"""`/directory`: the associations and groups this node knows (`content/directory.py`).

No JavaScript: the filters are a GET form, pages are links (`?after=` the last id). Each
entry has its way to be followed: the remote-follow page (`/@slug/follow` for ours,
`/directory/follow?id=` for one elsewhere: the visitor's own server asks them to confirm)
and, for an actor elsewhere, for people of this node, as one of their associations
(`/authorize_interaction`). A wrong filter is said beside the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from migrantnet.content.directory import (
    FOLLOWED,
    OWN,
    DirectoryEntry,
    check_filter,
    check_page,
    directory_page,
)
from migrantnet.content.errors import InvalidInput
from migrantnet.content.languages import country_name
from migrantnet.translations import N_, gettext, interface_language
from migrantnet.uris import Uris
from migrantnet.uris.paths import DIRECTORY_PATH
from migrantnet.web.deps import SessionDep, SettingsDep, TemplatesDep
from migrantnet.web.errors import INVALID_FORM_STATUS
from migrantnet.web.hrefs import safe_href

router = APIRouter(include_in_schema=False)
FILTER_PARAMS = ("q", "country", "topic", "kind")
KIND_LABELS = {
    "association": N_("Association of this node"),
    "group": N_("Group"),
    "remote_org": N_("Association elsewhere"),
}
CURSOR_MAX_DIGITS = 10


@dataclass(frozen=True, slots=True)
class EntryView:
    name: str
    handle: str | None  # @user@host
    actor_id: str
    url: str
    kind: str
    kind_label: str
    country: str | None  # its name in the interface's language
    topics: list[str]
    met: list[str]  # where the node met it, worded
    follow_url: str  # the remote-follow page (ours, or the directory's for one elsewhere)
    follow_here_url: str | None  # elsewhere: follow it as one of our associations
    local: bool
    # a group elsewhere that one of ours (showing it) is a member of: its threads kept here
    threads_url: str | None = None


def entry_view(entry: DirectoryEntry, language: str) -> EntryView:
    actor = entry.actor
    profile = Uris.actor_path(actor.slug) if actor.local and actor.slug else actor.url
    met = []
    followed = any(way.how == FOLLOWED for way in entry.met)
    for way in entry.met:
        if way.how == OWN:
            met.append(gettext("On this node"))
        elif way.how == FOLLOWED:
            met.append(gettext("Followed by an association of this node"))
        elif way.via is not None:
            met.append(gettext("Met through %(group)s", group=way.via.name or way.via.handle))
    return EntryView(
        name=actor.name or actor.username or actor.domain,
        handle=f"@{actor.username}@{actor.domain}" if actor.username else None,
        actor_id=actor.ap_id,
        url=safe_href(profile or actor.ap_id),
        kind=entry.kind,
        kind_label=gettext(KIND_LABELS[entry.kind]),
        country=country_name(actor.country, language) if actor.country else None,
        topics=list(actor.topics or []),
        met=met,
        follow_url=(
            Uris.remote_follow_path(actor.slug)
            if actor.local and actor.slug
            else Uris.directory_follow_path(actor.ap_id)
        ),
        follow_here_url=None if actor.local else Uris.authorize_interaction_path(actor.ap_id),
        local=actor.local,
        threads_url=Uris.remote_group_threads_path(actor.handle)
        if followed and entry.kind == "group" and not actor.local and actor.username
        else None,
    )


def _cursor(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > CURSOR_MAX_DIGITS:
        raise InvalidInput("after", N_("not a position in this list"))
    return int(value)


@router.get(DIRECTORY_PATH, response_class=HTMLResponse)
async def directory(
    request: Request, session: SessionDep, settings: SettingsDep, templates: TemplatesDep
) -> Response:
    query = request.query_params
    values = {name: query.get(name, "")[:200] for name in FILTER_PARAMS}
    context = {"domain": settings.domain, "values": values, "kinds": KIND_LABELS}
    try:
        wanted = check_filter(
            country=values["country"],
            topic=values["topic"],
            kind=values["kind"],
            text=values["q"],
        )
        after, size = check_page(_cursor(query.get("after")), None)
    except InvalidInput as exc:
        return templates.TemplateResponse(
            request,
            "directory.html",
            {**context, "error": exc.shown(), "entries": [], "next_url": None},
            status_code=INVALID_FORM_STATUS,
        )
    page = await directory_page(session, wanted, after=after, size=size)
    language = interface_language()
    next_url = None
    if page.next_after is not None:
        kept = {name: value for name, value in values.items() if value}
        next_url = Uris.directory_path(f"?{urlencode({**kept, 'after': page.next_after})}")
    response = templates.TemplateResponse(
        request,
        "directory.html",
        {
            **context,
            "error": None,
            "entries": [entry_view(entry, language) for entry in page.entries],
            "next_url": next_url,
            "paged": after is not None,
            "filtered": any(values.values()),
        },
    )
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response

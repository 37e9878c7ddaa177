"""WebFinger, host-meta and NodeInfo: how other servers find us (research §1.1, §6)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from migrantnet import __version__
from migrantnet.content.associations import NODE_ACTOR_SLUG, get_node_actor
from migrantnet.content.errors import NotFound
from migrantnet.content.listing import associations_total, local_objects_total
from migrantnet.federation.deps import FederationDep
from migrantnet.federation.errors import BadActivity
from migrantnet.federation.rendered import cached
from migrantnet.federation.serialize.actor import actor_to_webfinger
from migrantnet.federation.service import Federation
from migrantnet.models import Actor
from migrantnet.uris.paths import (
    HOST_META_PATH,
    NODEINFO_20_PATH,
    NODEINFO_21_PATH,
    NODEINFO_LINKS_PATH,
    WEBFINGER_PATH,
)

router = APIRouter(include_in_schema=False)

NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
FEP_2677_REL = "https://www.w3.org/ns/activitystreams#Application"


def _acct_parts(resource: str) -> tuple[str, str] | None:
    value = resource.removeprefix("acct:").lstrip("@")
    if "@" not in value:
        return None
    user, _, host = value.rpartition("@")
    return user.lower(), host.lower()


@router.get(WEBFINGER_PATH)
async def webfinger(fed: FederationDep, resource: str = Query(default="")) -> Response:
    if not resource:
        raise BadActivity("the resource parameter is required")
    return await cached(fed.rendered, f"webfinger:{resource}", lambda: _webfinger(fed, resource))


async def _webfinger(fed: Federation, resource: str) -> Response:
    settings = fed.settings
    async with fed.db.session() as session:
        actor: Actor | None = None
        subject = resource
        if resource.startswith(("http://", "https://")):
            actor = await session.scalar(
                select(Actor).where(Actor.ap_id == resource, Actor.local.is_(True))
            )
        elif (parts := _acct_parts(resource)) is not None:
            user, host = parts
            if host in {settings.domain, settings.host}:
                if user in {"relay", settings.host, settings.domain}:
                    actor = await get_node_actor(session)
                else:
                    actor = await session.scalar(
                        select(Actor).where(
                            Actor.slug == user,
                            Actor.local.is_(True),
                            Actor.deleted_at.is_(None),
                        )
                    )
        if actor is None or (actor.slug == NODE_ACTOR_SLUG and resource.startswith("acct:_")):
            raise NotFound(f"{resource} is not known here")
        if actor.slug != NODE_ACTOR_SLUG:
            subject = f"acct:{actor.username}@{settings.domain}"
        elif not resource.startswith("acct:"):
            subject = f"acct:relay@{settings.domain}"
        jrd = actor_to_webfinger(actor, fed.uris, subject)
    return JSONResponse(
        jrd,
        media_type="application/jrd+json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=3600"},
    )


@router.get(HOST_META_PATH)
async def host_meta(fed: FederationDep) -> Response:
    async def build() -> Response:
        template = fed.uris.webfinger_template()
        xrd = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>\n'
            "</XRD>\n"
        )
        return Response(xrd, media_type="application/xrd+xml")

    return await cached(fed.rendered, "host-meta", build)


@router.get(NODEINFO_LINKS_PATH)
async def nodeinfo_links(fed: FederationDep) -> Response:
    async def build() -> Response:
        return JSONResponse(
            {
                "links": [
                    {"rel": NODEINFO_21, "href": fed.uris.nodeinfo("2.1")},
                    {"rel": NODEINFO_20, "href": fed.uris.nodeinfo("2.0")},
                    {"rel": FEP_2677_REL, "href": fed.uris.node_actor()},
                ]
            }
        )

    return await cached(fed.rendered, "nodeinfo:links", build)


async def _nodeinfo(fed: Federation, version: str) -> dict[str, Any]:
    async with fed.db.session() as session:
        associations = await associations_total(session)
        posts = await local_objects_total(session)
    software: dict[str, Any] = {"name": "migrantnet", "version": __version__}
    if version == "2.1":
        software["homepage"] = fed.settings.base_url
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {
                "total": associations or 0,
                "activeMonth": associations or 0,
                "activeHalfyear": associations or 0,
            },
            "localPosts": posts or 0,
        },
        "metadata": {"nodeName": fed.settings.domain},
    }


@router.get(NODEINFO_21_PATH)
async def nodeinfo_21(fed: FederationDep) -> Response:
    async def build() -> Response:
        return JSONResponse(
            await _nodeinfo(fed, "2.1"),
            media_type=f'application/json; profile="{NODEINFO_21}#"',
        )

    return await cached(fed.rendered, "nodeinfo:2.1", build)


@router.get(NODEINFO_20_PATH)
async def nodeinfo_20(fed: FederationDep) -> Response:
    async def build() -> Response:
        return JSONResponse(
            await _nodeinfo(fed, "2.0"),
            media_type=f'application/json; profile="{NODEINFO_20}#"',
        )

    return await cached(fed.rendered, "nodeinfo:2.0", build)

"""The JSON API under /api/v1 (OpenAPI at /api/openapi.json, browsable at /api/docs).

Public reads: the node's agenda (`agenda`), search (`search`), the directory of the network
(`directory`), the groups it hosts (`groups`, which also lets an association join or leave
one). Members' reads (`network`): what an
association's network published, and whom it follows.
Authoring needs a bearer token (`migrantnet tokens create`, see `web/auth.py`): publish, read,
replace and delete each kind of content of an association (`objects`, one row of
`kinds.KIND_API` per kind), and upload media (`media`). Request and response shapes are in
`schemas`.
"""

from __future__ import annotations

from fastapi import APIRouter

from migrantnet.uris.interface import API_PREFIX
from migrantnet.web.api import agenda, directory, groups, media, network, objects, search


def build_router() -> APIRouter:
    """The API's routes; the kinds' endpoints come from the kind registry of this moment."""
    router = APIRouter(prefix=API_PREFIX, tags=["api"])
    router.include_router(agenda.router)
    router.include_router(groups.router)
    router.include_router(search.router)
    router.include_router(directory.router)
    router.include_router(network.router)
    router.include_router(objects.kind_router())
    router.include_router(media.router)
    return router


__all__ = ["build_router"]

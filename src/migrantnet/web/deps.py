"""FastAPI dependencies: the node's settings, database session and URIs, from app state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from migrantnet.config import Settings
from migrantnet.db import Database
from migrantnet.models.base import MAX_ROW_ID
from migrantnet.uris import Uris


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_uris(request: Request) -> Uris:
    return request.app.state.uris


async def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session() as session:
        yield session


# `?before=` cursors of list pages: a row id, range-checked before it reaches SQL (422).
BeforeCursor = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description="Show items older than this id.")
]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
UrisDep = Annotated[Uris, Depends(get_uris)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]

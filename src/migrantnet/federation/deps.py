"""FastAPI dependencies of the federation routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from migrantnet.federation.service import Federation
from migrantnet.models.base import MAX_ROW_ID


async def get_federation(request: Request) -> Federation:
    return request.app.state.federation


FederationDep = Annotated[Federation, Depends(get_federation)]
# `?max_id=` of collection pages: a row id, range-checked before it reaches SQL (422).
MaxIdCursor = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]

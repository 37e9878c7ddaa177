"""FastAPI dependencies of the federation routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from migrantnet.federation.service import Federation


async def get_federation(request: Request) -> Federation:
    return request.app.state.federation


FederationDep = Annotated[Federation, Depends(get_federation)]

"""`get_required`: a row that must exist comes back, a missing one is a `MissingRow` (a
specific exception, kept under `python -O`, unlike the `assert` it replaced)."""

from __future__ import annotations

import pytest

from migrantnet.db import Database
from migrantnet.models import Actor
from migrantnet.models.required import MissingRow, get_required


async def test_a_row_that_exists_is_returned(db: Database, association: Actor) -> None:
    async with db.session() as session:
        row = await get_required(session, Actor, association.id)
    assert row.ap_id == association.ap_id


async def test_a_missing_row_is_a_missing_row_error(db: Database, association: Actor) -> None:
    async with db.session() as session:
        with pytest.raises(MissingRow, match="Actor"):
            await get_required(session, Actor, association.id + 1000)

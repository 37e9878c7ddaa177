"""Rows that must exist because another row points at them (a foreign key, a row we just
claimed or wrote). Their absence is our bug, never a peer's or a user's mistake, so it is a
specific exception (`MissingRow`) rather than an `assert`, which `python -O` would drop."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class MissingRow(LookupError):
    """A row that must exist is not there: the database broke an invariant we rely on."""


async def get_required(session: AsyncSession, model: type[T], key: Any) -> T:
    """`session.get`, for a row whose absence would be a bug."""
    row = await session.get(model, key)
    if row is None:
        raise MissingRow(f"{model.__name__} {key!r} must exist but does not")
    return row

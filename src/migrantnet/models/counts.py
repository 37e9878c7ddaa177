"""Counters kept up to date as objects change, so pages and NodeInfo never `count(*)` a table.

One row per (actor, name): `objects:<kind>:<visibility>` counts an actor's live (not deleted)
local objects of that kind and visibility. The session hook below adjusts them in the same
flush, and so in the same transaction, as the change itself: a rollback undoes both. Like a
database trigger, but one definition for SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from migrantnet.models.base import Base
from migrantnet.models.content_object import ContentObject


class ActorCount(Base):
    __tablename__ = "actor_counts"

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


def objects_count_name(kind: str, visibility: str) -> str:
    return f"objects:{kind}:{visibility}"


def split_objects_count_name(name: str) -> tuple[str, str] | None:
    """(kind, visibility) of an `objects:` counter name, None for other counters."""
    parts = name.split(":")
    if len(parts) != 3 or parts[0] != "objects":
        return None
    return parts[1], parts[2]


_COUNTED = ("actor_id", "local", "kind", "visibility", "deleted_at")


def _key(values: dict[str, Any]) -> tuple[int, str] | None:
    if not values["local"] or values["deleted_at"] is not None or values["actor_id"] is None:
        return None
    return values["actor_id"], objects_count_name(str(values["kind"]), str(values["visibility"]))


def _current(obj: ContentObject) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in _COUNTED}


def _before(obj: ContentObject) -> dict[str, Any]:
    state = inspect(obj)
    values = {}
    for name in _COUNTED:
        history = state.attrs[name].history
        if not history.has_changes():
            values[name] = getattr(obj, name)
        else:  # a change from None (never set) leaves `deleted` empty
            values[name] = history.deleted[0] if history.deleted else None
    return values


def _deltas(session: Session) -> Counter[tuple[int, str]]:
    deltas: Counter[tuple[int, str]] = Counter()
    for obj in session.new:
        if isinstance(obj, ContentObject) and (key := _key(_current(obj))) is not None:
            deltas[key] += 1
    for obj in session.dirty:
        if isinstance(obj, ContentObject):
            old, new = _key(_before(obj)), _key(_current(obj))
            if old != new:
                if old is not None:
                    deltas[old] -= 1
                if new is not None:
                    deltas[new] += 1
    for obj in session.deleted:
        if isinstance(obj, ContentObject) and (key := _key(_before(obj))) is not None:
            deltas[key] -= 1
    return deltas


@event.listens_for(Session, "after_flush")
def _apply_counts(session: Session, _flush: UOWTransaction) -> None:
    deltas = {key: delta for key, delta in _deltas(session).items() if delta}
    if not deltas:
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    rows = [
        {"actor_id": actor_id, "name": name, "value": delta}
        for (actor_id, name), delta in sorted(deltas.items())
    ]
    statement = dialect.insert(ActorCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[ActorCount.actor_id, ActorCount.name],
        set_={"value": ActorCount.value + statement.excluded.value},
    )
    connection.execute(statement)


class NodeCounter(Base):
    """Node-wide counters. `content` grows with every committed change to what the node
    serves as rendered JSON (local actors and objects), so every process can tell that its
    cached renderings are stale by reading one row."""

    __tablename__ = "node_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


CONTENT_GENERATION = "content"
# Grows with every committed change a public HTML page can show (models/changes.py).
PAGES_GENERATION = "pages"

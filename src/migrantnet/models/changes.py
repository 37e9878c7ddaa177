"""Telling caches that what the node renders changed: local actors and objects, signatures.

A flush (or an ORM bulk statement) touching them marks the session; its commit then bumps
`node_counters.content` in the same transaction, and after the commit the session calls the
listeners it was made with (`session.info["on_content_change"]`), so the process that made the
change drops its cached renderings at once and other processes see the new generation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from migrantnet.models.actor import Actor
from migrantnet.models.content_object import ContentObject
from migrantnet.models.content_types import Cosignature, Media
from migrantnet.models.counts import CONTENT_GENERATION, NodeCounter

_ALWAYS = (Cosignature, Media)
_WHEN_LOCAL = (Actor, ContentObject)
_FLAG = "content_changed"
LISTENERS = "on_content_change"


def _touches_content(instances: Iterable[Any]) -> bool:
    for obj in instances:
        if isinstance(obj, _ALWAYS) or (isinstance(obj, _WHEN_LOCAL) and obj.local):
            return True
    return False


@event.listens_for(Session, "after_flush")
def _mark_flush(session: Session, _flush: UOWTransaction) -> None:
    if not session.info.get(_FLAG) and _touches_content(
        (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    writes = state.is_update or state.is_delete
    if writes and mapper is not None and issubclass(mapper.class_, (*_ALWAYS, *_WHEN_LOCAL)):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_generation(session: Session) -> None:
    if not session.info.get(_FLAG):
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(NodeCounter).values(name=CONTENT_GENERATION, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[NodeCounter.name], set_={"value": NodeCounter.value + 1}
    )
    connection.execute(statement)


@event.listens_for(Session, "after_commit")
def _notify(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        listeners: list[Callable[[], None]] = session.info.get(LISTENERS, [])
        for listener in listeners:
            listener()


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction changed nothing (savepoints inside it do not count)."""
    if transaction.parent is None:
        session.info.pop(_FLAG, None)

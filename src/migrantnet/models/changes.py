"""Telling caches that what the node renders changed: local actors and objects, signatures.

A flush (or an ORM bulk statement) touching them marks the session; its commit then bumps
`node_counters.content` in the same transaction, and after the commit the session calls the
listeners it was made with (`session.info["on_content_change"]`), so the process that made the
change drops its cached renderings at once and other processes see the new generation.

The public HTML pages show more than that (peers' replies and events, blocks, follows), so a
second generation, `pages`, moves with any write except to the tables no public page reads
(sessions, queues, tokens, the search index, workers' heartbeats, domain health other
than its block); after such a commit every page cache of the process (`web/page_cache.py`,
registered with `drop_on_page_change`) is cleared, whichever database object made it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from migrantnet.models.actor import Actor
from migrantnet.models.content_object import ContentObject
from migrantnet.models.content_types import Cosignature, Media
from migrantnet.models.counts import CONTENT_GENERATION, PAGES_GENERATION, NodeCounter
from migrantnet.models.delivery import DomainHealth

_ALWAYS = (Cosignature, Media)
_WHEN_LOCAL = (Actor, ContentObject)
_FLAG = "content_changed"
_PAGES_FLAG = "pages_changed"
LISTENERS = "on_content_change"
# Written often (every request, delivery or activity) and read by no public page.
NOT_ON_PAGES = frozenset(
    {
        "web_sessions",
        "sign_in_failures",
        "inbox_activities",
        "outbox_activities",
        "deliveries",
        "api_tokens",
        "search_documents",
        "node_counters",
        "actor_counts",  # moves only with objects, which count already
        "worker_heartbeats",  # every 15 s; read by /healthz and `doctor`, never cached
    }
)
_DOMAINS = DomainHealth.__tablename__


class Clearable(Protocol):
    def clear(self) -> None: ...


# Weak: an app that is gone (tests make hundreds) takes its cache with it.
_PAGE_CACHES: weakref.WeakSet[Any] = weakref.WeakSet()


def drop_on_page_change(cache: Clearable) -> None:
    """Clear `cache` after every commit of this process that changed what a page shows."""
    _PAGE_CACHES.add(cache)


def _touches_content(instances: Iterable[Any]) -> bool:
    for obj in instances:
        if isinstance(obj, _ALWAYS) or (isinstance(obj, _WHEN_LOCAL) and obj.local):
            return True
    return False


def _shown_on_pages(instances: Iterable[Any]) -> bool:
    for obj in instances:
        table = getattr(obj, "__tablename__", None)
        if table is None or table in NOT_ON_PAGES:
            continue
        if table != _DOMAINS or _block_changed(obj):
            return True
    return False


def _block_changed(health: Any) -> bool:
    """A domain's health moves with every delivery; only its block changes a page."""
    state = inspect(health)
    if state.attrs.blocked.history.has_changes():
        return True
    return bool(state.deleted and state.dict.get("blocked"))


@event.listens_for(Session, "after_flush")
def _mark_flush(session: Session, _flush: UOWTransaction) -> None:
    if session.info.get(_FLAG) and session.info.get(_PAGES_FLAG):
        return
    instances = (*session.new, *session.dirty, *session.deleted)
    if not session.info.get(_FLAG) and _touches_content(instances):
        session.info[_FLAG] = True
    if not session.info.get(_PAGES_FLAG) and _shown_on_pages(instances):
        session.info[_PAGES_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    content = mapper is not None and issubclass(mapper.class_, (*_ALWAYS, *_WHEN_LOCAL))
    if content and not state.is_insert:
        state.session.info[_FLAG] = True
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table is None or (table not in NOT_ON_PAGES and table != _DOMAINS):
        state.session.info[_PAGES_FLAG] = True


def _bump(session: Session, name: str) -> None:
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(NodeCounter).values(name=name, value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[NodeCounter.name], set_={"value": NodeCounter.value + 1}
    )
    connection.execute(statement)


@event.listens_for(Session, "before_commit")
def _bump_generation(session: Session) -> None:
    # Released savepoints fire this event too: the generations move once, when the outer
    # transaction commits (a batch of inbox rows has a savepoint or two per row).
    if session.in_nested_transaction():
        return
    # The commit's own flush comes after this event: flush first, so a change left pending
    # until the commit still moves the generations other processes read.
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.get(_FLAG):
        _bump(session, CONTENT_GENERATION)
    if session.info.get(_PAGES_FLAG):
        _bump(session, PAGES_GENERATION)


@event.listens_for(Session, "after_commit")
def _notify(session: Session) -> None:
    if session.in_nested_transaction():  # a released savepoint: nothing is committed yet
        return
    if session.info.pop(_FLAG, False):
        listeners: list[Callable[[], None]] = session.info.get(LISTENERS, [])
        for listener in listeners:
            listener()
    if session.info.pop(_PAGES_FLAG, False):
        for cache in list(_PAGE_CACHES):
            cache.clear()


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction changed nothing (savepoints inside it do not count)."""
    if transaction.parent is None:
        session.info.pop(_FLAG, None)
        session.info.pop(_PAGES_FLAG, None)

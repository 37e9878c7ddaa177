"""Search across the node's content and the remote content it keeps: one interface, two
backends (SQLite FTS5, PostgreSQL full-text), chosen by the session's dialect.

Indexing: every flush of a content object rewrites its rows of `search_documents` (one per
language: title, summary and text as plain text), so no writer can forget it; an object that
is deleted or not public has none. Bulk statements skip the flush, so queries also join the
objects and check them again: a stale row can never show what may not be shown.

Querying: the visitor's words never reach a query language. On SQLite each word becomes a
quoted FTS5 string (the last one a prefix); on PostgreSQL `websearch_to_tsquery` reads them
(it never raises), in the reader's language's configuration (stemming) or'ed with `simple`.
At most `MAX_TERMS` words of at most `MAX_QUERY` characters; pages by bounded offset.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Connection,
    Select,
    Table,
    column,
    event,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from migrantnet.content.html import html_to_text
from migrantnet.models import (
    Actor,
    Block,
    BlockKind,
    ContentObject,
    ReplyState,
    SearchDocument,
    Visibility,
)

MAX_QUERY = 500
MAX_TERMS = 16
MAX_BODY = 100_000
PAGE_SIZE = 20
# The FTS5 table (SQLite only, models/search.py); `search_fts` is its hidden MATCH column.
SEARCH_FTS = table("search_fts", column("rowid"), column("rank"), column("search_fts"))
MAX_PAGE = 10  # a bounded offset: past page 10, refine the words
_WORD = re.compile(r"\w+", re.UNICODE)

# PostgreSQL's text search configurations, by language; other languages are not stemmed.
PG_CONFIGS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def pg_config(language: str | None) -> str:
    return PG_CONFIGS.get((language or "").split("-")[0].lower(), "simple")


def _regconfig(name: str) -> Any:
    """A configuration named in PG_CONFIGS (never a visitor's text), as a regconfig literal."""
    if name != "simple" and name not in PG_CONFIGS.values():
        raise ValueError(f"not a text search configuration of ours: {name!r}")
    return literal_column(f"'{name}'::regconfig")


def terms_of(query: str) -> list[str]:
    """The words of a visitor's query, bounded: `MAX_TERMS` words of `MAX_QUERY` characters."""
    return _WORD.findall(query[:MAX_QUERY])[:MAX_TERMS]


def fts5_query(terms: list[str]) -> str:
    """Each word a quoted FTS5 string (`"` doubled), all required, the last a prefix."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    if quoted:
        quoted[-1] += "*"
    return " ".join(quoted)


# --- indexing --------------------------------------------------------------------------------


def documents_of(obj: Any) -> dict[str, str]:
    """language -> the searchable text of `obj` in it (nothing for what may not be found).
    `obj` is a ContentObject or a row with the same attributes (the migration's, which may
    predate `noindex`). An object marked `noindex` (a sensitive item) is never indexed."""
    if obj.deleted_at is not None or obj.visibility != Visibility.PUBLIC:
        return {}
    if getattr(obj, "noindex", False):
        return {}
    names, summaries, contents = obj.name_map or {}, obj.summary_map or {}, obj.content_map or {}
    languages: list[str] = []
    for mapping in (names, summaries, contents):
        languages += [language for language in mapping if language not in languages]
    documents = {}
    for language in languages:
        parts = [
            names.get(language) or "",
            summaries.get(language) or "",
            html_to_text(contents.get(language) or ""),
        ]
        body = " ".join(" ".join(part.split()) for part in parts if part)[:MAX_BODY]
        if body:
            documents[language[:35]] = body
    return documents


# What `documents_of` reads: an object flushed with none of these changed keeps its rows.
_INDEXED = ("deleted_at", "visibility", "noindex", "name_map", "summary_map", "content_map")


def _text_changed(obj: ContentObject) -> bool:
    attributes = inspect(obj).attrs
    return any(attributes[name].history.has_changes() for name in _INDEXED)


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, _flush: UOWTransaction) -> None:
    """Index what this flush inserted, and what it changed in the indexed columns: a new
    object has no rows to replace, and a change to its thread or counters leaves its text
    as it was (an applied `Create` is flushed twice, and was indexed twice)."""
    new = [obj for obj in session.new if isinstance(obj, ContentObject) and obj.id is not None]
    changed = [
        obj
        for obj in session.dirty
        if isinstance(obj, ContentObject) and obj.id is not None and _text_changed(obj)
    ]
    if new or changed:
        write_documents(session.connection(), [*new, *changed], new={obj.id for obj in new})


# The columns indexing reads, as a plain table: the migration indexes existing rows with it,
# whatever columns later migrations add to `objects`.
_OBJECTS = table(
    "objects",
    column("id"),
    column("visibility"),
    column("deleted_at"),
    column("name_map", JSON),
    column("summary_map", JSON),
    column("content_map", JSON),
)


def reindex_all(connection: Connection, batch: int = 500) -> None:
    """Write every object's rows again (the migration, for objects stored before search)."""
    last = 0
    while True:
        rows = list(
            connection.execute(
                select(_OBJECTS).where(_OBJECTS.c.id > last).order_by(_OBJECTS.c.id).limit(batch)
            )
        )
        if not rows:
            return
        write_documents(connection, rows)
        last = rows[-1].id


def write_documents(
    connection: Connection, changed: list[Any], *, new: Collection[int] = ()
) -> None:
    """Replace the rows of `changed`; those in `new` were inserted by this transaction, so
    they have none yet (a deleted object's rows go with it: ON DELETE CASCADE)."""
    postgresql = connection.dialect.name == "postgresql"
    ids = [obj.id for obj in changed if obj.id not in new]
    documents = cast(Table, SearchDocument.__table__)
    if ids:
        connection.execute(documents.delete().where(SearchDocument.object_id.in_(ids)))
    rows: list[dict[str, Any]] = [
        {"object_id": obj.id, "language": language, "body": body}
        for obj in changed
        for language, body in documents_of(obj).items()
    ]
    if not rows:
        return
    if postgresql:
        for row in rows:
            config = _regconfig(pg_config(row["language"]))
            connection.execute(
                documents.insert().values(**row, tsv=func.to_tsvector(config, row["body"]))
            )
    else:
        connection.execute(documents.insert(), rows)


# --- querying --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchPage:
    objects: list[ContentObject]
    actors: dict[int, Actor]
    page: int
    has_next: bool


def _visible(query: Select) -> Select:
    blocked_domains = select(Block.domain).where(Block.kind == BlockKind.DOMAIN)
    blocked_accounts = select(Block.target).where(Block.kind == BlockKind.ACCOUNT)
    return (
        query.join(ContentObject, ContentObject.id == SearchDocument.object_id)
        .join(Actor, Actor.id == ContentObject.actor_id)
        .where(
            ContentObject.deleted_at.is_(None),
            ContentObject.visibility == Visibility.PUBLIC,
            ContentObject.noindex.is_(False),
            ContentObject.reply_state == ReplyState.SHOWN,
            Actor.deleted_at.is_(None),
            Actor.domain.not_in(blocked_domains),
            Actor.ap_id.not_in(blocked_accounts),
        )
    )


async def search(
    session: AsyncSession, query: str, *, language: str | None = None, page: int = 1
) -> SearchPage:
    """Public objects matching every word of `query`, best first; `language` is the reader's
    (PostgreSQL stems the words in it). Page `page` (1 to `MAX_PAGE`) of `PAGE_SIZE`."""
    page = min(max(page, 1), MAX_PAGE)
    terms = terms_of(query)
    if not terms:
        return SearchPage([], {}, page, False)
    score: Any
    if session.get_bind().dialect.name == "postgresql":
        words = " ".join(terms)
        tsquery = func.websearch_to_tsquery(_regconfig(pg_config(language)), words).op("||")(
            func.websearch_to_tsquery(_regconfig("simple"), words)
        )
        score = func.max(func.ts_rank(SearchDocument.tsv, tsquery))
        ranked = _visible(
            select(SearchDocument.object_id, score.label("score")).where(
                SearchDocument.tsv.op("@@")(tsquery)
            )
        ).group_by(SearchDocument.object_id)
        ordered = ranked.order_by(text("score DESC"), SearchDocument.object_id.desc())
    else:
        score = func.min(SEARCH_FTS.c.rank)
        ranked = _visible(
            select(SearchDocument.object_id, score.label("score"))
            .select_from(SearchDocument)
            .join(SEARCH_FTS, SEARCH_FTS.c.rowid == SearchDocument.id)
            .where(SEARCH_FTS.c.search_fts.op("MATCH")(fts5_query(terms)))
        ).group_by(SearchDocument.object_id)
        ordered = ranked.order_by(text("score"), SearchDocument.object_id.desc())
    ids = [
        row[0]
        for row in await session.execute(
            ordered.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        )
    ]
    shown = ids[:PAGE_SIZE]
    objects = {
        obj.id: obj
        for obj in await session.scalars(select(ContentObject).where(ContentObject.id.in_(shown)))
    }
    actor_ids = {obj.actor_id for obj in objects.values()}
    actors = {
        actor.id: actor
        for actor in await session.scalars(select(Actor).where(Actor.id.in_(actor_ids)))
    }
    return SearchPage(
        [objects[i] for i in shown if i in objects], actors, page, len(ids) > PAGE_SIZE
    )

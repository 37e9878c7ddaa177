"""The search index: one row per object and language, its searchable text.

The text is written by `content/search.py` whenever an object is flushed; each database then
indexes it its own way, with DDL that SQLAlchemy's metadata cannot express (hence created by
the `after_create` events below and by the migration, and left out of the schema comparison):
- SQLite: an FTS5 table over `body` (external content: the text is stored once), kept in
  step by triggers;
- PostgreSQL: `tsv`, the text's `tsvector` in the language's own configuration (stemming),
  under a GIN index.
"""

from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, String, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from migrantnet.models.base import Base

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "body, content='search_documents', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
)
POSTGRESQL_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents USING gin (tsv)",
)
# What the schema comparison of migrations and models leaves out (see above).
UNMODELLED_TABLES = frozenset(
    {"search_fts", *(f"search_fts_{part}" for part in ("data", "idx", "docsize", "config"))}
)
UNMODELLED_INDEXES = frozenset({"ix_search_documents_tsv"})


class SearchDocument(Base):
    __tablename__ = "search_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    body: Mapped[str] = mapped_column(Text)
    tsv: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))


for _statement in SQLITE_DDL:
    event.listen(
        SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in POSTGRESQL_DDL:
    event.listen(
        SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )

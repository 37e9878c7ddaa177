"""search: one row of searchable text per object and language, indexed by each database

Revision ID: 0012_search
Revises: 0011_cosign_approval
Create Date: 2026-12-02 01:00:00

`search_documents` holds the text (content/search.py writes it on every flush); SQLite
indexes it in the FTS5 table `search_fts` (kept in step by triggers), PostgreSQL in the
`tsv` column under a GIN index (models/search.py has the DDL). Objects that exist already
are indexed here, so search finds them after an upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision: str = "0012_search"
down_revision: str | None = "0011_cosign_approval"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from migrantnet.models.search import POSTGRESQL_DDL, SQLITE_DDL

    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tsv", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_search_documents_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_documents_object_id"), ["object_id"], unique=False
        )
    bind = op.get_bind()
    for statement in POSTGRESQL_DDL if bind.dialect.name == "postgresql" else SQLITE_DDL:
        op.execute(statement)
    _index_existing(bind)


def _index_existing(bind: sa.Connection) -> None:
    """Write the rows of every object already stored, as a flush would."""
    from migrantnet.content.search import reindex_all

    reindex_all(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_object_id"))
    op.drop_table("search_documents")

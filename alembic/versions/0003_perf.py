"""performance: listing indexes, kept counters, the rendered-content generation

Revision ID: 0003_perf
Revises: 0002
Create Date: 2026-12-01 20:30:00

Adds the indexes the keyset-paged lists walk (`ix_objects_listing`,
`ix_objects_actor_kind_published`) and `actor_counts`, filled here from the objects already
stored; from then on the session hook in `models/counts.py` keeps it up to date.
`node_counters` holds the `content` generation that tells every process its cached JSON is
stale (models/changes.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_perf"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actor_counts",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_counts_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "name", name=op.f("pk_actor_counts")),
    )
    op.create_table(
        "node_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_node_counters")),
    )
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_objects_listing", ["local", "visibility", "published_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_objects_actor_kind_published",
            ["actor_id", "kind", "published_at", "id"],
            unique=False,
        )
    op.execute(
        "INSERT INTO actor_counts (actor_id, name, value) "
        "SELECT actor_id, 'objects:' || kind || ':' || visibility, count(*) FROM objects "
        "WHERE local AND deleted_at IS NULL GROUP BY actor_id, kind, visibility"
    )


def downgrade() -> None:
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index("ix_objects_actor_kind_published")
        batch_op.drop_index("ix_objects_listing")
    op.drop_table("node_counters")
    op.drop_table("actor_counts")

"""directory: an actor's country and topics, for the directory of the network

Revision ID: 0018_directory
Revises: 0017_reply_moderation
Create Date: 2026-12-02 16:00:00

`actors.country` (ISO 3166 code, indexed), `actors.topics` (shown) and `actor_topics` (one
row per topic of an actor, indexed on the topic): what the directory shows of each
association and group and filters on. Ours set them; a peer's are read from its actor
document. Existing actors have neither.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_directory"
down_revision: str | None = "0017_reply_moderation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("topics", JSON, server_default=sa.text("'[]'"), nullable=False))
        batch.create_index(op.f("ix_actors_country"), ["country"])
    op.create_table(
        "actor_topics",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_topics_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", "topic", name=op.f("pk_actor_topics")),
    )
    op.create_index(op.f("ix_actor_topics_topic"), "actor_topics", ["topic"])


def downgrade() -> None:
    op.drop_index(op.f("ix_actor_topics_topic"), table_name="actor_topics")
    op.drop_table("actor_topics")
    with op.batch_alter_table("actors") as batch:
        batch.drop_index(op.f("ix_actors_country"))
        batch.drop_column("topics")
        batch.drop_column("country")

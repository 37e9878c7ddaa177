"""ics_subscriptions, agenda_imports: the .ics feeds our associations subscribed to and the
remote events they added by URL, with their last fetch

Revision ID: 0014_ics_subscriptions
Revises: 0013_groups
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrantnet.models.base import UTCDateTime

revision: str = "0014_ics_subscriptions"
down_revision: str | None = "0013_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ics_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=128), nullable=True),
        sa.Column("fetched_at", UTCDateTime(), nullable=True),
        sa.Column("succeeded_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["actors.id"],
            name=op.f("fk_ics_subscriptions_association_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["actors.id"],
            name=op.f("fk_ics_subscriptions_feed_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ics_subscriptions")),
        sa.UniqueConstraint(
            "association_id",
            "feed_id",
            name=op.f("uq_ics_subscriptions_association_id_feed_id"),
        ),
    )
    with op.batch_alter_table("ics_subscriptions") as batch:
        batch.create_index("ix_ics_subscriptions_feed_id", ["feed_id"], unique=False)
        batch.create_index("ix_ics_subscriptions_fetched_at", ["fetched_at"], unique=False)

    op.create_table(
        "agenda_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("object_ap_id", sa.String(length=2048), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["actors.id"],
            name=op.f("fk_agenda_imports_association_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_imports")),
        sa.UniqueConstraint(
            "association_id",
            "object_ap_id",
            name=op.f("uq_agenda_imports_association_id_object_ap_id"),
        ),
    )
    with op.batch_alter_table("agenda_imports") as batch:
        batch.create_index("ix_agenda_imports_object_ap_id", ["object_ap_id"], unique=False)
        batch.create_index("ix_agenda_imports_fetched_at", ["fetched_at"], unique=False)


def downgrade() -> None:
    op.drop_table("agenda_imports")
    op.drop_table("ics_subscriptions")

"""groups: what each group of ours announced, and what its moderators hid

Revision ID: 0013_groups
Revises: 0012_search
Create Date: 2026-12-02 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrantnet.models.base import UTCDateTime

revision: str = "0013_groups"
down_revision: str | None = "0012_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("object_ap_id", sa.String(length=2048), nullable=False),
        sa.Column("announce_ap_id", sa.String(length=2048), nullable=False),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["actors.id"],
            name=op.f("fk_group_items_group_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["actors.id"],
            name=op.f("fk_group_items_member_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_items")),
        sa.UniqueConstraint(
            "group_id", "object_ap_id", name=op.f("uq_group_items_group_id_object_ap_id")
        ),
    )
    with op.batch_alter_table("group_items") as batch:
        batch.create_index("ix_group_items_object_ap_id", ["object_ap_id"], unique=False)
        batch.create_index("ix_group_items_group_hidden", ["group_id", "hidden"], unique=False)


def downgrade() -> None:
    op.drop_table("group_items")

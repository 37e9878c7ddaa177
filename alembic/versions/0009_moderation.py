"""moderation: blocks, the audit trail, report decisions, token expiry

Revision ID: 0009_moderation
Revises: 0008_agenda
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrantnet.models.base import UTCDateTime

revision: str = "0009_moderation"
down_revision: str | None = "0008_agenda"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_blocks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocks")),
        sa.UniqueConstraint("target", name=op.f("uq_blocks_target")),
    )
    op.create_index(op.f("ix_blocks_domain"), "blocks", ["domain"], unique=False)
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_moderation_actions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(op.f("ix_moderation_actions_created_at"), "moderation_actions", ["created_at"])
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=16), server_default="open", nullable=False)
        )
        batch.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("forwarded_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_reports_decided_by_id_users"),
            "users",
            ["decided_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_reports_state"), ["state"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("reports") as batch:
        batch.drop_index(op.f("ix_reports_state"))
        batch.drop_constraint(op.f("fk_reports_decided_by_id_users"), type_="foreignkey")
        batch.drop_column("forwarded_at")
        batch.drop_column("decided_at")
        batch.drop_column("decided_by_id")
        batch.drop_column("state")
    op.drop_index(op.f("ix_moderation_actions_created_at"), table_name="moderation_actions")
    op.drop_table("moderation_actions")
    op.drop_index(op.f("ix_blocks_domain"), table_name="blocks")
    op.drop_table("blocks")

"""group threads: a group's discussions, their replies, locked and hidden ones

Revision ID: 0019_group_threads
Revises: 0018_directory
Create Date: 2026-12-02 16:00:00

`group_threads`: a thread of a group (ours, or one our associations are members of), named
by its root object, with the moderators' `locked` and `hidden`, its reply count and its
newest message (threads are listed by it). `objects.group_thread_id`: the thread a reply is
in. `actors.open_replies`: a group of ours announces replies from non-members too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrantnet.models.base import UTCDateTime

revision: str = "0019_group_threads"
down_revision: str | None = "0018_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("root_ap_id", sa.String(length=2048), nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_activity_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["actors.id"],
            name=op.f("fk_group_threads_group_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["actors.id"],
            name=op.f("fk_group_threads_author_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_threads")),
        sa.UniqueConstraint(
            "group_id", "root_ap_id", name=op.f("uq_group_threads_group_id_root_ap_id")
        ),
    )
    with op.batch_alter_table("group_threads") as batch:
        batch.create_index("ix_group_threads_root", ["root_ap_id"], unique=False)
        batch.create_index(
            "ix_group_threads_listing",
            ["group_id", "hidden", "last_activity_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("group_thread_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_objects_group_thread_id_group_threads"),
            "group_threads",
            ["group_thread_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_objects_group_thread", ["group_thread_id", "published_at", "id"])
    with op.batch_alter_table("actors") as batch:
        batch.add_column(
            sa.Column("open_replies", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("open_replies")
    with op.batch_alter_table("objects") as batch:
        batch.drop_index("ix_objects_group_thread")
        batch.drop_constraint(op.f("fk_objects_group_thread_id_group_threads"), type_="foreignkey")
        batch.drop_column("group_thread_id")
    op.drop_index("ix_group_threads_listing", table_name="group_threads")
    op.drop_index("ix_group_threads_root", table_name="group_threads")
    op.drop_table("group_threads")

"""reply moderation: an association holds peers' replies for approval, or hides one

Revision ID: 0017_reply_moderation
Revises: 0016_worker_heartbeats
Create Date: 2026-12-02 09:10:00

`actors.hold_replies`: replies from other servers under the association's objects wait for a
moderator before they are shown. `objects.thread_owner_id` names the association whose thread
a peer's reply is in (set when it is first stored), `objects.reply_state` its decision: shown,
held or hidden. Replies stored before this migration are shown, as they were.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_reply_moderation"
down_revision: str | None = "0016_worker_heartbeats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(
            sa.Column("hold_replies", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("thread_owner_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("reply_state", sa.String(length=16), server_default="shown", nullable=False)
        )
        batch.create_foreign_key(
            op.f("fk_objects_thread_owner_id_actors"),
            "actors",
            ["thread_owner_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            "ix_objects_thread_owner", ["thread_owner_id", "reply_state", "published_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_index("ix_objects_thread_owner")
        batch.drop_constraint(op.f("fk_objects_thread_owner_id_actors"), type_="foreignkey")
        batch.drop_column("reply_state")
        batch.drop_column("thread_owner_id")
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("hold_replies")
